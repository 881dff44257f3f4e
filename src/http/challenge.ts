import { GraphQLError } from 'graphql';
import { AccessError, AllowClientsError, AuthError, LimitError, RateLimitError, ServiceError } from '../errors.js';
import { rateLimitHeaders } from './rateLimitHeaders.js';

/**
 * The one place where allow-clients errors become HTTP answers (RFC 6750) and GraphQL errors.
 *
 * Everything the caller sees comes from fixed tables here; `detail` and `cause` never leave.
 */

/** An HTTP answer for a refused request. */
export interface HttpChallenge {
  readonly status: number;
  /** Lower-case header names: `www-authenticate`, `retry-after`, `ratelimit-policy`, `ratelimit`. */
  readonly headers: Readonly<Record<string, string>>;
  /** GraphQL `extensions.code`: `UNAUTHENTICATED`, `FORBIDDEN`, ... */
  readonly code: string;
  /** The short fixed message for the caller. */
  readonly message: string;
}

/** GraphQL codes for the errors that are not about credentials. */
const LIMIT_CODES: Readonly<Record<LimitError['code'], { status: number; code: string }>> = {
  ERR_RATE_LIMITED: { status: 429, code: 'RATE_LIMITED' },
  ERR_QUERY_TOO_DEEP: { status: 400, code: 'QUERY_TOO_DEEP' },
  ERR_TOO_MANY_ALIASES: { status: 400, code: 'TOO_MANY_ALIASES' },
  ERR_TOO_MANY_TOKENS: { status: 400, code: 'TOO_MANY_TOKENS' },
  ERR_QUERY_TOO_COSTLY: { status: 400, code: 'QUERY_TOO_COSTLY' },
  ERR_TOO_MANY_INTROSPECTIONS: { status: 400, code: 'TOO_MANY_INTROSPECTIONS' },
  ERR_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  ERR_BATCH_NOT_ALLOWED: { status: 400, code: 'BATCHING_NOT_ALLOWED' },
};

/** The GraphQL codes of the operation and request limits (rate limit apart), as sent in `extensions.code`. */
export const LIMIT_GRAPHQL_CODES: ReadonlySet<string> = new Set(
  Object.entries(LIMIT_CODES).flatMap(([name, { code }]) => (name === 'ERR_RATE_LIMITED' ? [] : [code])),
);

/** The message of an error we did not expect: nothing about it reaches the caller. */
const INTERNAL_MESSAGE = 'Internal server error';

/** The realm of a challenge when none is given (the default of `createAuthContext`). */
export const DEFAULT_REALM = 'api';

/**
 * Checks a `realm` option once: it is sent inside a quoted string of `WWW-Authenticate`.
 *
 * @throws TypeError naming the option when the realm is empty or would break the header.
 */
export function assertRealm(realm: unknown, option = 'realm'): string {
  if (typeof realm !== 'string' || realm.length === 0 || realm.length > 200 || !/^[\x20-\x7e]+$/.test(realm) || /["\\]/.test(realm)) {
    throw new TypeError(`"${option}" must be a non-empty printable ASCII string without quotes or backslashes`);
  }
  return realm;
}

/**
 * Maps an allow-clients error to its HTTP status, headers and GraphQL code.
 *
 * @param error - a coded error thrown by the library
 * @param realm - the protection space named in `WWW-Authenticate` (checked with {@link assertRealm}),
 *   only in the 401 and 403 answers; default `'api'`. Give it here, where the challenge is written.
 * @example
 * ```ts
 * const { status, headers } = httpChallenge(new AuthError('ERR_TOKEN_EXPIRED'), 'api');
 * // 401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token expired"' }
 * ```
 */
export function httpChallenge(error: AllowClientsError, realm: string = DEFAULT_REALM): HttpChallenge {
  const bare = `Bearer realm="${realm}"`;
  if (error instanceof AuthError) {
    if (error.code === 'ERR_NO_CREDENTIALS') {
      return { status: 401, headers: { 'www-authenticate': bare }, code: 'UNAUTHENTICATED', message: error.message };
    }
    if (error.code === 'ERR_INVALID_REQUEST') {
      return {
        status: 400,
        headers: { 'www-authenticate': `${bare}, error="invalid_request", error_description="${error.message}"` },
        code: 'BAD_REQUEST',
        message: error.message,
      };
    }
    return {
      status: 401,
      headers: { 'www-authenticate': `${bare}, error="invalid_token", error_description="${error.message}"` },
      code: 'UNAUTHENTICATED',
      message: error.message,
    };
  }
  if (error instanceof AccessError) {
    if (error.code === 'ERR_UNAUTHENTICATED') {
      return { status: 401, headers: { 'www-authenticate': bare }, code: 'UNAUTHENTICATED', message: error.message };
    }
    const scope = error.requiredScopes?.[0];
    const scopeParam = scope !== undefined && scope.length > 0 && scope.every(isScopeToken) ? `, scope="${scope.join(' ')}"` : '';
    return {
      status: 403,
      headers: {
        'www-authenticate': `${bare}, error="insufficient_scope", error_description="Not allowed for this client"${scopeParam}`,
      },
      code: 'FORBIDDEN',
      message: error.message,
    };
  }
  if (error instanceof ServiceError) {
    return {
      status: 503,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfter))) },
      code: 'SERVICE_UNAVAILABLE',
      message: error.message,
    };
  }
  if (error instanceof RateLimitError) {
    // Nothing is left until the window resets: Retry-After and the RateLimit fields agree.
    return {
      status: 429,
      headers: { 'retry-after': String(error.retryAfter), ...rateLimitHeaders(error.policy, 0, error.retryAfter) },
      code: LIMIT_CODES.ERR_RATE_LIMITED.code,
      message: error.message,
    };
  }
  if (error instanceof LimitError) {
    const { status, code } = LIMIT_CODES[error.code];
    return { status, headers: {}, code, message: error.message };
  }
  return { status: 500, headers: {}, code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE };
}

/** RFC 6750 scope tokens: printable ASCII except space, `"` and `\`. */
function isScopeToken(scope: string): boolean {
  return /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope);
}

/** Options of {@link toGraphQLError}. */
export interface ToGraphQLErrorOptions {
  /** The `WWW-Authenticate` realm of a 401 or 403 (`extensions.http`); default `'api'`. */
  readonly realm?: string;
  /** Set `extensions.http` so that the server answers with the mapped status and headers (default true). */
  readonly http?: boolean;
  /**
   * The form of `extensions.http.headers`: a `Map` for Apollo Server (default), a plain record for
   * GraphQL Yoga and other servers that copy headers with `Object.entries`.
   */
  readonly headers?: 'map' | 'record';
}

/**
 * Turns any thrown value into a GraphQL error a caller may see: coded allow-clients errors keep their
 * code (and `coordinate` for denials); anything else becomes a masked `INTERNAL_SERVER_ERROR`.
 *
 * @example
 * ```ts
 * throw toGraphQLError(error, { realm: 'orders-api', headers: 'record' }); // from a GraphQL Yoga context function
 * ```
 */
export function toGraphQLError(error: unknown, options: ToGraphQLErrorOptions = {}): GraphQLError {
  if (!(error instanceof AllowClientsError)) {
    const extensions: Record<string, unknown> = { code: 'INTERNAL_SERVER_ERROR' };
    if (options.http !== false) extensions['http'] = { status: 500, headers: options.headers === 'record' ? {} : new Map<string, string>() };
    return new GraphQLError(INTERNAL_MESSAGE, { extensions });
  }
  const challenge = httpChallenge(error, options.realm);
  const extensions: Record<string, unknown> = { code: challenge.code };
  if (error instanceof AccessError && error.coordinate !== undefined) extensions['coordinate'] = error.coordinate;
  if (options.http !== false) {
    const headers = options.headers === 'record' ? { ...challenge.headers } : new Map(Object.entries(challenge.headers));
    extensions['http'] = { status: challenge.status, headers };
  }
  return new GraphQLError(challenge.message, { extensions });
}
