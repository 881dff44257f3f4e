/**
 * Issue 10, finding 4, in the NestJS adapter: with `limits`, the caller's own token, depth and alias
 * limits apply to the query text in the context function, before Apollo parses and validates it.
 * Real Nest, the real Apollo driver, real tokens from a test issuer; a plugin counts every
 * validation Apollo starts, and resolver counters prove nothing ran.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationLimitsOptions } from '../../src/index.js';
import { AllowClientsService, type ApolloOptions } from '../../src/nestjs/index.js';
import { startTestIssuer, type TestIssuer } from '../helpers/testIssuer.js';
import { CATEGORY_CALLS, CategoriesResolver, type Calls } from './support/categories.js';
import { expectNoLeak, getQuery, machineToken, postJson, postQuery, startTestApp, trusting, type Answer, type TestApp } from './support/nestApp.js';

/** Bronze (no tier configured) gets the defaults; gold gets more room, and the parser the highest token limit. */
const LIMITS: OperationLimitsOptions = {
  default: { depth: 4, aliases: 3, tokens: 300 },
  tiers: { key: 'tier', values: { gold: { depth: 10, aliases: 50, tokens: 1000 } } },
};

/** `{ t0: __typename … t<n-1>: __typename ping }`: 3n + 3 tokens, valid, no alias counted (`__typename` aliases are not). */
const padded = (aliases: number, prefix = 't'): string => `{ ${Array.from({ length: aliases }, (_, index) => `${prefix}${index}: __typename`).join(' ')} ping }`;
/** 453 tokens: over bronze's 300, within gold's 1,000. */
const DOCUMENT_453 = padded(150);
/** Depth 7: over bronze's 4, within gold's 10. */
const DEEP = `{ category { ${'parent { '.repeat(5)}id${' }'.repeat(5)} } }`;
/** Five aliases: over bronze's 3, within gold's 50. */
const ALIASED = `{ ${Array.from({ length: 5 }, (_, index) => `a${index}: ping`).join(' ')} }`;

const refusal = (message: string, code: string): Answer['json'] => ({ errors: [{ message, extensions: { code } }] });
const TOO_MANY_TOKENS = refusal('The operation has too many tokens', 'TOO_MANY_TOKENS');
const QUERY_TOO_DEEP = refusal('The operation is nested too deeply', 'QUERY_TOO_DEEP');
const TOO_MANY_ALIASES = refusal('The operation has too many aliases', 'TOO_MANY_ALIASES');

/** No stack, no internal message, no measured figure or limit in a refusal. */
function expectCleanRefusal(answer: Answer, expected: Answer['json']): void {
  expect(answer.status).toBe(400);
  expect(answer.json).toEqual(expected);
  expect(answer.text).not.toMatch(/Context creation failed|stack|453|300|LimitError|ERR_/);
  expectNoLeak(answer);
}

const ran = (calls: Calls): number => Object.values(calls).reduce((sum, count) => sum + count, 0);

describe('NestJS: the caller’s own limits before validation', () => {
  let issuer: TestIssuer;
  let app: TestApp;
  let rated: TestApp;
  let unchecked: TestApp;
  let bronze: string;
  let gold: string;
  const calls: Calls = {};
  const validations = { app: 0, rated: 0, unchecked: 0 };

  const counting = (name: keyof typeof validations): ApolloOptions => {
    const plugin: ApolloServerPlugin = {
      requestDidStart: async () => ({
        validationDidStart: async () => {
          validations[name] += 1;
        },
      }),
    };
    // Same object for @nestjs/apollo's CommonJS copy of the plugin types.
    return { autoSchemaFile: true, plugins: [plugin as unknown as NonNullable<ApolloOptions['plugins']>[number]] };
  };
  const start = (name: keyof typeof validations, extra: Record<string, unknown>): Promise<TestApp> =>
    startTestApp({
      allowClients: { ...trusting(issuer), limits: LIMITS, ...extra },
      graphql: counting(name),
      providers: [CategoriesResolver, { provide: CATEGORY_CALLS, useValue: calls }],
    });

  beforeAll(async () => {
    issuer = await startTestIssuer();
    [app, rated, unchecked] = await Promise.all([
      start('app', {}),
      start('rated', { allowAnonymous: true, rateLimit: { default: { requests: 3, window: 60 } } }),
      start('unchecked', { sourceCheck: false }),
    ]);
    bronze = machineToken(issuer, 'partner-bronze', { tier: 'bronze' });
    gold = machineToken(issuer, 'partner-gold', { tier: 'gold' });
  });
  afterAll(async () => {
    await Promise.all([app?.close(), rated?.close(), unchecked?.close()]);
    await issuer?.close();
  });

  it('refuses a bronze partner’s 453-token document with its own limit: 400 TOO_MANY_TOKENS, never validated, nothing run', async () => {
    const [validatedBefore, ranBefore] = [validations.app, ran(calls)];
    const refused = await postQuery(app.url, DOCUMENT_453, bronze);
    expectCleanRefusal(refused, TOO_MANY_TOKENS);
    expect(validations.app - validatedBefore).toBe(0);
    expect(ran(calls) - ranBefore).toBe(0);
  });

  it('lets a gold partner’s same document into validation and execution', async () => {
    const [validatedBefore, pingBefore] = [validations.app, calls['Query.ping'] ?? 0];
    const admitted = await postQuery(app.url, DOCUMENT_453, gold);
    expect(admitted.status).toBe(200);
    expect(admitted.json.errors).toBeUndefined();
    expect(admitted.json.data?.['ping']).toBe('pong');
    expect(validations.app - validatedBefore).toBe(1);
    expect((calls['Query.ping'] ?? 0) - pingBefore).toBe(1);
  });

  it('refuses depth and aliases above the bronze limits before validation, and gold’s same documents run', async () => {
    const [validatedBefore, ranBefore] = [validations.app, ran(calls)];
    expectCleanRefusal(await postQuery(app.url, DEEP, bronze), QUERY_TOO_DEEP);
    expectCleanRefusal(await postQuery(app.url, ALIASED, bronze), TOO_MANY_ALIASES);
    expect(validations.app - validatedBefore).toBe(0);
    expect(ran(calls) - ranBefore).toBe(0);

    const deep = await postQuery(app.url, DEEP, gold);
    expect(deep.status).toBe(200);
    expect(deep.json.errors).toBeUndefined();
    const aliased = await postQuery(app.url, ALIASED, gold);
    expect(aliased.json.data).toEqual({ a0: 'pong', a1: 'pong', a2: 'pong', a3: 'pong', a4: 'pong' });
  });

  it('answers a repeated refusal from the remembered verdicts, without lexing it again', async () => {
    const check = app.app.get(AllowClientsService).sourceCheck;
    if (check === null) throw new Error('the source check is on by default with limits');
    const text = padded(120, 'r');
    const before = check.stats();
    for (let index = 0; index < 5; index += 1) expectCleanRefusal(await postQuery(app.url, text, bronze), TOO_MANY_TOKENS);
    const after = check.stats();
    expect(after.measured - before.measured).toBe(1);
    expect(after.rememberedRefusals - before.rememberedRefusals).toBe(4);
    expect(after.bytes).toBeLessThanOrEqual(after.maxBytes);
  });

  it('refuses the same documents sent by GET with a bearer token', async () => {
    const [validatedBefore, ranBefore] = [validations.app, ran(calls)];
    expectCleanRefusal(await getQuery(app.url, padded(110, 'g'), bronze), TOO_MANY_TOKENS);
    expectCleanRefusal(await getQuery(app.url, DEEP, bronze), QUERY_TOO_DEEP);
    expect(validations.app - validatedBefore).toBe(0);
    expect(ran(calls) - ranBefore).toBe(0);
    const admitted = await getQuery(app.url, padded(110, 'g'), gold);
    expect(admitted.status).toBe(200);
    expect(admitted.json.data?.['ping']).toBe('pong');
  });

  it('serves a GET with a bearer token and no preflight header, and still refuses a cookie-less simple GET (CSRF prevention)', async () => {
    const ranBefore = ran(calls);
    const get = async (headers: Record<string, string>): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${app.url}/graphql?${new URLSearchParams({ query: '{ ping }' }).toString()}`, { headers, signal: AbortSignal.timeout(5000) });
      return { status: response.status, text: await response.text() };
    };
    const bearer = await get({ authorization: `Bearer ${gold}` });
    expect(bearer).toEqual({ status: 200, text: expect.stringContaining('"ping":"pong"') });
    expect(ran(calls) - ranBefore).toBe(1);
    const simple = await get({});
    expect(simple.status).toBe(400);
    expect(simple.text).toContain('This operation has been blocked as a potential Cross-Site Request Forgery (CSRF)');
    expect(ran(calls) - ranBefore).toBe(1);
  });

  it('leaves batches and non-string queries to Apollo: a 400, never a 500, nothing run', async () => {
    const ranBefore = ran(calls);
    for (const body of [[{ query: DOCUMENT_453 }], { query: 5 }, { query: [DOCUMENT_453] }, { operationName: 7, query: ALIASED }]) {
      const answer = await postJson(app.url, body, bronze);
      expect(answer.status).toBe(400);
      expectNoLeak(answer);
      // The last one is a string query: the check refuses it whatever the operation name.
      if (typeof (body as { query?: unknown }).query === 'string') expect(answer.json).toEqual(TOO_MANY_ALIASES);
    }
    expect(ran(calls) - ranBefore).toBe(0);
  });

  it('counts each refusal against the rate limit: a bronze caller sending over-limit documents gets 429 RATE_LIMITED once its allowance is spent', async () => {
    const ranBefore = ran(calls);
    const first = await postQuery(rated.url, DOCUMENT_453, bronze);
    expectCleanRefusal(first, TOO_MANY_TOKENS);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"default";r=2;t=\d+$/);
    expectCleanRefusal(await postQuery(rated.url, DEEP, bronze), QUERY_TOO_DEEP);
    expectCleanRefusal(await postQuery(rated.url, DOCUMENT_453, bronze), TOO_MANY_TOKENS);
    const limited = await postQuery(rated.url, DOCUMENT_453, bronze);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.json).toEqual(refusal('Too many requests: retry after the time given in Retry-After', 'RATE_LIMITED'));
    expectNoLeak(limited);
    // The allowance is the caller's: a small valid operation is refused too, and nothing ran.
    const valid = await postQuery(rated.url, '{ ping }', bronze);
    expect(valid.status).toBe(429);
    expect(valid.json.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED' });
    expect(ran(calls) - ranBefore).toBe(0);
    expect(validations.rated).toBe(1);
    // Another client keeps its own allowance.
    const other = await postQuery(rated.url, '{ ping }', gold);
    expect(other.status).toBe(200);
  });

  it('counts an anonymous caller’s refusals against its address, with the default limits', async () => {
    const ranBefore = ran(calls);
    for (let index = 0; index < 3; index += 1) expectCleanRefusal(await postQuery(rated.url, ALIASED), TOO_MANY_ALIASES);
    const limited = await postQuery(rated.url, ALIASED);
    expect(limited.status).toBe(429);
    expect(limited.json.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED' });
    expectNoLeak(limited);
    expect(ran(calls) - ranBefore).toBe(0);
  });

  it('with sourceCheck: false, the same document is validated first and refused after validation', async () => {
    expect(unchecked.app.get(AllowClientsService).sourceCheck).toBeNull();
    const ranBefore = ran(calls);
    const refused = await postQuery(unchecked.url, DOCUMENT_453, bronze);
    expectCleanRefusal(refused, TOO_MANY_TOKENS);
    expect(validations.unchecked).toBe(1);
    expect(ran(calls) - ranBefore).toBe(0);
  });
});

describe('NestJS: the sourceCheck option', () => {
  const base = { issuer: 'https://issuer.example/', audience: 'api' };

  it('refuses a wrong value at start, naming the option', () => {
    expect(() => new AllowClientsService({ ...base, limits: LIMITS, sourceCheck: 'yes' as unknown as boolean })).toThrow(
      new TypeError('AllowClientsModule "sourceCheck" must be true, false or { maxBytes }'),
    );
    expect(() => new AllowClientsService({ ...base, limits: LIMITS, sourceCheck: { maxBytes: 1024, ttl: 5 } as { maxBytes: number } })).toThrow(
      new TypeError('AllowClientsModule "sourceCheck" has an unknown option "ttl" (only "maxBytes")'),
    );
    expect(() => new AllowClientsService({ ...base, limits: LIMITS, sourceCheck: { maxBytes: 1024 } })).toThrow(new TypeError('"maxBytes" must be an integer >= 16384'));
    expect(() => new AllowClientsService({ ...base, sourceCheck: true })).toThrow(
      new TypeError('AllowClientsModule "sourceCheck" needs "limits": it applies the caller\'s own limits'),
    );
  });

  it('takes the budget of the remembered verdicts', () => {
    const service = new AllowClientsService({ ...base, limits: LIMITS, sourceCheck: { maxBytes: 64 * 1024 } });
    expect(service.sourceCheck?.stats().maxBytes).toBe(64 * 1024);
    expect(new AllowClientsService({ ...base }).sourceCheck).toBeNull();
  });
});
