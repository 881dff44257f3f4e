import { hash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Algorithm, VerifyOptions } from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AllowClientsError, AuthError } from '../errors.js';
import { notify } from '../observe/metricsHooks.js';
import type { VerificationResult } from '../observe/metricsHooks.js';
import { buildPrincipal } from './buildPrincipal.js';
import { createKeyStore } from './keyStore.js';
import type { KeyStoreStats } from './keyStore.js';
import type { Principal } from './principal.js';
import { readTokenHeader } from './tokenHeader.js';
import type { TokenHeader } from './tokenHeader.js';
import { resolveVerifierOptions } from './verifierOptions.js';
import type { ResolvedVerifierOptions, VerifierOptions } from './verifierOptions.js';

/**
 * Access token → verified {@link Principal}: the header checked first, the signature verified
 * with jsonwebtoken against a cached `KeyObject` from the issuer's JWKS, every claim rule applied,
 * the claims mapped by a preset, and the result cached until the token expires, at most
 * `cacheTtl`, and no longer than its key stays in the issuer's JWKS.
 */

/** Counters for tests and benchmarks. */
export interface VerifierStats {
  /** Tokens that reached the signature check (cache misses with a usable key), valid or not. */
  readonly verifications: number;
  /** Tokens answered from the cache. */
  readonly cacheHits: number;
  /** Cached tokens dropped, not answered, because the key that verified them left the JWKS. */
  readonly cacheKeyDrops: number;
  /** Tokens refused (any coded error). */
  readonly failures: number;
  /** The JWKS key store's counters. */
  readonly jwks: KeyStoreStats;
}

/** Verifies access tokens of one issuer for one API. Usable from any server. */
export interface Verifier {
  /**
   * Verifies a token and returns its principal (the same frozen object while it is cached).
   *
   * @throws AuthError (invalid token; never `ERR_NO_CREDENTIALS`) or ServiceError `ERR_JWKS_UNAVAILABLE`
   */
  verify(token: string): Promise<Principal>;
  /** The checked options, defaults applied. */
  readonly options: ResolvedVerifierOptions;
  readonly stats: VerifierStats;
  /**
   * Whether a key of the issuer is usable now (a readiness probe): fetches the JWKS when none is
   * cached (single-flight, at most once per cooldown, so probes cannot multiply fetches).
   */
  keysUsable(): Promise<boolean>;
}

interface CacheEntry {
  readonly principal: Principal;
  /** ms since the epoch. */
  readonly expiresAt: number;
  /** The key that verified the token: the entry is only good while the key store still holds it. */
  readonly key: KeyObject;
  /** What the entry counts against `cacheBytes`. */
  readonly bytes: number;
}

/** An entry's estimated bytes: a fixed part, and the parsed claims and principal, which grow with the token. */
function tokenEntryBytes(tokenLength: number): number {
  return 1024 + 4 * tokenLength;
}

/**
 * Creates a verifier. Options are checked here, once.
 *
 * @throws TypeError naming a wrong option
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: 'https://tenant.auth0.com/', audience: 'https://api.example.com' });
 * const principal = await verifier.verify(token); // principal.client.id === 'abc123'
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return createVerifierFrom(resolveVerifierOptions(options));
}

/** Creates a verifier from options already checked by {@link resolveVerifierOptions}. */
export function createVerifierFrom(resolved: ResolvedVerifierOptions): Verifier {
  const { issuer, audience, algorithms, preset, clientClaim, allowedClientIds, clockTolerance, maxTokenLifetime, maxTokenLength, now, metrics } =
    resolved;
  const allowedAlgorithms: ReadonlySet<string> = new Set(algorithms);
  const keys = createKeyStore({
    issuer,
    jwksUri: resolved.jwksUri,
    algorithms,
    cooldownMs: resolved.jwksCooldown * 1000,
    timeoutMs: resolved.jwksTimeout * 1000,
    maxAgeMs: resolved.jwksMaxAge * 1000,
    logger: resolved.logger,
    now,
    ...(metrics?.jwksFetched === undefined ? {} : { onFetch: (ok: boolean) => notify(metrics, resolved.logger, (hooks) => hooks.jwksFetched?.({ ok })) }),
  });
  // Sized by the token it came from: its claims, principal and access key grow with it.
  const cache =
    resolved.cacheSize > 0
      ? new LRUCache<string, CacheEntry>({ max: resolved.cacheSize, maxSize: resolved.cacheBytes, sizeCalculation: (entry) => entry.bytes })
      : undefined;
  const cacheTtlMs = resolved.cacheTtl * 1000;
  const baseOptions: VerifyOptions = {
    algorithms: algorithms as Algorithm[],
    issuer,
    clockTolerance,
    ...(audience === undefined ? {} : { audience: audience.length === 1 ? (audience[0] as string) : ([...audience] as [string, ...string[]]) }),
  };
  const counters = { verifications: 0, cacheHits: 0, cacheKeyDrops: 0, failures: 0 };

  /** Everything after the key is known: synchronous, so the common path makes no extra promise. */
  const verifyWithKey = (token: string, header: TokenHeader, key: KeyObject, cacheKey: string | undefined): Principal => {
    const nowMs = now();
    const nowSeconds = Math.floor(nowMs / 1000);
    let payload: unknown;
    counters.verifications += 1;
    try {
      payload = jwt.verify(token, key, { ...baseOptions, clockTimestamp: nowSeconds });
    } catch (cause) {
      throw fromJsonWebTokenError(cause);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'payload is not a JSON object' });
    }
    const claims = payload as Record<string, unknown>;
    const { exp, iat, sub } = claims;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthError('ERR_CLAIM_INVALID', { detail: 'exp: missing or not a number' });
    if (iat !== undefined) {
      if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new AuthError('ERR_CLAIM_INVALID', { detail: 'iat: not a number' });
      if (iat > nowSeconds + clockTolerance) throw new AuthError('ERR_CLAIM_INVALID', { detail: 'iat: in the future' });
    }
    const lifetime = exp - (typeof iat === 'number' ? iat : nowSeconds);
    if (lifetime > maxTokenLifetime) {
      throw new AuthError('ERR_CLAIM_INVALID', { detail: `exp: lifetime of ${lifetime} s exceeds ${maxTokenLifetime} s` });
    }
    if (typeof sub !== 'string' || sub.length === 0) throw new AuthError('ERR_CLAIM_INVALID', { detail: 'sub: missing or not a string' });
    const principal = buildPrincipal(preset.map({ header: header.members, claims }), claims, clientClaim);
    if (allowedClientIds !== undefined && !allowedClientIds.has(principal.client.id)) {
      throw new AuthError('ERR_CLAIM_INVALID', { detail: `client ${principal.client.id} is not in allowedClientIds` });
    }
    if (cache !== undefined && cacheKey !== undefined) {
      const expiresAt = Math.min(exp * 1000, nowMs + cacheTtlMs);
      if (expiresAt > nowMs) cache.set(cacheKey, { principal, expiresAt, key, bytes: tokenEntryBytes(token.length) });
    }
    return principal;
  };

  const refuse = (error: unknown): Promise<never> => {
    counters.failures += 1;
    return Promise.reject(error);
  };

  const verifyAndCount = (token: string): Promise<Principal> => {
    try {
      if (typeof token !== 'string' || token.length === 0) throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'not a non-empty string' });
      if (token.length > maxTokenLength) throw new AuthError('ERR_TOKEN_TOO_LARGE', { detail: `${token.length} characters` });
      let cacheKey: string | undefined;
      if (cache !== undefined) {
        cacheKey = hash('sha256', token, 'base64');
        const entry = cache.get(cacheKey);
        if (entry !== undefined) {
          const nowMs = now();
          if (nowMs < entry.expiresAt) {
            // A key removed by a refresh revokes its cached tokens too: they are verified again,
            // and refused. isCurrent also starts the refresh once the JWKS is older than jwksMaxAge,
            // so traffic answered from the cache alone still notices a removal.
            if (keys.isCurrent(entry.key, nowMs)) {
              counters.cacheHits += 1;
              return Promise.resolve(entry.principal);
            }
            counters.cacheKeyDrops += 1;
          }
          cache.delete(cacheKey);
        }
      }
      const header = readTokenHeader(token, allowedAlgorithms);
      const cachedKey = keys.cachedKey(header.kid, header.alg);
      if (cachedKey !== undefined) return Promise.resolve(verifyWithKey(token, header, cachedKey, cacheKey));
      return keys.getKey(header.kid, header.alg).then((key) => verifyWithKey(token, header, key, cacheKey)).catch(refuse);
    } catch (error) {
      return refuse(error);
    }
  };

  // With a tokenVerified hook, each verification is timed and reported; without one, nothing is added.
  const report = metrics?.tokenVerified === undefined ? undefined : metrics;
  const verify =
    report === undefined
      ? verifyAndCount
      : (token: string): Promise<Principal> => {
          const started = performance.now();
          const hitsBefore = counters.cacheHits;
          const tell = (result: VerificationResult, error: unknown): void => {
            const code = result === 'refused' && error instanceof AllowClientsError ? error.code : null;
            const seconds = (performance.now() - started) / 1000;
            notify(report, resolved.logger, (hooks) => hooks.tokenVerified?.({ result, code, seconds }));
          };
          const answer = verifyAndCount(token);
          // A cache hit is counted synchronously, before verifyAndCount returns.
          const cached = counters.cacheHits > hitsBefore;
          return answer.then(
            (principal) => {
              tell(cached ? 'cached' : 'verified', undefined);
              return principal;
            },
            (error: unknown) => {
              tell('refused', error);
              throw error;
            },
          );
        };

  return {
    verify,
    options: resolved,
    get stats(): VerifierStats {
      return { ...counters, jwks: keys.stats };
    },
    keysUsable: async () => {
      if (keys.stats.usableKeys === 0) await keys.refresh().catch(() => undefined);
      return keys.stats.usableKeys > 0;
    },
  };
}

/** Maps jsonwebtoken's errors (matched by class and message) to coded errors, keeping the original as `cause`. */
function fromJsonWebTokenError(cause: unknown): AuthError {
  if (cause instanceof jwt.TokenExpiredError) return new AuthError('ERR_TOKEN_EXPIRED', { detail: 'exp', cause });
  if (cause instanceof jwt.NotBeforeError) return new AuthError('ERR_TOKEN_NOT_YET_VALID', { detail: 'nbf', cause });
  const message = cause instanceof Error ? cause.message : String(cause);
  if (message === 'invalid signature' || message === 'jwt signature is required') return new AuthError('ERR_SIGNATURE_INVALID', { cause });
  if (message.startsWith('jwt audience invalid')) return new AuthError('ERR_CLAIM_INVALID', { detail: 'aud', cause });
  if (message.startsWith('jwt issuer invalid')) return new AuthError('ERR_CLAIM_INVALID', { detail: 'iss', cause });
  if (message === 'invalid exp value') return new AuthError('ERR_CLAIM_INVALID', { detail: 'exp: not a number', cause });
  if (message === 'invalid nbf value') return new AuthError('ERR_CLAIM_INVALID', { detail: 'nbf: not a number', cause });
  if (message === 'invalid algorithm') return new AuthError('ERR_ALGORITHM_NOT_ALLOWED', { cause });
  if (
    message.startsWith('"alg" parameter') ||
    message.startsWith('Invalid key for this operation') ||
    message.startsWith('Unknown key type') ||
    message.startsWith('secretOrPublicKey must be')
  ) {
    return new AuthError('ERR_KEY_UNSUITABLE', { detail: message, cause });
  }
  return new AuthError('ERR_TOKEN_MALFORMED', { detail: message, cause });
}
