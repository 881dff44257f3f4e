import { ApolloServer } from '@apollo/server';
import type { GraphQLResponse } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { buildSchema as buildSchemaOf, parse, validate } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationLimitsPlugin } from '../../src/apollo/index.js';
import { createOperationLimits, DEFAULT_LIST_SIZE, LimitError } from '../../src/index.js';
import type { AuthContext, OperationLimits, Principal } from '../../src/index.js';
import { limitCodeOf, machinePrincipal } from '../helpers/limitCases.js';

/**
 * The operation limits on their own: measures cross-checked against graphql-armor's own rules and
 * graphql's parser, tiers from client metadata, and the Apollo plugin in the real request pipeline.
 */

const typeDefs = /* GraphQL */ `
  type Query { node: Node!, nodes(first: Int): [Node!]!, ping: String! }
  type Node { id: ID!, name: String!, child: Node!, children(first: Int): [Node!]! }
`;

let calls = 0;
const node = (depth: number): Record<string, unknown> => ({
  id: `n${depth}`,
  name: `node ${depth}`,
  child: () => node(depth + 1),
  children: () => [node(depth + 1)],
});
const schema: GraphQLSchema = makeExecutableSchema({
  typeDefs,
  resolvers: {
    Query: {
      node: () => {
        calls += 1;
        return node(0);
      },
      nodes: () => {
        calls += 1;
        return [node(0)];
      },
      ping: () => {
        calls += 1;
        return 'pong';
      },
    },
  },
});

/** `{ node { child { child { ... id } } } }` with `levels` object levels below `node`. */
function deepQuery(levels: number): string {
  return `{ node { ${'child { '.repeat(levels)}id${' }'.repeat(levels)} } }`;
}
function aliasQuery(count: number): string {
  return `{ ${Array.from({ length: count }, (_, index) => `a${index}: ping`).join(' ')} }`;
}

const bronze = machinePrincipal({ tier: 'bronze' }, 'bronze-app');
const platinum = machinePrincipal({ tier: 'platinum' }, 'platinum-app');

describe('createOperationLimits', () => {
  it.each([
    [{ default: { depth: 0 } }, '"default.depth" must be an integer >= 1'],
    [{ default: { depth: 2.5 } }, '"default.depth" must be an integer >= 1'],
    [{ default: { aliases: -1 } }, '"default.aliases" must be an integer >= 0'],
    [{ default: { tokens: '100' } }, '"default.tokens" must be an integer >= 1'],
    [{ default: { height: 3 } }, '"default.height" is not a limit'],
    [{ tiers: { key: '', values: {} } }, '"tiers.key" must be a non-empty string'],
    [{ tiers: { key: 'tier' } }, '"tiers.values" must be an object'],
    [{ tiers: { key: 'tier', values: { gold: { cost: Infinity } } } }, '"tiers.values.gold.cost" must be an integer >= 1'],
    [{ costModel: { depthCostFactor: -1 } }, '"costModel.depthCostFactor" must be a finite number >= 0'],
    [{ flattenFragments: 'yes' }, '"flattenFragments" must be a boolean'],
    [{ logger: { info: () => undefined } }, '"logger" must be a pino-compatible logger with a debug() method'],
    [{ maxDepth: 3 }, '"maxDepth" is not an option'],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    expect(() => createOperationLimits(options as never)).toThrow(TypeError);
    expect(() => createOperationLimits(options as never)).toThrow(message);
  });

  it('gives a tier its own limits over the defaults, and the defaults to unknown tiers and anonymous callers', () => {
    const limits = createOperationLimits({
      default: { depth: 5, aliases: 4, tokens: 200, cost: 100 },
      tiers: { key: 'tier', values: { platinum: { depth: 9, cost: 1000 } } },
    });
    expect(limits.limitsFor(platinum)).toEqual({ depth: 9, aliases: 4, tokens: 200, cost: 1000 });
    expect(limits.limitsFor(bronze)).toEqual({ depth: 5, aliases: 4, tokens: 200, cost: 100 });
    expect(limits.limitsFor(machinePrincipal({ tier: ['platinum'] }))).toEqual(limits.limitsFor(bronze));
    expect(limits.limitsFor(null)).toEqual(limits.limitsFor(bronze));
  });

  it('sets the parser limit to the highest token limit of any tier', () => {
    const limits = createOperationLimits({ default: { tokens: 100 }, tiers: { key: 'tier', values: { platinum: { tokens: 400 }, bronze: { tokens: 50 } } } });
    expect(limits.maxTokens).toBe(400);
    expect(limits.parseOptions).toMatchObject({ maxLexicalTokens: 400 });
  });
});

describe('operation measures', () => {
  const limits = createOperationLimits();
  const documents = [
    deepQuery(0),
    deepQuery(7),
    aliasQuery(12),
    '{ nodes(first: 50) { id children(first: 3) { name } } }',
    'query A { ...F } fragment F on Query { node { child { ...G } } } fragment G on Node { a: id b: name child { id } }',
    '{ node { ... on Node { child { ... on Node { id } } } } }',
    '# comment\n{ ping # trailing\n }',
  ];

  it.each(documents)('agrees with graphql-armor rules at the measured value: %s', (text) => {
    const document = parse(text);
    const [measured] = [...limits.measure(schema, document).operations.values()];
    if (measured === undefined) throw new Error('no operation measured');
    // graphql-armor's own rules accept at the measured value and reject just below it.
    const errorsAt = (rule: Parameters<typeof validate>[2]): number => validate(schema, document, rule).length;
    const rejects = (run: () => number): boolean => {
      try {
        return run() > 0;
      } catch {
        return true;
      }
    };
    expect(rejects(() => errorsAt([maxDepthRule({ n: measured.depth })]))).toBe(false);
    expect(rejects(() => errorsAt([maxAliasesRule({ n: measured.aliases })]))).toBe(false);
    expect(rejects(() => errorsAt([costLimitRule({ maxCost: measured.cost })]))).toBe(false);
    if (measured.depth > 0) expect(rejects(() => errorsAt([maxDepthRule({ n: measured.depth - 1 })]))).toBe(true);
    if (measured.aliases > 0) expect(rejects(() => errorsAt([maxAliasesRule({ n: measured.aliases - 1 })]))).toBe(true);
    expect(rejects(() => errorsAt([costLimitRule({ maxCost: measured.cost - 0.5 })]))).toBe(true);
  });

  it.each(documents)("counts tokens exactly as graphql's parser limit does: %s", (text) => {
    const tokens = limits.measure(schema, parse(text)).tokens;
    expect(() => parse(text, { maxLexicalTokens: tokens })).not.toThrow();
    expect(() => parse(text, { maxLexicalTokens: tokens - 1 })).toThrow(/tokens/);
  });

  it('measures each operation of a document on its own', () => {
    const document = parse(`query Shallow { ping } query Deep ${deepQuery(6).slice(0)}`);
    const measured = [...limits.measure(schema, document).operations.values()];
    expect(measured.map((m) => m.depth)).toEqual([1, 8]);
  });
});

describe('cost with variables and defaults (issue 10, finding 5)', () => {
  // Default tier: cost 40; `{ nodes(first: 30) { id name } }` costs (2 + 1.5 + 1.5) × 30 = 150.
  const limits = createOperationLimits({ default: { cost: 40 } });
  const costly = (text: string, variables?: Record<string, unknown>): string | null =>
    limitCodeOf(() => limits.check({ schema, document: parse(text), principal: bronze, variables: variables ?? null }));

  it('counts a size given by a variable at its value', () => {
    const text = 'query Q($n: Int) { nodes(first: $n) { id name } }';
    expect(limits.costOf({ schema, document: parse(text), variables: { n: 30 } })).toBe(150);
    expect(costly(text, { n: 30 })).toBe('ERR_QUERY_TOO_COSTLY');
    expect(costly(text, { n: 5 })).toBeNull();
  });

  it("counts a variable's default when the request leaves it out", () => {
    const text = 'query Q($n: Int = 30) { nodes(first: $n) { id name } }';
    expect(costly(text, {})).toBe('ERR_QUERY_TOO_COSTLY');
    expect(costly(text)).toBe('ERR_QUERY_TOO_COSTLY');
    expect(limits.measure(schema, parse(text)).operations.values().next().value?.cost).toBe(150);
  });

  it("counts the argument's default in the schema, and a list without a size as the default list size", () => {
    const sized = buildSchemaOf('type Query { items(first: Int = 30): [Item!]!, all: [Item!]!, one: Item } type Item { id: ID! }');
    const costOf = (text: string, model?: { defaultListSize: number }): number =>
      createOperationLimits(model === undefined ? {} : { costModel: model }).costOf({ schema: sized, document: parse(text) });
    expect(costOf('{ items { id } }')).toBe(30 * (2 + 1.5));
    expect(costOf('{ items(first: null) { id } }')).toBe(DEFAULT_LIST_SIZE * (2 + 1.5));
    expect(costOf('{ all { id } }')).toBe(DEFAULT_LIST_SIZE * (2 + 1.5));
    expect(costOf('{ all { id } }', { defaultListSize: 100 })).toBe(100 * (2 + 1.5));
    expect(costOf('{ one { id } }')).toBe(2 + 1.5);
  });

  it('counts sizes inside fragments with the same variables', () => {
    const text = 'query Q($n: Int!) { ...F } fragment F on Query { nodes(first: $n) { ...G } } fragment G on Node { id name }';
    expect(costly(text, { n: 30 })).toBe('ERR_QUERY_TOO_COSTLY');
    expect(costly(text, { n: 1 })).toBeNull();
  });

  it('counts variables that do not coerce (graphql refuses them before any resolver) as their defaults, else the default list size', () => {
    expect(costly('query Q($n: Int = 30) { nodes(first: $n) { id name } }', { n: 'many' })).toBe('ERR_QUERY_TOO_COSTLY');
    const unknown = parse('query Q($n: Int) { nodes(first: $n) { id name } }');
    expect(limits.costOf({ schema, document: unknown, variables: { n: 'many' } })).toBe(DEFAULT_LIST_SIZE * (2 + 1.5 + 1.5));
  });

  it('refuses a wrong default list size by name', () => {
    expect(() => createOperationLimits({ costModel: { defaultListSize: 0 } })).toThrow(new TypeError('"costModel.defaultListSize" must be an integer >= 1'));
    expect(() => createOperationLimits({ costModel: { listSize: 3 } as never })).toThrow(TypeError);
  });
});

describe('OperationLimits.check', () => {
  const limits = createOperationLimits({
    default: { depth: 4, aliases: 3, tokens: 60, cost: 40 },
    tiers: { key: 'tier', values: { platinum: { depth: 8, aliases: 10, tokens: 120, cost: 400 } } },
  });
  const check = (text: string, who: Principal | null, operationName?: string): void => {
    limits.check({ schema, document: parse(text), principal: who, operationName: operationName ?? null });
  };

  it.each([
    ['a deep query', deepQuery(4), 'ERR_QUERY_TOO_DEEP'],
    ['an alias flood', aliasQuery(5), 'ERR_TOO_MANY_ALIASES'],
    ['too many tokens', `{ ${'ping '.repeat(70)}}`, 'ERR_TOO_MANY_TOKENS'],
    ['a costly query', '{ nodes(first: 30) { id name } }', 'ERR_QUERY_TOO_COSTLY'],
  ])('refuses %s for the default tier and admits it for platinum', (_name, text, code) => {
    expect(limitCodeOf(() => check(text, bronze))).toBe(code);
    expect(limitCodeOf(() => check(text, null))).toBe(code);
    expect(limitCodeOf(() => check(text, platinum))).toBeNull();
  });

  it('checks the chosen operation only, and every operation when none is named', () => {
    const text = `query Shallow { ping } query Deep ${deepQuery(5)}`;
    expect(limitCodeOf(() => check(text, bronze, 'Shallow'))).toBeNull();
    expect(limitCodeOf(() => check(text, bronze, 'Deep'))).toBe('ERR_QUERY_TOO_DEEP');
    expect(limitCodeOf(() => check(text, bronze))).toBe('ERR_QUERY_TOO_DEEP');
  });

  it('counts fragments: depth hidden in a named fragment is still found', () => {
    const text = 'query { ...F } fragment F on Query { node { child { child { child { id } } } } }';
    expect(limitCodeOf(() => check(text, bronze))).toBe('ERR_QUERY_TOO_DEEP');
  });

  it('keeps the measured value and the limit out of the message, in the detail for the log', () => {
    const logged: Record<string, unknown>[] = [];
    const ignore = (): void => undefined;
    const logging = createOperationLimits({ default: { depth: 2 }, logger: { info: (object) => logged.push(object), debug: ignore, warn: ignore, error: ignore } });
    let caught: unknown;
    try {
      logging.check({ schema, document: parse(deepQuery(3)), principal: bronze });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LimitError);
    expect((caught as LimitError).message).toBe('The operation is nested too deeply');
    expect((caught as LimitError).detail).toBe('depth 5 > 2');
    expect(logged).toEqual([{ code: 'ERR_QUERY_TOO_DEEP', clientId: 'bronze-app', tier: null, measured: 5, limit: 2 }]);
  });
});

describe('operationLimitsPlugin', () => {
  let limits: OperationLimits;
  let server: ApolloServer<AuthContext>;

  beforeAll(async () => {
    limits = createOperationLimits({
      default: { depth: 4, aliases: 3, tokens: 60, cost: 40 },
      tiers: { key: 'tier', values: { platinum: { depth: 8, aliases: 10, tokens: 120, cost: 400 } } },
    });
    server = new ApolloServer<AuthContext>({
      schema,
      parseOptions: limits.parseOptions,
      plugins: [operationLimitsPlugin(limits)],
    });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function run(query: string, who: Principal | null): Promise<{ status: number | undefined; result: Record<string, unknown> }> {
    const response: GraphQLResponse = await server.executeOperation({ query }, { contextValue: { principal: who } });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, result: response.body.singleResult as Record<string, unknown> };
  }

  it('refuses with the per-tier limit before any resolver runs', async () => {
    calls = 0;
    const denied = await run(deepQuery(5), bronze);
    expect(denied.status).toBe(400);
    expect(denied.result).toEqual({ errors: [{ message: 'The operation is nested too deeply', extensions: { code: 'QUERY_TOO_DEEP' } }] });
    expect(calls).toBe(0);
    const admitted = await run(deepQuery(5), platinum);
    expect(admitted.status).toBeUndefined();
    expect(admitted.result['errors']).toBeUndefined();
    expect(calls).toBe(1);
  });

  it.each([
    [aliasQuery(4), 'TOO_MANY_ALIASES', 'The operation has too many aliases'],
    ['{ nodes(first: 30) { id name } }', 'QUERY_TOO_COSTLY', 'The operation is too costly'],
    [`{ ${'ping '.repeat(80)}}`, 'TOO_MANY_TOKENS', 'The operation has too many tokens'],
  ])('answers %s with 400 and its code', async (query, code, message) => {
    calls = 0;
    const denied = await run(query, bronze);
    expect(denied.status).toBe(400);
    expect(denied.result).toEqual({ errors: [{ message, extensions: { code } }] });
    expect(calls).toBe(0);
  });

  it('refuses a size given by a variable or its default, before any resolver runs', async () => {
    for (const request of [
      { query: 'query Q($n: Int) { nodes(first: $n) { id name } }', variables: { n: 30 } },
      { query: 'query Q($n: Int = 30) { nodes(first: $n) { id name } }' },
    ]) {
      calls = 0;
      const response = await server.executeOperation(request, { contextValue: { principal: bronze } });
      expect(response.http.status).toBe(400);
      expect(response.body.kind === 'single' ? response.body.singleResult : null).toEqual({ errors: [{ message: 'The operation is too costly', extensions: { code: 'QUERY_TOO_COSTLY' } }] });
      expect(calls).toBe(0);
    }
  });

  it('stops a document above every tier at the parser, still as TOO_MANY_TOKENS', async () => {
    calls = 0;
    const denied = await run(`{ ${'ping '.repeat(500)}}`, platinum);
    expect(denied.status).toBe(400);
    expect(denied.result).toEqual({ errors: [{ message: 'The operation has too many tokens', extensions: { code: 'TOO_MANY_TOKENS' } }] });
    expect(calls).toBe(0);
  });

  it('stops a document padded with more comments than the highest token limit at the parser', async () => {
    calls = 0;
    const padded = await run(`{ ping ${'# pad\n'.repeat(limits.maxTokens + 1)}}`, platinum);
    expect(padded.status).toBe(400);
    expect((padded.result['errors'] as { extensions: { code: string } }[])[0]?.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(calls).toBe(0);
    expect((await run(`{ ping ${'# pad\n'.repeat(limits.maxTokens)}}`, platinum)).result['data']).toEqual({ ping: 'pong' });
  });

  it('leaves other parse errors as they are', async () => {
    const broken = await run('{ ping ', bronze);
    expect(broken.status).toBe(400);
    expect((broken.result['errors'] as { extensions: { code: string } }[])[0]?.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('takes no realm: its refusals carry no challenge', () => {
    expect(() => operationLimitsPlugin(limits, ...([{ realm: 'api' }] as never[]))).toThrow(
      new TypeError('"realm" is given once, to createAuthContext, no longer to operationLimitsPlugin'),
    );
  });
});
