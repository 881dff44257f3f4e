/**
 * The cost budget and the quotas in the reference server (in memory): real tokens, real HTTP on
 * loopback. Each operation is charged its computed cost before it runs; one that does not fit gets
 * 429 with nothing charged and no resolver run; every counted answer reports each policy in the
 * RateLimit fields and the cost in `extensions.cost`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { postGraphQL } from '../helpers/postGraphQL.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';
const RATE_LIMITED_MESSAGE = 'Too many requests: retry after the time given in Retry-After';
const BUDGET = 400;
const CLIENT_CLAIM = 'https://allow-clients.dev/client';

/** The reference server over `schema`, trusting the test issuer, with a cost budget per hour and `env`. */
async function startServer(issuer: TestIssuer, schema: GraphQLSchema, env: Record<string, string>): Promise<ReferenceServer> {
  const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', COST_BUDGET_WINDOW: '3600', ...env });
  return createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.url } } as ReferenceServerConfig, {
    logger: createLogger('silent'),
    schema: { schema, plugins: [] },
  });
}

describe('cost budget and quotas in the reference server', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  const calls: Record<string, number> = {};
  const hit = (name: string): number => (calls[name] = (calls[name] ?? 0) + 1);

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { hits: Int! items(first: Int): [Item!]! } type Item { a: Int b: Int c: Int } type Mutation { one: Int two: Int }',
      resolvers: {
        Query: { hits: () => hit('hits'), items: (_root: unknown, args: { first?: number | null }) => (hit('items'), Array.from({ length: Math.min(args.first ?? 3, 3) }, () => ({ a: 1, b: 2, c: 3 }))) },
        Mutation: { one: () => hit('one'), two: () => hit('two') },
      },
    });
    server = await startServer(issuer, schema, { RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_DAILY: '1000', COST_BUDGET: String(BUDGET), MUTATION_FIELD_COST: '150' });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  const token = (clientId: string): string => issuer.sign({ sub: `${clientId}@clients`, azp: clientId });
  const postGraphQLWith = async (url: string, query: string, variables: Record<string, unknown>, bearer: string): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, json: await response.json() };
  };
  const costOf = (answer: { json: unknown }): Record<string, number> => (answer.json as { extensions: { cost: Record<string, number> } }).extensions.cost;

  it('charges each operation its cost, reports it in extensions.cost and lists every policy in the RateLimit fields', async () => {
    const partner = token('cost-reporter');
    const first = await postGraphQL(server.url, '{ hits }', { token: partner });
    expect(first.status).toBe(200);
    const cost = costOf(first);
    expect(cost).toEqual({ requested: cost['requested'], remaining: BUDGET - (cost['requested'] ?? 0), reset: cost['reset'], limit: BUDGET });
    expect(cost['requested']).toBeGreaterThanOrEqual(1);
    expect(cost['reset']).toBeGreaterThan(0);
    expect(cost['reset']).toBeLessThanOrEqual(3600);
    expect(first.headers['ratelimit-policy']).toBe(`"default";q=100;w=60, "default.day";q=1000;w=86400, "default.cost";q=${BUDGET};w=3600`);
    expect(first.headers['ratelimit']).toMatch(/^"default";r=99;t=\d+, "default\.day";r=999;t=\d+, "default\.cost";r=\d+;t=\d+$/);
    expect(first.headers['ratelimit']).toContain(`"default.cost";r=${BUDGET - (cost['requested'] ?? 0)};t=${cost['reset']}`);
    const bigger = await postGraphQL(server.url, '{ items(first: 2) { a b c } }', { token: partner });
    expect(bigger.status).toBe(200);
    expect(costOf(bigger)['requested']).toBeGreaterThan(cost['requested'] ?? 0);
    expect(costOf(bigger)['remaining']).toBe(BUDGET - (cost['requested'] ?? 0) - (costOf(bigger)['requested'] ?? 0));
  });

  it('answers an operation name the document lacks with 400 OPERATION_RESOLUTION_FAILURE, not a 500, counted once and charged nothing (attack 3, G5)', async () => {
    const partner = token('cost-unresolved');
    const before = await postGraphQL(server.url, '{ hits }', { token: partner });
    const spent = costOf(before)['requested'] ?? 0;
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partner}` },
      body: JSON.stringify({ query: 'query A { hits } mutation B { one }', operationName: 'Nope' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[]; extensions?: unknown };
    expect(response.status).toBe(400);
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(body.extensions).toBeUndefined();
    // Counted once (at the HTTP edge): the window went from 99 to 98.
    expect(response.headers.get('ratelimit')).toMatch(/^"default";r=98;/);
    const after = await postGraphQL(server.url, '{ hits }', { token: partner });
    expect(costOf(after)['remaining']).toBe(BUDGET - spent - (costOf(after)['requested'] ?? 0));
  });

  it('charges the cost with the request\'s variables: first: $n costs what n items cost', async () => {
    const partner = token('cost-variables');
    const ask = (n: number) => postGraphQLWith(server.url, 'query Items($n: Int) { items(first: $n) { a b c } }', { n }, partner);
    const two = await ask(2);
    const twenty = await ask(20);
    expect([two.status, twenty.status]).toEqual([200, 200]);
    expect(costOf(twenty)['requested']).toBe(10 * (costOf(two)['requested'] ?? 0));
    expect(costOf(twenty)['remaining']).toBe(BUDGET - 11 * (costOf(two)['requested'] ?? 0));
  });

  it('refuses an operation over the remaining budget with 429 before it runs, charging nothing', async () => {
    const partner = token('cost-spender');
    const items = await postGraphQL(server.url, '{ items { a b c } }', { token: partner });
    const price = costOf(items)['requested'] ?? 0;
    let remaining = costOf(items)['remaining'] ?? 0;
    while (remaining >= price) {
      const again = await postGraphQL(server.url, '{ items { a b c } }', { token: partner });
      expect(again.status).toBe(200);
      remaining = costOf(again)['remaining'] ?? 0;
    }
    const before = calls['items'] ?? 0;
    const refused = await postGraphQL(server.url, '{ items { a b c } }', { token: partner });
    expect(refused.status).toBe(429);
    expect(refused.json.errors).toEqual([{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED' } }]);
    expect(refused.json.data).toBeUndefined();
    expect(calls['items'] ?? 0).toBe(before);
    expect(costOf(refused)).toMatchObject({ requested: price, remaining, limit: BUDGET });
    expect(refused.headers['retry-after']).toBe(String(costOf(refused)['reset']));
    // What is left is reported as it is (less than the operation asked for).
    expect(refused.headers['ratelimit']).toContain(`"default.cost";r=${remaining};t=${refused.headers['retry-after']}`);
    // Nothing was charged: a cheaper operation that fits what is left still runs.
    const cheap = await postGraphQL(server.url, '{ hits }', { token: partner });
    if ((costOf(cheap)['requested'] ?? 0) <= remaining) {
      expect(cheap.status).toBe(200);
      expect(costOf(cheap)['remaining']).toBe(remaining - (costOf(cheap)['requested'] ?? 0));
    }
  });

  it('charges each root mutation field at least MUTATION_FIELD_COST', async () => {
    const partner = token('cost-mutator');
    const both = await postGraphQL(server.url, 'mutation { one two }', { token: partner });
    expect(both.status).toBe(200);
    expect(costOf(both)).toMatchObject({ requested: 300, remaining: 100 });
    const before = { one: calls['one'], two: calls['two'] };
    // An alias is one more root field: 450 > 100 left.
    const three = await postGraphQL(server.url, 'mutation { one two again: one }', { token: partner });
    expect(three.status).toBe(429);
    expect(costOf(three)).toMatchObject({ requested: 450, remaining: 100 });
    expect({ one: calls['one'], two: calls['two'] }).toEqual(before);
  });
});

describe('cost budget beside the rate limit', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let runs = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { hits: Int! } type Mutation { one: Int }',
      resolvers: { Query: { hits: () => 1 }, Mutation: { one: () => (runs += 1) } },
    });
    // gold: 25 requests per window, 10 a day, 5,000 cost points (5 times the default).
    server = await startServer(issuer, schema, { RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_DAILY: '2', COST_BUDGET: '1000', MUTATION_FIELD_COST: '10' });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  it('charges no cost for a mutation the rate limit refuses, by its window or by its daily quota', async () => {
    const machine = issuer.sign({ sub: 'budget-sharer@clients', azp: 'budget-sharer' });
    // Eight root fields count 8 requests: more than the 5 of the window, so the rate limit refuses it.
    const mutation = `mutation { ${Array.from({ length: 8 }, (_, i) => `a${i}: one`).join(' ')} }`;
    const refused = await postGraphQL(server.url, mutation, { token: machine });
    expect(refused.status).toBe(429);
    expect(refused.json.errors).toEqual([{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED' } }]);
    expect(runs).toBe(0);
    expect((refused.json as { extensions?: { cost?: unknown } }).extensions?.cost).toBeUndefined();
    // A gold client: twelve root fields fit its window (25) but not its day (10). Refused, nothing charged,
    // so its next query finds the budget whole but for itself.
    const gold = issuer.sign({ sub: 'budget-keeper@clients', azp: 'budget-keeper', [CLIENT_CLAIM]: { id: 'budget-keeper', name: 'Keeper', metadata: { tier: 'gold' } } });
    const overDay = await postGraphQL(server.url, `mutation { ${Array.from({ length: 12 }, (_, i) => `a${i}: one`).join(' ')} }`, { token: gold });
    expect(overDay.status).toBe(429);
    expect(overDay.headers['ratelimit-policy']).toContain('"gold.day";q=10');
    expect(runs).toBe(0);
    expect((overDay.json as { extensions?: { cost?: unknown } }).extensions?.cost).toBeUndefined();
    const query = await postGraphQL(server.url, '{ hits }', { token: gold });
    expect(query.status).toBe(200);
    const cost = (query.json as { extensions: { cost: Record<string, number> } }).extensions.cost;
    expect(cost).toMatchObject({ remaining: 5000 - (cost['requested'] ?? 0), limit: 5000 });
  });
});

describe('quotas and cost budgets per user of a frontend, per client for a machine', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let runs = 0;
  const DAILY = 20;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { hits: Int! items: [Item!]! } type Item { a: Int b: Int c: Int }',
      resolvers: { Query: { hits: () => (runs += 1), items: () => ((runs += 1), [{ a: 1, b: 2, c: 3 }]) } },
    });
    server = await startServer(issuer, schema, { RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_DAILY: String(DAILY), COST_BUDGET: String(BUDGET) });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  const userToken = (user: string): string => issuer.sign({ sub: `auth0|${user}`, azp: 'storefront-web', gty: undefined });
  const machineToken = (clientId: string, jti: string): string => issuer.sign({ sub: `${clientId}@clients`, azp: clientId, jti });
  const costOf = (answer: { json: unknown }): Record<string, number> => (answer.json as { extensions: { cost: Record<string, number> } }).extensions.cost;
  const dayLeft = (answer: { headers: IncomingHttpHeaders }): string | undefined => /"default\.day";r=(\d+)/.exec(String(answer.headers['ratelimit'] ?? ''))?.[1];

  it("counts each user's cost budget apart: alice spends hers, bob still gets 200 and his own remaining", async () => {
    let last = await postGraphQL(server.url, '{ items { a b c } }', { token: userToken('alice') });
    const price = costOf(last)['requested'] ?? 0;
    expect(price).toBeGreaterThan(1);
    while (last.status === 200) last = await postGraphQL(server.url, '{ items { a b c } }', { token: userToken('alice') });
    expect(last.status).toBe(429);
    expect(last.json.errors).toEqual([{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED' } }]);
    expect(costOf(last)['remaining']).toBeLessThan(price);
    const before = runs;
    const bob = await postGraphQL(server.url, '{ items { a b c } }', { token: userToken('bob') });
    expect(bob.status).toBe(200);
    expect(runs).toBe(before + 1);
    // Bob's own budget: nothing of what alice spent shows.
    expect(costOf(bob)).toMatchObject({ requested: price, remaining: BUDGET - price, limit: BUDGET });
    expect(bob.headers['ratelimit']).toContain(`"default.cost";r=${BUDGET - price};`);
  });

  it("counts each user's daily quota apart: carol uses hers up, dave still gets 200 and his own remaining", async () => {
    for (let index = 1; index <= DAILY; index += 1) {
      const served = await postGraphQL(server.url, '{ hits }', { token: userToken('carol') });
      expect(served.status).toBe(200);
      expect(dayLeft(served)).toBe(String(DAILY - index));
    }
    const before = runs;
    const refused = await postGraphQL(server.url, '{ hits }', { token: userToken('carol') });
    expect(refused.status).toBe(429);
    expect(refused.json.errors).toEqual([{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED' } }]);
    expect(runs).toBe(before);
    const dave = await postGraphQL(server.url, '{ hits }', { token: userToken('dave') });
    expect(dave.status).toBe(200);
    expect(runs).toBe(before + 1);
    expect(dayLeft(dave)).toBe(String(DAILY - 1));
  });

  it("still counts a machine client's quota and cost budget once for all its tokens", async () => {
    const first = machineToken('quota-partner', 'token-1');
    const second = machineToken('quota-partner', 'token-2');
    for (let index = 1; index <= DAILY; index += 1) {
      const served = await postGraphQL(server.url, '{ hits }', { token: index % 2 === 0 ? first : second });
      expect(served.status).toBe(200);
      expect(dayLeft(served)).toBe(String(DAILY - index));
    }
    const before = runs;
    for (const token of [first, second, machineToken('quota-partner', 'token-3')]) {
      const refused = await postGraphQL(server.url, '{ hits }', { token });
      expect(refused.status).toBe(429);
      expect(runs).toBe(before);
    }
    // The budget too: what one token spent, the next token of the client finds spent.
    let last = await postGraphQL(server.url, '{ items { a b c } }', { token: machineToken('budget-partner', 'token-1') });
    const spent = costOf(last)['requested'] ?? 0;
    last = await postGraphQL(server.url, '{ items { a b c } }', { token: machineToken('budget-partner', 'token-2') });
    expect(last.status).toBe(200);
    expect(costOf(last)['remaining']).toBe(BUDGET - spent - (costOf(last)['requested'] ?? 0));
  });
});
