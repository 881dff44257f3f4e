import { AuthError } from '../errors.js';

/**
 * Reading the credential of a request as RFC 6750 says, from a server-agnostic description of it.
 *
 * Only the `Authorization` header carries a token here. A token elsewhere (query string, form or
 * JSON body) is never used: alone it counts as no credentials, next to the header it makes the
 * request ambiguous and is refused.
 */

/** What {@link readBearerToken} needs to know about a request. */
export interface BearerTokenSource {
  /** Every `Authorization` header value, in order (Node: `req.headersDistinct.authorization ?? []`). */
  readonly authorization: readonly string[];
  /** The query string carries an `access_token` parameter. */
  readonly queryHasToken?: boolean;
  /** The body (form or JSON) carries an `access_token` member. */
  readonly bodyHasToken?: boolean;
}

/** Default cap on a token's length, in characters (8 KiB). */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/** RFC 6750 `b64token`: the only characters a bearer token may have. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Returns the bearer token of a request, or throws a coded {@link AuthError}.
 *
 * - `ERR_NO_CREDENTIALS`: no `Authorization` header (a token only in the query or body counts as none),
 *   or a header of another scheme (detail `scheme`).
 * - `ERR_INVALID_REQUEST`: credentials presented more than once, or a `Bearer` header without a token.
 * - `ERR_TOKEN_TOO_LARGE`: longer than `maxLength`, checked before anything else is read.
 * - `ERR_TOKEN_MALFORMED`: characters a bearer token cannot have.
 *
 * @param source - the request's `Authorization` values and whether the query or body has `access_token`
 * @param maxLength - the longest token accepted, in characters
 * @example
 * ```ts
 * const token = readBearerToken({ authorization: req.headersDistinct.authorization ?? [] });
 * ```
 */
export function readBearerToken(source: BearerTokenSource, maxLength: number = DEFAULT_MAX_TOKEN_LENGTH): string {
  const values = source.authorization;
  if (values.length === 0) throw new AuthError('ERR_NO_CREDENTIALS');
  if (values.length > 1) throw new AuthError('ERR_INVALID_REQUEST', { detail: 'several Authorization headers' });
  if (source.queryHasToken === true) throw new AuthError('ERR_INVALID_REQUEST', { detail: 'Authorization header and access_token query parameter' });
  if (source.bodyHasToken === true) throw new AuthError('ERR_INVALID_REQUEST', { detail: 'Authorization header and access_token body parameter' });
  const value = values[0] as string;
  // "Bearer" plus separating spaces: anything longer than this cannot hold an acceptable token.
  if (value.length > maxLength + 64) throw new AuthError('ERR_TOKEN_TOO_LARGE', { detail: `${value.length} characters` });
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const scheme = space === -1 ? trimmed : trimmed.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw new AuthError('ERR_NO_CREDENTIALS', { detail: 'scheme' });
  if (space === -1) throw new AuthError('ERR_INVALID_REQUEST', { detail: 'Bearer without a token' });
  const token = trimmed.slice(space + 1).trimStart();
  if (token.length === 0) throw new AuthError('ERR_INVALID_REQUEST', { detail: 'Bearer without a token' });
  if (token.length > maxLength) throw new AuthError('ERR_TOKEN_TOO_LARGE', { detail: `${token.length} characters` });
  if (!B64TOKEN.test(token)) throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'not a b64token' });
  return token;
}
