import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

/** The token's form: compact JWS only, no extensions we do not understand, bounded size. */
describe('token form', () => {
  let issuer: TestIssuer;
  let verifier: Verifier;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0 });
    await verifier.verify(issuer.sign());
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('refuses a crit header, even one naming a parameter that is present', async () => {
    await expectRefused(verifier.verify(issuer.sign({}, { header: { crit: ['exp'], exp: 1 } })), 'ERR_TOKEN_UNSUPPORTED', 'crit');
  });

  it('refuses a nested token (cty: JWT)', async () => {
    await expectRefused(verifier.verify(issuer.sign({}, { header: { cty: 'JWT' } })), 'ERR_TOKEN_UNSUPPORTED', 'cty');
  });

  it('refuses a nested token whatever the case of cty', async () => {
    await expectRefused(verifier.verify(issuer.sign({}, { header: { cty: 'jwt' } })), 'ERR_TOKEN_UNSUPPORTED', 'cty');
  });

  it('refuses a JWE (five parts)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: issuer.currentKey.kid })).toString('base64url');
    await expectRefused(verifier.verify(`${header}.a2V5.aXY.Y2lwaGVy.dGFn`), 'ERR_TOKEN_UNSUPPORTED', 'JWE');
  });

  it('refuses a three-part token whose header announces encryption (enc)', async () => {
    await expectRefused(verifier.verify(issuer.sign({}, { header: { enc: 'A256GCM' } })), 'ERR_TOKEN_UNSUPPORTED', 'enc');
  });

  it.each([
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['a header that is not base64url', '***.e30.sig'],
    ['a header that is not JSON', `${Buffer.from('not json').toString('base64url')}.e30.sig`],
    ['a header that is a JSON array', `${Buffer.from('["RS256"]').toString('base64url')}.e30.sig`],
  ])('refuses a malformed token: %s', async (_, token) => {
    await expectRefused(verifier.verify(token), 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a header without alg', async () => {
    const token = issuer.signRaw({ typ: 'JWT', kid: issuer.currentKey.kid }, issuer.defaultClaims(), { key: issuer.currentKey.privateKey });
    await expectRefused(verifier.verify(token), 'ERR_TOKEN_MALFORMED', 'alg');
  });

  it('refuses a non-string kid', async () => {
    await expectRefused(verifier.verify(issuer.sign({}, { header: { kid: 7 } })), 'ERR_TOKEN_MALFORMED', 'kid');
  });

  it('refuses a token longer than 8 KiB before decoding it', async () => {
    const token = issuer.sign({ padding: 'x'.repeat(9000) });
    const before = verifier.stats.verifications;
    await expectRefused(verifier.verify(token), 'ERR_TOKEN_TOO_LARGE');
    expect(verifier.stats.verifications).toBe(before);
  });

  it('honours a configured maxTokenLength', async () => {
    const small = createVerifier({ issuer: issuer.url, audience: issuer.audience, maxTokenLength: 200 });
    await expectRefused(small.verify(issuer.sign()), 'ERR_TOKEN_TOO_LARGE');
  });
});
