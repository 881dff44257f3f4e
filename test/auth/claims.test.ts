import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

/** A fixed instant, in seconds, so every time rule is tested against a frozen clock. */
const NOW = 1_800_000_000;
const DAY = 24 * 3600;

describe('claim rules', () => {
  let issuer: TestIssuer;
  let verifier: Verifier;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    verifier = createVerifier({
      issuer: issuer.url,
      audience: issuer.audience,
      cacheSize: 0,
      clockTolerance: 30,
      now: () => NOW * 1000,
    });
  });
  afterAll(async () => {
    await issuer.close();
  });

  const sign = (claims: Record<string, unknown> = {}, expiresIn = 3600): string => issuer.sign(claims, { now: NOW, expiresIn });

  it('accepts a token valid at the frozen instant', async () => {
    const principal = await verifier.verify(sign());
    expect(principal.claims.iat).toBe(NOW);
  });

  describe('iss', () => {
    it('refuses another issuer', async () => {
      await expectRefused(verifier.verify(sign({ iss: 'https://evil.example/' })), 'ERR_CLAIM_INVALID', 'iss');
    });
    it('matches exactly: the issuer without its trailing slash is refused', async () => {
      await expectRefused(verifier.verify(sign({ iss: issuer.url.slice(0, -1) })), 'ERR_CLAIM_INVALID', 'iss');
    });
    it('refuses a missing iss', async () => {
      await expectRefused(verifier.verify(sign({ iss: undefined })), 'ERR_CLAIM_INVALID', 'iss');
    });
  });

  describe('aud', () => {
    it('refuses another audience', async () => {
      await expectRefused(verifier.verify(sign({ aud: 'https://other.example' })), 'ERR_CLAIM_INVALID', 'aud');
    });
    it('accepts an audience array that contains the API', async () => {
      const principal = await verifier.verify(sign({ aud: ['https://other.example', issuer.audience] }));
      expect(principal.client.id).toBe('clientA');
    });
    it('refuses an audience array without the API', async () => {
      await expectRefused(verifier.verify(sign({ aud: ['https://a.example', 'https://b.example'] })), 'ERR_CLAIM_INVALID', 'aud');
    });
    it('accepts any of several configured audiences', async () => {
      const several = createVerifier({ issuer: issuer.url, audience: ['https://v1.example.test', issuer.audience], now: () => NOW * 1000 });
      expect((await several.verify(sign({ aud: 'https://v1.example.test' }))).client.id).toBe('clientA');
      await expectRefused(several.verify(sign({ aud: 'https://v2.example.test' })), 'ERR_CLAIM_INVALID', 'aud');
    });
    it('refuses a missing aud', async () => {
      await expectRefused(verifier.verify(sign({ aud: undefined })), 'ERR_CLAIM_INVALID', 'aud');
    });
  });

  describe('exp', () => {
    it('refuses a token without exp', async () => {
      await expectRefused(verifier.verify(sign({ exp: undefined })), 'ERR_CLAIM_INVALID', 'exp');
    });
    it('refuses a non-numeric exp', async () => {
      await expectRefused(verifier.verify(sign({ exp: String(NOW + 3600) })), 'ERR_CLAIM_INVALID', 'exp');
    });
    it('refuses a token expired beyond the clock tolerance', async () => {
      await expectRefused(verifier.verify(sign({ iat: NOW - 3600, exp: NOW - 31 })), 'ERR_TOKEN_EXPIRED', 'exp');
    });
    it('accepts a token expired within the clock tolerance', async () => {
      const principal = await verifier.verify(sign({ iat: NOW - 3600, exp: NOW - 29 }));
      expect(principal.claims.exp).toBe(NOW - 29);
    });
  });

  describe('nbf', () => {
    it('refuses a token not valid before a time beyond the tolerance', async () => {
      await expectRefused(verifier.verify(sign({ nbf: NOW + 31 })), 'ERR_TOKEN_NOT_YET_VALID', 'nbf');
    });
    it('accepts nbf within the tolerance', async () => {
      expect((await verifier.verify(sign({ nbf: NOW + 29 }))).client.id).toBe('clientA');
    });
    it('refuses a non-numeric nbf', async () => {
      await expectRefused(verifier.verify(sign({ nbf: 'now' })), 'ERR_CLAIM_INVALID', 'nbf');
    });
  });

  describe('iat', () => {
    it('refuses a token issued in the future beyond the tolerance', async () => {
      await expectRefused(verifier.verify(sign({ iat: NOW + 31, exp: NOW + 3600 })), 'ERR_CLAIM_INVALID', 'iat');
    });
    it('accepts iat in the future within the tolerance', async () => {
      expect((await verifier.verify(sign({ iat: NOW + 29, exp: NOW + 3600 }))).client.id).toBe('clientA');
    });
    it('refuses a non-numeric iat', async () => {
      await expectRefused(verifier.verify(sign({ iat: 'yesterday' })), 'ERR_CLAIM_INVALID', 'iat');
    });
  });

  describe('lifetime', () => {
    it('refuses a lifetime (exp - iat) above 30 days by default', async () => {
      await expectRefused(verifier.verify(sign({ iat: NOW, exp: NOW + 30 * DAY + 1 })), 'ERR_CLAIM_INVALID', 'lifetime');
    });
    it('accepts a lifetime of exactly 30 days', async () => {
      expect((await verifier.verify(sign({ iat: NOW, exp: NOW + 30 * DAY }))).client.id).toBe('clientA');
    });
    it('caps the remaining lifetime of a token without iat', async () => {
      await expectRefused(verifier.verify(sign({ iat: undefined, exp: NOW + 31 * DAY })), 'ERR_CLAIM_INVALID', 'lifetime');
    });
    it('honours a configured maxTokenLifetime', async () => {
      const strict = createVerifier({ issuer: issuer.url, audience: issuer.audience, maxTokenLifetime: 3600, now: () => NOW * 1000 });
      await expectRefused(strict.verify(sign({}, 3601)), 'ERR_CLAIM_INVALID', 'lifetime');
      expect((await strict.verify(sign({}, 3600))).client.id).toBe('clientA');
    });
  });

  describe('sub', () => {
    it('refuses a token without sub', async () => {
      await expectRefused(verifier.verify(sign({ sub: undefined })), 'ERR_CLAIM_INVALID', 'sub');
    });
    it('refuses a non-string sub', async () => {
      await expectRefused(verifier.verify(sign({ sub: 42 })), 'ERR_CLAIM_INVALID', 'sub');
    });
  });

  it('refuses a payload that is not a JSON object (it has none of the required claims)', async () => {
    const token = issuer.signRaw({ alg: 'RS256', typ: 'JWT', kid: issuer.currentKey.kid }, '"just a string"', { key: issuer.currentKey.privateKey });
    await expectRefused(verifier.verify(token), 'ERR_CLAIM_INVALID', 'aud');
  });

  it('uses a clock tolerance of 30 s by default', async () => {
    const defaults = createVerifier({ issuer: issuer.url, audience: issuer.audience, now: () => NOW * 1000 });
    expect(defaults.options.clockTolerance).toBe(30);
    await expectRefused(defaults.verify(sign({ iat: NOW - 3600, exp: NOW - 31 })), 'ERR_TOKEN_EXPIRED');
  });
});
