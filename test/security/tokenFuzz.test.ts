import { describe, expect, it } from 'vitest';
import { runTokenFuzz } from './fuzz/tokenFuzz.js';

describe('token mutation fuzzing (bounded; `npm run fuzz` runs 100,000+)', () => {
  it('refuses every mutated token with a coded AuthError, or accepts it with identical claims', async () => {
    const stats = await runTokenFuzz(2000);
    // Every case ended one way or the other, and the fuzzer really reached deep into the verifier.
    const rejected = Object.values(stats.rejected).reduce((sum, count) => sum + count, 0);
    expect(rejected + stats.acceptedIdentical).toBe(stats.cases);
    expect(stats.cases).toBe(2000);
    expect(stats.rejected['ERR_TOKEN_MALFORMED']).toBeGreaterThan(0);
    expect(stats.rejected['ERR_SIGNATURE_INVALID']).toBeGreaterThan(0);
    expect(stats.rejected['ERR_ALGORITHM_NOT_ALLOWED']).toBeGreaterThan(0);
    expect(stats.rejected['ERR_KEY_NOT_FOUND']).toBeGreaterThan(0);
  });
});
