import { AuthError, ServiceError } from '../errors.js';
import { readBearerToken } from './bearerToken.js';
import type { AuthContext } from './context.js';
import type { Logger } from '../logger.js';
import { peekKid } from './tokenHeader.js';
import { createVerifierFrom } from './verifier.js';
import type { Verifier } from './verifier.js';
import { resolveVerifierOptions } from './verifierOptions.js';
import type { VerifierOptions } from './verifierOptions.js';

/**
 * Request → {@link AuthContext}, for any server: the bearer token read as RFC 6750 says, verified,
 * and the precise reason of a refusal logged (never sent).
 */

/** A request as any HTTP server can describe it. */
export interface AuthRequest {
  /** Header names in any case; a repeated header as an array (Node: `req.headersDistinct`). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The request target (path and query), to detect an `access_token` query parameter. */
  readonly url?: string;
  /** The parsed body (JSON or form), to detect an `access_token` body parameter. */
  readonly body?: unknown;
}

/** Options of {@link createAuthenticator}: the verifier's, plus anonymous access. */
export interface AuthenticatorOptions extends VerifierOptions {
  /** A request without credentials gets `principal: null` instead of a 401 (a present but invalid token is still refused). Default false. */
  readonly allowAnonymous?: boolean;
}

/** Authenticates requests. */
export interface Authenticator {
  /**
   * The auth context of a request.
   *
   * @throws AuthError (400/401) or ServiceError (503), to be mapped with `httpChallenge`/`toGraphQLError`
   */
  authenticate(request: AuthRequest): Promise<AuthContext>;
  /**
   * For a server that authenticates from the headers before it parses the body (so that a
   * stranger's large body is never parsed): refuses, once the body is parsed, an `Authorization`
   * header next to an `access_token` body member (RFC 6750 §2: one method per request), as
   * `authenticate` does when given the body.
   *
   * @throws AuthError `ERR_INVALID_REQUEST` (400)
   */
  checkBody(request: AuthRequest): void;
  /** The verifier behind it (for its stats, or to verify tokens directly). */
  readonly verifier: Verifier;
}

const OWN_OPTIONS: ReadonlySet<string> = new Set(['allowAnonymous']);

/**
 * Creates an authenticator. Options are checked here, once.
 *
 * @param options - verifier options plus `allowAnonymous`
 * @param extraOptionNames - option names a wrapping factory accepts besides these (not checked here)
 * @throws TypeError naming a wrong option
 * @example
 * ```ts
 * const { authenticate } = createAuthenticator({ issuer, audience });
 * const { principal } = await authenticate({ headers: req.headersDistinct, url: req.url });
 * ```
 */
export function createAuthenticator(options: AuthenticatorOptions, extraOptionNames: ReadonlySet<string> = new Set()): Authenticator {
  const resolved = resolveVerifierOptions(options, new Set([...OWN_OPTIONS, ...extraOptionNames]));
  const allowAnonymous = options.allowAnonymous ?? false;
  if (typeof allowAnonymous !== 'boolean') throw new TypeError('"allowAnonymous" must be a boolean');
  const verifier = createVerifierFrom(resolved);
  const { logger, maxTokenLength } = resolved;

  const authenticate = async (request: AuthRequest): Promise<AuthContext> => {
    let token: string | undefined;
    try {
      token = readBearerToken(
        { authorization: authorizationValues(request.headers), queryHasToken: queryHasToken(request.url), bodyHasToken: bodyHasToken(request.body) },
        maxTokenLength,
      );
      return { principal: await verifier.verify(token) };
    } catch (error) {
      if (allowAnonymous && error instanceof AuthError && error.code === 'ERR_NO_CREDENTIALS') return { principal: null };
      logRefusal(logger, error, token);
      throw error;
    }
  };

  const checkBody = (request: AuthRequest): void => {
    if (authorizationValues(request.headers).length === 0 || !bodyHasToken(request.body)) return;
    const error = new AuthError('ERR_INVALID_REQUEST', { detail: 'Authorization header and access_token body parameter' });
    logRefusal(logger, error, undefined);
    throw error;
  };

  return { authenticate, checkBody, verifier };
}

/** Every `Authorization` value, whatever the case of the header name. */
function authorizationValues(headers: AuthRequest['headers']): readonly string[] {
  const direct = headers.authorization;
  let values: string[] = direct === undefined ? [] : typeof direct === 'string' ? [direct] : [...direct];
  for (const name of Object.keys(headers)) {
    if (name !== 'authorization' && name.length === 13 && name.toLowerCase() === 'authorization') {
      const value = headers[name];
      if (value !== undefined) values = values.concat(value);
    }
  }
  return values;
}

// The parameter name may be percent-encoded (`access%5Ftoken`): parse whenever the text could hold it.
function mayHoldToken(text: string): boolean {
  return text.includes('access_token') || text.includes('%');
}

function queryHasToken(url: string | undefined): boolean {
  const query = url === undefined ? -1 : url.indexOf('?');
  if (url === undefined || query === -1) return false;
  const search = url.slice(query + 1);
  return mayHoldToken(search) && new URLSearchParams(search).has('access_token');
}

function bodyHasToken(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (body instanceof URLSearchParams) return body.has('access_token');
  if (typeof body === 'string') return mayHoldToken(body) && new URLSearchParams(body).has('access_token');
  return typeof body === 'object' && !Array.isArray(body) && Object.prototype.hasOwnProperty.call(body, 'access_token');
}

function logRefusal(logger: Logger, error: unknown, token: string | undefined): void {
  const kid = token === undefined ? undefined : peekKid(token);
  if (error instanceof AuthError) {
    const entry = { code: error.code, detail: error.detail, cause: causeMessage(error.cause), kid };
    if (error.code === 'ERR_NO_CREDENTIALS') logger.debug(entry, 'Request without credentials refused');
    else logger.info(entry, 'Access token refused');
  } else if (error instanceof ServiceError) {
    logger.warn({ code: error.code, detail: error.detail, retryAfter: error.retryAfter, kid }, 'Authentication unavailable');
  } else {
    logger.error({ err: error instanceof Error ? error.message : String(error), kid }, 'Unexpected error while authenticating');
  }
}

function causeMessage(cause: unknown): string | undefined {
  return cause === undefined ? undefined : cause instanceof Error ? cause.message : String(cause);
}
