import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationProperty, discoverIds, emptyAuthorizationStats, loadReferenceModel } from './fuzz/authorizationFuzz.js';
import { startSecurityTarget } from './support/securityTarget.js';
import type { SecurityTarget } from './support/securityTarget.js';

describe('authorization fuzzing (bounded; `npm run fuzz` runs 10,000+)', () => {
  let target: SecurityTarget;

  beforeAll(async () => {
    target = await startSecurityTarget();
  });
  afterAll(async () => {
    await target.close();
  });

  it('never returns data of a field the schema denies to the calling demo client', async () => {
    const model = loadReferenceModel();
    const ids = await discoverIds(target);
    expect(ids.length).toBeGreaterThan(5);
    const stats = emptyAuthorizationStats();
    await fc.assert(authorizationProperty(target, model, ids, stats), { numRuns: 600 });
    expect(stats.operations).toBe(600);
    // The run met denied fields in real responses (and found them empty), and returned real data.
    expect(stats.deniedFieldsSeen).toBeGreaterThan(50);
    expect(stats.allowedFieldsWithData).toBeGreaterThan(500);
    expect(Object.keys(stats.deniedCoordinates).length).toBeGreaterThanOrEqual(4);
  });
});
