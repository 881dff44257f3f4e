import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createLimitStore } from '../../src/limits/limitStore.js';
import { createWindowCounter } from '../../src/limits/windowCounter.js';

/** The in-memory quota and budget counters under a flood of new callers (per-user quotas: user names may cost nothing). */
describe('in-memory window counters', () => {
  const store = createLimitStore({}, silentLogger);
  const now = (): number => 1_800_000_000_000;
  const charge = (key: string) => ({ key, limit: 5, ttlMs: 86_400_000 });

  it('keep a caller in use: an exhausted quota is not reset by a flood of new callers', async () => {
    const counters = createWindowCounter(store, now, 100);
    await counters.charge([charge('bronze')], 5);
    for (let index = 0; index < 1_000; index += 1) {
      await counters.charge([charge(`flood-${index}`)], 1);
      // bronze keeps asking, and is refused each time: its counter stays in use.
      if (index % 50 === 0) expect(await counters.charge([charge('bronze')], 1)).toEqual({ admitted: false, counts: [5] });
    }
    expect(await counters.charge([charge('bronze')], 1)).toEqual({ admitted: false, counts: [5] });
    expect(counters.size()).toBe(100);
  });

  it('keep at most their bound, dropping the least recently used counter, and keep counting the others', async () => {
    const counters = createWindowCounter(store, now, 100);
    await counters.charge([charge('first')], 5);
    for (let index = 0; index < 1_000; index += 1) await counters.charge([charge(`user-${index}`)], 1);
    expect(counters.size()).toBe(100);
    // The newest callers keep their counts; the oldest was dropped, so it counts from zero again.
    expect(await counters.charge([charge('user-999')], 4)).toEqual({ admitted: true, counts: [5] });
    expect(await counters.charge([charge('user-999')], 1)).toEqual({ admitted: false, counts: [5] });
    expect(await counters.charge([charge('first')], 1)).toEqual({ admitted: true, counts: [1] });
    expect(counters.size()).toBe(100);
  });
});
