import type { RatePolicy } from '../errors.js';

/**
 * The RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-11 (HTTPAPI working group,
 * May 2026): `RateLimit-Policy` (the quota and its window) and `RateLimit` (what is left of it and
 * when more becomes available), both HTTP Structured Field lists (RFC 9651) whose items are the
 * policy's name as a String.
 *
 * @example
 * ```ts
 * rateLimitHeaders({ name: 'default', requests: 600, window: 60 }, 42, 17);
 * // { 'ratelimit-policy': '"default";q=600;w=60', ratelimit: '"default";r=42;t=17' }
 * ```
 */
export function rateLimitHeaders(policy: RatePolicy, remaining: number, reset: number): Readonly<Record<string, string>> {
  const name = structuredString(policy.name);
  return {
    'ratelimit-policy': `${name};q=${nonNegative(policy.requests)};w=${Math.max(1, nonNegative(policy.window))}`,
    ratelimit: `${name};r=${nonNegative(remaining)};t=${nonNegative(reset)}`,
  };
}

/** An RFC 9651 String: printable ASCII, with `"` and `\` escaped; anything else is dropped. */
function structuredString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, (character) => `\\${character}`)}"`;
}

/** An RFC 9651 Integer for these fields: whole and non-negative. */
function nonNegative(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.ceil(value)) : 0;
}

/** One policy's state, as {@link rateLimitFields} reports it. */
export interface RateLimitFieldState {
  readonly policy: RatePolicy;
  readonly remaining: number;
  readonly reset: number;
}

/**
 * The RateLimit header fields for several policies at once (requests per window, daily and monthly
 * quotas, cost budget): one list item per policy in each field, in the order given.
 *
 * @example
 * ```ts
 * rateLimitFields(state.policies);
 * // { 'ratelimit-policy': '"gold";q=3000;w=60, "gold.day";q=100000;w=86400', ratelimit: '"gold";r=2999;t=60, "gold.day";r=99999;t=3600' }
 * ```
 */
export function rateLimitFields(states: readonly RateLimitFieldState[]): Readonly<Record<string, string>> {
  const fields = states.map((state) => rateLimitHeaders(state.policy, state.remaining, state.reset));
  return {
    'ratelimit-policy': fields.map((field) => field['ratelimit-policy']).join(', '),
    ratelimit: fields.map((field) => field.ratelimit).join(', '),
  };
}

/**
 * Adds RateLimit fields to those already set on a response (a list field may be split over several
 * producers: the HTTP edge counts requests, a plugin the cost). Items of a policy already present
 * are replaced, so a policy is listed once.
 */
export function mergeRateLimitField(existing: string | undefined, added: string): string {
  if (existing === undefined || existing === '') return added;
  const name = (item: string): string => item.trim().split(';', 1)[0] ?? '';
  const addedNames = new Set(added.split(', ').map(name));
  const kept = existing.split(', ').filter((item) => !addedNames.has(name(item)));
  return [...kept, added].filter((part) => part !== '').join(', ');
}
