import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import type { Verifier } from '../../src/auth/verifier.js';
import type { VerifierOptions } from '../../src/auth/verifierOptions.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

/** Claims of the auth0 defaults that other issuers do not send. */
const NO_AUTH0 = { azp: undefined, gty: undefined } as const;

describe('claim-mapping presets', () => {
  let issuer: TestIssuer;
  const verifiers = new Map<string, Verifier>();
  const verifier = (options: Partial<VerifierOptions>): Verifier => {
    const key = JSON.stringify(options);
    let found = verifiers.get(key);
    if (found === undefined) {
      found = createVerifier({ issuer: issuer.url, audience: issuer.audience, cacheSize: 0, ...options } as VerifierOptions);
      verifiers.set(key, found);
    }
    return found;
  };

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  describe('auth0 (default)', () => {
    const auth0 = (): Verifier => verifier({});

    it('maps a client-credentials token to a machine principal with scope and RBAC permissions, deduplicated', async () => {
      const principal = await auth0().verify(issuer.sign({ scope: 'read:orders write:orders', permissions: ['read:orders', 'admin:reports'] }));
      expect(principal).toMatchObject({
        kind: 'machine',
        client: { id: 'clientA', name: null, metadata: null },
        scopes: ['read:orders', 'write:orders', 'admin:reports'],
      });
      expect(principal.user).toBeUndefined();
    });

    it('reads the client from sub without @clients when azp is absent', async () => {
      const principal = await auth0().verify(issuer.sign({ azp: undefined, sub: 'clientB@clients' }));
      expect(principal.kind).toBe('machine');
      expect(principal.client.id).toBe('clientB');
    });

    it('maps a user token (no gty, sub a user) to a user principal of the azp client', async () => {
      const principal = await auth0().verify(issuer.sign({ gty: undefined, sub: 'auth0|user-1', azp: 'spa-client', scope: 'openid read:orders' }));
      expect(principal).toMatchObject({ kind: 'user', client: { id: 'spa-client' }, user: { id: 'auth0|user-1' }, scopes: ['openid', 'read:orders'] });
    });

    it('accepts gty as an array (refresh token grants) and treats it as a user token', async () => {
      const principal = await auth0().verify(issuer.sign({ gty: ['refresh_token', 'password'], sub: 'auth0|user-2', azp: 'spa' }));
      expect(principal.kind).toBe('user');
    });

    it('refuses a user token without azp (no client can be read)', async () => {
      await expectRefused(auth0().verify(issuer.sign({ azp: undefined, gty: undefined, sub: 'auth0|user-1' })), 'ERR_CLAIM_INVALID', 'azp');
    });

    it('refuses a sub@clients that names another client than azp', async () => {
      await expectRefused(auth0().verify(issuer.sign({ sub: 'clientB@clients', azp: 'clientA' })), 'ERR_CLAIM_INVALID', 'sub');
    });

    it('refuses a scope that is not a string', async () => {
      await expectRefused(auth0().verify(issuer.sign({ scope: ['read:orders'] })), 'ERR_CLAIM_INVALID', 'scope');
    });

    it('refuses permissions that are not an array of strings', async () => {
      await expectRefused(auth0().verify(issuer.sign({ permissions: 'read:orders' })), 'ERR_CLAIM_INVALID', 'permissions');
      await expectRefused(auth0().verify(issuer.sign({ permissions: ['read:orders', 7] })), 'ERR_CLAIM_INVALID', 'permissions');
    });

    it('refuses an azp that is not a string', async () => {
      await expectRefused(auth0().verify(issuer.sign({ azp: 12 })), 'ERR_CLAIM_INVALID', 'azp');
    });
  });

  describe('rfc9068', () => {
    const rfc = (): Verifier => verifier({ preset: 'rfc9068' });
    const at = { header: { typ: 'at+jwt' } };

    it('maps a token whose sub is its client_id to a machine principal', async () => {
      const principal = await rfc().verify(issuer.sign({ ...NO_AUTH0, sub: 'svc-1', client_id: 'svc-1', jti: 'j1', scope: 'read' }, at));
      expect(principal).toMatchObject({ kind: 'machine', client: { id: 'svc-1' }, scopes: ['read'] });
    });

    it('maps a token of a user to a user principal, and accepts typ application/at+jwt', async () => {
      const principal = await rfc().verify(
        issuer.sign({ ...NO_AUTH0, sub: 'user-9', client_id: 'web', jti: 'j2' }, { header: { typ: 'application/at+jwt' } }),
      );
      expect(principal).toMatchObject({ kind: 'user', client: { id: 'web' }, user: { id: 'user-9' } });
    });

    it('refuses a token whose typ is not at+jwt (an ID token, say)', async () => {
      await expectRefused(rfc().verify(issuer.sign({ ...NO_AUTH0, client_id: 'web', jti: 'j3' })), 'ERR_TOKEN_UNSUPPORTED', 'typ');
    });

    it('refuses a token without jti', async () => {
      await expectRefused(rfc().verify(issuer.sign({ ...NO_AUTH0, client_id: 'web' }, at)), 'ERR_CLAIM_INVALID', 'jti');
    });

    it('refuses a token without client_id', async () => {
      await expectRefused(rfc().verify(issuer.sign({ ...NO_AUTH0, jti: 'j4' }, at)), 'ERR_CLAIM_INVALID', 'client_id');
    });
  });

  describe('okta', () => {
    const okta = (): Verifier => verifier({ preset: 'okta' });

    it('maps cid and the scp array; a client-credentials token (sub = cid) is a machine', async () => {
      const principal = await okta().verify(issuer.sign({ ...NO_AUTH0, sub: '0oa1', cid: '0oa1', scp: ['orders.read'] }));
      expect(principal).toMatchObject({ kind: 'machine', client: { id: '0oa1' }, scopes: ['orders.read'] });
    });

    it('maps a user token', async () => {
      const principal = await okta().verify(issuer.sign({ ...NO_AUTH0, sub: 'ann@example.com', cid: '0oa2', scp: ['openid'] }));
      expect(principal).toMatchObject({ kind: 'user', client: { id: '0oa2' }, user: { id: 'ann@example.com' } });
    });

    it('refuses a token without cid', async () => {
      await expectRefused(okta().verify(issuer.sign({ ...NO_AUTH0, sub: 'x', scp: [] })), 'ERR_CLAIM_INVALID', 'cid');
    });

    it('refuses an scp that is not an array of strings', async () => {
      await expectRefused(okta().verify(issuer.sign({ ...NO_AUTH0, cid: '0oa1', scp: 'orders.read' })), 'ERR_CLAIM_INVALID', 'scp');
    });
  });

  describe('entra', () => {
    const entra = (): Verifier => verifier({ preset: 'entra' });

    it('maps an app-only v2 token (idtyp app) with app roles', async () => {
      const principal = await entra().verify(issuer.sign({ ...NO_AUTH0, sub: 'sp-1', oid: 'sp-1', azp: 'app-1', idtyp: 'app', roles: ['Orders.Read.All'] }));
      expect(principal).toMatchObject({ kind: 'machine', client: { id: 'app-1' }, scopes: ['Orders.Read.All'] });
    });

    it('maps a delegated v1 token (appid, scp) to a user', async () => {
      const principal = await entra().verify(issuer.sign({ ...NO_AUTH0, sub: 'pairwise', oid: 'user-oid', appid: 'app-2', scp: 'Orders.Read User.Read' }));
      expect(principal).toMatchObject({ kind: 'user', client: { id: 'app-2' }, user: { id: 'pairwise' }, scopes: ['Orders.Read', 'User.Read'] });
    });

    it('treats a token without idtyp and without scp, whose oid is its sub, as app-only', async () => {
      const principal = await entra().verify(issuer.sign({ ...NO_AUTH0, sub: 'sp-2', oid: 'sp-2', azp: 'app-3' }));
      expect(principal.kind).toBe('machine');
    });

    it('refuses a token with neither azp nor appid', async () => {
      await expectRefused(entra().verify(issuer.sign({ ...NO_AUTH0, sub: 'sp-1' })), 'ERR_CLAIM_INVALID', 'azp');
    });

    it('refuses roles that are not an array of strings', async () => {
      await expectRefused(entra().verify(issuer.sign({ ...NO_AUTH0, azp: 'app-1', roles: 'Orders.Read.All' })), 'ERR_CLAIM_INVALID', 'roles');
    });

    it('refuses an unknown idtyp', async () => {
      await expectRefused(entra().verify(issuer.sign({ ...NO_AUTH0, azp: 'app-1', idtyp: 'device' })), 'ERR_CLAIM_INVALID', 'idtyp');
    });
  });

  describe('cognito', () => {
    const cognito = (): Verifier => verifier({ preset: 'cognito', audience: undefined, allowedClientIds: ['c0gn1t0'] });
    const cognitoClaims = { ...NO_AUTH0, aud: undefined, token_use: 'access', client_id: 'c0gn1t0' };

    it('maps a client-credentials access token without aud, checking client_id against the allowed list', async () => {
      const principal = await cognito().verify(issuer.sign({ ...cognitoClaims, sub: 'c0gn1t0', scope: 'orders/read' }));
      expect(principal).toMatchObject({ kind: 'machine', client: { id: 'c0gn1t0' }, scopes: ['orders/read'] });
    });

    it('maps a user access token', async () => {
      const principal = await cognito().verify(issuer.sign({ ...cognitoClaims, sub: 'uuid-user', username: 'ann' }));
      expect(principal).toMatchObject({ kind: 'user', user: { id: 'uuid-user' } });
    });

    it('refuses an ID token (token_use id)', async () => {
      await expectRefused(cognito().verify(issuer.sign({ ...cognitoClaims, token_use: 'id' })), 'ERR_TOKEN_UNSUPPORTED', 'token_use');
    });

    it('refuses a client that is not in allowedClientIds', async () => {
      await expectRefused(cognito().verify(issuer.sign({ ...cognitoClaims, client_id: 'other', sub: 'other' })), 'ERR_CLAIM_INVALID', 'allowedClientIds');
    });

    it('requires allowedClientIds and refuses an audience, at construction', () => {
      expect(() => createVerifier({ issuer: issuer.url, preset: 'cognito' })).toThrow(/"allowedClientIds"/);
      expect(() => createVerifier({ issuer: issuer.url, preset: 'cognito', audience: 'x', allowedClientIds: ['a'] })).toThrow(/"audience"/);
    });
  });

  describe('keycloak', () => {
    const keycloak = (): Verifier => verifier({ preset: 'keycloak' });

    it('maps a service-account token with realm roles and client roles as <client>:<role>', async () => {
      const principal = await keycloak().verify(
        issuer.sign({
          gty: undefined,
          sub: 'f3a1-uuid',
          azp: 'billing-service',
          client_id: 'billing-service',
          preferred_username: 'service-account-billing-service',
          scope: 'profile',
          realm_access: { roles: ['offline_access'] },
          resource_access: { 'orders-api': { roles: ['read'] }, account: { roles: ['view-profile'] } },
        }),
      );
      expect(principal).toMatchObject({
        kind: 'machine',
        client: { id: 'billing-service' },
        scopes: ['profile', 'offline_access', 'orders-api:read', 'account:view-profile'],
      });
    });

    it('maps a user token', async () => {
      const principal = await keycloak().verify(issuer.sign({ gty: undefined, sub: 'user-uuid', azp: 'web', preferred_username: 'ann' }));
      expect(principal).toMatchObject({ kind: 'user', client: { id: 'web' }, user: { id: 'user-uuid' } });
    });

    it('keeps a user token a user token even when the username looks like a service account', async () => {
      const principal = await keycloak().verify(
        issuer.sign({ gty: undefined, sub: 'mallory-uuid', azp: 'partner-api', preferred_username: 'service-account-mallory' }),
      );
      expect(principal).toMatchObject({ kind: 'user', client: { id: 'partner-api' }, user: { id: 'mallory-uuid' } });
    });

    it('accepts Keycloak access tokens (typ Bearer) and refuses its ID and refresh tokens', async () => {
      const principal = await keycloak().verify(issuer.sign({ gty: undefined, typ: 'Bearer', sub: 'user-uuid', azp: 'web' }));
      expect(principal.kind).toBe('user');
      await expectRefused(keycloak().verify(issuer.sign({ gty: undefined, typ: 'ID', sub: 'user-uuid', azp: 'web', nonce: 'n' })), 'ERR_TOKEN_UNSUPPORTED', 'typ "ID"');
      await expectRefused(keycloak().verify(issuer.sign({ gty: undefined, typ: 'Refresh', sub: 'user-uuid', azp: 'web' })), 'ERR_TOKEN_UNSUPPORTED', 'typ "Refresh"');
    });

    it('refuses realm roles that are not an array of strings', async () => {
      await expectRefused(keycloak().verify(issuer.sign({ realm_access: { roles: 'admin' } })), 'ERR_CLAIM_INVALID', 'realm_access.roles');
    });

    it('refuses resource_access that is not an object', async () => {
      await expectRefused(keycloak().verify(issuer.sign({ resource_access: ['orders-api'] })), 'ERR_CLAIM_INVALID', 'resource_access');
    });

    it('refuses a token without azp', async () => {
      await expectRefused(keycloak().verify(issuer.sign({ azp: undefined })), 'ERR_CLAIM_INVALID', 'azp');
    });
  });

  /**
   * Issue 10, finding 7: a machine token is recognized only by a marker no user can choose. Each row
   * is a user token in the preset's shape in which a user picked what users may pick somewhere (the
   * login that becomes `sub`, a user name, a display name) to look like the client `storefront-web`.
   * None may come out as a machine principal: it is a user token, or it is refused.
   */
  describe('user-chosen values never make a machine token', () => {
    const CLIENT = 'storefront-web';
    const at = { header: { typ: 'at+jwt' } };
    const cognitoOptions = { preset: 'cognito', audience: undefined, allowedClientIds: [CLIENT] } as const;
    const cases: [string, Partial<VerifierOptions>, Record<string, unknown>, { header: Record<string, unknown> } | undefined][] = [
      ['auth0: sub "<client>@clients" without gty client-credentials', {}, { gty: undefined, azp: CLIENT, sub: `${CLIENT}@clients` }, undefined],
      ['auth0: sub "<client>@clients" with a user grant', {}, { gty: ['refresh_token', 'password'], azp: CLIENT, sub: `${CLIENT}@clients` }, undefined],
      ['auth0: sub "<client>@clients" and no azp', {}, { gty: 'authorization_code', azp: undefined, sub: `${CLIENT}@clients` }, undefined],
      ['auth0: sub equal to the client id', {}, { gty: undefined, azp: CLIENT, sub: CLIENT }, undefined],
      ['rfc9068: sub "<client>@clients"', { preset: 'rfc9068' }, { ...NO_AUTH0, client_id: CLIENT, sub: `${CLIENT}@clients`, jti: 'u1' }, at],
      ['rfc9068: sub the client id in another case', { preset: 'rfc9068' }, { ...NO_AUTH0, client_id: CLIENT, sub: 'Storefront-Web', jti: 'u2' }, at],
      ['rfc9068: sub the client id with a space', { preset: 'rfc9068' }, { ...NO_AUTH0, client_id: CLIENT, sub: `${CLIENT} `, jti: 'u3' }, at],
      ['okta: sub "<cid>@clients"', { preset: 'okta' }, { ...NO_AUTH0, cid: CLIENT, sub: `${CLIENT}@clients`, scp: ['openid'] }, undefined],
      ['okta: sub the cid in another case', { preset: 'okta' }, { ...NO_AUTH0, cid: CLIENT, sub: 'STOREFRONT-WEB', scp: ['openid'] }, undefined],
      ['entra: a delegated token whose sub is the client id', { preset: 'entra' }, { ...NO_AUTH0, azp: CLIENT, sub: CLIENT, oid: CLIENT, scp: 'User.Read' }, undefined],
      ['entra: idtyp user, sub "<client>@clients"', { preset: 'entra' }, { ...NO_AUTH0, azp: CLIENT, sub: `${CLIENT}@clients`, idtyp: 'user' }, undefined],
      ['cognito: username equal to the client id', cognitoOptions, { ...NO_AUTH0, aud: undefined, token_use: 'access', client_id: CLIENT, sub: 'uuid-1', username: CLIENT }, undefined],
      ['cognito: sub "<client>@clients"', cognitoOptions, { ...NO_AUTH0, aud: undefined, token_use: 'access', client_id: CLIENT, sub: `${CLIENT}@clients` }, undefined],
      ['keycloak: preferred_username service-account-<client>', { preset: 'keycloak' }, { gty: undefined, azp: CLIENT, sub: 'uuid-2', preferred_username: `service-account-${CLIENT}` }, undefined],
      ['keycloak: preferred_username equal to the client id', { preset: 'keycloak' }, { gty: undefined, azp: CLIENT, sub: 'uuid-3', preferred_username: CLIENT }, undefined],
      ['keycloak: sub equal to the client id', { preset: 'keycloak' }, { gty: undefined, azp: CLIENT, sub: CLIENT }, undefined],
    ];

    it.each(cases)('%s', async (_name, options, claims, signOptions) => {
      const outcome = await verifier(options)
        .verify(issuer.sign(claims, signOptions))
        .then(
          (principal) => ({ kind: principal.kind, user: principal.user?.id ?? null }),
          (error: unknown) => ({ refused: (error as { code?: unknown }).code }),
        );
      if ('refused' in outcome) expect(outcome.refused).toBe('ERR_CLAIM_INVALID');
      else expect(outcome).toEqual({ kind: 'user', user: claims['sub'] });
    });

    it('refuses the auth0 sub "<client>@clients" without gty client-credentials, naming sub', async () => {
      await expectRefused(verifier({}).verify(issuer.sign({ gty: undefined, azp: CLIENT, sub: `${CLIENT}@clients` })), 'ERR_CLAIM_INVALID', 'sub');
    });
  });

  it('refuses an unknown preset name at construction', () => {
    expect(() => createVerifier({ issuer: issuer.url, audience: issuer.audience, preset: 'google' as 'auth0' })).toThrow(/"preset"/);
  });
});
