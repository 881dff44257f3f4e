import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer, TestIssuerOptions } from '../helpers/testIssuer.js';
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

  it('holds tokens within cacheBytes, large tokens counted by their size (least recently used evicted)', async () => {
    // 64 KiB budget; a token with 4,500 characters of claims counts over 25 KiB: two fit, not three.
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 1000, cacheBytes: 64 * 1024 });
    const large = (name: string): string => issuer.sign({ scope: name, padding: name.repeat(4500 / name.length) });
    const [a, b, c] = [large('a'), large('b'), large('c')];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(c); // evicts a: the three exceed the budget though cacheSize is 1,000
    await verifier.verify(c);
    await verifier.verify(b);
    await verifier.verify(a);
    expect(verifier.stats).toMatchObject({ verifications: 4, cacheHits: 2 });
    // Small tokens: the same budget holds many.
    const small = Array.from({ length: 10 }, (_, index) => issuer.sign({ scope: `s${index}` }));
    for (const token of small) await verifier.verify(token);
    for (const token of small) await verifier.verify(token);
    expect(verifier.stats).toMatchObject({ verifications: 14, cacheHits: 12 });
  });

  it('refuses a cacheBytes below 64 KiB, naming it', () => {
    expect(() => createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheBytes: 1000 })).toThrow(new TypeError('"cacheBytes" must be an integer from 65536 to 1099511627776'));
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

  describe('a signing key removed from the JWKS', () => {
    const JWKS = '/.well-known/jwks.json';
    const own: TestIssuer[] = [];
    const ownIssuer = async (options: TestIssuerOptions = {}): Promise<TestIssuer> => {
      const started = await startTestIssuer(options);
      own.push(started);
      return started;
    };
    afterEach(async () => {
      await Promise.all(own.splice(0).map((started) => started.close()));
    });

    /** Waits (real time) until the key store has replaced its key set `count` times. */
    const refreshLanded = async (verifier: ReturnType<typeof createVerifier>, count: number): Promise<void> => {
      await vi.waitFor(() => expect(verifier.stats.jwks.fetchSuccesses).toBe(count), { timeout: 5000 });
    };

    it('refuses a cached token with ERR_KEY_NOT_FOUND once a refresh finds its key gone, and accepts the new key', async () => {
      const keyIssuer = await ownIssuer();
      const clock = clockAt(Date.now());
      const verifier = createVerifier({ issuer: keyIssuer.url, audience: keyIssuer.audience, jwksMaxAge: 60, now: clock.now });
      const tokenA = keyIssuer.sign({ scope: 'a' });
      await verifier.verify(tokenA);
      await verifier.verify(tokenA);
      expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 1 });

      const keyB = await keyIssuer.rotate(); // unpublishes A, publishes B
      clock.advance(30);
      // The JWKS is younger than jwksMaxAge: nothing is fetched, the cached token is served.
      expect((await verifier.verify(tokenA)).scopes).toEqual(['a']);
      expect(keyIssuer.hitCount(JWKS)).toBe(1);

      clock.advance(31);
      // Older than jwksMaxAge: a cache hit alone starts the refresh, and is still answered (stale-while-revalidate).
      expect((await verifier.verify(tokenA)).scopes).toEqual(['a']);
      expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 3 });
      await refreshLanded(verifier, 2);
      expect(keyIssuer.hitCount(JWKS)).toBe(2);

      await expectRefused(verifier.verify(tokenA), 'ERR_KEY_NOT_FOUND', keyIssuer.keys[0]?.kid);
      expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 3, cacheKeyDrops: 1, failures: 1 });
      // The entry is gone for good: refused again without a cache answer and without refetching (cooldown).
      await expectRefused(verifier.verify(tokenA), 'ERR_KEY_NOT_FOUND');
      expect(verifier.stats).toMatchObject({ cacheHits: 3, cacheKeyDrops: 1, failures: 2 });
      expect(keyIssuer.hitCount(JWKS)).toBe(2);

      const tokenB = keyIssuer.sign({ scope: 'b' }, { key: keyB });
      expect((await verifier.verify(tokenB)).scopes).toEqual(['b']);
      expect((await verifier.verify(tokenB)).scopes).toEqual(['b']);
      expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 4 });
    });

    it('keeps answering from the cache a token whose key a refresh still lists', async () => {
      const keyIssuer = await ownIssuer({ keys: 2 });
      const [keyA, keyB] = keyIssuer.keys as [TestIssuer['currentKey'], TestIssuer['currentKey']];
      const clock = clockAt(Date.now());
      const verifier = createVerifier({ issuer: keyIssuer.url, audience: keyIssuer.audience, jwksMaxAge: 60, now: clock.now });
      const tokenA = keyIssuer.sign({}, { key: keyA });
      const tokenB = keyIssuer.sign({}, { key: keyB });
      await verifier.verify(tokenA);
      await verifier.verify(tokenB);
      keyIssuer.unpublish(keyB.kid);

      clock.advance(61);
      await verifier.verify(tokenA);
      await refreshLanded(verifier, 2);

      const principal = await verifier.verify(tokenA);
      expect(principal.client.id).toBe('clientA');
      expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 2, cacheKeyDrops: 0 });
      await expectRefused(verifier.verify(tokenB), 'ERR_KEY_NOT_FOUND', keyB.kid);
      expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 2, cacheKeyDrops: 1 });
    });

    it('keeps answering cached tokens while the issuer is down, retrying once per cooldown', async () => {
      const keyIssuer = await ownIssuer();
      const clock = clockAt(Date.now());
      const verifier = createVerifier({ issuer: keyIssuer.url, audience: keyIssuer.audience, jwksMaxAge: 60, now: clock.now });
      const token = keyIssuer.sign({ scope: 'a' });
      await verifier.verify(token);
      keyIssuer.setMode('error');

      clock.advance(61);
      expect((await verifier.verify(token)).scopes).toEqual(['a']);
      await vi.waitFor(() => expect(verifier.stats.jwks.fetchFailures).toBe(1), { timeout: 5000 });
      expect((await verifier.verify(token)).scopes).toEqual(['a']);
      expect(verifier.stats.jwks.fetches).toBe(2);

      clock.advance(31);
      expect((await verifier.verify(token)).scopes).toEqual(['a']);
      await vi.waitFor(() => expect(verifier.stats.jwks.fetchFailures).toBe(2), { timeout: 5000 });
      expect((await verifier.verify(token)).scopes).toEqual(['a']);
      expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 4, cacheKeyDrops: 0, failures: 0 });
      expect(verifier.stats.jwks).toMatchObject({ fetches: 3, fetchSuccesses: 1, usableKeys: 1 });
    });
  });
});
