/**
 * The reference API's resolvers, typed by the generated types (src/generated/graphql.ts).
 *
 * Access rules live in the schema, not here: these resolvers only ever see callers that the
 * directives admitted. "Own" data (a partner's orders and report) is selected by the caller's
 * client id, because that is a question of which rows, not of which fields.
 */
import { GraphQLError } from 'graphql';
import { JSONResolver } from 'graphql-scalars';
import { mayRead } from '../index.js';
import type { Resolvers } from '../generated/graphql.js';
import type { Store } from './data/store.js';
import { CURRENCY } from './data/records.js';
import { badInput, page } from './page.js';
import type { MoneyRecord, OrderRecord } from './data/records.js';

const money = (amount: number): MoneyRecord => ({ amount: Math.round(amount * 100) / 100, currency: CURRENCY });

const byId = (item: { readonly id: string }): string => item.id;

const total = (order: OrderRecord): number => order.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);


/** Builds the resolvers over one store. */
export function createResolvers(store: Store): Resolvers {
  const productOf = (id: string) => {
    const found = store.product(id);
    if (found === undefined) throw new Error(`Dangling product reference ${id}`);
    return found;
  };
  const cost = (order: OrderRecord): number =>
    order.lines.reduce((sum, line) => sum + line.quantity * productOf(line.productId).unitCost, 0);

  return {
    JSON: JSONResolver,

    Query: {
      viewer: (_parent, _args, context) => {
        // @authenticated guarantees a principal; stay closed if a policy change ever breaks that.
        if (context.principal === null) throw new GraphQLError('Authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
        return context.principal;
      },
      apiInfo: () => 'allow-clients reference partner API: catalog, orders and partner reports',
      products: (_parent, { categoryId, first, after }) => {
        const items = categoryId == null ? store.products : store.products.filter((item) => item.categoryId === categoryId);
        return page(items, byId, first, after);
      },
      product: (_parent, { id }) => store.product(id) ?? null,
      categories: (_parent, { first, after }) => page(store.categories, byId, first, after),
      node: (_parent, { id }, context, info) => {
        const found = store.node(id) ?? null;
        // Orders are only reachable by the partner that placed them (or through allOrders).
        if (found?.__typename === 'Order' && found.clientId !== context.principal?.client.id) return null;
        // An object of a type the caller may not see answers as an id that does not exist: withheld
        // with an error, it would tell which hidden ids exist (offer ids are guessable slugs).
        if (found !== null && !mayRead(info.schema, context.principal, found.__typename)) return null;
        return found;
      },
      search: (_parent, { text, first, after }, context, info) => {
        const needle = text.trim().toLowerCase();
        if (needle.length === 0) return [];
        // Match only on what the caller may read: a match on a hidden title would tell the title.
        const readable = (coordinate: string) => mayRead(info.schema, context.principal, coordinate);
        const matches = (coordinate: string, value: string) => readable(coordinate) && value.toLowerCase().includes(needle);
        const offers = readable('PartnerOffer') ? store.offers : [];
        const found = [
          ...store.products.filter((item) => matches('Product.name', item.name) || matches('Product.description', item.description)),
          ...store.bundles.filter((item) => matches('Bundle.name', item.name)),
          ...offers.filter(
            (item) => matches('PartnerOffer.title', item.title) || (readable('PartnerOffer.product') && matches('Product.name', productOf(item.productId).name)),
          ),
        ];
        return page(found, byId, first, after);
      },
      myOrders: (_parent, { first, after }, context) => {
        const clientId = context.principal?.client.id;
        return page(clientId === undefined ? [] : store.ordersOf(clientId), byId, first, after);
      },
      allOrders: (_parent, { first, after }) => page(store.orders(), byId, first, after),
      partnerReport: (_parent, { period }, context) => {
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw badInput('period must be a month as YYYY-MM');
        const clientId = context.principal?.client.id;
        if (clientId === undefined) return null;
        const orders = store.ordersOf(clientId).filter((item) => item.placedAt.startsWith(period));
        return { period, clientId, orders };
      },
      recommendedForYou: (_parent, { first, after }) => page(store.recommended(), byId, first, after),
    },

    Mutation: {
      placeOrder: (_parent, { input }, context) => {
        const clientId = context.principal?.client.id;
        if (clientId === undefined) throw new GraphQLError('Authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
        try {
          return store.placeOrder(clientId, input.lines);
        } catch (error) {
          if (error instanceof RangeError) throw badInput(error.message);
          throw error;
        }
      },
      addToWishlist: (_parent, { productId, first, after }, context) => {
        const userId = context.principal?.user?.id;
        if (userId === undefined) throw badInput('The wishlist belongs to a signed-in user: use a user token');
        try {
          return page(store.addToWishlist(userId, productId), byId, first, after);
        } catch (error) {
          if (error instanceof RangeError) throw badInput(error.message);
          throw error;
        }
      },
    },

    Viewer: {
      kind: (principal) => (principal.kind === 'machine' ? 'MACHINE' : 'USER'),
      client: (principal) => principal.client,
      user: (principal) => principal.user ?? null,
      scopes: (principal, { first, after }) => page(principal.scopes, (scope) => scope, first, after),
    },

    Client: {
      id: (client) => client.id,
      name: (client) => client.name,
      metadata: (client) => client.metadata,
    },

    Node: {
      __resolveType: (node) => node.__typename,
    },

    Priced: {
      __resolveType: (priced) => priced.__typename,
    },

    SearchResult: {
      __resolveType: (result) => result.__typename,
    },

    Category: {
      products: (category, { first, after }) => page(store.products.filter((item) => item.categoryId === category.id), byId, first, after),
    },

    Product: {
      category: (item) => {
        const found = store.category(item.categoryId);
        if (found === undefined) throw new Error(`Dangling category reference ${item.categoryId}`);
        return found;
      },
      listPrice: (item) => money(item.listPrice),
      wholesalePrice: (item) => money(item.wholesalePrice),
      stock: (item) => item.stock,
    },

    Bundle: {
      products: (bundle, { first, after }) => page(bundle.productIds.map(productOf), byId, first, after),
      listPrice: (bundle) => money(bundle.listPrice),
      wholesalePrice: (bundle) => money(bundle.wholesalePrice),
    },

    PartnerOffer: {
      product: (offer) => productOf(offer.productId),
    },

    Order: {
      lines: (order, { first, after }) => page(order.lines, (line) => line.productId, first, after),
      total: (order) => money(total(order)),
      margin: (order) => money(total(order) - cost(order)),
    },

    OrderLine: {
      product: (line) => productOf(line.productId),
      unitPrice: (line) => money(line.unitPrice),
    },

    PartnerReport: {
      orderCount: (report) => report.orders.length,
      revenue: (report) => money(report.orders.reduce((sum, item) => sum + total(item), 0)),
      topProducts: (report, { first, after }) => {
        const quantities = new Map<string, number>();
        for (const item of report.orders) {
          for (const line of item.lines) quantities.set(line.productId, (quantities.get(line.productId) ?? 0) + line.quantity);
        }
        const ranked = [...quantities].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id]) => productOf(id));
        return page(ranked, byId, first, after);
      },
    },
  };
}
