import type { RatePolicy } from '../errors.js';
import { assertLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { checkClientTiers } from './clientTiers.js';
import type { CheckedTiers, ClientTiers } from './clientTiers.js';
import { isRecord, optionsRecord } from './isRecord.js';
import type { LimitStoreOptions } from './limitStore.js';

/**
 * The options of the rate limiter and their checking, once, at construction.
 */

/**
 * How many requests a caller may make per window, and its quotas and cost budget. Each is counted
 * per machine client (all its tokens and instances together), or per client and user for a user
 * token (each user of a frontend has its own).
 */
export interface RateAllowance {
  /** Requests allowed in one window (an integer from 1 to 1,000,000,000). */
  readonly requests: number;
  /** The window in seconds (an integer from 1 to 86,400: at most a day). */
  readonly window: number;
  /** Requests per UTC calendar day, per machine client or per user of a frontend (a quota; absent: none). */
  readonly daily?: number;
  /** Requests per UTC calendar month, per machine client or per user of a frontend (a quota; absent: none). */
  readonly monthly?: number;
  /**
   * Cost points per `costWindow`, per machine client or per user of a frontend: each operation is charged its computed cost (the
   * operation limits' cost model) before it runs (absent: no cost budget).
   */
  readonly cost?: number;
  /** The cost budget's window in seconds, aligned on the epoch (default: `window`; 1 to 86,400). */
  readonly costWindow?: number;
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

/** Options of {@link createRateLimiter}; the store options (`redis`, `keyPrefix`, `storeTimeout`, `onStoreFailure`) choose where counters live. */
export interface RateLimiterOptions extends LimitStoreOptions {
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
  /** The least cost charged to the budget for each root field of a mutation (default 10; 0 to 1,000,000). */
  readonly mutationFieldCost?: number;
  /** The clock of the quota and cost windows, ms since the epoch (default `Date.now`; for tests). */
  readonly now?: () => number;
}

/** The default allowance: 600 requests per 60 seconds (10 per second on average, bursts allowed). */
export const DEFAULT_RATE_LIMIT: RateAllowance = Object.freeze({ requests: 600, window: 60 });

/** Longest window: rate-limiter-flexible expires a key with one `setTimeout`, which must stay below 2^31 ms. */
const MAX_WINDOW = 86_400;
const MAX_REQUESTS = 1_000_000_000;
const OPTION_NAMES = new Set([
  'default',
  'anonymous',
  'tiers',
  'maxAnonymousCallers',
  'logger',
  'mutationFieldCost',
  'now',
  'redis',
  'keyPrefix',
  'storeTimeout',
  'onStoreFailure',
]);
const ALLOWANCE_NAMES = ['requests', 'window', 'daily', 'monthly', 'cost', 'costWindow'];

/** Default of {@link RateLimiterOptions.maxAnonymousCallers}: about 50 MB of counters at most. */
export const DEFAULT_MAX_ANONYMOUS_CALLERS = 100_000;

/** One allowance after checking: the request policy, and the quotas and cost budget when set. */
export interface CheckedAllowance {
  /** Requests per window, named after the tier (`default`, `anonymous`, `gold`). */
  readonly requests: RatePolicy;
  /** Requests per UTC day (`gold.day`, window 86,400). */
  readonly daily: RatePolicy | null;
  /** Requests per UTC month (`gold.month`; its window is the month's length when reported). */
  readonly monthly: RatePolicy | null;
  /** Cost points per cost window (`gold.cost`). */
  readonly cost: RatePolicy | null;
}

/** Options after checking: one allowance per tier, plus the default and the anonymous one. */
export interface CheckedRateLimitOptions {
  readonly defaults: CheckedAllowance;
  readonly anonymous: CheckedAllowance;
  readonly tiers: CheckedTiers<CheckedAllowance>;
  readonly maxAnonymousCallers: number;
  readonly mutationFieldCost: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** The options of the limit store (redis, keyPrefix, storeTimeout, onStoreFailure), checked by it. */
  readonly store: Record<string, unknown>;
}

/** A nominal month for `RateLimit-Policy` before a month is known: 30 days. */
const MONTH = 30 * 86_400;

/**
 * Checks the options of {@link createRateLimiter}.
 *
 * @throws TypeError naming the option at fault.
 */
export function checkRateLimitOptions(options: unknown): CheckedRateLimitOptions {
  const checked = optionsRecord(options, OPTION_NAMES, 'the rate limiter');
  const defaults = checkAllowance(checked['default'], DEFAULT_ALLOWANCE, 'default', 'default');
  const anonymous = checkAllowance(checked['anonymous'], defaults, 'anonymous', 'anonymous');
  const tiers = checkClientTiers(checked['tiers'], 'allowances', (allowance, tier, option) => {
    // The tier names the policy in the RateLimit headers: keep it a plain header-safe word.
    if (!/^[\x21-\x7e]{1,64}$/.test(tier) || /["\\]/.test(tier)) {
      throw new TypeError(`"tiers.values" has a tier name that is not 1 to 64 printable ASCII characters without quotes: "${tier.slice(0, 64)}"`);
    }
    return checkAllowance(allowance, defaults, option, tier);
  });
  const maxAnonymousCallers = checkInteger(checked['maxAnonymousCallers'], DEFAULT_MAX_ANONYMOUS_CALLERS, 'maxAnonymousCallers', 10_000_000);
  const mutationFieldCost = checkInteger(checked['mutationFieldCost'], 10, 'mutationFieldCost', 1_000_000, 0);
  const now = checked['now'] ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('"now" must be a function returning ms since the epoch');
  const store = Object.fromEntries(['redis', 'keyPrefix', 'storeTimeout', 'onStoreFailure'].filter((name) => checked[name] !== undefined).map((name) => [name, checked[name]]));
  return { defaults, anonymous, tiers, maxAnonymousCallers, mutationFieldCost, now: now as () => number, logger: assertLogger(checked['logger'], 'logger'), store };
}

const DEFAULT_ALLOWANCE: CheckedAllowance = { requests: { name: 'default', ...DEFAULT_RATE_LIMIT }, daily: null, monthly: null, cost: null };

function checkAllowance(value: unknown, fallback: CheckedAllowance, option: string, name: string): CheckedAllowance {
  if (value !== undefined && !isRecord(value)) throw new TypeError(`"${option}" must be an object { requests, window, daily, monthly, cost, costWindow }`);
  const record = value ?? {};
  for (const member of Object.keys(record)) {
    if (!ALLOWANCE_NAMES.includes(member)) throw new TypeError(`"${option}.${member}" is not part of an allowance (${ALLOWANCE_NAMES.join(', ')})`);
  }
  const requests = checkInteger(record['requests'], fallback.requests.requests, `${option}.requests`, MAX_REQUESTS);
  const window = checkInteger(record['window'], fallback.requests.window, `${option}.window`, MAX_WINDOW);
  const quota = (member: 'daily' | 'monthly' | 'cost', suffix: string, seconds: number): RatePolicy | null => {
    const inherited = fallback[member];
    const points = record[member] === undefined ? (inherited?.requests ?? null) : checkInteger(record[member], 0, `${option}.${member}`, MAX_REQUESTS);
    return points === null ? null : Object.freeze({ name: `${name}.${suffix}`, requests: points, window: seconds });
  };
  const costWindow = checkInteger(record['costWindow'], record['window'] === undefined ? (fallback.cost?.window ?? window) : window, `${option}.costWindow`, MAX_WINDOW);
  return Object.freeze({
    requests: Object.freeze({ name, requests, window }),
    daily: quota('daily', 'day', 86_400),
    monthly: quota('monthly', 'month', MONTH),
    cost: quota('cost', 'cost', costWindow),
  });
}

function checkInteger(value: unknown, fallback: number, option: string, max: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`"${option}" must be an integer from ${min} to ${max}`);
  }
  return value;
}
