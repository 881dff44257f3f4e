/**
 * A caller learns nothing of what it may not see: an object whose type carries a rule the caller
 * does not pass is withheld whole when it is met through an interface or a union, `__typename`
 * included, and no error names the hidden type.
 */
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/context.js';
import type { Principal } from '../../src/auth/principal.js';
import { allowClientsPlugin } from '../../src/apollo/allowClientsPlugin.js';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { checkOperation } from '../../src/directives/checkOperation.js';
import { completeResult } from '../../src/directives/completeResult.js';
import type { EnforcementMode } from '../../src/directives/decideOperation.js';
import { mayRead } from '../../src/directives/mayRead.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';
import { principal } from './fixtures.js';

const SECRET_TITLE = 'title-4e1b';

const typeDefs = /* GraphQL */ `
  type Query {
    results: [Result]!
    nodes: [Node]!
    node(id: ID!): Node
  }
  interface Node {
    id: ID!
  }
  type Item implements Node {
    id: ID!
    name: String
  }
  "Type-level: gold partners only."
  type Offer implements Node @allowClients(metadata: [{ key: "tier", in: ["gold"] }]) {
    id: ID!
    title: String
  }
  union Result = Item | Offer
`;

const gold = principal('machine', 'partner-gold', { metadata: { tier: 'gold' } });
const bronze = principal('machine', 'partner-bronze', { metadata: { tier: 'bronze' } });

/** 1,000 items, every other one an Offer; the offers' titles are getters, so a read is counted. */
function makeSchema(calls: Record<string, number>, mode: EnforcementMode) {
  const hit = (key: string): void => {
    calls[key] = (calls[key] ?? 0) + 1;
  };
  const objects = Array.from({ length: 1000 }, (_, index) =>
    index % 2 === 0
      ? { __typename: 'Item', id: `item-${index}`, name: `Item ${index}` }
      : {
          __typename: 'Offer',
          id: `offer-${index}`,
          get title() {
            hit('Offer.title');
            return SECRET_TITLE;
          },
        },
  );
  return applyAllowClients(
    makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, typeDefs],
      resolvers: {
        Query: {
          results: () => objects,
          nodes: () => objects,
          node: (_: unknown, { id }: { id: string }) => objects.find((object) => object.id === id) ?? null,
        },
        Node: { __resolveType: (value: { __typename: string }) => value.__typename },
        Result: { __resolveType: (value: { __typename: string }) => value.__typename },
      },
    }),
    { mode },
  );
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  data: Record<string, unknown> | null;
  errors: { path: readonly (string | number)[] | null; code: unknown; coordinate: unknown; coordinates: unknown; message: string }[];
  text: string;
}

function useApollo(mode: EnforcementMode): { run: (query: string, caller: Principal) => Promise<Answer>; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  let server: ApolloServer<AuthContext> | undefined;
  beforeAll(async () => {
    server = new ApolloServer<AuthContext>({ schema: makeSchema(calls, mode), plugins: [allowClientsPlugin()] });
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const run = async (query: string, caller: Principal): Promise<Answer> => {
    const response = await (server as ApolloServer<AuthContext>).executeOperation<Record<string, unknown>>({ query }, { contextValue: { principal: caller } });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const { data, errors } = response.body.singleResult;
    return {
      status: response.http.status ?? 200,
      headers: response.http.headers,
      data: data ?? null,
      errors: (errors ?? []).map((error) => ({
        path: error.path ?? null,
        code: error.extensions?.['code'],
        coordinate: error.extensions?.['coordinate'],
        coordinates: error.extensions?.['coordinates'],
        message: error.message,
      })),
      text: JSON.stringify(response.body.singleResult),
    };
  };
  return { run, calls };
}

describe('objects of a type the caller may not see (filter mode, Apollo Server)', () => {
  const { run, calls } = useApollo('filter');

  it('withholds them whole through a union, __typename included, with one error per selection', async () => {
    const answer = await run('{ results { __typename } }', bronze);
    const results = answer.data?.['results'] as ({ __typename: string } | null)[];
    expect(results).toHaveLength(1000);
    expect(results.filter((item) => item === null)).toHaveLength(500);
    expect(results.filter((item) => item !== null).every((item) => item?.__typename === 'Item')).toBe(true);
    expect(answer.errors).toEqual([
      { path: ['results'], code: 'FORBIDDEN', coordinate: 'Query.results', coordinates: undefined, message: 'Not allowed for this client: Query.results' },
    ]);
    expect(answer.text).not.toContain('Offer');
    expect(answer.status).toBe(200);
  });

  it('withholds them through an interface and never reads their fields', async () => {
    const before = calls['Offer.title'] ?? 0;
    const answer = await run('{ nodes { id ... on Offer { title } } }', bronze);
    const nodes = answer.data?.['nodes'] as ({ id: string } | null)[];
    expect(nodes.filter((item) => item === null)).toHaveLength(500);
    expect(answer.errors.map((error) => [error.path, error.coordinate])).toEqual([[['nodes'], 'Query.nodes']]);
    expect(answer.text).not.toContain(SECRET_TITLE);
    expect(answer.text).not.toMatch(/offer/i);
    expect(calls['Offer.title'] ?? 0).toBe(before);
  });

  it('withholds a single object: null, the error names the field, not the type', async () => {
    const answer = await run('{ node(id: "offer-1") { __typename id } }', bronze);
    expect(answer.data).toEqual({ node: null });
    expect(answer.errors).toEqual([{ path: ['node'], code: 'FORBIDDEN', coordinate: 'Query.node', coordinates: undefined, message: 'Not allowed for this client: Query.node' }]);
    expect(answer.text).not.toMatch(/offer/i);
  });

  it('shows them to a caller the type rule admits', async () => {
    const answer = await run('{ node(id: "offer-1") { __typename ... on Offer { title } } }', gold);
    expect(answer.data).toEqual({ node: { __typename: 'Offer', title: SECRET_TITLE } });
    expect(answer.errors).toEqual([]);
  });
});

describe('objects of a type the caller may not see (reject mode, Apollo Server)', () => {
  const { run } = useApollo('reject');

  it('does not refuse an operation for a hidden type it might meet, nor name that type', async () => {
    const answer = await run('{ node(id: "item-0") { __typename ... on Node { id } } }', bronze);
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ node: { __typename: 'Item', id: 'item-0' } });
  });

  it('refuses the whole response when a hidden object is met, naming the field only', async () => {
    const answer = await run('{ node(id: "offer-1") { __typename ... on Node { id } } }', bronze);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([{ path: null, code: 'FORBIDDEN', coordinate: 'Query.node', coordinates: ['Query.node'], message: 'Not allowed for this client: Query.node' }]);
    expect(answer.text).not.toMatch(/offer/i);
  });

  it('names no hidden type in the coordinates of a refusal', async () => {
    const answer = await run('{ results { ... on Offer { title } } }', bronze);
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('Offer.');
  });
});

describe('objects of a type the caller may not see (graphql-js execute, guards only)', () => {
  it('withholds them with any graphql-js server, and checkOperation names no hidden type', async () => {
    const calls: Record<string, number> = {};
    const schema = makeSchema(calls, 'filter');
    const document = parse('{ nodes { __typename ... on Offer { title } } }');
    const decision = checkOperation({ schema, document, principal: bronze });
    expect(decision?.denials).toEqual([]);
    expect([...(decision?.withheld.keys() ?? [])]).toEqual(['Offer']);
    const result = await execute({ schema, document, contextValue: { principal: bronze } });
    const nodes = result.data?.['nodes'] as unknown[];
    expect(nodes.filter((item) => item === null)).toHaveLength(500);
    expect(JSON.stringify(result.data)).not.toMatch(/offer/i);
    expect(calls['Offer.title']).toBeUndefined();
    expect(result.errors?.[0]?.extensions['coordinate']).toBe('Query.nodes');
  });
});

describe('objects of a type the caller may not see (graphql-js execute + completeResult, reject mode)', () => {
  it('turns the response into the refusal, naming the field only', async () => {
    const schema = makeSchema({}, 'reject');
    const document = parse('{ node(id: "offer-1") { __typename } }');
    const contextValue = { principal: bronze };
    expect(checkOperation({ schema, document, principal: bronze, contextValue })?.refusal).toBeNull();
    const result = await execute({ schema, document, contextValue });
    const completed = completeResult({ result, contextValue, realm: 'test', headers: 'record' });
    expect(completed.data).toBeUndefined();
    expect(completed.errors?.map((error) => error.extensions)).toEqual([
      {
        code: 'FORBIDDEN',
        coordinate: 'Query.node',
        coordinates: ['Query.node'],
        http: { status: 403, headers: { 'www-authenticate': 'Bearer realm="test", error="insufficient_scope", error_description="Not allowed for this client"' } },
      },
    ]);
    expect(JSON.stringify(completed)).not.toMatch(/offer/i);
  });
});

describe('mayRead', () => {
  const schema = makeSchema({}, 'filter');

  it('answers for fields and types as the enforcement decides them', () => {
    expect(mayRead(schema, bronze, 'Offer')).toBe(false);
    expect(mayRead(schema, bronze, 'Offer.title')).toBe(false);
    expect(mayRead(schema, bronze, 'Item.name')).toBe(true);
    expect(mayRead(schema, gold, 'Offer.title')).toBe(true);
    expect(mayRead(schema, null, 'Item.name')).toBe(false);
  });

  it('refuses a coordinate that names nothing, and a schema that was not prepared', () => {
    expect(() => mayRead(schema, gold, 'Offer.titel')).toThrow(new TypeError('"Offer.titel" is not a field of this schema'));
    expect(() => mayRead(schema, gold, 'Node.id')).toThrow(TypeError);
    expect(() => mayRead(makeExecutableSchema({ typeDefs: 'type Query { a: Int }' }), gold, 'Query.a')).toThrow(/applyAllowClients/);
  });
});
