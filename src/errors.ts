/**
 * The errors of allow-clients: one hierarchy, each with a stable `code`.
 *
 * Inside the library, failures are these coded errors, with the precise reason kept in `cause`
 * and `detail` for the log. They become HTTP answers and GraphQL errors in one place only,
 * `src/http/challenge.ts`, and their `message` is the short fixed text a caller may see.
 */

/** Codes of a credential that is missing, malformed or not acceptable (HTTP 400/401). */
export type AuthErrorCode =
  | 'ERR_NO_CREDENTIALS'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_UNSUPPORTED'
  | 'ERR_ALGORITHM_NOT_ALLOWED'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_UNSUITABLE'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_CLAIM_INVALID';

/** Codes of a caller who is known but may not do what it asked (HTTP 403 or a GraphQL error). */
export type AccessErrorCode = 'ERR_FORBIDDEN' | 'ERR_UNAUTHENTICATED';

/** Codes of a fault on our side or the issuer's, not the caller's (HTTP 503). */
export type ServiceErrorCode = 'ERR_JWKS_UNAVAILABLE' | 'ERR_LIMITS_UNAVAILABLE';

/** Codes of an operation refused for its size or shape (HTTP 400/413), or a caller over its request rate (HTTP 429). */
export type LimitErrorCode =
  | 'ERR_RATE_LIMITED'
  | 'ERR_QUERY_TOO_DEEP'
  | 'ERR_TOO_MANY_ALIASES'
  | 'ERR_TOO_MANY_TOKENS'
  | 'ERR_QUERY_TOO_COSTLY'
  | 'ERR_TOO_MANY_INTROSPECTIONS'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_BATCH_NOT_ALLOWED';

export type ErrorCode = AuthErrorCode | AccessErrorCode | ServiceErrorCode | LimitErrorCode;

/** Options shared by every allow-clients error. */
export interface AllowClientsErrorOptions {
  /** The underlying error (a library's, a fetch's): logged, never sent. */
  readonly cause?: unknown;
  /** What exactly failed (`'aud'`, the kid, a coordinate): logged, never sent. */
  readonly detail?: string;
}

/**
 * Base class of every error allow-clients throws on purpose.
 *
 * @example
 * ```ts
 * if (error instanceof AllowClientsError) log.info({ code: error.code, detail: error.detail });
 * ```
 */
export class AllowClientsError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: AllowClientsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = options.detail;
  }
}

/** Fixed texts sent to callers, one per code; they never carry data from the request. */
const AUTH_MESSAGES: Readonly<Record<AuthErrorCode, string>> = {
  ERR_NO_CREDENTIALS: 'Authentication required',
  ERR_INVALID_REQUEST: 'Credentials must be presented exactly once, in the Authorization header',
  ERR_TOKEN_TOO_LARGE: 'The access token is too large',
  ERR_TOKEN_MALFORMED: 'The access token is malformed',
  ERR_TOKEN_UNSUPPORTED: 'The access token is of an unsupported form',
  ERR_ALGORITHM_NOT_ALLOWED: 'The access token is signed with an algorithm that is not allowed',
  ERR_KEY_NOT_FOUND: 'The access token is signed by an unknown key',
  ERR_KEY_UNSUITABLE: 'The access token is signed by an unacceptable key',
  ERR_SIGNATURE_INVALID: 'The access token signature is invalid',
  ERR_TOKEN_EXPIRED: 'The access token expired',
  ERR_TOKEN_NOT_YET_VALID: 'The access token is not valid yet',
  ERR_CLAIM_INVALID: 'The access token claims are invalid',
};

/**
 * The credential is missing, presented wrongly, or not a token this API accepts.
 *
 * `ERR_NO_CREDENTIALS` and `ERR_INVALID_REQUEST` describe the request; every other code says
 * the token is invalid (RFC 6750 `invalid_token`).
 */
export class AuthError extends AllowClientsError {
  declare readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, options: AllowClientsErrorOptions = {}) {
    super(code, AUTH_MESSAGES[code], options);
  }
}

/** Options of an {@link AccessError}. */
export interface AccessErrorOptions extends AllowClientsErrorOptions {
  /** The field coordinate that was denied, e.g. `Order.margin`. */
  readonly coordinate?: string;
  /** Scope sets of which one would have admitted the caller (for `insufficient_scope`). */
  readonly requiredScopes?: readonly (readonly string[])[];
}

/**
 * The caller may not touch part of the operation. `ERR_FORBIDDEN` for a known caller,
 * `ERR_UNAUTHENTICATED` for an anonymous one (when anonymous access is on).
 */
export class AccessError extends AllowClientsError {
  declare readonly code: AccessErrorCode;
  readonly coordinate: string | undefined;
  readonly requiredScopes: readonly (readonly string[])[] | undefined;

  constructor(code: AccessErrorCode, options: AccessErrorOptions = {}) {
    super(
      code,
      code === 'ERR_FORBIDDEN'
        ? options.coordinate === undefined
          ? 'Not allowed for this client'
          : `Not allowed for this client: ${options.coordinate}`
        : 'Authentication required',
      options,
    );
    this.coordinate = options.coordinate;
    this.requiredScopes = options.requiredScopes;
    // A denial is a decision, not a fault, and it is cached with the decision: no stack. Until a
    // stack is read, V8 keeps the frames it was captured from, closures over the request's document
    // included; capturing again "below" a function that is never on the stack keeps no frame.
    Error.captureStackTrace(this, NOT_ON_THE_STACK);
  }
}

/** Never called: see AccessError's constructor. */
function NOT_ON_THE_STACK(): void {}

/**
 * The issuer's keys (`ERR_JWKS_UNAVAILABLE`) or the shared limit store (`ERR_LIMITS_UNAVAILABLE`,
 * with `onStoreFailure: 'closed'`) cannot be had right now: the server's fault, not the caller's (HTTP 503).
 */
export class ServiceError extends AllowClientsError {
  declare readonly code: ServiceErrorCode;
  /** Seconds after which a retry is sensible. */
  readonly retryAfter: number;

  constructor(code: ServiceErrorCode, retryAfter: number, options: AllowClientsErrorOptions = {}) {
    super(code, code === 'ERR_JWKS_UNAVAILABLE' ? 'The authorization service is temporarily unavailable' : 'The rate-limit service is temporarily unavailable', options);
    this.retryAfter = retryAfter;
  }
}

/** The operation or request is too large or of a refused shape. */
export class LimitError extends AllowClientsError {
  declare readonly code: LimitErrorCode;

  /** `ERR_RATE_LIMITED` is built by {@link RateLimitError} only, which carries what its 429 needs (Retry-After, policy). */
  constructor(code: Exclude<LimitErrorCode, 'ERR_RATE_LIMITED'>, message: string, options: AllowClientsErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A rate-limit policy as advertised to callers (the `RateLimit-Policy` header). */
export interface RatePolicy {
  /** The policy's name: the tier, `default` or `anonymous`. */
  readonly name: string;
  /** Requests allowed per window. */
  readonly requests: number;
  /** The window, in seconds. */
  readonly window: number;
}

/** The fixed text of {@link RateLimitError}: it never names the client, the tier or the numbers. */
const RATE_LIMITED_MESSAGE = 'Too many requests: retry after the time given in Retry-After';

/**
 * The caller made more requests than its rate-limit policy allows in the current window
 * (code `ERR_RATE_LIMITED`, HTTP 429 with `Retry-After` and the RateLimit headers).
 */
export class RateLimitError extends LimitError {
  declare readonly code: 'ERR_RATE_LIMITED';
  /** Whole seconds (at least 1) until the window resets and the caller is served again. */
  readonly retryAfter: number;
  /** The policy that refused the request. */
  readonly policy: RatePolicy;

  constructor(policy: RatePolicy, retryAfter: number, options: AllowClientsErrorOptions = {}) {
    // The one place that may use this code (LimitError's constructor refuses it to everyone else).
    super('ERR_RATE_LIMITED' as Exclude<LimitErrorCode, 'ERR_RATE_LIMITED'>, RATE_LIMITED_MESSAGE, options);
    this.policy = policy;
    this.retryAfter = Number.isFinite(retryAfter) ? Math.max(1, Math.ceil(retryAfter)) : 1;
  }
}
