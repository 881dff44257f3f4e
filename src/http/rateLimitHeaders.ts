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
