/**
 * The reference server's configuration, read from the environment once at start.
 *
 * Every variable is checked here; a bad value throws a {@link ConfigError} naming the variable,
 * and `main.ts` prints that one line and exits with code 1.
 */
import { ASYMMETRIC_ALGORITHMS, PRESET_NAMES } from '../index.js';
import type { AsymmetricAlgorithm, PresetName } from '../index.js';

/** A configuration value that cannot be used. `message` names the variable. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export const AUTHZ_MODES = ['filter', 'reject', 'dry-run'] as const;
export type AuthzMode = (typeof AUTHZ_MODES)[number];

export const SCHEMA_VIEWS = ['full', 'caller'] as const;
export type SchemaView = (typeof SCHEMA_VIEWS)[number];

export const DEFAULT_POLICIES = ['public', 'authenticated', 'deny'] as const;
export type DefaultPolicy = (typeof DEFAULT_POLICIES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The audience of the reference API when it runs with the embedded dev issuer. */
export const DEV_AUDIENCE = 'https://api.allow-clients.dev/graphql';

/** Hosts the embedded dev issuer may bind. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** How to reach the token issuer: a real one from the environment, or the embedded dev issuer. */
export interface AuthConfig {
  /** Exact issuer; null when the embedded dev issuer provides it at start. */
  readonly issuer: string | null;
  /** This API's identifier; null with the cognito preset, whose access tokens have no `aud`. */
  readonly audience: string | null;
  /** Explicit JWKS URI; null to use discovery. */
  readonly jwksUri: string | null;
  readonly preset: PresetName;
  /** Name of the custom client claim; null for the library's default. */
  readonly clientClaim: string | null;
  readonly algorithms: readonly AsymmetricAlgorithm[];
  /** Client ids accepted (required by the cognito preset, whose tokens have no `aud`); null for any. */
  readonly allowedClientIds: readonly string[] | null;
  readonly allowAnonymous: boolean;
}

/** The embedded dev issuer's settings (only when AUTH_ISSUER is unset). */
export interface DevIssuerConfig {
  readonly host: string;
  readonly port: number;
  /** The audience it puts in its tokens: `AUTH_AUDIENCE`, else {@link DEV_AUDIENCE}. */
  readonly audience: string;
}

/** The default rate-limit allowance of the reference server (tiers get multiples of it), and where counters live. */
export interface RateLimitConfig {
  readonly requests: number;
  /** Seconds. */
  readonly window: number;
  /** Requests per UTC day (`RATE_LIMIT_DAILY`), null for no daily quota. */
  readonly daily: number | null;
  /** Requests per UTC month (`RATE_LIMIT_MONTHLY`), null for no monthly quota. */
  readonly monthly: number | null;
  /** Cost points per `costWindow` (`COST_BUDGET`), null for no cost budget. */
  readonly cost: number | null;
  /** Seconds (`COST_BUDGET_WINDOW`, default `RATE_LIMIT_WINDOW`). */
  readonly costWindow: number;
  /** The least cost of each root mutation field (`MUTATION_FIELD_COST`). */
  readonly mutationFieldCost: number;
  /** The shared store: `REDIS_URL` (null: in memory), `REDIS_KEY_PREFIX`, `REDIS_TIMEOUT` (ms), `RATE_LIMIT_ON_STORE_FAILURE`. */
  readonly store: {
    readonly redisUrl: string | null;
    readonly keyPrefix: string;
    readonly timeoutMs: number;
    readonly onFailure: 'open' | 'closed';
  };
}

/** Everything the reference server needs. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly auth: AuthConfig;
  readonly authz: { readonly mode: AuthzMode; readonly defaultPolicy: DefaultPolicy; readonly schemaView: SchemaView };
  readonly logLevel: LogLevel;
  readonly production: boolean;
  readonly introspection: boolean;
  /** Request bodies larger than this are refused with 413. */
  readonly maxBodyBytes: number;
  /**
   * How long a client may take to send its request headers, and its whole request, in ms
   * (`HEADERS_TIMEOUT`, `REQUEST_TIMEOUT`): a slower client gets 408 and its connection is closed.
   */
  readonly timeouts: { readonly headersMs: number; readonly requestMs: number };
  /** Most simultaneous connections (`MAX_CONNECTIONS`); 0 for no cap. */
  readonly maxConnections: number;
  /**
   * Requests per client (per address for anonymous callers) per window, before tiers scale it
   * (`RATE_LIMIT_REQUESTS`, `RATE_LIMIT_WINDOW`); null when `RATE_LIMIT_REQUESTS=0` turns rate limiting off.
   */
  readonly rateLimit: RateLimitConfig | null;
  /** Null when a real issuer is configured: nothing dev-only starts then. */
  readonly devIssuer: DevIssuerConfig | null;
  /** The metrics endpoint's port on `host` (`METRICS_PORT`, default 9464); null when `METRICS_PORT=off`. */
  readonly metricsPort: number | null;
  /** Whether `GET /graphql` from a browser opens the explorer (`GRAPHQL_EXPLORER`, default on unless NODE_ENV=production). */
  readonly explorer: boolean;
}

/** The configuration once the issuer is known (AUTH_ISSUER, or the embedded dev issuer's URL). */
export type ReferenceServerConfig = Omit<ServerConfig, 'auth' | 'devIssuer'> & {
  readonly auth: Omit<AuthConfig, 'issuer'> & { readonly issuer: string };
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and checks the configuration.
 *
 * @throws ConfigError naming the first variable with a bad value.
 * @example
 * ```ts
 * const config = readConfig(process.env);
 * ```
 */
export function readConfig(env: Env): ServerConfig {
  const production = env['NODE_ENV'] === 'production';
  const issuer = optional(env, 'AUTH_ISSUER');
  if (issuer !== null) absoluteUrl('AUTH_ISSUER', issuer);
  const jwksUri = optional(env, 'AUTH_JWKS_URI');
  if (jwksUri !== null) {
    if (issuer === null) throw new ConfigError('AUTH_JWKS_URI', 'needs AUTH_ISSUER (the embedded dev issuer serves its own JWKS)');
    absoluteUrl('AUTH_JWKS_URI', jwksUri);
  }
  const clientClaim = optional(env, 'AUTH_CLIENT_CLAIM');
  const algorithms = (list(env, 'AUTH_ALGORITHMS') ?? ['RS256']).map((alg) => {
    const found = ASYMMETRIC_ALGORITHMS.find((known) => known === alg);
    if (found === undefined) {
      throw new ConfigError('AUTH_ALGORITHMS', `must list algorithms among ${ASYMMETRIC_ALGORITHMS.join(', ')} (got "${alg}")`);
    }
    return found;
  });
  const preset = oneOf(env, 'AUTH_PRESET', PRESET_NAMES, issuer === null ? 'rfc9068' : 'auth0');
  const allowedClientIds = list(env, 'AUTH_ALLOWED_CLIENT_IDS');
  // Cognito access tokens carry no aud: the client ids replace the audience check.
  const audienceValue = optional(env, 'AUTH_AUDIENCE');
  if (preset === 'cognito') {
    if (issuer === null) throw new ConfigError('AUTH_PRESET', 'cognito needs AUTH_ISSUER (the embedded dev issuer signs RFC 9068 tokens)');
    if (audienceValue !== null) throw new ConfigError('AUTH_AUDIENCE', 'cannot be checked with AUTH_PRESET=cognito (its access tokens have no aud); set AUTH_ALLOWED_CLIENT_IDS');
    if (allowedClientIds === null) {
      throw new ConfigError('AUTH_ALLOWED_CLIENT_IDS', 'is required with AUTH_PRESET=cognito (Cognito access tokens have no aud)');
    }
  } else if (issuer !== null && audienceValue === null) {
    throw new ConfigError('AUTH_AUDIENCE', 'is required when AUTH_ISSUER is set (your API identifier)');
  }

  const devIssuer: DevIssuerConfig | null =
    issuer === null
      ? {
          host: loopbackHost(env),
          port: integer(env, 'DEV_ISSUER_PORT', 4001, 0, 65535),
          audience: audienceValue ?? DEV_AUDIENCE,
        }
      : null;
  if (issuer === null && production) {
    throw new ConfigError('AUTH_ISSUER', 'is required when NODE_ENV=production (the embedded issuer is for development only)');
  }

  return {
    host: optional(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 4000, 0, 65535),
    auth: {
      issuer,
      audience: preset === 'cognito' ? null : (audienceValue ?? DEV_AUDIENCE),
      jwksUri,
      preset,
      clientClaim,
      algorithms,
      allowedClientIds,
      allowAnonymous: boolean(env, 'AUTH_ALLOW_ANONYMOUS', false),
    },
    authz: {
      mode: oneOf(env, 'AUTHZ_MODE', AUTHZ_MODES, 'filter'),
      defaultPolicy: oneOf(env, 'AUTHZ_DEFAULT_POLICY', DEFAULT_POLICIES, 'authenticated'),
      schemaView: oneOf(env, 'AUTHZ_SCHEMA_VIEW', SCHEMA_VIEWS, 'caller'),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    production,
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', !production),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    timeouts: timeouts(env),
    maxConnections: integer(env, 'MAX_CONNECTIONS', 0, 0, 1_000_000),
    rateLimit: rateLimit(env),
    devIssuer,
    metricsPort: optional(env, 'METRICS_PORT') === 'off' ? null : integer(env, 'METRICS_PORT', 9464, 0, 65535),
    explorer: boolean(env, 'GRAPHQL_EXPLORER', !production),
  };
}

/** The value of a variable, or null when unset or blank. */
function optional(env: Env, name: string): string | null {
  const value = env[name];
  if (value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function list(env: Env, name: string): string[] | null {
  const value = optional(env, name);
  if (value === null) return null;
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ConfigError(name, 'must be a comma-separated list without empty items');
  return items;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = optional(env, name);
  if (value === null) return fallback;
  const found = allowed.find((item) => item === value);
  if (found === undefined) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  return found;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = optional(env, name);
  if (value === null) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = optional(env, name);
  if (value === null) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be an integer between ${min} and ${max} (got "${value}")`);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(name, `must be an integer between ${min} and ${max} (got "${value}")`);
  return parsed;
}

/** HEADERS_TIMEOUT and REQUEST_TIMEOUT, in seconds; the headers are part of the request, so they cannot take longer. */
function timeouts(env: Env): { headersMs: number; requestMs: number } {
  const headers = integer(env, 'HEADERS_TIMEOUT', 10, 1, 300);
  const request = integer(env, 'REQUEST_TIMEOUT', 30, 1, 3600);
  if (request < headers) throw new ConfigError('REQUEST_TIMEOUT', `must be at least HEADERS_TIMEOUT (${headers} s; got ${request} s)`);
  return { headersMs: headers * 1000, requestMs: request * 1000 };
}

/** RATE_LIMIT_REQUESTS (0 turns it off) and RATE_LIMIT_WINDOW; the largest tier multiplier (10) must stay in range. */
function rateLimit(env: Env): RateLimitConfig | null {
  const requests = integer(env, 'RATE_LIMIT_REQUESTS', 600, 0, 100_000_000);
  const window = integer(env, 'RATE_LIMIT_WINDOW', 60, 1, 86_400);
  // 0 (or unset) turns a quota or the budget off.
  const positive = (name: string): number | null => {
    const value = integer(env, name, 0, 0, 100_000_000);
    return value === 0 ? null : value;
  };
  const daily = positive('RATE_LIMIT_DAILY');
  const monthly = positive('RATE_LIMIT_MONTHLY');
  const cost = positive('COST_BUDGET');
  const costWindow = integer(env, 'COST_BUDGET_WINDOW', window, 1, 86_400);
  const mutationFieldCost = integer(env, 'MUTATION_FIELD_COST', 10, 0, 1_000_000);
  const redisUrl = optional(env, 'REDIS_URL');
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    // The value may hold a password: it is not repeated.
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const keyPrefix = optional(env, 'REDIS_KEY_PREFIX') ?? 'allow-clients:';
  if (keyPrefix.length > 100 || !/^[\x21-\x7e]+$/.test(keyPrefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must be at most 100 printable ASCII characters without spaces');
  const store = {
    redisUrl,
    keyPrefix,
    timeoutMs: integer(env, 'REDIS_TIMEOUT', 250, 1, 10_000),
    onFailure: oneOf(env, 'RATE_LIMIT_ON_STORE_FAILURE', ['open', 'closed'] as const, 'open'),
  };
  return requests === 0 ? null : { requests, window, daily, monthly, cost, costWindow, mutationFieldCost, store };
}

function absoluteUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `must be an http(s) URL (got "${value}")`);
  }
}

function loopbackHost(env: Env): string {
  const host = optional(env, 'DEV_ISSUER_HOST') ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new ConfigError('DEV_ISSUER_HOST', `must be a loopback address (127.0.0.1, ::1 or localhost): the dev issuer never binds anything else (got "${host}")`);
  }
  return host;
}
