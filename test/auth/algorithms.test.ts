import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer, TestKey } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

/** Rules on the signature: algorithm allow-list, key type and size, where keys come from. */
describe('token signature', () => {
  let issuer: TestIssuer;
  let attacker: TestIssuer;
  let verifier: Verifier;

  beforeAll(async () => {
    [issuer, attacker] = await Promise.all([startTestIssuer(), startTestIssuer()]);
    verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0 });
    // Load the JWKS once, so that later refusals cannot be blamed on a missing key.
    await verifier.verify(issuer.sign());
  });
  afterAll(async () => {
    await Promise.all([issuer.close(), attacker.close()]);
  });

  it('accepts a token signed with RS256 by the issuer key', async () => {
    const principal = await verifier.verify(issuer.sign());
    expect(principal.client.id).toBe('clientA');
  });

  it.each(['none', 'None', 'NONE', 'nOnE', 'noNe'])('refuses alg %s (unsigned token)', async (alg) => {
    const token = issuer.signRaw({ alg, typ: 'JWT', kid: issuer.currentKey.kid }, issuer.defaultClaims(), 'none');
    await expectRefused(verifier.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED', alg);
  });

  it('refuses alg none even with a signature part present', async () => {
    const signed = issuer.sign();
    const signature = signed.split('.')[2] as string;
    const token = `${issuer.signRaw({ alg: 'none', kid: issuer.currentKey.kid }, issuer.defaultClaims(), 'none')}${signature}`;
    await expectRefused(verifier.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED');
  });

  it('refuses HS256 keyed with the public key in PEM form', async () => {
    const token = issuer.signRaw({ alg: 'HS256', typ: 'JWT', kid: issuer.currentKey.kid }, issuer.defaultClaims(), {
      secret: issuer.currentKey.publicPem,
    });
    await expectRefused(verifier.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED', 'HS256');
  });

  it('refuses HS256 keyed with the public key in JWK form', async () => {
    const token = issuer.signRaw({ alg: 'HS256', typ: 'JWT', kid: issuer.currentKey.kid }, issuer.defaultClaims(), {
      secret: JSON.stringify(issuer.currentKey.jwk),
    });
    await expectRefused(verifier.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED');
  });

  it('refuses an allowed-looking algorithm that is not in the allow-list (RS512 when only RS256 is allowed)', async () => {
    const token = issuer.sign({}, { alg: 'RS512' });
    await expectRefused(verifier.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED', 'RS512');
  });

  it('refuses a token signed by an attacker key presented under our kid', async () => {
    const attackerKey: TestKey = await issuer.addKey({ publish: false, current: false });
    const token = issuer.sign({}, { key: attackerKey, kid: issuer.currentKey.kid });
    await expectRefused(verifier.verify(token), 'ERR_SIGNATURE_INVALID');
  });

  it('refuses a token whose signature was altered', async () => {
    const token = issuer.sign();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    await expectRefused(verifier.verify(`${header}.${payload}.${flipped}`), 'ERR_SIGNATURE_INVALID');
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = issuer.sign({ scope: 'read' });
    const [header, , signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...issuer.defaultClaims(), scope: 'admin' })).toString('base64url');
    await expectRefused(verifier.verify(`${header}.${forged}.${signature}`), 'ERR_SIGNATURE_INVALID');
  });

  it('refuses an empty signature', async () => {
    const [header, payload] = issuer.sign().split('.') as [string, string];
    await expectRefused(verifier.verify(`${header}.${payload}.`), 'ERR_SIGNATURE_INVALID');
  });

  describe('header key references are never followed', () => {
    const attackerPaths = (): number => attacker.totalHits;

    it('ignores jku: the key is looked up in our JWKS only, and the attacker server is never called', async () => {
      attacker.resetHits();
      const token = issuer.sign({}, { key: attacker.currentKey, kid: attacker.currentKey.kid, header: { jku: attacker.jwksUri } });
      await expectRefused(verifier.verify(token), 'ERR_KEY_NOT_FOUND', attacker.currentKey.kid);
      expect(attackerPaths()).toBe(0);
    });

    it('ignores x5u', async () => {
      attacker.resetHits();
      const token = issuer.sign({}, { key: attacker.currentKey, kid: attacker.currentKey.kid, header: { x5u: `${attacker.url}cert.pem` } });
      await expectRefused(verifier.verify(token), 'ERR_KEY_NOT_FOUND');
      expect(attackerPaths()).toBe(0);
    });

    it('ignores an embedded jwk (the attacker public key) even under our kid', async () => {
      attacker.resetHits();
      const token = issuer.sign({}, { key: attacker.currentKey, kid: issuer.currentKey.kid, header: { jwk: attacker.currentKey.jwk } });
      await expectRefused(verifier.verify(token), 'ERR_SIGNATURE_INVALID');
      expect(attackerPaths()).toBe(0);
    });

    it('ignores an embedded x5c chain', async () => {
      const token = issuer.sign({}, { key: attacker.currentKey, kid: issuer.currentKey.kid, header: { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] } });
      await expectRefused(verifier.verify(token), 'ERR_SIGNATURE_INVALID');
    });

    it('still accepts a genuine token that happens to carry a jku (it is not used)', async () => {
      attacker.resetHits();
      const principal = await verifier.verify(issuer.sign({}, { header: { jku: attacker.jwksUri } }));
      expect(principal.client.id).toBe('clientA');
      expect(attackerPaths()).toBe(0);
    });
  });
});

describe('key suitability', () => {
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await startTestIssuer({ keys: 0 });
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('refuses a token signed with a 1024-bit RSA key published in the JWKS', async () => {
    const good = await issuer.addKey();
    const weak = await issuer.addKey({ modulusLength: 1024, current: false });
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience });
    await expectRefused(verifier.verify(issuer.sign({}, { key: weak })), 'ERR_KEY_UNSUITABLE', '1024 bits');
    // The good key of the same JWKS still works.
    expect((await verifier.verify(issuer.sign({}, { key: good }))).client.id).toBe('clientA');
  });

  it('refuses an RS256 token whose kid names an EC key', async () => {
    const ec = await issuer.addKey({ type: 'ec', current: false });
    const rsaSigned = issuer.sign({}, { key: issuer.keys[0] as TestKey, kid: ec.kid, alg: 'RS256' });
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, algorithms: ['RS256', 'ES256'] });
    await expectRefused(verifier.verify(rsaSigned), 'ERR_KEY_UNSUITABLE', 'cannot verify RS256');
  });

  it('refuses a token whose alg differs from the alg the JWK declares', async () => {
    const ps = await issuer.addKey({ alg: 'PS256', current: false });
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, algorithms: ['RS256', 'PS256'] });
    // Signed correctly with the key, but as RS256 while the JWK says PS256.
    await expectRefused(verifier.verify(issuer.sign({}, { key: ps, alg: 'RS256' })), 'ERR_KEY_UNSUITABLE', 'not for RS256');
    expect((await verifier.verify(issuer.sign({}, { key: ps, alg: 'PS256' }))).client.id).toBe('clientA');
  });

  it('does not let a header accepted by one verifier pass another with a narrower allow-list', async () => {
    const ec = await issuer.addKey({ type: 'ec', current: false });
    const token = issuer.sign({}, { key: ec });
    const wide = createVerifier({ issuer: issuer.url, audience: issuer.audience, algorithms: ['RS256', 'ES256'] });
    const narrow = createVerifier({ issuer: issuer.url, audience: issuer.audience });
    expect((await wide.verify(token)).client.id).toBe('clientA');
    await expectRefused(narrow.verify(token), 'ERR_ALGORITHM_NOT_ALLOWED', 'ES256');
  });

  it('accepts ES256 with a P-256 key when ES256 is allowed', async () => {
    const ec = await issuer.addKey({ type: 'ec', current: false });
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, algorithms: ['ES256'] });
    expect((await verifier.verify(issuer.sign({}, { key: ec }))).client.id).toBe('clientA');
  });
});
