/**
 * Per-client rate limiting in the reference server: real tokens from a real issuer, real HTTP on
 * loopback. A refused request gets 429 RATE_LIMITED with Retry-After and the RateLimit fields, and
 * never reaches a resolver.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { postGraphQL } from '../helpers/postGraphQL.js';
import type { GraphQLAnswer, PostGraphQLOptions } from '../helpers/postGraphQL.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';
const CLIENT_CLAIM = 'https://allow-clients.dev/client';
const RATE_LIMITED_MESSAGE = 'Too many requests: retry after the time given in Retry-After';
const logger = createLogger('silent');

type Answer = GraphQLAnswer<{ hits?: number }>;

/** A POST of `{ hits }`; `localAddress` picks the loopback address the request comes from. */
function ask(url: string, options: PostGraphQLOptions = {}): Promise<Answer> {
  return postGraphQL(url, '{ hits }', options);
}

/** A reference server over a one-field schema whose resolver counts its calls. */
async function startServer(issuer: TestIssuer, env: Record<string, string>): Promise<{ server: ReferenceServer; calls: () => number }> {
  let calls = 0;
  const schema = makeExecutableSchema({
    typeDefs: 'type Query { hits: Int! }',
    resolvers: {
      Query: {
        hits: () => {
          calls += 1;
          return calls;
        },
      },
    },
  });
  const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', ...env });
  const server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.url } } as ReferenceServerConfig, {
    logger,
    schema: { schema, plugins: [] },
  });
  return { server, calls: () => calls };
}

function tokenFor(issuer: TestIssuer, clientId: string, tier?: string): string {
  return issuer.sign({
    sub: `${clientId}@clients`,
    azp: clientId,
    [CLIENT_CLAIM]: { id: clientId, name: clientId, metadata: tier === undefined ? {} : { tier } },
  });
}

async function expectServed(url: string, times: number, options: { token?: string; localAddress?: string }): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let index = 0; index < times; index += 1) {
    const answer = await ask(url, options);
    expect(answer.status, answer.text).toBe(200);
    answers.push(answer);
  }
  return answers;
}

function expectRateLimited(answer: Answer, policy: string): number {
  expect(answer.status).toBe(429);
  expect(answer.json).toEqual({ errors: [{ message: RATE_LIMITED_MESSAGE, extensions: { code: 'RATE_LIMITED' } }] });
  const retryAfter = answer.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(answer.headers['ratelimit-policy']).toMatch(new RegExp(`^"${policy}";q=\\d+;w=\\d+$`));
  expect(answer.headers['ratelimit']).toBe(`"${policy}";r=0;t=${String(retryAfter)}`);
  return Number(retryAfter);
}

describe('rate limiting in the reference server', () => {
  let issuer: TestIssuer;
  let limited: { server: ReferenceServer; calls: () => number };

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    // 3 requests per minute for every client, 15 for gold, 3 per address for anonymous callers.
    limited = await startServer(issuer, { RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW: '60', AUTH_ALLOW_ANONYMOUS: 'true' });
  });
  afterAll(async () => {
    await limited?.server.close();
    await issuer?.close();
  });

  it('refuses the fourth request of a client in the window with 429 RATE_LIMITED, and the resolver never runs', async () => {
    const token = tokenFor(issuer, 'globex-silver', 'silver');
    const served = await expectServed(limited.server.url, 3, { token });
    expect(served.map((answer) => answer.headers['ratelimit'])).toEqual([
      expect.stringMatching(/^"default";r=2;t=\d+$/),
      expect.stringMatching(/^"default";r=1;t=\d+$/),
      expect.stringMatching(/^"default";r=0;t=\d+$/),
    ]);
    expect(served[0]?.headers['ratelimit-policy']).toBe('"default";q=3;w=60');

    const before = limited.calls();
    const refused = await ask(limited.server.url, { token });
    const retryAfter = expectRateLimited(refused, 'default');
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(limited.calls()).toBe(before);
  });

  it('answers a refused request with nothing but the fixed error: no stack, path, client id or token', async () => {
    const token = tokenFor(issuer, 'initech-bronze', 'bronze');
    await expectServed(limited.server.url, 3, { token });
    const refused = await ask(limited.server.url, { token });
    expectRateLimited(refused, 'default');
    expect(refused.text).not.toContain(token);
    expect(refused.text).not.toContain(token.split('.')[1] as string);
    expect(refused.text).not.toMatch(/initech|bronze|stack|\bat \S+ \(|node_modules|\/work\/|\.ts:\d+|RateLimitError|RateLimiterRes|"path"|"data"/);
    expect(JSON.stringify(refused.headers)).not.toContain('initech');
  });

  it('keeps serving another client while one is refused', async () => {
    const noisy = tokenFor(issuer, 'noisy-partner');
    await expectServed(limited.server.url, 3, { token: noisy });
    expectRateLimited(await ask(limited.server.url, { token: noisy }), 'default');
    const quiet = await ask(limited.server.url, { token: tokenFor(issuer, 'quiet-partner') });
    expect(quiet.status).toBe(200);
    expect(quiet.headers['ratelimit']).toMatch(/^"default";r=2;t=\d+$/);
  });

  it('counts a client by its id, not its token: a fresh token does not reset the allowance', async () => {
    await expectServed(limited.server.url, 3, { token: tokenFor(issuer, 'token-rotator') });
    const fresh = issuer.sign({ sub: 'token-rotator@clients', azp: 'token-rotator', jti: 'another-token', [CLIENT_CLAIM]: { id: 'token-rotator', name: 'r', metadata: {} } });
    const before = limited.calls();
    expectRateLimited(await ask(limited.server.url, { token: fresh }), 'default');
    expect(limited.calls()).toBe(before);
  });

  it('gives a gold-tier client its larger allowance (5 times the default)', async () => {
    const token = tokenFor(issuer, 'acme-gold', 'gold');
    const served = await expectServed(limited.server.url, 15, { token });
    expect(served[0]?.headers['ratelimit-policy']).toBe('"gold";q=15;w=60');
    expect(served[14]?.headers['ratelimit']).toMatch(/^"gold";r=0;t=\d+$/);
    const before = limited.calls();
    expectRateLimited(await ask(limited.server.url, { token }), 'gold');
    expect(limited.calls()).toBe(before);
  });

  it('limits anonymous callers by their address, and a client from the same address by its id', async () => {
    await expectServed(limited.server.url, 3, { localAddress: '127.0.0.1' });
    const before = limited.calls();
    expectRateLimited(await ask(limited.server.url, { localAddress: '127.0.0.1' }), 'anonymous');
    expect(limited.calls()).toBe(before);
    // Another address has its own allowance; so has a client calling from the limited address.
    const other = await ask(limited.server.url, { localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
    expect(other.headers['ratelimit']).toMatch(/^"anonymous";r=2;t=\d+$/);
    const client = await ask(limited.server.url, { localAddress: '127.0.0.1', token: tokenFor(issuer, 'same-host-partner') });
    expect(client.status).toBe(200);
  });

  it('counts the users of one frontend apart: one user cannot use up the allowance of another', async () => {
    const userToken = (user: string): string =>
      issuer.sign({ sub: `auth0|${user}`, azp: 'storefront-web', gty: undefined, [CLIENT_CLAIM]: { id: 'storefront-web', name: 'Storefront', metadata: {} } });
    const before = limited.calls();
    await expectServed(limited.server.url, 3, { token: userToken('alice') });
    expectRateLimited(await ask(limited.server.url, { token: userToken('alice') }), 'default');
    const bob = await ask(limited.server.url, { token: userToken('bob') });
    expect(bob.status).toBe(200);
    expect(bob.headers['ratelimit']).toMatch(/^"default";r=2;t=\d+$/);
    expect(limited.calls()).toBe(before + 4);
  });

  it('charges an anonymous mutation its further root fields under the caller\'s own address', async () => {
    // Apollo Server copies the context for each operation: the address must survive the copy, or the
    // further fields go to the shared "unknown" key and the caller's own allowance is untouched.
    let bumps = 0;
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { hits: Int! } type Mutation { bump: Int! }',
      resolvers: { Query: { hits: () => 0 }, Mutation: { bump: () => (bumps += 1) } },
    });
    const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', RATE_LIMIT_REQUESTS: '10', AUTH_ALLOW_ANONYMOUS: 'true' });
    const server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.url } } as ReferenceServerConfig, { logger, schema: { schema, plugins: [] } });
    try {
      const mutation = await postGraphQL(server.url, 'mutation { a: bump b: bump c: bump }', { localAddress: '127.0.0.4' });
      expect(mutation.status, mutation.text).toBe(200);
      expect(bumps).toBe(3);
      // 1 for the request + 2 for the further root fields, all under 127.0.0.4: 7 of 10 left after this query.
      const next = await ask(server.url, { localAddress: '127.0.0.4' });
      expect(next.status).toBe(200);
      expect(next.headers['ratelimit']).toMatch(/^"anonymous";r=6;t=\d+$/);
      // Nothing was charged to another address.
      const other = await ask(server.url, { localAddress: '127.0.0.5' });
      expect(other.headers['ratelimit']).toMatch(/^"anonymous";r=9;t=\d+$/);
    } finally {
      await server.close();
    }
  });

  it('counts an anonymous request under its address even when the caller resets the connection right after sending it', async () => {
    const server = await startServer(issuer, { RATE_LIMIT_REQUESTS: '2', AUTH_ALLOW_ANONYMOUS: 'true' });
    try {
      const { hostname, port } = new URL(server.server.url);
      const body = JSON.stringify({ query: '{ hits }' });
      for (let index = 0; index < 2; index += 1) {
        const socket = connect({ host: hostname, port: Number(port), localAddress: '127.0.0.3' });
        await new Promise((resolveConnected) => socket.once('connect', resolveConnected));
        // Let the server accept the connection (same process: its next turn of the event loop).
        await sleep(50);
        socket.on('error', () => undefined);
        socket.write(`POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        socket.resetAndDestroy();
      }
      // Both requests run (nobody reads their answers); wait for them, at most 10 s.
      for (let waited = 0; server.calls() < 2 && waited < 10_000; waited += 50) await sleep(50);
      expect(server.calls()).toBe(2);
      expectRateLimited(await ask(server.server.url, { localAddress: '127.0.0.3' }), 'anonymous');
      expect(server.calls()).toBe(2);
    } finally {
      await server.server.close();
    }
  });

  it('serves a refused client again once its window has passed', async () => {
    // One request per 2 s: the refusal only needs two requests in a row, whatever the machine's load.
    const short = await startServer(issuer, { RATE_LIMIT_REQUESTS: '1', RATE_LIMIT_WINDOW: '2' });
    try {
      const token = tokenFor(issuer, 'patient-partner');
      await expectServed(short.server.url, 1, { token });
      const refused = await ask(short.server.url, { token });
      const retryAfter = expectRateLimited(refused, 'default');
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(short.calls()).toBe(1);
      await sleep(retryAfter * 1000 + 250);
      const again = await ask(short.server.url, { token });
      expect(again.status).toBe(200);
      expect(again.json.data?.hits).toBe(2);
      expect(again.headers['ratelimit']).toMatch(/^"default";r=0;t=[12]$/);
    } finally {
      await short.server.close();
    }
  });

  it('counts nothing and sends no RateLimit fields when RATE_LIMIT_REQUESTS=0', async () => {
    const open = await startServer(issuer, { RATE_LIMIT_REQUESTS: '0' });
    try {
      const answers = await expectServed(open.server.url, 5, { token: tokenFor(issuer, 'unlimited-partner') });
      expect(answers.every((answer) => answer.headers['ratelimit'] === undefined && answer.headers['ratelimit-policy'] === undefined)).toBe(true);
      expect(open.calls()).toBe(5);
    } finally {
      await open.server.close();
    }
  });
});

describe('rate-limit configuration', () => {
  it('defaults to 600 requests per 60 seconds', () => {
    const memory = { redisUrl: null, keyPrefix: 'allow-clients:', timeoutMs: 250, onFailure: 'open' };
    expect(readConfig({}).rateLimit).toEqual({ requests: 600, window: 60, daily: null, monthly: null, cost: null, costWindow: 60, mutationFieldCost: 10, store: memory });
    expect(readConfig({ RATE_LIMIT_REQUESTS: '1200', RATE_LIMIT_WINDOW: '3600' }).rateLimit).toMatchObject({ requests: 1200, window: 3600, costWindow: 3600 });
    expect(readConfig({ RATE_LIMIT_REQUESTS: '0' }).rateLimit).toBeNull();
  });

  it('reads the quotas, the cost budget and the shared store', () => {
    expect(
      readConfig({
        RATE_LIMIT_DAILY: '10000',
        RATE_LIMIT_MONTHLY: '200000',
        COST_BUDGET: '50000',
        COST_BUDGET_WINDOW: '300',
        MUTATION_FIELD_COST: '25',
        REDIS_URL: 'redis://user:secret@127.0.0.1:6379/2',
        REDIS_KEY_PREFIX: 'partner-api:',
        REDIS_TIMEOUT: '100',
        RATE_LIMIT_ON_STORE_FAILURE: 'closed',
      }).rateLimit,
    ).toEqual({
      requests: 600,
      window: 60,
      daily: 10_000,
      monthly: 200_000,
      cost: 50_000,
      costWindow: 300,
      mutationFieldCost: 25,
      store: { redisUrl: 'redis://user:secret@127.0.0.1:6379/2', keyPrefix: 'partner-api:', timeoutMs: 100, onFailure: 'closed' },
    });
  });

  it.each([
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ REDIS_URL: 'redis://user:hunter2@host with space' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ REDIS_TIMEOUT: '0' }, 'REDIS_TIMEOUT must be an integer between 1 and 10000 (got "0")'],
    [{ RATE_LIMIT_ON_STORE_FAILURE: 'maybe' }, 'RATE_LIMIT_ON_STORE_FAILURE must be one of open, closed (got "maybe")'],
    [{ RATE_LIMIT_DAILY: '-1' }, 'RATE_LIMIT_DAILY must be an integer between 0 and 100000000 (got "-1")'],
    [{ COST_BUDGET_WINDOW: '86401' }, 'COST_BUDGET_WINDOW must be an integer between 1 and 86400 (got "86401")'],
    [{ REDIS_KEY_PREFIX: 'a b' }, 'REDIS_KEY_PREFIX must be at most 100 printable ASCII characters without spaces'],
  ])('refuses %o naming the variable (and never repeating a Redis password)', (env, message) => {
    let failure: unknown = null;
    try {
      readConfig(env);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(message);
    expect((failure as Error).message).not.toContain('hunter2');
  });

  // Bad values of RATE_LIMIT_REQUESTS and RATE_LIMIT_WINDOW: test/server/config.test.ts (readConfig) and test/e2e/startup.test.ts (exit 1).
});
