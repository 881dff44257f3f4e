import { ASYMMETRIC_ALGORITHMS } from './algorithms.js';
import type { AsymmetricAlgorithm } from './algorithms.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from './bearerToken.js';
import { DEFAULT_CLIENT_CLAIM } from './clientClaim.js';
import { assertLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { assertMetricsHooks } from '../observe/metricsHooks.js';
import type { MetricsHooks } from '../observe/metricsHooks.js';
import type { ClaimsPreset, PresetName } from './presets/preset.js';
import { PRESETS, PRESET_NAMES, isPresetName } from './presets/presets.js';

/**
 * The options of a token verifier, and their one-time check at construction.
 * Durations are in seconds, as in JWT claims.
 */

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** The issuer, matched exactly against `iss` (e.g. `https://tenant.auth0.com/`). An absolute https URL (http only on loopback). */
  readonly issuer: string;
  /** This API's identifier(s); `aud` must contain one. Required, except with the `cognito` preset (whose tokens have no `aud`). */
  readonly audience?: string | readonly string[];
  /** Accepted signature algorithms (asymmetric only). Default `['RS256']`. */
  readonly algorithms?: readonly AsymmetricAlgorithm[];
  /** The JWKS URI. Default: the issuer's OpenID discovery document, else `<issuer>.well-known/jwks.json`. */
  readonly jwksUri?: string;
  /** How claims become a principal. Default `'auth0'`. */
  readonly preset?: PresetName;
  /** Name of the custom client claim. Default `'https://allow-clients.dev/client'`. */
  readonly clientClaim?: string;
  /** Client ids accepted. Required with `cognito` (it replaces the audience check); optional otherwise. */
  readonly allowedClientIds?: readonly string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (0 to 60). Default 30. */
  readonly clockTolerance?: number;
  /** Longest accepted lifetime `exp - iat`, in seconds. Default 30 days. */
  readonly maxTokenLifetime?: number;
  /** Longest accepted token, in characters. Default 8192. */
  readonly maxTokenLength?: number;
  /** Verified tokens kept (LRU). Default 10,000; 0 disables the cache. */
  readonly cacheSize?: number;
  /**
   * The verified-token cache's budget in bytes (LRU). Default 32 MiB. An entry counts
   * 1 KiB + 4 bytes per token character (its claims, principal and access key, estimated above).
   */
  readonly cacheBytes?: number;
  /**
   * Longest time a verified token stays cached (never past its `exp`), in seconds. Default 600.
   * It does not lengthen the life of a removed signing key: a cached token is answered only while
   * the key that verified it is still in the key set, so it is refused as soon as a JWKS refresh
   * drops that key (see `jwksMaxAge`).
   */
  readonly cacheTtl?: number;
  /** Least time between two JWKS fetches (an unknown kid refetches at most this often), in seconds (at most 30). Default 30. */
  readonly jwksCooldown?: number;
  /** Total deadline of one JWKS fetch, discovery included, in seconds (at most 30). Default 5. */
  readonly jwksTimeout?: number;
  /**
   * Age after which the JWKS is refreshed in the background on use (so removed keys go), in seconds. Default 600.
   *
   * This bounds revocation: a key the issuer removes from its JWKS keeps verifying tokens, fresh and
   * cached alike, until the first refresh after its removal has succeeded. The refresh starts on the
   * first use (fresh or cached token) once the JWKS is older than `jwksMaxAge`, so under steady
   * traffic the window is at most `jwksMaxAge` plus one JWKS round trip (itself at most
   * `jwksTimeout`); `cacheTtl` does not add to it. The request that finds the JWKS older than this,
   * and those arriving while the refresh runs, are still answered with the known keys
   * (stale-while-revalidate, so no request waits on the issuer); once the refresh succeeds, the
   * removed key and every token cached under it are refused with `ERR_KEY_NOT_FOUND`. A failed
   * refresh (issuer down) keeps the known keys serving and is retried once per `jwksCooldown`.
   * Lower it to shorten the window, at the cost of more JWKS fetches.
   */
  readonly jwksMaxAge?: number;
  /** Where the precise reasons of refusals and JWKS failures are logged. Default: nowhere. */
  readonly logger?: Logger;
  /** The clock, in ms since the epoch (tests). Default `Date.now`. */
  readonly now?: () => number;
  /** Told of every verification (result, refusal code, seconds) and JWKS fetch, for metrics. Default: none. */
  readonly metrics?: MetricsHooks;
}

/** Options after their check, with every default applied. */
export interface ResolvedVerifierOptions {
  readonly issuer: string;
  readonly audience: readonly string[] | undefined;
  readonly algorithms: readonly AsymmetricAlgorithm[];
  readonly jwksUri: string | undefined;
  readonly preset: ClaimsPreset;
  readonly clientClaim: string;
  readonly allowedClientIds: ReadonlySet<string> | undefined;
  readonly clockTolerance: number;
  readonly maxTokenLifetime: number;
  readonly maxTokenLength: number;
  readonly cacheSize: number;
  readonly cacheBytes: number;
  readonly cacheTtl: number;
  readonly jwksCooldown: number;
  readonly jwksTimeout: number;
  readonly jwksMaxAge: number;
  readonly logger: Logger;
  readonly now: () => number;
  readonly metrics: MetricsHooks | undefined;
}

/** The defaults, in seconds where a duration. */
export const VERIFIER_DEFAULTS = Object.freeze({
  algorithms: Object.freeze(['RS256'] as AsymmetricAlgorithm[]),
  preset: 'auth0' as PresetName,
  clientClaim: DEFAULT_CLIENT_CLAIM,
  clockTolerance: 30,
  maxTokenLifetime: 30 * 24 * 3600,
  maxTokenLength: DEFAULT_MAX_TOKEN_LENGTH,
  cacheSize: 10_000,
  cacheBytes: 32 * 1024 * 1024,
  cacheTtl: 600,
  jwksCooldown: 30,
  jwksTimeout: 5,
  jwksMaxAge: 600,
});

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'issuer', 'audience', 'algorithms', 'jwksUri', 'preset', 'clientClaim', 'allowedClientIds', 'clockTolerance',
  'maxTokenLifetime', 'maxTokenLength', 'cacheSize', 'cacheBytes', 'cacheTtl', 'jwksCooldown', 'jwksTimeout', 'jwksMaxAge', 'logger', 'now',
  'metrics',
]);

/** The names of {@link VerifierOptions}, for callers that accept a superset of them. */
export const VERIFIER_OPTION_NAMES: ReadonlySet<string> = OPTION_NAMES;

/**
 * Checks verifier options once and applies the defaults.
 *
 * @throws TypeError naming the first wrong option
 */
export function resolveVerifierOptions(options: VerifierOptions, extraNames: ReadonlySet<string> = new Set()): ResolvedVerifierOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name) && !extraNames.has(name)) throw new TypeError(`"${name}" is not an option`);
  }
  const issuer = absoluteUrl(options.issuer, 'issuer');
  const presetName = options.preset ?? VERIFIER_DEFAULTS.preset;
  if (!isPresetName(presetName)) throw new TypeError(`"preset" must be one of ${PRESET_NAMES.join(', ')}`);
  const preset = PRESETS[presetName];

  let audience: readonly string[] | undefined;
  if (preset.hasAudience) {
    audience = nonEmptyStrings(options.audience, 'audience', true);
    if (audience === undefined) throw new TypeError('"audience" is required (this API\'s identifier)');
  } else if (options.audience !== undefined) {
    throw new TypeError(`"audience" cannot be checked with the ${presetName} preset (its tokens have no aud); set "allowedClientIds"`);
  }
  const allowed = nonEmptyStrings(options.allowedClientIds, 'allowedClientIds', false);
  if (!preset.hasAudience && allowed === undefined) {
    throw new TypeError(`"allowedClientIds" is required with the ${presetName} preset`);
  }

  const algorithms = options.algorithms ?? VERIFIER_DEFAULTS.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('"algorithms" must be a non-empty array');
  for (const algorithm of algorithms as unknown[]) {
    if (typeof algorithm !== 'string' || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new TypeError(`"algorithms" may hold only ${ASYMMETRIC_ALGORITHMS.join(', ')} (got ${JSON.stringify(algorithm)})`);
    }
  }

  const clientClaim = options.clientClaim ?? VERIFIER_DEFAULTS.clientClaim;
  if (typeof clientClaim !== 'string' || clientClaim.length === 0) throw new TypeError('"clientClaim" must be a non-empty string');
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"now" must be a function returning ms since the epoch');

  return {
    issuer,
    audience,
    algorithms: Object.freeze([...new Set(algorithms)]),
    jwksUri: options.jwksUri === undefined ? undefined : absoluteUrl(options.jwksUri, 'jwksUri'),
    preset,
    clientClaim,
    allowedClientIds: allowed === undefined ? undefined : new Set(allowed),
    clockTolerance: seconds(options.clockTolerance, 'clockTolerance', VERIFIER_DEFAULTS.clockTolerance, 0, 60),
    maxTokenLifetime: seconds(options.maxTokenLifetime, 'maxTokenLifetime', VERIFIER_DEFAULTS.maxTokenLifetime, 1, 10 * 365 * 24 * 3600),
    maxTokenLength: integer(options.maxTokenLength, 'maxTokenLength', VERIFIER_DEFAULTS.maxTokenLength, 64, 1024 * 1024),
    cacheSize: integer(options.cacheSize, 'cacheSize', VERIFIER_DEFAULTS.cacheSize, 0, 10_000_000),
    cacheBytes: integer(options.cacheBytes, 'cacheBytes', VERIFIER_DEFAULTS.cacheBytes, 64 * 1024, 2 ** 40),
    cacheTtl: seconds(options.cacheTtl, 'cacheTtl', VERIFIER_DEFAULTS.cacheTtl, 0, 24 * 3600),
    jwksCooldown: positiveSeconds(options.jwksCooldown, 'jwksCooldown', VERIFIER_DEFAULTS.jwksCooldown, 30),
    jwksTimeout: positiveSeconds(options.jwksTimeout, 'jwksTimeout', VERIFIER_DEFAULTS.jwksTimeout, 30),
    jwksMaxAge: positiveSeconds(options.jwksMaxAge, 'jwksMaxAge', VERIFIER_DEFAULTS.jwksMaxAge, 7 * 24 * 3600),
    logger: assertLogger(options.logger),
    now: options.now ?? Date.now,
    metrics: assertMetricsHooks(options.metrics),
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function absoluteUrl(value: unknown, option: string): string {
  if (typeof value !== 'string') throw new TypeError(`"${option}" must be an absolute URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`"${option}" must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`"${option}" must be an https URL (http only on loopback)`);
  }
  if (url.hash !== '' || url.username !== '' || url.password !== '') throw new TypeError(`"${option}" must not carry a fragment or credentials`);
  return value;
}

function nonEmptyStrings(value: unknown, option: string, allowSingle: boolean): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = allowSingle && typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item: unknown) => typeof item === 'string' && item.length > 0)) {
    throw new TypeError(`"${option}" must be ${allowSingle ? 'a non-empty string or ' : ''}a non-empty array of non-empty strings`);
  }
  return Object.freeze([...(list as string[])]);
}

function seconds(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`"${option}" must be a number of seconds from ${min} to ${max}`);
  }
  return value;
}

function positiveSeconds(value: unknown, option: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new TypeError(`"${option}" must be a number of seconds above 0 and at most ${max}`);
  }
  return value;
}

function integer(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`"${option}" must be an integer from ${min} to ${max}`);
  }
  return value;
}
