import type { LimitStore, RedisClient } from './limitStore.js';

/**
 * Counters of fixed windows (quotas, cost budgets), charged all or nothing: an operation is charged
 * to every window that applies when it fits in all of them, and to none otherwise, so a refused
 * operation costs the partner nothing. On Redis one Lua script checks and charges every key of a
 * caller atomically (the keys share a hash tag, so this holds on a cluster too); in memory the same
 * happens synchronously.
 */

/** One window counter to charge: its key (without the store's prefix), its limit and how long it lives. */
export interface CounterCharge {
  readonly key: string;
  readonly limit: number;
  /** How long the counter must live from now (to the end of its window, plus a margin), ms. */
  readonly ttlMs: number;
}

/** The counts after a charge (or, when refused, as they stand), one per charge in order. */
export interface ChargeOutcome {
  readonly admitted: boolean;
  readonly counts: readonly number[];
}

/** Fixed-window counters on the limit store. */
export interface WindowCounter {
  /** Adds `points` to every counter if each stays within its limit; else adds nothing. */
  charge(charges: readonly CounterCharge[], points: number): Promise<ChargeOutcome>;
  /** Counters held in this process's memory (the fallback's, on Redis). */
  size(): number;
}

// KEYS: the counters; ARGV[1]: points; ARGV[1 + i]: limit of KEYS[i]; ARGV[1 + n + i]: its ttl in ms.
const CHARGE_SCRIPT = `
local points = tonumber(ARGV[1])
local n = #KEYS
local counts = {}
local fits = 1
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counts[i] + points > tonumber(ARGV[1 + i]) then fits = 0 end
end
if fits == 1 and points > 0 then
  for i = 1, n do
    counts[i] = redis.call('INCRBY', KEYS[i], points)
    if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[1 + n + i]) end
  end
end
table.insert(counts, 1, fits)
return counts
`;

const COMMAND = 'allowClientsChargeWindows';

type ChargeCommand = (numberOfKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/**
 * Most quota and budget counters held in this process's memory (about 290 bytes each with their
 * hashed keys: 27.5 MB measured for 100,000). A user token's quotas are its own, and user names may cost nothing to
 * create, so a flood of new users must not grow memory without end: past the bound the least
 * recently used counter goes (a caller that keeps calling keeps its count). Dropping one resets only that caller's count in this process (on Redis the
 * counts stay), and reaching it takes as many distinct callers as there are counters.
 */
export const MAX_MEMORY_COUNTERS = 100_000;

/** Creates the counters on `store`, with `now` as the clock of the in-memory ones. */
export function createWindowCounter(store: LimitStore, now: () => number, maxCounters: number = MAX_MEMORY_COUNTERS): WindowCounter {
  const memory = new Map<string, { count: number; expires: number }>();
  let calls = 0;
  // One step per new counter, never a sweep (expired counters go in the sweep below, every 1,024
  // charges): the least recently used first, as a Map iterates in insertion order and a counter in
  // use is moved to its end.
  const makeRoom = (): void => {
    for (const key of memory.keys()) {
      if (memory.size < maxCounters) break;
      memory.delete(key);
    }
  };

  const chargeInMemory = (charges: readonly CounterCharge[], points: number): ChargeOutcome => {
    const at = now();
    // Expired counters go every 1,024 charges: memory follows the counters of live windows only.
    if (++calls % 1024 === 0) {
      for (const [key, entry] of memory) if (entry.expires <= at) memory.delete(key);
    }
    const entries = charges.map((charge) => {
      const entry = memory.get(charge.key);
      if (entry === undefined || entry.expires <= at) return undefined;
      // Least recently used first out: a counter in use moves to the end of the Map's order.
      memory.delete(charge.key);
      memory.set(charge.key, entry);
      return entry;
    });
    const counts = entries.map((entry) => entry?.count ?? 0);
    const admitted = charges.every((charge, index) => (counts[index] as number) + points <= charge.limit);
    if (!admitted || points === 0) return { admitted, counts };
    return {
      admitted,
      counts: charges.map((charge, index) => {
        let entry = entries[index];
        if (entry === undefined) {
          makeRoom();
          entry = { count: 0, expires: at + charge.ttlMs };
        }
        entry.count += points;
        memory.set(charge.key, entry);
        return entry.count;
      }),
    };
  };

  const redis = store.redis;
  if (redis !== null) redis.defineCommand(COMMAND, { lua: CHARGE_SCRIPT });
  const chargeOnRedis = async (client: RedisClient, charges: readonly CounterCharge[], points: number): Promise<ChargeOutcome> => {
    const command = (client as unknown as Record<string, ChargeCommand | undefined>)[COMMAND];
    if (command === undefined) throw new Error('the charge script is not defined on this Redis client');
    const reply = await command.call(
      client,
      charges.length,
      ...charges.map((charge) => `${store.keyPrefix}${charge.key}`),
      points,
      ...charges.map((charge) => charge.limit),
      ...charges.map((charge) => Math.max(1, Math.ceil(charge.ttlMs))),
    );
    if (!Array.isArray(reply) || reply.length !== charges.length + 1 || !reply.every((value) => typeof value === 'number')) {
      throw new Error('unexpected reply from the charge script');
    }
    const [fits, ...counts] = reply as number[];
    return { admitted: fits === 1, counts };
  };

  return {
    charge: (charges, points) =>
      charges.length === 0 ? Promise.resolve({ admitted: true, counts: [] }) : store.guard((client) => chargeOnRedis(client, charges, points), () => chargeInMemory(charges, points)),
    size: () => memory.size,
  };
}
