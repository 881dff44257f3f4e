import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll } from 'vitest';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { accessKeyOf, type JsonValue, type Principal } from '../../src/auth/principal.js';
import type { AuthContext } from '../../src/auth/context.js';
import { allowClientsPlugin } from '../../src/apollo/allowClientsPlugin.js';
import { applyAllowClients, type ApplyAllowClientsOptions } from '../../src/directives/applyAllowClients.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';

/** Builds a principal the way a preset does; auth itself is tested in test/auth. */
export function principal(
  kind: 'machine' | 'user',
  id: string,
  options: { name?: string; metadata?: Record<string, JsonValue>; scopes?: string[] } = {},
): Principal {
  const client = { id, name: options.name ?? null, metadata: options.metadata ?? null };
  const scopes = options.scopes ?? [];
  return {
    kind,
    client,
    ...(kind === 'user' ? { user: { id: 'user-1' } } : {}),
    scopes,
    claims: {},
    accessKey: accessKeyOf({ kind, client, scopes }),
  };
}

/** The demo callers of the matrix. */
export const callers = {
  goldById: principal('machine', 'partner-gold', { name: 'Gold Partner', metadata: { tier: 'gold' }, scopes: ['orders:read'] }),
  silverByName: principal('machine', 'partner-silver', { name: 'Acme Silver', metadata: { tier: 'silver' } }),
  platinumByTier: principal('machine', 'partner-platinum', { name: 'Platinum Co', metadata: { tier: 'platinum' } }),
  storefrontUser: principal('user', 'storefront'),
  storefrontMachine: principal('machine', 'storefront'),
  unlisted: principal('machine', 'stranger', { name: 'Stranger', metadata: { tier: 'free' } }),
  anonymous: null,
} as const satisfies Record<string, Principal | null>;

export type CallerName = keyof typeof callers;

/** Values that must never appear in a response to a caller denied their field. */
export const SECRET = {
  margin: 4242.42,
  note: 'note-7f3a',
  wholesale: 1717.17,
  internal: 'internal-9c2e',
  cost: 3131.31,
  profile: 'profile-55d1',
  revenue: 8080.08,
} as const;

export const typeDefs = /* GraphQL */ `
  type Query {
    orders: [Order!]!
    "nullable items: a denied non-null field nulls each item"
    looseOrders: [Order]
    customers: [Customer!]!
    nodes: [Node!]!
    search: [SearchResult!]!
    stats: PartnerStats
    profile: String @allowClients(ids: ["storefront"], users: true)
    info: String @public
  }
  type Mutation {
    placeOrder: Order @allowClients(metadata: [{ key: "tier", in: ["gold", "platinum"] }])
    touch: Boolean
  }
  type Subscription {
    orderPlaced: Order @allowClients(ids: ["partner-gold"])
  }
  interface Node {
    id: ID!
  }
  interface Priced {
    wholesale: Float @allowClients(metadata: [{ key: "tier", in: ["gold", "platinum"] }])
  }
  type Customer {
    name: String
    orders: [Order!]!
  }
  type Order implements Node & Priced {
    id: ID!
    total: Float
    "by id, explicit resolver"
    margin: Float @allowClients(ids: ["partner-gold"])
    "by name, default resolver"
    note: String @allowClients(names: ["Acme Silver"])
    "by metadata tier, through the interface"
    wholesale: Float @allowClients(metadata: [{ key: "tier", in: ["gold", "platinum"] }])
    "machine tokens of listed clients only: users false"
    internal: String @allowClients(ids: ["storefront", "partner-gold"])
    "non-null, by scope"
    cost: Float! @requireScopes(anyOf: [["orders:read"], ["admin"]])
  }
  type Product implements Node & Priced {
    id: ID!
    name: String
    wholesale: Float @allowClients(metadata: [{ key: "tier", in: ["gold", "platinum"] }])
  }
  union SearchResult = Order | Product
  "Type-level: every field of the type, and every field returning it."
  type PartnerStats @allowClients(metadata: [{ key: "tier", in: ["gold"] }]) {
    revenue: Float
  }
`;

/** Resolver calls, by coordinate: a denied field must stay at zero. */
export type Calls = Record<string, number>;

/** Orders whose protected values are getters, so that default-resolver reads are counted too. */
export function makeOrders(count: number, calls: Calls): object[] {
  const hit = (coordinate: string): void => {
    calls[coordinate] = (calls[coordinate] ?? 0) + 1;
  };
  return Array.from({ length: count }, (_, index) => ({
    __typename: 'Order',
    id: `o${index}`,
    total: 10 + index,
    get note() {
      hit('Order.note');
      return SECRET.note;
    },
    get wholesale() {
      hit('Order.wholesale');
      return SECRET.wholesale;
    },
    get internal() {
      hit('Order.internal');
      return SECRET.internal;
    },
    get cost() {
      hit('Order.cost');
      return SECRET.cost;
    },
  }));
}

/** An executable schema over the fixture SDL with counted resolvers. */
export function makeSchema(calls: Calls, options: { orderCount?: number } = {}): GraphQLSchema {
  const count = options.orderCount ?? 3;
  const hit = (coordinate: string): void => {
    calls[coordinate] = (calls[coordinate] ?? 0) + 1;
  };
  const product = { __typename: 'Product', id: 'p1', name: 'Widget', get wholesale() { hit('Product.wholesale'); return SECRET.wholesale; } };
  return makeExecutableSchema({
    typeDefs: [authDirectiveTypeDefs, typeDefs],
    resolvers: {
      Query: {
        orders: () => {
          hit('Query.orders');
          return makeOrders(count, calls);
        },
        looseOrders: () => makeOrders(count, calls),
        customers: () => [{ name: 'c1', orders: makeOrders(2, calls) }, { name: 'c2', orders: makeOrders(2, calls) }],
        nodes: () => [...makeOrders(1, calls), product],
        search: () => [...makeOrders(1, calls), product],
        stats: () => {
          hit('Query.stats');
          return { revenue: SECRET.revenue };
        },
        profile: () => {
          hit('Query.profile');
          return SECRET.profile;
        },
        info: () => 'public info',
      },
      Mutation: {
        placeOrder: () => {
          hit('Mutation.placeOrder');
          return makeOrders(1, calls)[0];
        },
        touch: () => {
          hit('Mutation.touch');
          return true;
        },
      },
      Subscription: {
        orderPlaced: {
          subscribe: async function* () {
            hit('Subscription.orderPlaced');
            yield { orderPlaced: makeOrders(1, calls)[0] };
            yield { orderPlaced: makeOrders(1, calls)[0] };
          },
        },
      },
      Order: {
        margin: () => {
          hit('Order.margin');
          return SECRET.margin;
        },
      },
      Node: { __resolveType: (value: { __typename: string }) => value.__typename },
      Priced: { __resolveType: (value: { __typename: string }) => value.__typename },
      SearchResult: { __resolveType: (value: { __typename: string }) => value.__typename },
    },
  });
}

/** A started Apollo Server (no HTTP) over the fixture schema, and its resolver counter. */
export async function startServer(options: ApplyAllowClientsOptions & { orderCount?: number } = {}, calls: Calls = {}): Promise<{
  server: ApolloServer<AuthContext>;
  calls: Calls;
  run: (query: string, caller: Principal | null, variables?: Record<string, unknown>) => Promise<Outcome>;
}> {
  const schema = applyAllowClients(makeSchema(calls, options), options);
  const server = new ApolloServer<AuthContext>({ schema, plugins: [allowClientsPlugin()] });
  await server.start();
  const run = async (query: string, caller: Principal | null, variables?: Record<string, unknown>): Promise<Outcome> => {
    const response = await server.executeOperation<Record<string, unknown>>(
      { query, ...(variables ? { variables } : {}) },
      { contextValue: { principal: caller } },
    );
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const { data, errors } = response.body.singleResult;
    return {
      status: response.http.status ?? 200,
      headers: response.http.headers,
      data: data ?? null,
      errors: (errors ?? []).map((error) => ({
        message: error.message,
        path: error.path ?? null,
        code: error.extensions?.['code'],
        coordinate: error.extensions?.['coordinate'],
        coordinates: error.extensions?.['coordinates'],
      })),
      text: JSON.stringify(response.body.singleResult),
    };
  };
  return { server, calls, run };
}

/** What a test looks at in a response. */
export interface Outcome {
  status: number;
  headers: Map<string, string>;
  data: Record<string, unknown> | null;
  errors: { message: string; path: readonly (string | number)[] | null; code: unknown; coordinate: unknown; coordinates: unknown }[];
  /** The whole body, to prove that a denied value did not leak. */
  text: string;
}

/**
 * Starts a server for the enclosing describe block and stops it after the block. `run` and `calls`
 * are stable, so a block destructures them once: `const { run, calls } = useServer({ mode: 'reject' })`.
 */
export function useServer(options: ApplyAllowClientsOptions & { orderCount?: number } = {}): {
  run: (query: string, caller: Principal | null, variables?: Record<string, unknown>) => Promise<Outcome>;
  calls: Calls;
} {
  const calls: Calls = {};
  let started: Awaited<ReturnType<typeof startServer>> | undefined;
  beforeAll(async () => {
    started = await startServer(options, calls);
  });
  afterAll(async () => {
    await started?.server.stop();
  });
  return {
    run: (query, caller, variables) => {
      if (started === undefined) throw new Error('the server of this describe block has not started');
      return started.run(query, caller, variables);
    },
    calls,
  };
}
