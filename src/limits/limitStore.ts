import { createRequire } from 'node:module';
import { ServiceError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Where the rate limiter keeps its counters: this process's memory, or a Redis shared by every
 * replica. Redis failures are part of the design: every call has a deadline, a failure is logged once
 * per outage, and the caller gets the configured answer (a per-process allowance, or 503), never a 500
 * and never a wait on Redis.
 */

/**
 * What the limit store uses of an ioredis client (ioredis ^6, an optional peer dependency): a client
 * you created is taken as it is, by these members, so the core needs no ioredis of its own.
 */
export interface RedisClient {
  /** `'ready'` when calls can be sent. */
  readonly status: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
  ping(): Promise<unknown>;
  defineCommand(name: string, definition: { readonly lua: string; readonly numberOfKeys?: number }): void;
  disconnect(): void;
}

/** ioredis's `RedisOptions` (host, port, password, tls, ...), passed to `new Redis(options)` as they are. */
export type RedisClientOptions = Readonly<Record<string, unknown>>;

/**
 * A Redis for the counters: an ioredis client of your own, ioredis options, or a `redis://` URL.
 * Options and URLs need the `ioredis` package installed next to allow-clients (`npm install ioredis`).
 */
export type RedisConnection = RedisClient | RedisClientOptions | string;

/** What happens to a request while the shared store cannot be used (down, unreachable, past the deadline). */
export type StoreFailurePolicy = 'open' | 'closed';

/** The options of the shared store, part of the rate limiter's options. */
export interface LimitStoreOptions {
  /** Counters on Redis, shared by every replica. Default: in this process's memory. */
  readonly redis?: RedisConnection;
  /** Prefix of every Redis key (default `allow-clients:`), so that several APIs can share one Redis. */
  readonly keyPrefix?: string;
  /** Deadline of one Redis call in ms (default 250; 1 to 10,000). */
  readonly storeTimeout?: number;
  /**
   * While Redis cannot be used: `open` (default) counts in this process's memory with the same
   * allowances (each replica then allows a whole allowance: at most N times it with N replicas);
   * `closed` refuses every counted request with 503 and `Retry-After`.
   */
  readonly onStoreFailure?: StoreFailurePolicy;
}

/** What a readiness probe reports about the store. */
export interface LimitStoreHealth {
  readonly store: 'memory' | 'redis';
  /** Memory always is; Redis when it answered a PING within the deadline. */
  readonly usable: boolean;
}

/** The store after its options were checked. */
export interface LimitStore {
  /** Null for the in-memory store. */
  readonly redis: RedisClient | null;
  readonly keyPrefix: string;
  readonly onFailure: StoreFailurePolicy;
  /**
   * Runs `remote` on Redis under the deadline. When Redis cannot be used, runs `local` (fail open)
   * or throws ServiceError `ERR_LIMITS_UNAVAILABLE` (fail closed). Without Redis, runs `local`.
   */
  guard<T>(remote: (redis: RedisClient) => Promise<T>, local: () => T | Promise<T>): Promise<T>;
  health(): Promise<LimitStoreHealth>;
  /** Disconnects a Redis client the store created (one passed in is left to its owner). */
  close(): Promise<void>;
}

const DEFAULT_PREFIX = 'allow-clients:';
const DEFAULT_TIMEOUT = 250;
/** Seconds a refused caller is told to wait while the store is down (fail closed). */
export const STORE_RETRY_AFTER = 5;

/**
 * Checks the store options once and connects to Redis when one is given.
 *
 * @throws TypeError naming the option
 */
export function createLimitStore(options: Record<string, unknown>, logger: Logger): LimitStore {
  const keyPrefix = options['keyPrefix'] ?? DEFAULT_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 100 || !/^[\x21-\x7e]*$/.test(keyPrefix)) {
    throw new TypeError('"keyPrefix" must be a string of at most 100 printable ASCII characters without spaces');
  }
  const timeout = options['storeTimeout'] ?? DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1 || timeout > 10_000) {
    throw new TypeError('"storeTimeout" must be an integer from 1 to 10000 (ms)');
  }
  const onFailure = options['onStoreFailure'] ?? 'open';
  if (onFailure !== 'open' && onFailure !== 'closed') throw new TypeError('"onStoreFailure" must be "open" or "closed"');
  const connection = options['redis'];
  if (connection === undefined) {
    return {
      redis: null,
      keyPrefix,
      onFailure,
      guard: async (_remote, local) => local(),
      health: () => Promise.resolve({ store: 'memory', usable: true }),
      close: () => Promise.resolve(),
    };
  }
  const { redis, owned } = connect(connection, timeout);

  let down = false;
  const failed = (error: unknown): void => {
    if (down) return;
    down = true;
    logger.warn(
      { err: error instanceof Error ? { message: error.message } : { message: String(error) }, onStoreFailure: onFailure },
      onFailure === 'open' ? 'limit store unusable: counting in this process until it is back' : 'limit store unusable: refusing counted requests with 503',
    );
  };
  const recovered = (): void => {
    if (!down) return;
    down = false;
    logger.info({}, 'limit store usable again');
  };
  // ioredis reports connection errors as events; the calls below report them to the caller.
  redis.on('error', (error: Error) => failed(error));

  const withDeadline = <T>(call: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from Redis within ${timeout} ms`)), timeout);
      timer.unref();
      call.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });

  const guard = async <T>(remote: (client: RedisClient) => Promise<T>, local: () => T | Promise<T>): Promise<T> => {
    try {
      // A client that is not connected fails at once rather than queueing the call.
      if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
      const value = await withDeadline(remote(redis));
      recovered();
      return value;
    } catch (error) {
      failed(error);
      if (onFailure === 'open') return local();
      throw new ServiceError('ERR_LIMITS_UNAVAILABLE', STORE_RETRY_AFTER, { detail: 'limit store unusable', cause: error });
    }
  };

  return {
    redis,
    keyPrefix,
    onFailure,
    guard,
    // A probe only: the log follows the requests, not the probes.
    health: async () => {
      try {
        if (redis.status !== 'ready') return { store: 'redis', usable: false };
        await withDeadline(redis.ping());
        return { store: 'redis', usable: true };
      } catch {
        return { store: 'redis', usable: false };
      }
    },
    close: async () => {
      if (!owned) return;
      redis.disconnect();
    },
  };
}

const CONNECTION_ERROR = '"redis" must be an ioredis client, its options, or a redis:// or rediss:// URL';

/** An ioredis client (or one shaped like it): what the store calls is there. */
function isRedisClient(value: object): value is RedisClient {
  const client = value as Partial<Record<keyof RedisClient, unknown>>;
  return typeof client.status === 'string' && typeof client.ping === 'function' && typeof client.defineCommand === 'function' && typeof client.on === 'function' && typeof client.disconnect === 'function';
}

type RedisConstructor = new (...args: readonly unknown[]) => RedisClient;

/** ioredis, loaded only when the store has to create a client (an optional peer of the package). */
function loadRedis(): RedisConstructor {
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)('ioredis');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw new TypeError('"redis" as options or a URL needs the ioredis package: npm install ioredis (or pass an ioredis client of your own)');
    }
    throw error;
  }
  const Redis = (loaded as { Redis?: unknown }).Redis;
  if (typeof Redis !== 'function') throw new TypeError('the installed ioredis exports no Redis class: allow-clients needs ioredis ^6');
  return Redis as RedisConstructor;
}

/** The client to use: the caller's own, or one we create that never queues a call while disconnected. */
function connect(connection: unknown, timeout: number): { redis: RedisClient; owned: boolean } {
  if (typeof connection === 'object' && connection !== null && !Array.isArray(connection) && isRedisClient(connection)) {
    return { redis: connection, owned: false };
  }
  const ours = {
    // Calls fail at once while disconnected (the store answers by its failure policy), and ioredis
    // keeps reconnecting in the background, at most every 2 s.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeout,
    connectTimeout: Math.max(1000, timeout),
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new TypeError(CONNECTION_ERROR);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TypeError(CONNECTION_ERROR);
    const Redis = loadRedis();
    return { redis: new Redis(connection, ours), owned: true };
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) throw new TypeError(CONNECTION_ERROR);
  const Redis = loadRedis();
  // The caller's options first, then ours: a store call must never wait in an offline queue.
  return { redis: new Redis({ ...connection, ...ours }), owned: true };
}
