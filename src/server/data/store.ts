/**
 * The reference API's in-memory data: a deterministic catalog and order book, one per server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  BundleRecord,
  CategoryRecord,
  OfferRecord,
  OrderLineRecord,
  OrderRecord,
  ProductRecord,
} from './records.js';

const CATEGORIES: readonly CategoryRecord[] = [
  { __typename: 'Category', id: 'cat-tools', name: 'Tools' },
  { __typename: 'Category', id: 'cat-garden', name: 'Garden' },
  { __typename: 'Category', id: 'cat-safety', name: 'Safety' },
];

function product(
  id: string,
  sku: string,
  name: string,
  description: string,
  categoryId: string,
  listPrice: number,
  wholesalePrice: number,
  unitCost: number,
  stock: number,
): ProductRecord {
  return { __typename: 'Product', id, sku, name, description, categoryId, listPrice, wholesalePrice, unitCost, stock };
}

const PRODUCTS: readonly ProductRecord[] = [
  product('prod-drill', 'TL-100', 'Cordless Drill', '18 V drill with two batteries', 'cat-tools', 129, 92, 61, 340),
  product('prod-saw', 'TL-200', 'Circular Saw', '1400 W saw, 190 mm blade', 'cat-tools', 149, 104, 70, 120),
  product('prod-hammer', 'TL-300', 'Claw Hammer', 'Steel shaft, 450 g head', 'cat-tools', 24, 15, 8, 900),
  product('prod-hose', 'GD-100', 'Garden Hose 25 m', 'Kink-free, with fittings', 'cat-garden', 39, 26, 17, 410),
  product('prod-mower', 'GD-200', 'Electric Mower', '38 cm cut, 40 l box', 'cat-garden', 219, 158, 119, 45),
  product('prod-gloves', 'SF-100', 'Work Gloves', 'Cut resistant, level 5', 'cat-safety', 12, 7, 4, 2500),
  product('prod-goggles', 'SF-200', 'Safety Goggles', 'Anti-fog, EN 166', 'cat-safety', 15, 9, 5, 1300),
  product('prod-helmet', 'SF-300', 'Hard Hat', 'Vented, adjustable', 'cat-safety', 29, 19, 11, 260),
];

const BUNDLES: readonly BundleRecord[] = [
  { __typename: 'Bundle', id: 'bundle-starter', name: 'Workshop Starter Kit', productIds: ['prod-drill', 'prod-hammer', 'prod-gloves'], listPrice: 149, wholesalePrice: 104 },
  { __typename: 'Bundle', id: 'bundle-safety', name: 'Site Safety Pack', productIds: ['prod-gloves', 'prod-goggles', 'prod-helmet'], listPrice: 49, wholesalePrice: 31 },
];

const OFFERS: readonly OfferRecord[] = [
  { __typename: 'PartnerOffer', id: 'offer-drill-q4', title: 'Drill volume deal', productId: 'prod-drill', discountPercent: 12, validUntil: '2026-12-31' },
  { __typename: 'PartnerOffer', id: 'offer-mower-spring', title: 'Mower pre-season', productId: 'prod-mower', discountPercent: 18, validUntil: '2027-03-31' },
];

function order(id: string, number: string, status: OrderRecord['status'], placedAt: string, clientId: string, lines: readonly OrderLineRecord[]): OrderRecord {
  return { __typename: 'Order', id, number, status, placedAt, clientId, lines };
}

const ORDERS: readonly OrderRecord[] = [
  order('order-1001', 'SO-1001', 'DELIVERED', '2026-09-14T09:12:00Z', 'acme-gold', [
    { productId: 'prod-drill', quantity: 20, unitPrice: 92 },
    { productId: 'prod-gloves', quantity: 100, unitPrice: 7 },
  ]),
  order('order-1002', 'SO-1002', 'SHIPPED', '2026-10-03T14:40:00Z', 'acme-gold', [{ productId: 'prod-mower', quantity: 5, unitPrice: 158 }]),
  order('order-1003', 'SO-1003', 'PLACED', '2026-11-02T08:05:00Z', 'acme-gold', [{ productId: 'prod-saw', quantity: 8, unitPrice: 104 }]),
  order('order-2001', 'SO-2001', 'DELIVERED', '2026-09-21T11:30:00Z', 'globex-silver', [{ productId: 'prod-hose', quantity: 60, unitPrice: 26 }]),
  order('order-2002', 'SO-2002', 'PLACED', '2026-10-28T16:20:00Z', 'globex-silver', [
    { productId: 'prod-helmet', quantity: 40, unitPrice: 19 },
    { productId: 'prod-goggles', quantity: 40, unitPrice: 9 },
  ]),
  order('order-3001', 'SO-3001', 'SHIPPED', '2026-10-11T10:00:00Z', 'initech-bronze', [{ productId: 'prod-hammer', quantity: 12, unitPrice: 24 }]),
];

/** Recommendations per shopper are the same for everyone in the demo: a deterministic pick. */
const RECOMMENDED = ['prod-drill', 'prod-helmet', 'prod-hose'];

/** The most orders the store keeps per partner: placing one more drops that partner's oldest. */
export const MAX_ORDERS_PER_PARTNER = 1000;

/** The most shoppers whose wishlists the store keeps: one more drops the least recently changed. */
export const MAX_WISHLISTS = 10_000;

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** Default {@link MAX_ORDERS_PER_PARTNER}. */
  readonly maxOrdersPerPartner?: number;
  /** Default {@link MAX_WISHLISTS}. */
  readonly maxWishlists?: number;
}

/** One server's data. Orders and wishlists change, within bounds; the catalog does not. */
export interface Store {
  readonly categories: readonly CategoryRecord[];
  readonly products: readonly ProductRecord[];
  readonly bundles: readonly BundleRecord[];
  readonly offers: readonly OfferRecord[];
  /** Every order, oldest first. */
  orders(): readonly OrderRecord[];
  /** One partner's orders, oldest first (at most `maxOrdersPerPartner`). */
  ordersOf(clientId: string): readonly OrderRecord[];
  product(id: string): ProductRecord | undefined;
  category(id: string): CategoryRecord | undefined;
  /** Any catalog or order object by id. */
  node(id: string): CategoryRecord | ProductRecord | BundleRecord | OfferRecord | OrderRecord | undefined;
  recommended(): readonly ProductRecord[];
  /**
   * Records a new order at wholesale prices, one line per product (quantities of a product named
   * twice are added); throws RangeError for an unknown product or a bad quantity.
   */
  placeOrder(clientId: string, lines: readonly { productId: string; quantity: number }[]): OrderRecord;
  /** Adds to a user's wishlist and returns it. */
  addToWishlist(userId: string, productId: string): readonly ProductRecord[];
}

/** Creates a fresh store with the demo data. */
export function createStore(options: StoreOptions = {}): Store {
  const maxOrders = options.maxOrdersPerPartner ?? MAX_ORDERS_PER_PARTNER;
  const maxWishlists = options.maxWishlists ?? MAX_WISHLISTS;
  if (!Number.isSafeInteger(maxOrders) || maxOrders < 1) throw new TypeError('"maxOrdersPerPartner" must be a positive integer');
  if (!Number.isSafeInteger(maxWishlists) || maxWishlists < 1) throw new TypeError('"maxWishlists" must be a positive integer');
  const orders: OrderRecord[] = [...ORDERS];
  const byClient = new Map<string, OrderRecord[]>();
  const ordersById = new Map<string, OrderRecord>();
  for (const item of ORDERS) {
    byClient.set(item.clientId, [...(byClient.get(item.clientId) ?? []), item]);
    ordersById.set(item.id, item);
  }
  // A Map keeps insertion order: re-inserting a changed wishlist makes the first one the least recently changed.
  const wishlists = new Map<string, string[]>();
  const productsById = new Map(PRODUCTS.map((item) => [item.id, item]));
  const nodes = new Map<string, CategoryRecord | ProductRecord | BundleRecord | OfferRecord>(
    [...CATEGORIES, ...PRODUCTS, ...BUNDLES, ...OFFERS].map((item) => [item.id, item]),
  );
  const mustProduct = (id: string): ProductRecord => {
    const found = productsById.get(id);
    if (found === undefined) throw new RangeError(`Unknown product: ${id}`);
    return found;
  };
  return {
    categories: CATEGORIES,
    products: PRODUCTS,
    bundles: BUNDLES,
    offers: OFFERS,
    orders: () => orders,
    ordersOf: (clientId) => byClient.get(clientId) ?? [],
    product: (id) => productsById.get(id),
    category: (id) => CATEGORIES.find((item) => item.id === id),
    node: (id) => nodes.get(id) ?? ordersById.get(id),
    recommended: () => RECOMMENDED.map(mustProduct),
    placeOrder(clientId, lines) {
      if (lines.length === 0 || lines.length > 50) throw new RangeError('An order has between 1 and 50 lines');
      const quantities = new Map<string, number>();
      for (const line of lines) {
        const quantity = (quantities.get(line.productId) ?? 0) + line.quantity;
        if (!Number.isInteger(line.quantity) || line.quantity < 1 || quantity > 10_000) {
          throw new RangeError('Quantities are integers between 1 and 10000');
        }
        quantities.set(line.productId, quantity);
      }
      const recordLines = [...quantities].map(([productId, quantity]) => ({ productId, quantity, unitPrice: mustProduct(productId).wholesalePrice }));
      // Opaque and random: a global sequence would tell every partner how many orders the others place.
      const created = order(`order-${randomUUID()}`, `SO-${randomBytes(5).toString('hex').toUpperCase()}`, 'PLACED', new Date().toISOString(), clientId, recordLines);
      const own = byClient.get(clientId) ?? [];
      if (own.length >= maxOrders) {
        // Bounded per partner: the oldest order goes, so one partner's writes cannot grow the store.
        const dropped = own.shift() as OrderRecord;
        ordersById.delete(dropped.id);
        orders.splice(orders.indexOf(dropped), 1);
      }
      own.push(created);
      byClient.set(clientId, own);
      ordersById.set(created.id, created);
      orders.push(created);
      return created;
    },
    addToWishlist(userId, productId) {
      mustProduct(productId);
      const list = wishlists.get(userId) ?? [];
      if (!list.includes(productId)) list.push(productId);
      wishlists.delete(userId);
      wishlists.set(userId, list);
      if (wishlists.size > maxWishlists) wishlists.delete(wishlists.keys().next().value as string);
      return list.map(mustProduct);
    },
  };
}
