import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../src/errors.js';
import { httpChallenge } from '../../src/http/challenge.js';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import type { VerifierOptions } from '../../src/auth/verifierOptions.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { IssuerMode, TestIssuer, TestIssuerOptions } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

const JWKS = '/.well-known/jwks.json';
const DISCOVERY = '/.well-known/openid-configuration';

/** A clock the test moves by hand: JWKS cooldowns and ages follow it, HTTP runs in real time. */
function manualClock(start = Date.now()): { now: () => number; advance: (seconds: number) => void } {
  let current = start;
  return { now: () => current, advance: (seconds) => (current += seconds * 1000) };
}

const issuers: TestIssuer[] = [];
async function issuerFor(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = await startTestIssuer(options);
  issuers.push(issuer);
  return issuer;
}
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()));
});

function verifierFor(issuer: TestIssuer, clock: { now: () => number }, options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0, now: clock.now, ...options });
}

describe('JWKS key store', () => {
  describe('a flood of random kids', () => {
    it('refetches the JWKS at most once per cooldown, however many unknown kids arrive', async () => {
      const issuer = await issuerFor();
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock);
      await verifier.verify(issuer.sign());
      expect(issuer.hitCount(JWKS)).toBe(1);

      // Within the cooldown: no fetch at all.
      for (let index = 0; index < 100; index += 1) {
        await expectRefused(verifier.verify(issuer.sign({}, { kid: randomUUID() })), 'ERR_KEY_NOT_FOUND');
      }
      expect(issuer.hitCount(JWKS)).toBe(1);

      // After the cooldown, 200 concurrent unknown kids make exactly one fetch.
      clock.advance(31);
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => verifier.verify(issuer.sign({}, { kid: randomUUID() }))));
      expect(results.every((result) => result.status === 'rejected')).toBe(true);
      expect(issuer.hitCount(JWKS)).toBe(2);
      expect(verifier.stats.jwks.fetches).toBe(2);

      // The genuine key keeps working throughout.
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
    });

    it('uses a cooldown of 30 s by default and refuses a longer one', async () => {
      const issuer = await issuerFor();
      const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
      expect(verifier.options.jwksCooldown).toBe(30);
      expect(() => createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksCooldown: 31 })).toThrow(/"jwksCooldown"/);
    });
  });

  describe('key rotation', () => {
    it('picks up a new kid on the first miss after the cooldown, and drops the removed key', async () => {
      const issuer = await issuerFor();
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock, { jwksCooldown: 10 });
      const oldToken = issuer.sign();
      await verifier.verify(oldToken);

      const next = await issuer.rotate();
      const newToken = issuer.sign();
      expect(JSON.parse(Buffer.from(newToken.split('.')[0] as string, 'base64url').toString()).kid).toBe(next.kid);

      clock.advance(5);
      await expectRefused(verifier.verify(newToken), 'ERR_KEY_NOT_FOUND', next.kid);
      expect(issuer.hitCount(JWKS)).toBe(1);

      clock.advance(6);
      expect((await verifier.verify(newToken)).client.id).toBe('clientA');
      expect(issuer.hitCount(JWKS)).toBe(2);
      await expectRefused(verifier.verify(oldToken), 'ERR_KEY_NOT_FOUND');
    });

    it('refreshes an old JWKS in the background on use, so a key removed by the issuer stops being accepted', async () => {
      const issuer = await issuerFor({ keys: 2 });
      const [first, second] = issuer.keys as [TestIssuer['currentKey'], TestIssuer['currentKey']];
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock, { jwksMaxAge: 60 });
      const firstToken = issuer.sign({}, { key: first });
      await verifier.verify(firstToken);
      issuer.unpublish(first.kid);

      clock.advance(61);
      // Still served from the cache while the refresh runs.
      expect((await verifier.verify(issuer.sign({}, { key: second }))).client.id).toBe('clientA');
      await vi.waitFor(() => expect(issuer.hitCount(JWKS)).toBe(2), { timeout: 5000 });
      await vi.waitFor(async () => expectRefused(verifier.verify(firstToken), 'ERR_KEY_NOT_FOUND'), { timeout: 5000 });
    });


    it('answers the request that finds the JWKS stale with the known key, then refuses the removed key once the refresh lands', async () => {
      const issuer = await issuerFor();
      const removed = issuer.currentKey;
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock, { jwksMaxAge: 60 });
      await verifier.verify(issuer.sign());
      const next = await issuer.rotate();

      clock.advance(61);
      // Stale-while-revalidate: this request starts the refresh and is verified with the key still known.
      expect((await verifier.verify(issuer.sign({}, { key: removed }))).client.id).toBe('clientA');
      expect(verifier.stats.jwks.fetches).toBe(2);
      await vi.waitFor(() => expect(verifier.stats.jwks.fetchSuccesses).toBe(2), { timeout: 5000 });

      await expectRefused(verifier.verify(issuer.sign({}, { key: removed })), 'ERR_KEY_NOT_FOUND', removed.kid);
      expect((await verifier.verify(issuer.sign({}, { key: next }))).client.id).toBe('clientA');
      expect(issuer.hitCount(JWKS)).toBe(2);
    });
  });

  describe('the issuer down at start', () => {
    it.each<IssuerMode>(['error', 'garbage', 'not-jwks', 'close'])('answers 503 with Retry-After when the issuer is in mode %s', async (mode) => {
      const issuer = await issuerFor({ mode });
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock);
      const error = await expectRefused(verifier.verify(issuer.sign()), 'ERR_JWKS_UNAVAILABLE');
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).retryAfter).toBeGreaterThanOrEqual(1);
      expect((error as ServiceError).retryAfter).toBeLessThanOrEqual(30);
      const challenge = httpChallenge(error, 'api');
      expect(challenge.status).toBe(503);
      expect(challenge.headers['retry-after']).toBe(String((error as ServiceError).retryAfter));
      expect(challenge.message).not.toMatch(/127\.0\.0\.1|jwks|json/i);
    });

    it('answers 503 when nothing listens at the issuer address', async () => {
      const issuer = await issuerFor();
      const { url, audience } = issuer;
      const token = issuer.sign();
      await issuer.close();
      const verifier = createVerifier({ issuer: url, audience, now: manualClock().now });
      await expectRefused(verifier.verify(token), 'ERR_JWKS_UNAVAILABLE');
    });

    it('does not retry before the cooldown, then recovers once the issuer is back', async () => {
      const issuer = await issuerFor({ mode: 'error' });
      const clock = manualClock();
      const verifier = verifierFor(issuer, clock);
      const token = issuer.sign();
      await expectRefused(verifier.verify(token), 'ERR_JWKS_UNAVAILABLE');
      const hits = issuer.totalHits;
      issuer.setMode('ok');
      clock.advance(10);
      const error = await expectRefused(verifier.verify(token), 'ERR_JWKS_UNAVAILABLE');
      expect((error as ServiceError).retryAfter).toBe(20);
      expect(issuer.totalHits).toBe(hits);
      clock.advance(21);
      expect((await verifier.verify(token)).client.id).toBe('clientA');
    });
  });

  describe('a dripping issuer', () => {
    it('gives up on a JWKS that drips, at the deadline, and aborts the connection', async () => {
      const issuer = await issuerFor({ mode: 'drip', dripIntervalMs: 50 });
      const verifier = verifierFor(issuer, manualClock(), { jwksUri: issuer.jwksUri, jwksTimeout: 0.5 });
      await expectRefused(verifier.verify(issuer.sign()), 'ERR_JWKS_UNAVAILABLE');
      expect(issuer.hitCount(JWKS)).toBe(1);
      await vi.waitFor(() => expect(issuer.abortedResponses).toBe(1), { timeout: 5000 });
    }, 15_000);

    it('gives up on a discovery document that drips, at the same deadline', async () => {
      const issuer = await issuerFor({ mode: 'drip', dripIntervalMs: 50 });
      const verifier = verifierFor(issuer, manualClock(), { jwksTimeout: 0.5 });
      await expectRefused(verifier.verify(issuer.sign()), 'ERR_JWKS_UNAVAILABLE');
      expect(issuer.hitCount(DISCOVERY)).toBe(1);
      expect(issuer.hitCount(JWKS)).toBe(0);
      await vi.waitFor(() => expect(issuer.abortedResponses).toBe(1), { timeout: 5000 });
    }, 15_000);

    it('refuses a JWKS response larger than 1 MiB without waiting for the deadline', async () => {
      const issuer = await issuerFor({ mode: 'huge' });
      const verifier = verifierFor(issuer, manualClock(), { jwksUri: issuer.jwksUri, jwksTimeout: 30 });
      const started = Date.now();
      await expectRefused(verifier.verify(issuer.sign()), 'ERR_JWKS_UNAVAILABLE');
      // Hang guard only: far below the 30 s deadline means the size cap, not the deadline, ended it.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(issuer.hitCount(JWKS)).toBe(1);
    }, 25_000);

    it('ignores a discovery document larger than 512 KiB', async () => {
      const issuer = await issuerFor({ mode: 'huge', jwksPath: '/keys' });
      const verifier = verifierFor(issuer, manualClock(), { jwksTimeout: 30 });
      await expectRefused(verifier.verify(issuer.sign()), 'ERR_JWKS_UNAVAILABLE');
      // Its jwks_uri (/keys) was never used: the conventional location was tried instead.
      expect(issuer.hits).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 });
    }, 25_000);

    it('uses a 5 s deadline by default', async () => {
      const issuer = await issuerFor();
      expect(createVerifier({ issuer: issuer.url, audience: issuer.audience }).options.jwksTimeout).toBe(5);
    });
  });

  describe('an outage after keys were fetched', () => {
    it.each<IssuerMode>(['error', 'garbage', 'not-jwks', 'close', 'drip'])(
      'keeps serving cached keys while the issuer is in mode %s, and answers 503 for an unknown kid',
      async (mode) => {
        const issuer = await issuerFor({ dripIntervalMs: 50 });
        const clock = manualClock();
        const verifier = verifierFor(issuer, clock, { jwksTimeout: 1.5, jwksMaxAge: 60 });
        await verifier.verify(issuer.sign());
        issuer.setMode(mode);
        clock.advance(120);

        // A known kid: served from the cache (a background refresh may run and fail).
        expect((await verifier.verify(issuer.sign({ scope: 'a' }))).scopes).toEqual(['a']);
        await vi.waitFor(() => expect(verifier.stats.jwks.fetchFailures).toBe(1), { timeout: 5000 });

        // An unknown kid after the cooldown: the fetch fails, and that is the server's fault (503).
        clock.advance(31);
        await expectRefused(verifier.verify(issuer.sign({}, { kid: 'rotated-in' })), 'ERR_JWKS_UNAVAILABLE');
        expect(verifier.stats.jwks.fetchFailures).toBe(2);
        expect((await verifier.verify(issuer.sign({ scope: 'b' }))).scopes).toEqual(['b']);
      },
      15_000,
    );
  });

  describe('finding the JWKS', () => {
    it('reads jwks_uri from the discovery document', async () => {
      const issuer = await issuerFor({ jwksPath: '/oauth/keys' });
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
      expect(issuer.hits).toEqual({ [DISCOVERY]: 1, '/oauth/keys': 1 });
    });

    it('ignores a discovery document that names another issuer, and uses the conventional location', async () => {
      const issuer = await issuerFor({
        discoveryDocument: (url) => ({ issuer: 'https://evil.example/', jwks_uri: `${url}evil-keys` }),
      });
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
      expect(issuer.hits).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 });
    });

    it('ignores a discovery document whose jwks_uri is not an http(s) URL', async () => {
      const issuer = await issuerFor({ discoveryDocument: (url) => ({ issuer: url, jwks_uri: 'file:///etc/passwd' }) });
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
      expect(issuer.hits).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 });
    });

    it('falls back to <issuer>.well-known/jwks.json without a discovery document', async () => {
      const issuer = await issuerFor({ discovery: false });
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
      expect(issuer.hits).toEqual({ [DISCOVERY]: 1, [JWKS]: 1 });
    });

    it('uses an explicit jwksUri without asking for discovery', async () => {
      const issuer = await issuerFor({ jwksPath: '/keys' });
      const verifier = verifierFor(issuer, manualClock(), { jwksUri: issuer.jwksUri });
      expect((await verifier.verify(issuer.sign())).client.id).toBe('clientA');
      expect(issuer.hits).toEqual({ '/keys': 1 });
    });

    it('makes a single fetch for many concurrent first requests', async () => {
      const issuer = await issuerFor();
      const verifier = verifierFor(issuer, manualClock());
      const principals = await Promise.all(Array.from({ length: 50 }, (_, index) => verifier.verify(issuer.sign({ scope: `s${index}` }))));
      expect(principals).toHaveLength(50);
      expect(issuer.hitCount(JWKS)).toBe(1);
      expect(issuer.hitCount(DISCOVERY)).toBe(1);
    });
  });

  describe('tokens without kid', () => {
    it('accepts a token without kid when the JWKS holds exactly one usable key', async () => {
      const issuer = await issuerFor();
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign({}, { kid: null }))).client.id).toBe('clientA');
    });

    it('refuses a token without kid when the JWKS holds two usable keys', async () => {
      const issuer = await issuerFor({ keys: 2 });
      const verifier = verifierFor(issuer, manualClock());
      await expectRefused(verifier.verify(issuer.sign({}, { kid: null })), 'ERR_KEY_NOT_FOUND', 'no kid');
    });

    it('counts only usable keys: one good key next to a 1024-bit key is enough', async () => {
      const issuer = await issuerFor({ keys: 0 });
      await issuer.addKey({ modulusLength: 1024, current: false });
      await issuer.addKey();
      const verifier = verifierFor(issuer, manualClock());
      expect((await verifier.verify(issuer.sign({}, { kid: null }))).client.id).toBe('clientA');
    });
  });

  it('refuses a kid that two keys of the JWKS share', async () => {
    const issuer = await issuerFor({ keys: 0 });
    await issuer.addKey({ kid: 'twin' });
    const twin = await issuer.addKey({ kid: 'twin' });
    await issuer.addKey();
    const verifier = verifierFor(issuer, manualClock());
    await expectRefused(verifier.verify(issuer.sign({}, { key: twin })), 'ERR_KEY_UNSUITABLE', 'share');
  });

  it('ignores encryption keys (use: enc)', async () => {
    const issuer = await issuerFor({ keys: 0 });
    const enc = await issuer.addKey({ use: 'enc', current: false });
    await issuer.addKey();
    const verifier = verifierFor(issuer, manualClock());
    await expectRefused(verifier.verify(issuer.sign({}, { key: enc })), 'ERR_KEY_NOT_FOUND', enc.kid);
  });
});
