import { AccessError, AllowClientsError, AuthError, LimitError, RateLimitError, ServiceError } from '../errors.js';
import { LIMIT_GRAPHQL_CODES } from '../http/challenge.js';

/**
 * How a request ended, in one word: the `outcome` label of `allow_clients_requests_total` and the
 * `outcome` of an audit event. Everything but `served` is a refusal or a failure.
 */
export const REQUEST_OUTCOMES = [
  'served',
  'denied_in_part',
  'refused',
  'unauthenticated',
  'rate_limited',
  'limit_exceeded',
  'invalid',
  'unavailable',
  'error',
] as const;

/**
 * - `served`: answered in full;
 * - `denied_in_part`: answered, with denied fields null (mode filter);
 * - `refused`: the whole operation refused by authorization (403);
 * - `unauthenticated`: no usable credentials (401, or 400 for credentials sent twice);
 * - `rate_limited`: past the caller's allowance (429);
 * - `limit_exceeded`: an operation or request limit (depth, aliases, tokens, cost, body size, batching);
 * - `invalid`: a request GraphQL refuses (parse, validation, variables, unsupported method or operation);
 * - `unavailable`: the issuer's keys cannot be fetched (503);
 * - `error`: an internal error.
 */
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** The outcome of a request that ended with a thrown error (an allow-clients error, or anything else). */
export function outcomeOfError(error: unknown): RequestOutcome {
  if (error instanceof AuthError) return 'unauthenticated';
  if (error instanceof AccessError) return error.code === 'ERR_UNAUTHENTICATED' ? 'unauthenticated' : 'refused';
  if (error instanceof ServiceError) return 'unavailable';
  if (error instanceof RateLimitError) return 'rate_limited';
  if (error instanceof LimitError) return error.code === 'ERR_RATE_LIMITED' ? 'rate_limited' : 'limit_exceeded';
  return error instanceof AllowClientsError ? 'refused' : 'error';
}

/**
 * The outcome of a GraphQL response, from its HTTP status and the `extensions.code` of its errors
 * (as allow-clients and Apollo Server send them).
 */
export function outcomeOfResponse(status: number, codes: readonly string[]): RequestOutcome {
  if (status === 429) return 'rate_limited';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'refused';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'error';
  if (codes.some((code) => LIMIT_GRAPHQL_CODES.has(code))) return 'limit_exceeded';
  if (status >= 400) return 'invalid';
  if (codes.includes('FORBIDDEN') || codes.includes('UNAUTHENTICATED')) return 'denied_in_part';
  return 'served';
}
