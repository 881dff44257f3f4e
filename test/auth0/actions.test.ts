/**
 * The Auth0 Actions of auth0/, run as Auth0 runs them (CommonJS, `event` and `api` shaped as the
 * Auth0 docs describe the credentials-exchange and post-login triggers), then their claims signed
 * with a real key into a token that the library's verifier checks.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, DEFAULT_CLIENT_CLAIM, createVerifier } from '../../src/index.js';
import type { Verifier } from '../../src/index.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

type Claims = Record<string, unknown>;
interface RecordingApi {
  readonly claims: Claims;
  readonly calls: string[];
}

const require = createRequire(import.meta.url);
const credentialsExchange = require('../../auth0/credentials-exchange.js') as {
  onExecuteCredentialsExchange: (event: unknown, api: unknown) => Promise<void>;
};
const postLogin = require('../../auth0/post-login.js') as { onExecutePostLogin: (event: unknown, api: unknown) => Promise<void> };

const AUDIENCE = 'https://api.example.test';

/** The credentials-exchange `event` (Auth0 docs: Actions Triggers: credentials-exchange - Event Object). */
function credentialsExchangeEvent(client: { client_id: string; name: string; metadata: Record<string, string> }): unknown {
  return {
    accessToken: { customClaims: {}, scope: ['catalog:read', 'orders:read'] },
    client,
    request: { body: { grant_type: 'client_credentials' }, hostname: 'tenant.eu.auth0.com', ip: '203.0.113.7', method: 'POST', user_agent: 'partner/1.0', geoip: {} },
    resource_server: { identifier: AUDIENCE },
    tenant: { id: 'tenant' },
    transaction: { requested_scopes: ['catalog:read', 'orders:read'] },
    secrets: {},
  };
}

/** The post-login `event` (Auth0 docs: Actions Triggers: post-login - Event Object), reduced to the parts a login has. */
function postLoginEvent(client: { client_id: string; name: string; metadata: Record<string, string> }): unknown {
  return {
    user: { user_id: 'auth0|alice', email: 'alice@example.com', app_metadata: {}, user_metadata: {} },
    client,
    authorization: { roles: [] },
    connection: { id: 'con_1', name: 'Username-Password-Authentication', strategy: 'auth0' },
    organization: undefined,
    request: { hostname: 'tenant.eu.auth0.com', ip: '203.0.113.8', method: 'GET', query: {}, geoip: {} },
    resource_server: { identifier: AUDIENCE },
    tenant: { id: 'tenant' },
    transaction: { requested_scopes: ['openid', 'catalog:read'], protocol: 'oidc-basic-profile' },
    stats: { logins_count: 3 },
    secrets: {},
  };
}

/** `api` recording what the Action asks for (Auth0 docs: the trigger's API object). */
function recordingApi(): RecordingApi & Record<string, unknown> {
  const claims: Claims = {};
  const calls: string[] = [];
  return {
    claims,
    calls,
    accessToken: {
      setCustomClaim: (key: string, value: unknown) => {
        calls.push(`accessToken.setCustomClaim ${key}`);
        claims[key] = value;
      },
      addScope: (scope: string) => calls.push(`accessToken.addScope ${scope}`),
      removeScope: (scope: string) => calls.push(`accessToken.removeScope ${scope}`),
    },
    idToken: { setCustomClaim: (key: string) => calls.push(`idToken.setCustomClaim ${key}`) },
    access: { deny: (...args: unknown[]) => calls.push(`access.deny ${args.join(' ')}`) },
  };
}

describe('Auth0 Actions', () => {
  let issuer: TestIssuer;
  let verifier: Verifier;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    verifier = createVerifier({ issuer: issuer.url, audience: AUDIENCE, preset: 'auth0' });
  });
  afterAll(async () => {
    await issuer.close();
  });

  describe('credentials-exchange', () => {
    it('writes the calling application into the M2M token, and the verifier reads it back', async () => {
      const api = recordingApi();
      await credentialsExchange.onExecuteCredentialsExchange(
        credentialsExchangeEvent({ client_id: 'Xk3acmeGold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } }),
        api,
      );
      expect(api.calls).toEqual([`accessToken.setCustomClaim ${DEFAULT_CLIENT_CLAIM}`]);
      expect(api.claims).toEqual({ [DEFAULT_CLIENT_CLAIM]: { id: 'Xk3acmeGold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } } });

      // An Auth0 client-credentials token as Auth0 issues it, with the Action's claim.
      const token = issuer.sign({ sub: 'Xk3acmeGold@clients', azp: 'Xk3acmeGold', gty: 'client-credentials', scope: 'catalog:read orders:read', ...api.claims });
      const principal = await verifier.verify(token);
      expect(principal.kind).toBe('machine');
      expect(principal.client).toEqual({ id: 'Xk3acmeGold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } });
      expect(principal.user).toBeUndefined();
      expect([...principal.scopes].sort()).toEqual(['catalog:read', 'orders:read']);
    });

    it('writes an empty metadata object for an application without metadata', async () => {
      const api = recordingApi();
      const event = credentialsExchangeEvent({ client_id: 'Zz9plain', name: 'Plain App', metadata: {} });
      delete (event as { client: { metadata?: unknown } }).client.metadata;
      await credentialsExchange.onExecuteCredentialsExchange(event, api);
      const token = issuer.sign({ sub: 'Zz9plain@clients', azp: 'Zz9plain', ...api.claims });
      const principal = await verifier.verify(token);
      expect(principal.client).toEqual({ id: 'Zz9plain', name: 'Plain App', metadata: {} });
    });

    it('yields a token the verifier refuses when the claim describes another application', async () => {
      const api = recordingApi();
      await credentialsExchange.onExecuteCredentialsExchange(credentialsExchangeEvent({ client_id: 'Other', name: 'Other', metadata: { tier: 'gold' } }), api);
      const token = issuer.sign({ sub: 'Xk3acmeGold@clients', azp: 'Xk3acmeGold', ...api.claims });
      const refusal = await verifier.verify(token).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(AuthError);
      expect((refusal as AuthError).code).toBe('ERR_CLAIM_INVALID');
    });
  });

  describe('post-login', () => {
    it('writes the application the user signed in through into the user token', async () => {
      const api = recordingApi();
      await postLogin.onExecutePostLogin(postLoginEvent({ client_id: 'Sf7storefront', name: 'Storefront', metadata: { firstParty: 'true' } }), api);
      expect(api.calls).toEqual([`accessToken.setCustomClaim ${DEFAULT_CLIENT_CLAIM}`]);

      const token = issuer.sign({ sub: 'auth0|alice', azp: 'Sf7storefront', gty: undefined, scope: 'openid catalog:read', ...api.claims });
      const principal = await verifier.verify(token);
      expect(principal.kind).toBe('user');
      expect(principal.user).toEqual({ id: 'auth0|alice' });
      expect(principal.client).toEqual({ id: 'Sf7storefront', name: 'Storefront', metadata: { firstParty: 'true' } });
    });
  });
});
