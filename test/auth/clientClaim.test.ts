import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_CLAIM } from '../../src/auth/clientClaim.js';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

describe('the client claim', () => {
  let issuer: TestIssuer;
  let verifier: Verifier;
  const withClaim = (value: unknown): string => issuer.sign({ [DEFAULT_CLIENT_CLAIM]: value });

  beforeAll(async () => {
    issuer = await startTestIssuer();
    verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0 });
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('is named https://allow-clients.dev/client by default', () => {
    expect(DEFAULT_CLIENT_CLAIM).toBe('https://allow-clients.dev/client');
  });

  it('gives the client its name and metadata', async () => {
    const principal = await verifier.verify(withClaim({ id: 'clientA', name: 'Acme Logistics', metadata: { tier: 'gold', region: ['eu', 'us'] } }));
    expect(principal.client).toEqual({ id: 'clientA', name: 'Acme Logistics', metadata: { tier: 'gold', region: ['eu', 'us'] } });
  });

  it('leaves name and metadata null without the claim', async () => {
    const principal = await verifier.verify(issuer.sign());
    expect(principal.client).toEqual({ id: 'clientA', name: null, metadata: null });
  });

  it('accepts a claim with only the id', async () => {
    const principal = await verifier.verify(withClaim({ id: 'clientA' }));
    expect(principal.client).toEqual({ id: 'clientA', name: null, metadata: null });
  });

  it('refuses a claim whose id is another client (a token minted for clientA cannot pose as clientB)', async () => {
    await expectRefused(verifier.verify(withClaim({ id: 'clientB', name: 'Other', metadata: { tier: 'gold' } })), 'ERR_CLAIM_INVALID', '.id');
  });

  it('refuses a claim without id', async () => {
    await expectRefused(verifier.verify(withClaim({ name: 'Acme' })), 'ERR_CLAIM_INVALID', '.id');
  });

  it.each([
    ['a string', 'clientA'],
    ['an array', [{ id: 'clientA' }]],
    ['null', null],
  ])('refuses a claim that is %s', async (_, value) => {
    await expectRefused(verifier.verify(withClaim(value)), 'ERR_CLAIM_INVALID', DEFAULT_CLIENT_CLAIM);
  });

  it('refuses a name that is not a string', async () => {
    await expectRefused(verifier.verify(withClaim({ id: 'clientA', name: 42 })), 'ERR_CLAIM_INVALID', '.name');
  });

  it.each([
    ['an array', ['gold']],
    ['a string', 'gold'],
    ['a number', 3],
  ])('refuses metadata that is %s', async (_, metadata) => {
    await expectRefused(verifier.verify(withClaim({ id: 'clientA', metadata })), 'ERR_CLAIM_INVALID', '.metadata');
  });

  it('refuses metadata nested too deeply', async () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 20; level += 1) deep = { level: deep };
    await expectRefused(verifier.verify(withClaim({ id: 'clientA', metadata: deep })), 'ERR_CLAIM_INVALID', 'nested');
  });

  it('reads the claim under a configured name, and ignores the default name then', async () => {
    const custom = createVerifier({ issuer: issuer.url, audience: issuer.audience, clientClaim: 'https://acme.example/app' });
    const principal = await custom.verify(
      issuer.sign({ 'https://acme.example/app': { id: 'clientA', name: 'Acme' }, [DEFAULT_CLIENT_CLAIM]: { id: 'clientB' } }),
    );
    expect(principal.client.name).toBe('Acme');
  });

  it('gives equal access keys for equal metadata in another key order, and different ones otherwise', async () => {
    const first = await verifier.verify(withClaim({ id: 'clientA', name: 'Acme', metadata: { tier: 'gold', region: 'eu' } }));
    const reordered = await verifier.verify(withClaim({ id: 'clientA', name: 'Acme', metadata: { region: 'eu', tier: 'gold' } }));
    const silver = await verifier.verify(withClaim({ id: 'clientA', name: 'Acme', metadata: { region: 'eu', tier: 'silver' } }));
    expect(reordered.accessKey).toBe(first.accessKey);
    expect(silver.accessKey).not.toBe(first.accessKey);
  });

  it('freezes the principal, so one request cannot change what the next one sees', async () => {
    const principal = await verifier.verify(withClaim({ id: 'clientA', metadata: { tier: 'gold' } }));
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal.client.metadata)).toBe(true);
    expect(Object.isFrozen(principal.scopes)).toBe(true);
  });
});
