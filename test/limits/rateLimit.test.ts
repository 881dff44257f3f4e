/**
 * The rate limiter as a library: who is counted under which key, which allowance applies, what a
 * refusal carries, how it maps at the edge, and that its memory empties as windows end.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LimitError, RateLimitError, addressKey, createRateLimiter, httpChallenge, rateLimitHeaders, toGraphQLError } from '../../src/index.js';
import type { Principal, RateLimiter, RateLimitCaller } from '../../src/index.js';

function principal(clientId: string, metadata: Record<string, string> | null = null, user?: string): Principal {
  return {
    kind: user === undefined ? 'machine' : 'user',
    client: { id: clientId, name: null, metadata },
    ...(user === undefined ? {} : { user: { id: user } }),
    scopes: [],
    claims: {},
    accessKey: `${clientId}|${user ?? ''}`,
  };
}

/** Consumes `times` requests and returns what the last one left. */
async function consumeTimes(limiter: RateLimiter, caller: RateLimitCaller, times: number): Promise<number> {
  let remaining = -1;
  for (let index = 0; index < times; index += 1) remaining = (await limiter.consume(caller)).remaining;
  return remaining;
}

async function refusal(limiter: RateLimiter, caller: RateLimitCaller): Promise<RateLimitError> {
  const outcome = await limiter.consume(caller).then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(RateLimitError);
  return outcome as RateLimitError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createRateLimiter', () => {
  it('allows a client exactly its allowance per window and refuses the next request with ERR_RATE_LIMITED', async () => {
    const limiter = createRateLimiter({ default: { requests: 3, window: 60 } });
    const caller = { principal: principal('acme') };
    expect((await limiter.consume(caller)).remaining).toBe(2);
    expect(await consumeTimes(limiter, caller, 2)).toBe(0);
    const error = await refusal(limiter, caller);
    expect(error).toBeInstanceOf(LimitError);
    expect(error.code).toBe('ERR_RATE_LIMITED');
    expect(error.message).toBe('Too many requests: retry after the time given in Retry-After');
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error.retryAfter).toBeLessThanOrEqual(60);
    expect(error.policy).toEqual({ name: 'default', requests: 3, window: 60 });
    // The caller-facing message names neither the client nor the numbers.
    expect(error.message).not.toMatch(/acme|3|60/);
  });

  it('counts a request for its points (one per root mutation field), refusing one that does not fit', async () => {
    const limiter = createRateLimiter({ default: { requests: 10, window: 60 } });
    const caller = { principal: principal('writer'), points: 6 };
    expect((await limiter.consume(caller)).remaining).toBe(4);
    const refused = await refusal(limiter, caller);
    expect(refused.code).toBe('ERR_RATE_LIMITED');
    await expect(limiter.consume({ principal: principal('writer'), points: 0 })).rejects.toThrow(new TypeError('"points" must be a positive integer'));
    await expect(limiter.consume({ principal: principal('writer'), points: 1.5 })).rejects.toThrow(TypeError);
  });

  it('counts a machine by its client id, a user token by client and user, another client apart', async () => {
    const limiter = createRateLimiter({ default: { requests: 2, window: 60 } });
    await consumeTimes(limiter, { principal: principal('acme') }, 2);
    await refusal(limiter, { principal: principal('acme') });
    // Users of the same client are not refused with it, nor with each other.
    expect(await consumeTimes(limiter, { principal: principal('acme', null, 'alice') }, 2)).toBe(0);
    await refusal(limiter, { principal: principal('acme', null, 'alice') });
    expect((await limiter.consume({ principal: principal('acme', null, 'bob') })).remaining).toBe(1);
    expect((await limiter.consume({ principal: principal('globex') })).remaining).toBe(1);
  });

  it('gives concurrent first requests of one network one place among maxAnonymousCallers', async () => {
    const limiter = createRateLimiter({ default: { requests: 5, window: 60 }, maxAnonymousCallers: 2 });
    const answers = await Promise.all([0, 1, 2].map(() => limiter.consume({ principal: null, address: '192.0.2.1' })));
    expect(answers.map((answer) => answer.remaining).sort()).toEqual([2, 3, 4]);
    expect((await limiter.consume({ principal: null, address: '192.0.2.2' })).remaining).toBe(4);
    await refusal(limiter, { principal: null, address: '192.0.2.3' });
  });

  it('counts at most maxAnonymousCallers networks at once, refusing new ones until the oldest window ends (frozen clock)', async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter({ default: { requests: 5, window: 10 }, maxAnonymousCallers: 2 });
    await limiter.consume({ principal: null, address: '192.0.2.1' });
    vi.advanceTimersByTime(3000);
    await limiter.consume({ principal: null, address: '2001:db8:1:2::1' });
    const full = await refusal(limiter, { principal: null, address: '192.0.2.3' });
    expect(full.policy.name).toBe('anonymous');
    expect(full.retryAfter).toBe(7);
    // Networks already counted keep their allowance, and clients are not affected.
    expect((await limiter.consume({ principal: null, address: '192.0.2.1' })).remaining).toBe(3);
    expect((await limiter.consume({ principal: principal('acme') })).remaining).toBe(4);
    vi.advanceTimersByTime(7001);
    expect((await limiter.consume({ principal: null, address: '192.0.2.3' })).remaining).toBe(4);
    await refusal(limiter, { principal: null, address: '192.0.2.4' });
  });

  it('gives a client of a configured tier its tier allowance, and an unknown tier the default', async () => {
    const limiter = createRateLimiter({
      default: { requests: 2, window: 60 },
      tiers: { key: 'tier', values: { gold: { requests: 5 } } },
    });
    const gold = { principal: principal('acme-gold', { tier: 'gold' }) };
    expect(limiter.policyFor(gold.principal)).toEqual({ name: 'gold', requests: 5, window: 60 });
    expect(await consumeTimes(limiter, gold, 5)).toBe(0);
    expect((await refusal(limiter, gold)).policy.name).toBe('gold');

    const silver = { principal: principal('globex-silver', { tier: 'silver' }) };
    expect(limiter.policyFor(silver.principal).name).toBe('default');
    expect(await consumeTimes(limiter, silver, 2)).toBe(0);
    await refusal(limiter, silver);
  });

  it('counts anonymous callers per address with the anonymous allowance, apart from clients', async () => {
    const limiter = createRateLimiter({ default: { requests: 5, window: 60 }, anonymous: { requests: 1 } });
    expect(limiter.policyFor(null)).toEqual({ name: 'anonymous', requests: 1, window: 60 });
    await limiter.consume({ principal: null, address: '192.0.2.1' });
    const error = await refusal(limiter, { principal: null, address: '192.0.2.1' });
    expect(error.policy.name).toBe('anonymous');
    // The same address as an IPv4-mapped IPv6 address is the same caller.
    await refusal(limiter, { principal: null, address: '::ffff:192.0.2.1' });
    expect((await limiter.consume({ principal: null, address: '192.0.2.2' })).remaining).toBe(0);
    // A client id equal to an address is still counted apart, under its own policy.
    expect((await limiter.consume({ principal: principal('192.0.2.1') })).remaining).toBe(4);
  });

  it('gives anonymous callers the default allowance when no anonymous one is set', () => {
    const limiter = createRateLimiter({ default: { requests: 7, window: 30 } });
    expect(limiter.policyFor(null)).toEqual({ name: 'anonymous', requests: 7, window: 30 });
  });

  it('counts every address of one IPv6 /64 as one anonymous caller, and callers without an address together', async () => {
    const limiter = createRateLimiter({ default: { requests: 1, window: 60 } });
    await limiter.consume({ principal: null, address: '2001:db8:1:2::1' });
    await refusal(limiter, { principal: null, address: '2001:0db8:0001:0002:ffff:ffff:ffff:ffff' });
    await limiter.consume({ principal: null, address: '2001:db8:1:3::1' });
    await limiter.consume({ principal: null });
    await refusal(limiter, { principal: null, address: null });
  });

  it('serves a refused client again once its window ends (frozen clock)', async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter({ default: { requests: 1, window: 1 } });
    const caller = { principal: principal('acme') };
    await limiter.consume(caller);
    expect((await refusal(limiter, caller)).retryAfter).toBe(1);
    vi.advanceTimersByTime(1001);
    expect((await limiter.consume(caller)).remaining).toBe(0);
  });

  it('a refused request does not lengthen the window', async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter({ default: { requests: 1, window: 10 } });
    const caller = { principal: principal('acme') };
    await limiter.consume(caller);
    vi.advanceTimersByTime(6000);
    expect((await refusal(limiter, caller)).retryAfter).toBe(4);
    vi.advanceTimersByTime(4001);
    expect((await limiter.consume(caller)).reset).toBe(10);
  });

  it('drops every counter when its window ends, however many distinct keys it saw (bounded memory)', async () => {
    vi.useFakeTimers();
    const limiter = createRateLimiter({ default: { requests: 5, window: 1 }, tiers: { key: 'tier', values: { gold: { window: 2 } } } });
    for (let index = 0; index < 1_000; index += 1) {
      await limiter.consume({ principal: null, address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` });
      await limiter.consume({ principal: principal(`client-${index}`) });
    }
    await limiter.consume({ principal: principal('gold-client', { tier: 'gold' }) });
    expect(limiter.size()).toBe(2_001);
    vi.advanceTimersByTime(1001);
    expect(limiter.size()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(limiter.size()).toBe(0);
  });

  it.each([
    [{ requests: 0 }, '"default.requests" must be an integer from 1 to 1000000000'],
    [{ requests: 1.5 }, '"default.requests" must be an integer from 1 to 1000000000'],
    [{ window: 0 }, '"default.window" must be an integer from 1 to 86400'],
    [{ window: 86_401 }, '"default.window" must be an integer from 1 to 86400'],
    [{ window: '60' }, '"default.window" must be an integer from 1 to 86400'],
    [{ burst: 5 }, '"default.burst" is not part of an allowance (requests, window, daily, monthly, cost, costWindow)'],
    ['600', '"default" must be an object { requests, window, daily, monthly, cost, costWindow }'],
  ])('refuses default %o at construction, naming the option', (value, message) => {
    expect(() => createRateLimiter({ default: value } as never)).toThrow(new TypeError(message));
  });

  it.each([
    [{ anonymous: { requests: -1 } }, '"anonymous.requests" must be an integer from 1 to 1000000000'],
    [{ tiers: { key: '', values: {} } }, '"tiers.key" must be a non-empty string'],
    [{ tiers: { key: 'tier', values: [] } }, '"tiers.values" must be an object mapping tier names to allowances'],
    [{ tiers: { key: 'tier', values: { gold: { requests: 'many' } } } }, '"tiers.values.gold.requests" must be an integer from 1 to 1000000000'],
    [{ tiers: { key: 'tier', values: { 'go"ld': {} } } }, '"tiers.values" has a tier name that is not 1 to 64 printable ASCII characters without quotes: "go"ld"'],
    [{ logger: { info: () => undefined } }, '"logger" must be a pino-compatible logger with a debug() method'],
    [{ points: 5 }, '"points" is not an option of the rate limiter'],
    [{ maxAnonymousCallers: 0 }, '"maxAnonymousCallers" must be an integer from 1 to 10000000'],
  ])('refuses %o at construction, naming the option', (options, message) => {
    expect(() => createRateLimiter(options as never)).toThrow(new TypeError(message));
  });

  it('logs a refusal with the client id and the policy, never a token', async () => {
    const lines: Record<string, unknown>[] = [];
    const record = (object: Record<string, unknown>): void => {
      lines.push(object);
    };
    const limiter = createRateLimiter({ default: { requests: 1, window: 60 }, logger: { debug: record, info: record, warn: record, error: record } });
    const caller = principal('acme');
    await limiter.consume({ principal: { ...caller, claims: { secret: 'eyJhbGciOi.token' } } });
    await refusal(limiter, { principal: caller });
    // Exactly these fields: nothing else of the principal (claims, tokens) is written.
    expect(lines).toEqual([{ code: 'ERR_RATE_LIMITED', clientId: 'acme', policy: 'default', requests: 1, window: 60, retryAfter: expect.any(Number) }]);
    expect(JSON.stringify(lines)).not.toContain('eyJ');
  });
});

describe('ERR_RATE_LIMITED at the edge', () => {
  const error = new RateLimitError({ name: 'gold', requests: 3000, window: 60 }, 17.2);

  it('maps to 429 RATE_LIMITED with Retry-After and the RateLimit fields of draft-ietf-httpapi-ratelimit-headers-11', () => {
    expect(httpChallenge(error, 'api')).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Too many requests: retry after the time given in Retry-After',
      headers: { 'retry-after': '18', 'ratelimit-policy': '"gold";q=3000;w=60', ratelimit: '"gold";r=0;t=18' },
    });
  });

  it('becomes a GraphQL error with extensions.http for servers other than the reference one', () => {
    const graphqlError = toGraphQLError(error, { realm: 'api', headers: 'record' });
    expect(graphqlError.message).toBe('Too many requests: retry after the time given in Retry-After');
    expect(graphqlError.extensions).toEqual({
      code: 'RATE_LIMITED',
      http: { status: 429, headers: { 'retry-after': '18', 'ratelimit-policy': '"gold";q=3000;w=60', ratelimit: '"gold";r=0;t=18' } },
    });
  });

  it('never sends a Retry-After below one second', () => {
    expect(new RateLimitError({ name: 'default', requests: 1, window: 1 }, 0).retryAfter).toBe(1);
    expect(new RateLimitError({ name: 'default', requests: 1, window: 1 }, Number.NaN).retryAfter).toBe(1);
  });

  it('writes policy names as Structured Field strings', () => {
    expect(rateLimitHeaders({ name: 'a"b\\c', requests: 1, window: 1 }, 0, 1)).toEqual({
      'ratelimit-policy': '"a\\"b\\\\c";q=1;w=1',
      ratelimit: '"a\\"b\\\\c";r=0;t=1',
    });
  });
});

describe('addressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:0:0:0:1', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:1.2.3.4.5', 'unknown'],
    ['not an address', 'unknown'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
