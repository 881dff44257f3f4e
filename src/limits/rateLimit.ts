import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.js';
import { RateLimitError } from '../errors.js';
import type { RatePolicy } from '../errors.js';
import { addressKey } from './addressKey.js';
import { tierOf } from './clientTiers.js';
import { fixedWindowAt } from './fixedWindows.js';
import type { FixedWindow, FixedWindowKind } from './fixedWindows.js';
import { createLimitStore } from './limitStore.js';
import type { LimitStoreHealth } from './limitStore.js';
import { checkRateLimitOptions } from './rateLimitOptions.js';
import type { CheckedAllowance, RateLimiterOptions } from './rateLimitOptions.js';
import { createWindowCounter } from './windowCounter.js';
import type { CounterCharge } from './windowCounter.js';

/** Who is making a request, as the rate limiter counts it. */
export interface RateLimitCaller {
  /** The authenticated caller, counted by its client id (and its user id for a user token); null for an anonymous caller. */
  readonly principal: Principal | null;
  /** The remote address (`req.socket.remoteAddress`), counted for anonymous callers only. */
  readonly address?: string | null;
  /**
   * How many requests this one counts for (default 1): a mutation counts once per root field
   * (`rootMutationFields`), so 49 aliased writes in one request cost 49 of the allowance.
   */
  readonly points?: number;
}

/** What is left of one policy after a request was counted. */
export interface PolicyState {
  readonly policy: RatePolicy;
  /** Requests (cost points for a cost budget) still allowed in the current window. */
  readonly remaining: number;
  /** Whole seconds (at least 1) until the current window ends and the allowance is whole again. */
  readonly reset: number;
}

/** What is left of a caller's allowance after a request was counted. */
export interface RateLimitState extends PolicyState {
  /** The request policy first, then the daily and monthly quotas that apply: one `RateLimit` item each. */
  readonly policies: readonly PolicyState[];
}

/** What an operation was charged to the caller's cost budget, or why it was not. */
export interface CostState extends PolicyState {
  /** The cost asked for: the operation's computed cost, at least `mutationFieldCost` per root mutation field. */
  readonly requested: number;
  /** Set when `requested` did not fit in what is left (`remaining`): nothing was charged, answer 429 with it. */
  readonly refusal: RateLimitError | null;
}

/** What the cost budget needs to know of an operation. */
export interface CostRequest extends RateLimitCaller {
  /** The operation's computed cost (the operation limits' cost model). */
  readonly cost: number;
  /** How many root fields the operation has when it is a mutation (0 for queries). */
  readonly mutationFields?: number;
}

/** A per-client rate limiter, built once by {@link createRateLimiter}. */
export interface RateLimiter {
  /**
   * Counts a request of a caller (`points` times, default once) against its request policy and its
   * daily and monthly quotas.
   *
   * @returns what is left of each policy (for the `RateLimit` headers).
   * @throws RateLimitError `ERR_RATE_LIMITED` (a {@link LimitError}) with `retryAfter` in seconds, when the caller
   * has used up an allowance; ServiceError `ERR_LIMITS_UNAVAILABLE` when the shared store cannot be
   * used and `onStoreFailure` is `closed`.
   */
  consume(caller: RateLimitCaller): Promise<RateLimitState>;
  /**
   * Charges an operation's cost to the caller's cost budget, all or nothing, before it runs.
   *
   * @returns what was charged and what is left (with `refusal` set when the cost did not fit and
   *   nothing was charged), or null when no cost budget applies (anonymous caller, none configured).
   * @throws ServiceError `ERR_LIMITS_UNAVAILABLE` when the shared store cannot be used and `onStoreFailure` is `closed`.
   */
  chargeCost(request: CostRequest): Promise<CostState | null>;
  /** The policy that applies to a caller (its tier's, the default, or the anonymous one for null). */
  policyFor(principal: Principal | null): RatePolicy;
  /** Counters currently held in this process's memory, over every policy (each is dropped when its window ends). */
  size(): number;
  /** Whether the counters' store can be used now (a readiness probe): memory always, Redis when it answers in time. */
  health(): Promise<LimitStoreHealth>;
  /** Disconnects the Redis client the limiter created from `redis` options or a URL. */
  close(): Promise<void>;
}

/** How long a quota counter outlives its window on Redis: clocks of replicas differ a little. */
const WINDOW_MARGIN_MS = 60_000;

/**
 * Creates a per-client rate limiter: requests per window (rate-limiter-flexible, a window per key
 * starting with its first request), requests per UTC calendar day and month (quotas), and cost
 * points per window (a cost budget, windows aligned on the epoch), per client tier.
 *
 * A machine is counted by its client id (never its token), so all its tokens and all its instances
 * share one allowance: its request window, quotas and cost budget (as partner plans are sold). A user
 * token is counted by its client id and user id, for its request window, quotas and cost budget
 * alike, so that one user of a frontend cannot use up the allowance of the others, and `remaining`
 * tells each user only about its own use. The client's tier (client metadata under `tiers.key`, like the operation
 * limits) chooses the allowance. An anonymous caller is counted by its remote address (IPv6 by
 * /64), and at most `maxAnonymousCallers` of them at once; quotas and budgets are not applied to
 * anonymous callers. A refused request still counts against the request window (it never lengthens
 * it); quotas and budgets are charged all or nothing, so a refused operation costs no quota or budget.
 *
 * Counters live in this process's memory, or with `redis` on a Redis shared by every replica (keys
 * under `keyPrefix`; rate-limiter-flexible's `RateLimiterRedis` for the request windows, one Lua
 * script for the quotas and budgets). Every Redis call has a deadline (`storeTimeout`); while Redis
 * cannot be used, `onStoreFailure` says what happens: `open` counts in memory per process, `closed`
 * refuses with 503 and `Retry-After`. In memory, each counter is dropped when its window ends, so
 * memory follows the clients seen in the live windows (see `size()`).
 *
 * @throws TypeError naming the option when an option is wrong.
 * @example
 * ```ts
 * const limiter = createRateLimiter({
 *   default: { requests: 600, window: 60, daily: 100_000, cost: 50_000 },
 *   tiers: { key: 'tier', values: { gold: { requests: 3000, monthly: 10_000_000 } } },
 *   redis: process.env.REDIS_URL, // shared by every replica; omit for in-memory counters
 *   onStoreFailure: 'open',
 * });
 * const { policies } = await limiter.consume({ principal, address: req.socket.remoteAddress });
 * ```
 */
export function createRateLimiter(options?: RateLimiterOptions): RateLimiter {
  const { defaults, anonymous, tiers, maxAnonymousCallers, mutationFieldCost, now, logger, store: storeOptions } = checkRateLimitOptions(options);
  const store = createLimitStore(storeOptions, logger);
  const counters = createWindowCounter(store, now);
  const allowances = [defaults, anonymous, ...tiers.values.values()];
  const memoryStores = new Map<RatePolicy, RateLimiterMemory>();
  const redisStores = new Map<RatePolicy, RateLimiterRedis>();
  for (const { requests: policy } of allowances) {
    memoryStores.set(policy, new RateLimiterMemory({ points: policy.requests, duration: policy.window }));
    if (store.redis !== null) {
      redisStores.set(
        policy,
        new RateLimiterRedis({
          storeClient: store.redis,
          keyPrefix: `${store.keyPrefix}rl:${policy.name}`,
          points: policy.requests,
          duration: policy.window,
          // Never queue behind a lost connection: the store's failure policy answers at once.
          rejectIfRedisNotReady: true,
        }),
      );
    }
  }

  const allowanceFor = (principal: Principal | null): CheckedAllowance => {
    if (principal === null) return anonymous;
    const tier = tierOf(principal, tiers);
    return tier === null ? defaults : (tiers.values.get(tier) ?? defaults);
  };

  // The anonymous networks counted now, with the end of their window (ms), oldest first (a Map keeps
  // insertion order). Checked and filled synchronously, before any await: two first requests of one
  // network in the same tick take one place.
  const anonymousWindows = new Map<string, number>();
  /** Makes room for a network not counted yet, or refuses it while `maxAnonymousCallers` are counted. */
  const admitAnonymous = (key: string): void => {
    const at = Date.now();
    const end = anonymousWindows.get(key);
    if (end !== undefined && end > at) return;
    anonymousWindows.delete(key);
    for (const [counted, countedEnd] of anonymousWindows) {
      if (countedEnd > at) break;
      anonymousWindows.delete(counted);
    }
    if (anonymousWindows.size >= maxAnonymousCallers) {
      const oldest = anonymousWindows.values().next().value as number;
      const retryAfter = seconds(oldest - at);
      logger.warn({ code: 'ERR_RATE_LIMITED', address: key, maxAnonymousCallers, retryAfter }, 'anonymous caller refused: maxAnonymousCallers networks are counted');
      throw new RateLimitError(anonymous.requests, retryAfter, { detail: `${maxAnonymousCallers} anonymous networks counted` });
    }
    anonymousWindows.set(key, at + anonymous.requests.window * 1000);
  };

  const callerLog = (caller: RateLimitCaller, key: string): Record<string, unknown> => {
    const { principal } = caller;
    return principal === null ? { address: key } : { clientId: principal.client.id, ...(principal.user === undefined ? {} : { userId: principal.user.id }) };
  };
  const refusal = (caller: RateLimitCaller, key: string, policy: RatePolicy, retryAfter: number, detail: string): RateLimitError => {
    logger.info(
      { code: 'ERR_RATE_LIMITED', ...callerLog(caller, key), policy: policy.name, requests: policy.requests, window: policy.window, retryAfter },
      'request refused by the rate limit',
    );
    return new RateLimitError(policy, retryAfter, { detail });
  };
  const refuse = (caller: RateLimitCaller, key: string, policy: RatePolicy, retryAfter: number, detail: string): never => {
    throw refusal(caller, key, policy, retryAfter, detail);
  };

  /** The request window: rate-limiter-flexible on Redis or in memory; a refusal is a result, not a failure. */
  const countRequest = async (policy: RatePolicy, key: string, points: number): Promise<{ outcome: RateLimiterRes; refused: boolean }> => {
    const settle = (pending: Promise<RateLimiterRes>): Promise<{ outcome: RateLimiterRes; refused: boolean }> =>
      pending.then(
        (outcome) => ({ outcome, refused: false }),
        (error: unknown) => {
          // rate-limiter-flexible rejects with its result when the allowance is used up.
          if (error instanceof RateLimiterRes) return { outcome: error, refused: true };
          throw error;
        },
      );
    const memory = memoryStores.get(policy);
    if (memory === undefined) throw new Error('No counter store for a rate-limit policy');
    const redis = redisStores.get(policy);
    return store.guard(
      () => (redis === undefined ? Promise.reject(new Error('no Redis store')) : settle(redis.consume(digest(key), points))),
      () => settle(memory.consume(key, points)),
    );
  };

  /**
   * The fixed windows of a caller's quotas or budget, as counter charges and the policy each reports:
   * a machine's are its client's (`{client}`), a user token's its own (`{client:user}`), as its request window.
   */
  const windowsOf = (principal: Principal, entries: readonly (readonly [RatePolicy | null, FixedWindowKind, string])[], at: number) => {
    const charges: CounterCharge[] = [];
    const windows: { policy: RatePolicy; window: FixedWindow }[] = [];
    // Digests have no ':', so a user's counters never meet a machine client's, whatever the ids.
    const owner = principal.kind === 'user' ? `${digest(principal.client.id)}:${digest(principal.user?.id ?? '')}` : digest(principal.client.id);
    for (const [policy, kind, prefix] of entries) {
      if (policy === null) continue;
      const window = fixedWindowAt(kind, at);
      // One hash tag per counted caller: its counters sit in one Redis Cluster slot, so one script charges them all.
      charges.push({ key: `${prefix}:{${owner}}:${window.id}`, limit: policy.requests, ttlMs: window.end - at + WINDOW_MARGIN_MS });
      windows.push({ policy: kind.kind === 'month' ? { ...policy, window: Math.round((window.end - window.start) / 1000) } : policy, window });
    }
    return { charges, windows };
  };

  const consume = async (caller: RateLimitCaller): Promise<RateLimitState> => {
    const allowance = allowanceFor(caller.principal);
    const policy = allowance.requests;
    const { principal } = caller;
    // One counter per machine client, per (client, user) for user tokens, per network when anonymous.
    const key =
      principal === null ? addressKey(caller.address) : JSON.stringify(principal.kind === 'user' ? [principal.client.id, principal.user?.id ?? null] : [principal.client.id]);
    const points = caller.points ?? 1;
    if (!Number.isSafeInteger(points) || points < 1) throw new TypeError('"points" must be a positive integer');
    if (principal === null) admitAnonymous(key);
    const { outcome, refused } = await countRequest(policy, key, points);
    // The store's window of this key may have started after the admission: count the network until it ends.
    if (principal === null && anonymousWindows.has(key)) anonymousWindows.set(key, Math.max(anonymousWindows.get(key) as number, Date.now() + outcome.msBeforeNext));
    if (refused) refuse(caller, key, policy, seconds(outcome.msBeforeNext), `${outcome.consumedPoints} > ${policy.requests} in ${policy.window}s`);
    const first: PolicyState = { policy, remaining: outcome.remainingPoints, reset: seconds(outcome.msBeforeNext) };
    if (principal === null || (allowance.daily === null && allowance.monthly === null)) return { ...first, policies: [first] };

    const at = now();
    const { charges, windows } = windowsOf(principal, [
      [allowance.daily, { kind: 'day' }, 'q'],
      [allowance.monthly, { kind: 'month' }, 'q'],
    ], at);
    const charged = await counters.charge(charges, points);
    const states = windows.map(({ policy: quota, window }, index) => ({
      policy: quota,
      remaining: Math.max(0, quota.requests - (charged.counts[index] ?? 0)),
      reset: seconds(window.end - at),
    }));
    if (!charged.admitted) {
      const full = states.filter((state, index) => (charged.counts[index] ?? 0) + points > state.policy.requests);
      const last = full.reduce((a, b) => (b.reset > a.reset ? b : a), full[0] ?? (states[0] as PolicyState));
      refuse(caller, key, last.policy, last.reset, `quota ${last.policy.name} used up`);
    }
    return { ...first, policies: [first, ...states] };
  };

  const chargeCost = async (request: CostRequest): Promise<CostState | null> => {
    const { principal } = request;
    if (principal === null) return null;
    const budget = allowanceFor(principal).cost;
    if (budget === null) return null;
    if (typeof request.cost !== 'number' || Number.isNaN(request.cost) || request.cost < 0) throw new TypeError('"cost" must be a number >= 0');
    const mutationFields = request.mutationFields ?? 0;
    const requested = Math.max(Math.ceil(Math.min(request.cost, Number.MAX_SAFE_INTEGER)), mutationFields * mutationFieldCost);
    const at = now();
    const { charges, windows } = windowsOf(principal, [[budget, { kind: 'seconds', seconds: budget.window }, 'c']], at);
    const charged = await counters.charge(charges, requested);
    const window = windows[0]?.window ?? fixedWindowAt({ kind: 'seconds', seconds: budget.window }, at);
    const reset = seconds(window.end - at);
    const remaining = Math.max(0, budget.requests - (charged.counts[0] ?? 0));
    return {
      policy: budget,
      requested,
      remaining,
      reset,
      refusal: charged.admitted ? null : refusal(request, principal.client.id, budget, reset, `cost ${requested} > ${remaining} left of ${budget.requests}`),
    };
  };

  const size = (): number => {
    let keys = counters.size();
    for (const memory of memoryStores.values()) keys += memory.dump().storage.length;
    return keys;
  };

  return {
    consume,
    chargeCost,
    policyFor: (principal) => allowanceFor(principal).requests,
    size,
    health: () => store.health(),
    close: () => store.close(),
  };
}

/** A fixed-size key part for a caller-chosen string (client ids and user ids have no length cap of ours). */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** Milliseconds to whole seconds, at least 1 (what Retry-After and `t` may carry). */
function seconds(milliseconds: number): number {
  return Number.isFinite(milliseconds) && milliseconds > 0 ? Math.max(1, Math.ceil(milliseconds / 1000)) : 1;
}
