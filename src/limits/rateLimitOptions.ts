import type { RatePolicy } from '../errors.js';
import { assertLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { checkClientTiers } from './clientTiers.js';
import type { CheckedTiers, ClientTiers } from './clientTiers.js';
import { isRecord, optionsRecord } from './isRecord.js';

/**
 * The options of the rate limiter and their checking, once, at construction.
 */

/** How many requests a caller may make per window. */
export interface RateAllowance {
  /** Requests allowed in one window (an integer from 1 to 1,000,000,000). */
  readonly requests: number;
  /** The window in seconds (an integer from 1 to 86,400: at most a day). */
  readonly window: number;
}

/**
 * Larger (or smaller) allowances for chosen client tiers, read from the client metadata under `key`
 * exactly as the operation limits read theirs.
 *
 * @example
 * ```ts
 * { key: 'tier', values: { gold: { requests: 3000 }, internal: { requests: 6000 } } }
 * ```
 */
export type RateLimitTiers = ClientTiers<RateAllowance>;

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** The allowance of every client without a configured tier (default {@link DEFAULT_RATE_LIMIT}). */
  readonly default?: Partial<RateAllowance>;
  /**
   * The allowance of each anonymous caller (no principal: only when anonymous access is on), counted
   * per remote address. Default: the `default` allowance.
   */
  readonly anonymous?: Partial<RateAllowance>;
  /** Per-tier allowances from client metadata. */
  readonly tiers?: RateLimitTiers;
  /**
   * Most anonymous networks (IPv4 addresses, IPv6 /64s) counted at once (default 100,000). Past it a
   * network not already counted is refused (429) until the oldest window ends: memory stays bounded
   * under a flood from many addresses, and it fails closed.
   */
  readonly maxAnonymousCallers?: number;
  /** A pino-compatible logger; refusals are logged at `info` (client id or address, policy, retry after). */
  readonly logger?: Logger;
}

/** The default allowance: 600 requests per 60 seconds (10 per second on average, bursts allowed). */
export const DEFAULT_RATE_LIMIT: RateAllowance = Object.freeze({ requests: 600, window: 60 });

/** Longest window: rate-limiter-flexible expires a key with one `setTimeout`, which must stay below 2^31 ms. */
const MAX_WINDOW = 86_400;
const MAX_REQUESTS = 1_000_000_000;
const OPTION_NAMES = new Set(['default', 'anonymous', 'tiers', 'maxAnonymousCallers', 'logger']);

/** Default of {@link RateLimiterOptions.maxAnonymousCallers}: about 50 MB of counters at most. */
export const DEFAULT_MAX_ANONYMOUS_CALLERS = 100_000;

/** Options after checking: one policy per tier, plus the default and the anonymous one. */
export interface CheckedRateLimitOptions {
  readonly defaults: RatePolicy;
  readonly anonymous: RatePolicy;
  readonly tiers: CheckedTiers<RatePolicy>;
  readonly maxAnonymousCallers: number;
  readonly logger: Logger;
}

/**
 * Checks the options of {@link createRateLimiter}.
 *
 * @throws TypeError naming the option at fault.
 */
export function checkRateLimitOptions(options: unknown): CheckedRateLimitOptions {
  const checked = optionsRecord(options, OPTION_NAMES, 'the rate limiter');
  const defaults = checkAllowance(checked['default'], { name: 'default', ...DEFAULT_RATE_LIMIT }, 'default', 'default');
  const anonymous = checkAllowance(checked['anonymous'], { ...defaults, name: 'anonymous' }, 'anonymous', 'anonymous');
  const tiers = checkClientTiers(checked['tiers'], 'allowances', (allowance, tier, option) => {
    // The tier names the policy in the RateLimit headers: keep it a plain header-safe word.
    if (!/^[\x21-\x7e]{1,64}$/.test(tier) || /["\\]/.test(tier)) {
      throw new TypeError(`"tiers.values" has a tier name that is not 1 to 64 printable ASCII characters without quotes: "${tier.slice(0, 64)}"`);
    }
    return checkAllowance(allowance, { ...defaults, name: tier }, option, tier);
  });
  const maxAnonymousCallers = checkInteger(checked['maxAnonymousCallers'], DEFAULT_MAX_ANONYMOUS_CALLERS, 'maxAnonymousCallers', 10_000_000);
  return { defaults, anonymous, tiers, maxAnonymousCallers, logger: assertLogger(checked['logger'], 'logger') };
}

function checkAllowance(value: unknown, fallback: RatePolicy, option: string, name: string): RatePolicy {
  if (value === undefined) return Object.freeze({ ...fallback, name });
  if (!isRecord(value)) throw new TypeError(`"${option}" must be an object { requests, window }`);
  for (const member of Object.keys(value)) {
    if (member !== 'requests' && member !== 'window') throw new TypeError(`"${option}.${member}" is not part of an allowance (requests, window)`);
  }
  return Object.freeze({
    name,
    requests: checkInteger(value['requests'], fallback.requests, `${option}.requests`, MAX_REQUESTS),
    window: checkInteger(value['window'], fallback.window, `${option}.window`, MAX_WINDOW),
  });
}

function checkInteger(value: unknown, fallback: number, option: string, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new TypeError(`"${option}" must be an integer from 1 to ${max}`);
  }
  return value;
}
