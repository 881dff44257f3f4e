import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

describe('verified token cache', () => {
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  const clockAt = (start: number): { now: () => number; advance: (seconds: number) => void } => {
    let current = start;
    return { now: () => current, advance: (seconds) => (current += seconds * 1000) };
  };

  it('returns the same principal for the same token without verifying it again', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign({ scope: 'read' });
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toBe(first);
    expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 1 });
  });

  it('verifies a different token anew', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
    await verifier.verify(issuer.sign({ scope: 'a' }));
    const other = await verifier.verify(issuer.sign({ scope: 'b' }));
    expect(other.scopes).toEqual(['b']);
    expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 0 });
  });

  it('stops answering from the cache once the token expires', async () => {
    const issuedAt = Math.floor(Date.now() / 1000);
    const clock = clockAt(issuedAt * 1000);
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, clockTolerance: 0, now: clock.now });
    const token = issuer.sign({}, { now: issuedAt, expiresIn: 60 });
    await verifier.verify(token);
    clock.advance(59);
    await verifier.verify(token);
    expect(verifier.stats.cacheHits).toBe(1);
    clock.advance(1);
    await expectRefused(verifier.verify(token), 'ERR_TOKEN_EXPIRED');
    expect(verifier.stats.cacheHits).toBe(1);
  });

  it('keeps a token at most cacheTtl seconds, then verifies it again', async () => {
    const clock = clockAt(Date.now());
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheTtl: 10, now: clock.now });
    const token = issuer.sign();
    await verifier.verify(token);
    clock.advance(9);
    await verifier.verify(token);
    clock.advance(2);
    await verifier.verify(token);
    expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 1 });
  });

  it('holds at most cacheSize tokens (least recently used evicted)', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 2 });
    const [a, b, c] = [issuer.sign({ scope: 'a' }), issuer.sign({ scope: 'b' }), issuer.sign({ scope: 'c' })] as [string, string, string];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(c);
    await verifier.verify(c);
    await verifier.verify(a);
    expect(verifier.stats).toMatchObject({ verifications: 4, cacheHits: 1 });
  });

  it('does not cache at all with cacheSize 0', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0 });
    const token = issuer.sign();
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 0 });
  });

  it('never caches a refusal', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign({ aud: 'https://other.example' });
    await expectRefused(verifier.verify(token), 'ERR_CLAIM_INVALID');
    await expectRefused(verifier.verify(token), 'ERR_CLAIM_INVALID');
    expect(verifier.stats).toMatchObject({ cacheHits: 0, failures: 2 });
  });
});
