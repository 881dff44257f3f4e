import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationProperty, discoverIds, emptyAuthorizationStats, loadReferenceModel } from './fuzz/authorizationFuzz.js';
import { startSecurityTarget } from './support/securityTarget.js';
import type { SecurityTarget } from './support/securityTarget.js';

describe('authorization fuzzing (bounded; `npm run fuzz` runs 10,000+)', () => {
  let target: SecurityTarget;

  beforeAll(async () => {
    // AUTHZ_SCHEMA_VIEW=full: fuzzes the runtime enforcement behind the view (denied fields met in real responses).
    target = await startSecurityTarget({ env: { AUTHZ_SCHEMA_VIEW: 'full' } });
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
    // Both kinds of operations were met: allowed in full (and not refused), and reaching denied fields.
    expect(stats.allowedOperations).toBeGreaterThan(100);
    expect(stats.refusedOperations).toBeGreaterThan(50);
  });

  it('catches a leak when the oracle expects less than the token grants (the check can fail)', async () => {
    // A gold partner's token judged by a bronze partner's rules: wholesale prices must show up as leaks.
    const gold = target.caller('acme-gold');
    const judgedAsBronze = { ...target, callers: [{ ...gold, oracle: target.caller('initech-bronze').oracle }] };
    const ids = await discoverIds(target);
    const failure = await fc
      .assert(authorizationProperty(judgedAsBronze, loadReferenceModel(), ids, emptyAuthorizationStats()), { numRuns: 300, seed: 1 })
      .then(
        () => null,
        (error: unknown) => error as Error,
      );
    expect(failure).not.toBeNull();
    expect(String((failure?.cause as Error | undefined)?.message)).toMatch(/^(denied data returned to acme-gold:|operation reaching .* was not refused for acme-gold)/);
  });

  it('catches an over-denial when the oracle expects more than the token grants (completeness can fail)', async () => {
    // A bronze partner's token judged by a gold partner's rules: allowed operations come back refused.
    const bronze = target.caller('initech-bronze');
    const judgedAsGold = { ...target, callers: [{ ...bronze, oracle: target.caller('acme-gold').oracle }] };
    const ids = await discoverIds(target);
    const failure = await fc
      .assert(authorizationProperty(judgedAsGold, loadReferenceModel(), ids, emptyAuthorizationStats()), { numRuns: 300, seed: 2 })
      .then(
        () => null,
        (error: unknown) => error as Error,
      );
    expect(String((failure?.cause as Error | undefined)?.message)).toMatch(/^operation allowed by the rules was refused for initech-bronze/);
  });
});
