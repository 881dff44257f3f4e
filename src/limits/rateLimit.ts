import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal.js';
import { RateLimitError } from '../errors.js';
import type { RatePolicy } from '../errors.js';
import { addressKey } from './addressKey.js';
import { tierOf } from './clientTiers.js';
import { checkRateLimitOptions } from './rateLimitOptions.js';
import type { RateLimiterOptions } from './rateLimitOptions.js';

/** Who is making a request, as the rate limiter counts it. */
export interface RateLimitCaller {
  /** The authenticated caller, counted by its client id; null for an anonymous caller. */
  readonly principal: Principal | null;
  /** The remote address (`req.socket.remoteAddress`), counted for anonymous callers only. */
  readonly address?: string | null;
}

/** What is left of a caller's allowance after a request was counted. */
export interface RateLimitState {
  /** The policy that applies to the caller. */
  readonly policy: RatePolicy;
  /** Requests still allowed in the current window. */
  readonly remaining: number;
  /** Whole seconds (at least 1) until the current window ends and the allowance is whole again. */
  readonly reset: number;
}

/** A per-client rate limiter, built once by {@link createRateLimiter}. */
export interface RateLimiter {
  /**
   * Counts one request of a caller.
   *
   * @returns what is left of the caller's allowance (for the `RateLimit` headers).
   * @throws RateLimitError `ERR_RATE_LIMITED` (a {@link LimitError}) with `retryAfter` in seconds, when the caller
   * has used up its allowance for the current window.
   */
  consume(caller: RateLimitCaller): Promise<RateLimitState>;
  /** The policy that applies to a caller (its tier's, the default, or the anonymous one for null). */
  policyFor(principal: Principal | null): RatePolicy;
  /** Counters currently held in memory, over every policy (each is dropped when its window ends). */
  size(): number;
}

/**
 * Creates a per-client rate limiter: a fixed window per key, counted in memory by
 * rate-limiter-flexible's `RateLimiterMemory`, one store per policy.
 *
 * A machine is counted by its client id (never its token), so all its tokens and all its instances
 * share one allowance; a user token by its client id and user id, so that one user of a frontend
 * cannot use up the allowance of all the others. The client's tier (client metadata under
 * `tiers.key`, like the operation limits) chooses the allowance. An anonymous caller is counted by
 * its remote address (IPv6 by /64), and at most `maxAnonymousCallers` of them at once.
 * The window of a key starts with its first request; a refused request still counts but never
 * lengthens the window.
 *
 * Memory is bounded by traffic, not by time: each counter carries an unref'd timer that deletes it
 * when its window ends, so the store only ever holds the keys seen during the last window of each
 * policy (at most the number of distinct clients, users and anonymous networks in that window, the
 * last capped by `maxAnonymousCallers`; see `size()`, and the test "drops every counter when its
 * window ends"). Counters are per process: several
 * replicas each allow the full allowance.
 *
 * @throws TypeError naming the option when an option is wrong.
 * @example
 * ```ts
 * const limiter = createRateLimiter({
 *   default: { requests: 600, window: 60 },
 *   tiers: { key: 'tier', values: { gold: { requests: 3000 } } },
 * });
 * const { remaining, reset } = await limiter.consume({ principal, address: req.socket.remoteAddress });
 * ```
 */
export function createRateLimiter(options?: RateLimiterOptions): RateLimiter {
  const { defaults, anonymous, tiers, maxAnonymousCallers, logger } = checkRateLimitOptions(options);
  const stores = new Map<RatePolicy, RateLimiterMemory>();
  for (const policy of [defaults, anonymous, ...tiers.values.values()]) {
    stores.set(policy, new RateLimiterMemory({ points: policy.requests, duration: policy.window }));
  }

  const policyFor = (principal: Principal | null): RatePolicy => {
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
    const now = Date.now();
    const end = anonymousWindows.get(key);
    if (end !== undefined && end > now) return;
    anonymousWindows.delete(key);
    for (const [counted, countedEnd] of anonymousWindows) {
      if (countedEnd > now) break;
      anonymousWindows.delete(counted);
    }
    if (anonymousWindows.size >= maxAnonymousCallers) {
      const oldest = anonymousWindows.values().next().value as number;
      const retryAfter = seconds(oldest - now);
      logger.warn({ code: 'ERR_RATE_LIMITED', address: key, maxAnonymousCallers, retryAfter }, 'anonymous caller refused: maxAnonymousCallers networks are counted');
      throw new RateLimitError(anonymous, retryAfter, { detail: `${maxAnonymousCallers} anonymous networks counted` });
    }
    anonymousWindows.set(key, now + anonymous.window * 1000);
  };

  const consume = async (caller: RateLimitCaller): Promise<RateLimitState> => {
    const policy = policyFor(caller.principal);
    const store = stores.get(policy);
    if (store === undefined) throw new Error('No counter store for a rate-limit policy');
    const { principal } = caller;
    // One counter per machine client, per (client, user) for user tokens, per network when anonymous.
    const key =
      principal === null ? addressKey(caller.address) : JSON.stringify(principal.kind === 'user' ? [principal.client.id, principal.user?.id ?? null] : [principal.client.id]);
    if (principal === null) admitAnonymous(key);
    let outcome: RateLimiterRes;
    let refused = false;
    try {
      outcome = await store.consume(key, 1);
    } catch (error) {
      // rate-limiter-flexible rejects with its result when the allowance is used up.
      if (!(error instanceof RateLimiterRes)) throw error;
      outcome = error;
      refused = true;
    }
    // The store's window of this key may have started after the admission: count the network until it ends.
    if (principal === null && anonymousWindows.has(key)) anonymousWindows.set(key, Math.max(anonymousWindows.get(key) as number, Date.now() + outcome.msBeforeNext));
    if (!refused) return { policy, remaining: outcome.remainingPoints, reset: seconds(outcome.msBeforeNext) };
    const retryAfter = seconds(outcome.msBeforeNext);
    logger.info(
      {
        code: 'ERR_RATE_LIMITED',
        ...(principal === null ? { address: key } : { clientId: principal.client.id, ...(principal.user === undefined ? {} : { userId: principal.user.id }) }),
        policy: policy.name,
        requests: policy.requests,
        window: policy.window,
        retryAfter,
      },
      'request refused by the rate limit',
    );
    throw new RateLimitError(policy, retryAfter, { detail: `${outcome.consumedPoints} > ${policy.requests} in ${policy.window}s` });
  };

  const size = (): number => {
    let keys = 0;
    for (const store of stores.values()) keys += store.dump().storage.length;
    return keys;
  };

  return { consume, policyFor, size };
}

/** Milliseconds to whole seconds, at least 1 (what Retry-After and `t` may carry). */
function seconds(milliseconds: number): number {
  return Number.isFinite(milliseconds) && milliseconds > 0 ? Math.max(1, Math.ceil(milliseconds / 1000)) : 1;
}
