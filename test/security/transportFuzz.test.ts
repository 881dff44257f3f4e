import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transportProperty } from './fuzz/transportFuzz.js';
import type { TransportFuzzStats } from './fuzz/transportFuzz.js';
import { startSecurityTarget } from './support/securityTarget.js';
import type { SecurityTarget } from './support/securityTarget.js';

const OPERATIONS = ['{ apiInfo }', '{ viewer { client { id } } }', '{ products { id name wholesalePrice { amount } } }', 'mutation { addToWishlist(productId: "x") { id } }'];

describe('transport fuzzing (bounded; `npm run fuzz` runs more)', () => {
  let target: SecurityTarget;

  beforeAll(async () => {
    target = await startSecurityTarget();
  });
  afterAll(async () => {
    await target.close();
  });

  it('answers random methods, paths, headers, content types and bodies without a 5xx, a hang or internals', async () => {
    const stats: TransportFuzzStats = { cases: 0, statuses: {}, slowestMs: 0 };
    await fc.assert(transportProperty(target, OPERATIONS, stats, { allow503: false }), { numRuns: 400 });
    expect(stats.cases).toBe(400);
    // The fuzzer reached both refusals and successful answers.
    expect(stats.statuses['200']).toBeGreaterThan(0);
    expect(stats.statuses['400']).toBeGreaterThan(0);
    expect(stats.statuses['401']).toBeGreaterThan(0);
  });

  it('answers only 503 among server errors while the issuer is down and keys are unknown', async () => {
    target.issuer.setMode('error');
    try {
      const stats: TransportFuzzStats = { cases: 0, statuses: {}, slowestMs: 0 };
      await fc.assert(transportProperty(target, OPERATIONS, stats, { allow503: true }), { numRuns: 100 });
      expect(stats.cases).toBe(100);
    } finally {
      target.issuer.setMode('ok');
    }
  });
});
