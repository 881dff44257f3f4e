import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { RateLimitError, ServiceError } from '../../src/errors.js';
import { createRateLimiter } from '../../src/limits/rateLimit.js';
import type { RateLimiter } from '../../src/limits/rateLimit.js';
import type { RateLimiterOptions } from '../../src/limits/rateLimitOptions.js';
import { freePort } from '../helpers/freePort.js';
import { hasRedis, REDIS_SKIP_REASON, startRedis } from '../helpers/redisServer.js';
import type { RedisServer } from '../helpers/redisServer.js';

function partner(id: string, tier?: string): Principal {
  const client = { id, name: null, metadata: tier === undefined ? null : { tier } };
  return { kind: 'machine', client, scopes: [], claims: {}, accessKey: id };
}

/** A user of a frontend (a user token of `clientId`). */
function user(clientId: string, userId: string): Principal {
  const client = { id: clientId, name: null, metadata: null };
  return { kind: 'user', client, user: { id: userId }, scopes: [], claims: {}, accessKey: clientId };
}

/** A clock the test moves. */
function clock(iso: string): { now: () => number; set: (iso: string) => void } {
  let at = Date.parse(iso);
  return { now: () => at, set: (next) => void (at = Date.parse(next)) };
}

interface Logged {
  level: string;
  message: string | undefined;
}

function recorder(): { logger: NonNullable<RateLimiterOptions['logger']>; entries: Logged[] } {
  const entries: Logged[] = [];
  const at = (level: string) => (_object: Record<string, unknown>, message?: string) => void entries.push({ level, message });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

async function refusal(pending: Promise<unknown>): Promise<RateLimitError | ServiceError> {
  const outcome = await pending.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(outcome instanceof RateLimitError) && !(outcome instanceof ServiceError)) throw new Error(`expected a refusal, got ${String(outcome)}`);
  return outcome;
}

/** Quotas and budgets behave alike in memory and on Redis: the same cases run on both. */
const stores: { name: string; redis: boolean }[] = [
  { name: 'in memory', redis: false },
  ...(hasRedis ? [{ name: 'on Redis', redis: true }] : []),
];

describe('quotas and cost budgets', () => {
  let server: RedisServer | null = null;
  const limiters: RateLimiter[] = [];
  beforeAll(async () => {
    if (hasRedis) server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });
  let prefixes = 0;
  const make = (redis: boolean, options: RateLimiterOptions): RateLimiter => {
    const limiter = createRateLimiter({ ...options, ...(redis && server !== null ? { redis: server.url, keyPrefix: `t${++prefixes}:` } : {}) });
    limiters.push(limiter);
    return limiter;
  };
  const ready = async (limiter: RateLimiter): Promise<void> => {
    for (let tries = 0; tries < 100 && !(await limiter.health()).usable; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  for (const { name, redis } of stores) {
    describe(name, () => {
      it('counts a daily quota per UTC day: refused when used up, whole again at 00:00 UTC', async () => {
        const time = clock('2026-12-02T23:59:58Z');
        const limiter = make(redis, { default: { requests: 100, window: 60, daily: 3 }, now: time.now });
        await ready(limiter);
        const gold = { principal: partner('partner-a') };
        const states = [];
        for (let index = 0; index < 3; index += 1) states.push(await limiter.consume(gold));
        expect(states.map((state) => state.policies[1])).toEqual([
          { policy: { name: 'default.day', requests: 3, window: 86_400 }, remaining: 2, reset: 2 },
          { policy: { name: 'default.day', requests: 3, window: 86_400 }, remaining: 1, reset: 2 },
          { policy: { name: 'default.day', requests: 3, window: 86_400 }, remaining: 0, reset: 2 },
        ]);
        const refused = await refusal(limiter.consume(gold));
        expect(refused).toBeInstanceOf(RateLimitError);
        expect(refused.code).toBe('ERR_RATE_LIMITED');
        expect((refused as RateLimitError).policy.name).toBe('default.day');
        expect(refused.retryAfter).toBe(2);
        // Another partner has its own quota.
        expect((await limiter.consume({ principal: partner('partner-b') })).policies[1]?.remaining).toBe(2);
        time.set('2026-12-03T00:00:00Z');
        const nextDay = await limiter.consume(gold);
        expect(nextDay.policies[1]).toEqual({ policy: { name: 'default.day', requests: 3, window: 86_400 }, remaining: 2, reset: 86_400 });
      });

      it('counts a monthly quota per UTC calendar month, per tier, reporting the month length', async () => {
        const time = clock('2027-02-28T23:59:59.500Z');
        const limiter = make(redis, { default: { monthly: 1 }, tiers: { key: 'tier', values: { gold: { monthly: 2 } } }, now: time.now });
        await ready(limiter);
        const gold = { principal: partner('gold-1', 'gold') };
        expect((await limiter.consume(gold)).policies.map((state) => state.policy.name)).toEqual(['gold', 'gold.month']);
        const second = await limiter.consume(gold);
        expect(second.policies[1]).toEqual({ policy: { name: 'gold.month', requests: 2, window: 28 * 86_400 }, remaining: 0, reset: 1 });
        expect((await refusal(limiter.consume(gold))).retryAfter).toBe(1);
        const plain = { principal: partner('plain-1') };
        await limiter.consume(plain);
        expect(((await refusal(limiter.consume(plain))) as RateLimitError).policy.name).toBe('default.month');
        time.set('2027-03-01T00:00:00Z');
        expect((await limiter.consume(gold)).policies[1]).toEqual({ policy: { name: 'gold.month', requests: 2, window: 31 * 86_400 }, remaining: 1, reset: 31 * 86_400 });
      });

      it('refuses a day over its quota without charging the month (all or nothing)', async () => {
        const time = clock('2026-12-10T12:00:00Z');
        const limiter = make(redis, { default: { daily: 1, monthly: 10 }, now: time.now });
        await ready(limiter);
        const caller = { principal: partner('p-all-or-nothing') };
        expect((await limiter.consume(caller)).policies.slice(1).map((state) => state.remaining)).toEqual([0, 9]);
        await refusal(limiter.consume(caller));
        await refusal(limiter.consume(caller));
        time.set('2026-12-11T00:00:01Z');
        // Two refused requests cost nothing of the month.
        expect((await limiter.consume(caller)).policies.slice(1).map((state) => state.remaining)).toEqual([0, 8]);
      });

      it('charges each operation its cost against the budget, refuses one that does not fit before charging it, and resets with the window', async () => {
        const time = clock('2026-12-02T10:00:10Z');
        const limiter = make(redis, { default: { requests: 100, window: 60, cost: 100, costWindow: 60 }, now: time.now });
        await ready(limiter);
        const caller = { principal: partner('budget-1') };
        expect(await limiter.chargeCost({ ...caller, cost: 40 })).toEqual({ policy: { name: 'default.cost', requests: 100, window: 60 }, requested: 40, remaining: 60, reset: 50, refusal: null });
        const over = await limiter.chargeCost({ ...caller, cost: 70 });
        expect(over).toMatchObject({ requested: 70, remaining: 60, reset: 50 });
        const refused = over?.refusal;
        expect(refused).toBeInstanceOf(RateLimitError);
        expect(refused?.code).toBe('ERR_RATE_LIMITED');
        expect(refused?.policy.name).toBe('default.cost');
        expect(refused?.retryAfter).toBe(50);
        // The refused 70 was not charged: 60 still fit.
        expect(await limiter.chargeCost({ ...caller, cost: 59.2 })).toMatchObject({ requested: 60, remaining: 0, refusal: null });
        expect((await limiter.chargeCost({ ...caller, cost: 1 }))?.refusal?.code).toBe('ERR_RATE_LIMITED');
        time.set('2026-12-02T10:01:00Z');
        expect(await limiter.chargeCost({ ...caller, cost: 1 })).toMatchObject({ requested: 1, remaining: 99, reset: 60, refusal: null });
      });

      it('charges each root mutation field at least mutationFieldCost', async () => {
        const limiter = make(redis, { default: { cost: 1000 }, mutationFieldCost: 25, now: clock('2026-12-02T10:00:00Z').now });
        await ready(limiter);
        const caller = { principal: partner('mutator') };
        expect(await limiter.chargeCost({ ...caller, cost: 3, mutationFields: 4 })).toMatchObject({ requested: 100, remaining: 900 });
        expect(await limiter.chargeCost({ ...caller, cost: 300, mutationFields: 4 })).toMatchObject({ requested: 300, remaining: 600 });
        expect(await limiter.chargeCost({ ...caller, cost: 3 })).toMatchObject({ requested: 3, remaining: 597 });
      });

      it("counts a user token's quotas and budget per user of the frontend, a machine's per client (all its tokens)", async () => {
        const limiter = make(redis, { default: { requests: 100, daily: 2, cost: 50 }, now: clock('2026-12-02T10:00:00Z').now });
        await ready(limiter);
        const alice = { principal: user('storefront', 'alice') };
        const bob = { principal: user('storefront', 'bob') };
        await limiter.consume(alice);
        await limiter.consume(alice);
        expect((await refusal(limiter.consume(alice))).code).toBe('ERR_RATE_LIMITED');
        expect(await limiter.chargeCost({ ...alice, cost: 50 })).toMatchObject({ remaining: 0, refusal: null });
        expect((await limiter.chargeCost({ ...alice, cost: 1 }))?.refusal?.code).toBe('ERR_RATE_LIMITED');
        // Bob's allowance is whole: alice's use neither refuses him nor shows in his remaining.
        expect((await limiter.consume(bob)).policies.map((state) => [state.policy.name, state.remaining])).toEqual([
          ['default', 99],
          ['default.day', 1],
        ]);
        expect(await limiter.chargeCost({ ...bob, cost: 10 })).toMatchObject({ requested: 10, remaining: 40, refusal: null });
        // A machine client whose id is the frontend's: its own counters, apart from every user's.
        const machine = { principal: partner('storefront') };
        expect((await limiter.consume(machine)).policies[1]?.remaining).toBe(1);
        expect(await limiter.chargeCost({ ...machine, cost: 10 })).toMatchObject({ remaining: 40 });
        // Its tokens all count as the one client (the principal carries no token): the second request spends the day.
        expect((await limiter.consume({ principal: partner('storefront') })).policies[1]?.remaining).toBe(0);
        expect((await refusal(limiter.consume(machine))).code).toBe('ERR_RATE_LIMITED');
        expect(await limiter.chargeCost({ principal: partner('storefront'), cost: 40 })).toMatchObject({ remaining: 0, refusal: null });
      });

      it('applies no quota or budget to anonymous callers, nor a budget where none is configured', async () => {
        const limiter = make(redis, { default: { daily: 1, cost: 10 }, tiers: { key: 'tier', values: { free: {} } } });
        await ready(limiter);
        const anonymous = { principal: null, address: '203.0.113.9' };
        expect((await limiter.consume(anonymous)).policies.map((state) => state.policy.name)).toEqual(['anonymous']);
        expect((await limiter.consume(anonymous)).policies).toHaveLength(1);
        expect(await limiter.chargeCost({ ...anonymous, cost: 1_000_000 })).toBeNull();
        const plain = make(redis, { default: { requests: 5 } });
        await ready(plain);
        expect(await plain.chargeCost({ principal: partner('no-budget'), cost: 1_000_000 })).toBeNull();
      });
    });
  }
});

describe.skipIf(!hasRedis)(`the shared store on a real Redis ${hasRedis ? '' : REDIS_SKIP_REASON}`, () => {
  let server: RedisServer;
  const limiters: RateLimiter[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
    if (!(await reachable(server.url))) await server.restart();
  });
  afterAll(async () => {
    await server.stop();
  });
  const make = async (options: RateLimiterOptions): Promise<RateLimiter> => {
    const limiter = createRateLimiter(options);
    limiters.push(limiter);
    for (let tries = 0; tries < 100 && !(await limiter.health()).usable; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    return limiter;
  };

  it('shares one allowance between two limiters (two replicas): exactly the allowance in total', async () => {
    const options = { default: { requests: 10, window: 60, daily: 15 }, redis: server.url, keyPrefix: 'replicas:' };
    const [a, b] = [await make(options), await make(options)];
    const caller = { principal: partner('spread') };
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, index) => ((index % 2 === 0 ? a : b).consume(caller)).then(() => 'ok', (error: unknown) => (error as RateLimitError).code)));
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome === 'ERR_RATE_LIMITED')).toHaveLength(6);
    // Nothing of it is held per process.
    expect(a.size() + b.size()).toBe(0);
  });

  it('keeps APIs with different key prefixes apart on one Redis', async () => {
    const one = await make({ default: { requests: 1, daily: 1 }, redis: server.url, keyPrefix: 'api-one:' });
    const two = await make({ default: { requests: 1, daily: 1 }, redis: server.url, keyPrefix: 'api-two:' });
    const caller = { principal: partner('shared-id') };
    await one.consume(caller);
    await two.consume(caller);
    await refusal(one.consume(caller));
    const probe = new Redis(server.url);
    try {
      const keys = await probe.keys('*');
      expect(keys.length).toBeGreaterThanOrEqual(4);
      expect(keys.every((key) => key.startsWith('api-one:') || key.startsWith('api-two:') || key.startsWith('replicas:'))).toBe(true);
      // The client id is hashed into the keys: no caller-chosen string of any length is stored as a key.
      expect(keys.some((key) => key.includes('shared-id'))).toBe(false);
    } finally {
      probe.disconnect();
    }
  });

  it("keeps a user's quota and budget under its hashed client and user ids, and a machine's under its hashed client id as before", async () => {
    const limiter = await make({ default: { requests: 10, daily: 5, cost: 100 }, redis: server.url, keyPrefix: 'per-user:' });
    await limiter.consume({ principal: user('front-x', 'user-secret-name') });
    await limiter.chargeCost({ principal: user('front-x', 'user-secret-name'), cost: 3 });
    await limiter.consume({ principal: partner('front-x') });
    await limiter.chargeCost({ principal: partner('front-x'), cost: 3 });
    const hashed = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 22);
    const probe = new Redis(server.url);
    try {
      const keys = (await probe.keys('per-user:[qc]:*')).sort();
      const [day, cost] = [/^per-user:q:\{(.+)\}:/, /^per-user:c:\{(.+)\}:/];
      expect(keys.map((key) => (day.exec(key) ?? cost.exec(key))?.[1]).sort()).toEqual(
        [hashed('front-x'), hashed('front-x'), `${hashed('front-x')}:${hashed('user-secret-name')}`, `${hashed('front-x')}:${hashed('user-secret-name')}`].sort(),
      );
      expect(keys.some((key) => key.includes('front-x') || key.includes('user-secret-name'))).toBe(false);
    } finally {
      probe.disconnect();
    }
  });

  it("uses the application's own ioredis client as it is (by its shape), for windows and quotas, and leaves it open", async () => {
    const client = new Redis(server.url);
    try {
      const one = createRateLimiter({ default: { requests: 2, daily: 3 }, redis: client, keyPrefix: 'own-client:' });
      const two = createRateLimiter({ default: { requests: 2, daily: 3 }, redis: client, keyPrefix: 'own-client:' });
      const caller = { principal: partner('own-client') };
      for (let tries = 0; tries < 150 && !(await one.health()).usable; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await one.consume(caller)).policies.map((state) => state.remaining)).toEqual([1, 2]);
      expect((await two.consume(caller)).policies.map((state) => state.remaining)).toEqual([0, 1]);
      expect((await refusal(one.consume(caller))).code).toBe('ERR_RATE_LIMITED');
      expect(one.size() + two.size()).toBe(0);
      await one.close();
      await two.close();
      expect(await client.ping()).toBe('PONG');
      expect((await client.keys('own-client:*')).length).toBeGreaterThanOrEqual(2);
    } finally {
      client.disconnect();
    }
  });

  it('fails open when Redis is killed mid-run (per-process allowance, one warning), and shares again once it is back', async () => {
    const { logger, entries } = recorder();
    const limiter = await make({ default: { requests: 3, window: 60 }, redis: server.url, keyPrefix: 'open:', onStoreFailure: 'open', storeTimeout: 200, logger });
    const caller = { principal: partner('outage-open') };
    await limiter.consume(caller);
    await server.kill();
    const started = Date.now();
    // Counted in this process now: its own allowance of 3, then 429 (never a 5xx, never a wait).
    const during = await Promise.all(Array.from({ length: 4 }, () => limiter.consume(caller).then(() => 'ok', (error: unknown) => (error as RateLimitError).code)));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(during).toEqual(['ok', 'ok', 'ok', 'ERR_RATE_LIMITED']);
    expect(limiter.size()).toBe(1);
    expect(await limiter.health()).toEqual({ store: 'redis', usable: false });
    expect(entries.filter((entry) => entry.level === 'warn')).toEqual([{ level: 'warn', message: 'limit store unusable: counting in this process until it is back' }]);
    await server.restart();
    for (let tries = 0; tries < 150 && !(await limiter.health()).usable; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await limiter.health()).toEqual({ store: 'redis', usable: true });
    // Back on Redis, which restarted empty: a fresh shared window.
    expect((await limiter.consume(caller)).remaining).toBe(2);
    expect(entries.at(-1)).toEqual({ level: 'info', message: 'limit store usable again' });
  });

  it('fails closed with 503 and Retry-After when so configured, at once, for requests and for costs', async () => {
    const { logger, entries } = recorder();
    const limiter = await make({ default: { requests: 3, cost: 100 }, redis: server.url, keyPrefix: 'closed:', onStoreFailure: 'closed', logger });
    const caller = { principal: partner('outage-closed') };
    expect((await limiter.consume(caller)).remaining).toBe(2);
    await server.kill();
    const started = Date.now();
    const refused = await refusal(limiter.consume(caller));
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused.code).toBe('ERR_LIMITS_UNAVAILABLE');
    expect(refused.message).toBe('The rate-limit service is temporarily unavailable');
    expect(refused.retryAfter).toBe(5);
    expect((await refusal(limiter.chargeCost({ ...caller, cost: 1 }))).code).toBe('ERR_LIMITS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(entries.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual(['limit store unusable: refusing counted requests with 503']);
  });

  it('answers by the failure policy when Redis is absent at start', async () => {
    const port = await freePort();
    const open = createRateLimiter({ default: { requests: 2, daily: 5 }, redis: `redis://127.0.0.1:${port}`, onStoreFailure: 'open' });
    const closed = createRateLimiter({ default: { requests: 2 }, redis: `redis://127.0.0.1:${port}`, onStoreFailure: 'closed' });
    limiters.push(open, closed);
    const caller = { principal: partner('absent') };
    expect((await open.consume(caller)).policies.map((state) => state.remaining)).toEqual([1, 4]);
    expect((await refusal(closed.consume(caller))).code).toBe('ERR_LIMITS_UNAVAILABLE');
    expect(await open.health()).toEqual({ store: 'redis', usable: false });
  });

  it('answers within the deadline when Redis is slow (paused past storeTimeout)', async () => {
    const limiter = await make({ default: { requests: 5 }, redis: server.url, keyPrefix: 'slow:', onStoreFailure: 'closed', storeTimeout: 100 });
    const caller = { principal: partner('slow') };
    await limiter.consume(caller);
    const admin = new Redis(server.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = Date.now();
      const refused = await refusal(limiter.consume(caller));
      expect(refused.code).toBe('ERR_LIMITS_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
  });

  it('checks its options once, naming them', () => {
    expect(() => createRateLimiter({ redis: 'http://127.0.0.1:1' })).toThrow('"redis" must be an ioredis client, its options, or a redis:// or rediss:// URL');
    expect(() => createRateLimiter({ redis: 42 as unknown as string })).toThrow('"redis" must be an ioredis client');
    expect(() => createRateLimiter({ keyPrefix: 'with space' })).toThrow('"keyPrefix" must be a string of at most 100 printable ASCII characters without spaces');
    expect(() => createRateLimiter({ storeTimeout: 0 })).toThrow('"storeTimeout" must be an integer from 1 to 10000 (ms)');
    expect(() => createRateLimiter({ onStoreFailure: 'maybe' as 'open' })).toThrow('"onStoreFailure" must be "open" or "closed"');
    expect(() => createRateLimiter({ default: { daily: 0 } })).toThrow('"default.daily" must be an integer from 1 to 1000000000');
    expect(() => createRateLimiter({ default: { costWindow: 86_401 } })).toThrow('"default.costWindow" must be an integer from 1 to 86400');
    expect(() => createRateLimiter({ mutationFieldCost: -1 })).toThrow('"mutationFieldCost" must be an integer from 0 to 1000000');
    expect(() => createRateLimiter({ now: 5 as unknown as () => number })).toThrow('"now" must be a function returning ms since the epoch');
  });
});

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
