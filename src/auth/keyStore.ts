import type { KeyObject } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import jwksRsa from 'jwks-rsa';
import { AuthError, ServiceError } from '../errors.js';
import { keyUnfitness } from './algorithms.js';
import { importJwks } from './importJwks.js';
import type { KeyEntry, KeySet } from './importJwks.js';
import type { Logger } from '../logger.js';

/**
 * The issuer's signing keys, fetched from its JWKS with jwks-rsa and kept per `kid` as
 * `KeyObject`s, so no key is parsed per request.
 *
 * - A `kid` miss refetches at most once per cooldown: a flood of random kids cannot hammer the
 *   issuer, and a real rotation is seen within one cooldown.
 * - Each fetch has a total deadline (its own timer, which destroys the connection), so a slow or
 *   dripping issuer cannot hold requests.
 * - A failed fetch (down, 5xx, garbage, no usable key) leaves the cached keys serving.
 * - Concurrent fetches are one fetch.
 * - Revocation: once the JWKS is older than `maxAgeMs`, the next use of a key (a fresh token or a
 *   cached one, see {@link KeyStore.isCurrent}) starts a background refresh and is still answered
 *   with the known keys (stale-while-revalidate): that is what lets cached keys keep serving while
 *   the issuer is down, and no request waits on the issuer for a key it already has. Once a refresh
 *   succeeds, a key it no longer lists is gone for fresh and cached tokens alike, so a removed key
 *   keeps working for at most `maxAgeMs` plus one refresh round trip. A key the refresh lists
 *   unchanged (same kid, key and algorithms) keeps its `KeyObject`, so the tokens it verified stay
 *   cached.
 */

/** Options of {@link createKeyStore}, already checked by the verifier. */
export interface KeyStoreOptions {
  /** The issuer identifier; its discovery document gives the JWKS URI when `jwksUri` is not set. */
  readonly issuer: string;
  /** The JWKS URI; default from discovery, else `<issuer>.well-known/jwks.json`. */
  readonly jwksUri?: string;
  /** The algorithms tokens may use (keys fitting none of them are unusable). */
  readonly algorithms: readonly string[];
  /** Least time between two fetches, ms. */
  readonly cooldownMs: number;
  /** Total deadline of one fetch (discovery and JWKS), ms. */
  readonly timeoutMs: number;
  /** Age after which a hit triggers a background refresh (to drop revoked keys), ms. */
  readonly maxAgeMs: number;
  readonly logger: Logger;
  /** The clock, ms since the epoch. */
  readonly now: () => number;
  /** Told of each fetch attempt's end (metrics). */
  readonly onFetch?: (ok: boolean) => void;
}

/** Counters for tests and benchmarks. */
export interface KeyStoreStats {
  /** JWKS fetch attempts (successful or not). */
  readonly fetches: number;
  /** Fetch attempts that failed (unreachable, deadline, garbage, no usable key). */
  readonly fetchFailures: number;
  /** Requests for the discovery document. */
  readonly discoveryFetches: number;
  /** Fetch attempts that succeeded and replaced the key set. */
  readonly fetchSuccesses: number;
  /** Keys currently usable. */
  readonly usableKeys: number;
}

/** Keys of one issuer. */
export interface KeyStore {
  /**
   * The key for a token's `kid` and `alg`, fetching the JWKS when needed.
   *
   * @throws AuthError `ERR_KEY_NOT_FOUND` (unknown kid), `ERR_KEY_UNSUITABLE` (a key that cannot
   * verify this algorithm, a short RSA key); ServiceError `ERR_JWKS_UNAVAILABLE` when the JWKS
   * cannot be fetched and no cached key answers.
   */
  getKey(kid: string | undefined, alg: string): Promise<KeyObject>;
  /** The cached key for a kid and alg, without fetching; undefined on a miss. Throws as {@link KeyStore.getKey}. */
  cachedKey(kid: string | undefined, alg: string): KeyObject | undefined;
  /**
   * Whether a key returned earlier is still in the current key set (false once a successful
   * refresh dropped or changed it), for answers cached beyond the key lookup. Also starts the
   * background refresh when the JWKS is older than `maxAgeMs`, as {@link KeyStore.cachedKey} does.
   * Cheap: one comparison and one Set lookup while the JWKS is fresh.
   *
   * @param nowMs the caller's `now()`, ms since the epoch
   */
  isCurrent(key: KeyObject, nowMs: number): boolean;
  /** Fetches the JWKS now (single-flight; still one fetch per cooldown). */
  refresh(): Promise<void>;
  readonly stats: KeyStoreStats;
}

const EMPTY: KeySet = { byKid: new Map(), usable: [] };
const MAX_DISCOVERY_BYTES = 512 * 1024;
/** A JWKS is a few KiB; anything past this is not one (jwks-rsa itself reads bodies without a cap). */
const MAX_JWKS_BYTES = 1024 * 1024;

/** Makes an agent's connections fail once more than {@link MAX_JWKS_BYTES} were received. */
function cappedAgent<A extends HttpAgent>(agent: A, fail: (reason: Error) => void): A {
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = createConnection(options, callback);
    let received = 0;
    socket?.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_JWKS_BYTES) {
        socket.destroy();
        fail(new Error(`JWKS response exceeds ${MAX_JWKS_BYTES} bytes`));
      }
    });
    return socket;
  };
  return agent;
}

/** Creates the key store of one issuer. Nothing is fetched until the first token needs a key. */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { issuer, algorithms, cooldownMs, timeoutMs, maxAgeMs, logger, now } = options;
  let keys: KeySet = EMPTY;
  /** The usable keys of `keys`, by identity: what {@link KeyStore.isCurrent} checks. */
  let current: ReadonlySet<KeyObject> = new Set();
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let lastSuccess = Number.NEGATIVE_INFINITY;
  let lastFailed = false;
  let inflight: Promise<void> | undefined;
  let discoveredUri: string | undefined = options.jwksUri;
  const stats = { fetches: 0, fetchFailures: 0, discoveryFetches: 0, fetchSuccesses: 0, usableKeys: 0 };

  const lookup = (kid: string | undefined, alg: string): KeyObject | undefined => {
    let entry: KeyEntry | undefined;
    if (kid === undefined) {
      if (keys.usable.length === 0) return undefined;
      if (keys.usable.length > 1) {
        throw new AuthError('ERR_KEY_NOT_FOUND', { detail: `token has no kid and the JWKS holds ${keys.usable.length} usable keys` });
      }
      entry = keys.usable[0];
    } else {
      entry = keys.byKid.get(kid);
    }
    if (entry === undefined) return undefined;
    if (entry.key === null) throw new AuthError('ERR_KEY_UNSUITABLE', { detail: `kid ${String(kid)}: ${String(entry.reason)}` });
    if (!entry.algorithms.has(alg)) {
      const reason = keyUnfitness(entry.key, alg) ?? `the JWK is not for ${alg}`;
      throw new AuthError('ERR_KEY_UNSUITABLE', { detail: `kid ${String(kid)}: ${reason}` });
    }
    return entry.key;
  };

  const retryAfterSeconds = (): number => Math.max(1, Math.ceil((lastAttempt + cooldownMs - now()) / 1000));

  const resolveJwksUri = async (signal: AbortSignal): Promise<string> => {
    if (discoveredUri !== undefined) return discoveredUri;
    const fallback = new URL('.well-known/jwks.json', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
    const discovery = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
    stats.discoveryFetches += 1;
    let response: Response;
    try {
      response = await fetch(discovery, { signal, redirect: 'error', headers: { accept: 'application/json' } });
    } catch (cause) {
      if (signal.aborted) throw cause;
      // Unreachable: try the conventional JWKS location this time, and discovery again next time.
      logger.debug({ issuer, cause: messageOf(cause) }, 'OpenID discovery failed; trying the default JWKS location');
      return fallback;
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      discoveredUri = fallback;
      return fallback;
    }
    if (!response.ok) {
      await response.body?.cancel();
      return fallback;
    }
    const text = await readCapped(response, MAX_DISCOVERY_BYTES);
    let document: unknown;
    try {
      document = text === undefined ? undefined : JSON.parse(text);
    } catch {
      document = undefined;
    }
    const record = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {};
    const jwksUri = record.jwks_uri;
    if (record.issuer !== issuer || typeof jwksUri !== 'string' || !isHttpUrl(jwksUri) || (issuer.startsWith('https:') && !jwksUri.startsWith('https:'))) {
      logger.warn({ issuer, detail: 'discovery document without a matching issuer and an http(s) jwks_uri (https for an https issuer)' }, 'Ignoring the OpenID discovery document');
      return fallback;
    }
    discoveredUri = jwksUri;
    return jwksUri;
  };

  const fetchKeys = async (): Promise<KeySet> => {
    const controller = new AbortController();
    let agent: HttpAgent | undefined;
    let timer: NodeJS.Timeout | undefined;
    let fail: (reason: Error) => void = () => undefined;
    // Settles only by failing: at the deadline, or when the response grows too large.
    const guard = new Promise<never>((_, reject) => {
      fail = (reason: Error): void => {
        controller.abort();
        agent?.destroy();
        reject(reason);
      };
      timer = setTimeout(() => fail(new Error(`JWKS fetch exceeded its ${timeoutMs} ms deadline`)), timeoutMs);
      timer.unref();
    });
    const work = (async (): Promise<unknown> => {
      const uri = await resolveJwksUri(controller.signal);
      if (controller.signal.aborted) throw new Error('aborted');
      agent = cappedAgent(uri.startsWith('https:') ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false }), fail);
      const client = new jwksRsa.JwksClient({ jwksUri: uri, cache: false, rateLimit: false, timeout: timeoutMs, requestAgent: agent });
      return client.getKeys();
    })();
    try {
      return importJwks(await Promise.race([work, guard]), algorithms);
    } finally {
      clearTimeout(timer);
      agent?.destroy();
    }
  };

  const load = (): Promise<void> => {
    if (inflight !== undefined) return inflight;
    lastAttempt = now();
    stats.fetches += 1;
    inflight = fetchKeys()
      .then((imported) => {
        const fetched = keepUnchangedKeys(keys, imported);
        keys = fetched;
        current = new Set(fetched.usable.flatMap((entry) => (entry.key === null ? [] : [entry.key])));
        stats.fetchSuccesses += 1;
        options.onFetch?.(true);
        stats.usableKeys = fetched.usable.length;
        lastSuccess = now();
        lastFailed = false;
        const unusable = [...fetched.byKid.values()].filter((entry) => entry.key === null || entry.algorithms.size === 0);
        logger.debug({ issuer, usableKeys: fetched.usable.length }, 'JWKS fetched');
        if (unusable.length > 0) {
          logger.warn({ issuer, unusable: unusable.map((entry) => ({ kid: entry.kid, reason: entry.reason })) }, 'JWKS holds keys that will be refused');
        }
      })
      .catch((cause: unknown) => {
        lastFailed = true;
        stats.fetchFailures += 1;
        options.onFetch?.(false);
        logger.warn({ issuer, code: 'ERR_JWKS_UNAVAILABLE', cause: messageOf(cause), cachedKeys: keys.usable.length }, 'JWKS fetch failed; cached keys keep serving');
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  const mayFetch = (): boolean => now() - lastAttempt >= cooldownMs;

  /** Stale-while-revalidate: the caller keeps its answer; the refresh lands for later requests. */
  const refreshInBackground = (): void => {
    if (inflight === undefined && mayFetch()) void load();
  };

  const cachedKey = (kid: string | undefined, alg: string): KeyObject | undefined => {
    const key = lookup(kid, alg);
    if (key !== undefined && now() - lastSuccess > maxAgeMs) refreshInBackground();
    return key;
  };

  const isCurrent = (key: KeyObject, nowMs: number): boolean => {
    if (nowMs - lastSuccess > maxAgeMs) refreshInBackground();
    return current.has(key);
  };

  const getKey = async (kid: string | undefined, alg: string): Promise<KeyObject> => {
    const cached = cachedKey(kid, alg);
    if (cached !== undefined) return cached;
    if (inflight !== undefined) await inflight;
    else if (mayFetch()) await load();
    const fetched = lookup(kid, alg);
    if (fetched !== undefined) return fetched;
    if (lastFailed) {
      throw new ServiceError('ERR_JWKS_UNAVAILABLE', retryAfterSeconds(), { detail: `no usable key for kid ${String(kid)} and the JWKS cannot be fetched` });
    }
    throw new AuthError('ERR_KEY_NOT_FOUND', { detail: kid === undefined ? 'token has no kid and the JWKS holds no usable key' : `kid ${kid} not in the JWKS` });
  };

  return {
    getKey,
    cachedKey,
    isCurrent,
    refresh: async (): Promise<void> => {
      if (inflight !== undefined) return inflight;
      if (mayFetch()) return load();
    },
    get stats(): KeyStoreStats {
      return { ...stats };
    },
  };
}

/**
 * The fetched key set, with the previous entry kept for every key that did not change (same kid,
 * algorithms and key material), so its `KeyObject` identity, and the cached tokens it verified,
 * survive a routine refresh.
 */
function keepUnchangedKeys(previous: KeySet, fetched: KeySet): KeySet {
  if (previous.usable.length === 0) return fetched;
  const unchanged = (before: KeyEntry | undefined, after: KeyEntry): before is KeyEntry =>
    before !== undefined &&
    before.key !== null &&
    after.key !== null &&
    before.kid === after.kid &&
    before.algorithms.size === after.algorithms.size &&
    [...after.algorithms].every((alg) => before.algorithms.has(alg)) &&
    before.key.equals(after.key);
  const kept = new Map<KeyEntry, KeyEntry>();
  const keep = (entry: KeyEntry): KeyEntry => {
    let result = kept.get(entry);
    if (result === undefined) {
      const before = entry.kid === undefined ? previous.usable.find((candidate) => unchanged(candidate, entry)) : previous.byKid.get(entry.kid);
      result = unchanged(before, entry) ? before : entry;
      kept.set(entry, result);
    }
    return result;
  };
  return {
    byKid: new Map([...fetched.byKid].map(([kid, entry]) => [kid, keep(entry)])),
    usable: fetched.usable.map(keep),
  };
}

/** The body as text, or undefined (and the rest discarded) when longer than `limit` bytes. */
async function readCapped(response: Response, limit: number): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'object' && cause !== null && 'errorMsg' in cause) return String((cause as { errorMsg: unknown }).errorMsg);
  return String(cause);
}
