/**
 * The embedded dev issuer: oidc-provider on loopback, issuing the tokens the API verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_CLAIM, createVerifier } from '../../src/index.js';
import { DEV_AUDIENCE } from '../../src/server/config.js';
import { loadDevClients } from '../../src/server/devClients.js';
import type { DevFrontendClient, DevMachineClient } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { discover, fetchClientToken, fetchUserToken } from '../../src/server/devTokens.js';
import type { IssuerEndpoints } from '../../src/server/devTokens.js';

const clients = loadDevClients();
const machine = (id: string) => clients.find((client) => client.id === id) as DevMachineClient;
const decode = (token: string, part: 0 | 1) => JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString()) as Record<string, unknown>;

async function tokenRequest(endpoints: IssuerEndpoints, body: Record<string, string>, basic?: string): Promise<{ status: number; error: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic !== undefined) headers['authorization'] = `Basic ${Buffer.from(basic).toString('base64')}`;
  const response = await fetch(endpoints.tokenEndpoint, { method: 'POST', headers, body: new URLSearchParams(body) });
  const document = (await response.json()) as { error?: unknown };
  return { status: response.status, error: document.error };
}

describe('embedded dev issuer', () => {
  let issuer: DevIssuer;
  let endpoints: IssuerEndpoints;

  beforeAll(async () => {
    issuer = await startDevIssuer({ host: '127.0.0.1', port: 0, audience: DEV_AUDIENCE, clientClaim: DEFAULT_CLIENT_CLAIM, clients });
    endpoints = await discover(issuer.issuer);
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startDevIssuer({ host: '0.0.0.0', port: 0, audience: DEV_AUDIENCE, clientClaim: DEFAULT_CLIENT_CLAIM, clients })).rejects.toThrow(
      /"host" must be a loopback address/,
    );
  });

  it('issues RS256 RFC 9068 access tokens with the client claim, read alike by the rfc9068 and auth0 presets', async () => {
    const token = await fetchClientToken(endpoints, machine('acme-gold'));
    expect(decode(token, 0)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decode(token, 1)).toMatchObject({
      iss: issuer.issuer,
      aud: DEV_AUDIENCE,
      sub: 'acme-gold',
      client_id: 'acme-gold',
      gty: 'client-credentials',
      [DEFAULT_CLIENT_CLAIM]: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } },
    });
    for (const preset of ['rfc9068', 'auth0'] as const) {
      const principal = await createVerifier({ issuer: issuer.issuer, audience: DEV_AUDIENCE, preset }).verify(token);
      expect(principal.kind).toBe('machine');
      expect(principal.client).toEqual({ id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } });
      expect([...principal.scopes].sort()).toEqual(['catalog:read', 'orders:read', 'orders:write', 'reports:read', 'stock:read']);
    }
  });

  it('accepts the client secret by HTTP Basic or in the body (client_secret_basic, client_secret_post)', async () => {
    // oidc-provider, like Auth0, takes either method from any confidential client.
    const globex = machine('globex-silver');
    expect(await tokenRequest(endpoints, { grant_type: 'client_credentials' }, `${globex.id}:${globex.secret}`)).toEqual({ status: 200, error: undefined });
    expect(await tokenRequest(endpoints, { grant_type: 'client_credentials', client_id: globex.id, client_secret: globex.secret })).toEqual({
      status: 200,
      error: undefined,
    });
    expect(await tokenRequest(endpoints, { grant_type: 'client_credentials', client_id: globex.id, client_secret: 'wrong' })).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });

  it('grants every scope the client is authorized for when none is requested, as Auth0 does', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, audience: DEV_AUDIENCE, preset: 'auth0' });
    for (const id of ['initech-bronze', 'globex-silver']) {
      const client = machine(id);
      const response = await fetch(endpoints.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      expect(response.status).toBe(200);
      const { access_token: token, scope } = (await response.json()) as { access_token: string; scope?: string };
      expect(scope?.split(' ').sort()).toEqual([...client.scopes].sort());
      expect([...(await verifier.verify(token)).scopes].sort()).toEqual([...client.scopes].sort());
    }
  });

  it('grants only the scopes requested when some are', async () => {
    const acme = machine('acme-gold');
    const response = await fetch(endpoints.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read', client_id: acme.id, client_secret: acme.secret }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const principal = await createVerifier({ issuer: issuer.issuer, audience: DEV_AUDIENCE, preset: 'auth0' }).verify(token);
    expect(principal.scopes).toEqual(['orders:read']);
  });

  it('refuses a wrong secret and a scope the client is not authorized for', async () => {
    expect(await tokenRequest(endpoints, { grant_type: 'client_credentials' }, 'acme-gold:not-the-secret')).toEqual({ status: 401, error: 'invalid_client' });
    const bronze = machine('initech-bronze');
    expect(await tokenRequest(endpoints, { grant_type: 'client_credentials', scope: 'stock:read' }, `${bronze.id}:${bronze.secret}`)).toEqual({
      status: 400,
      error: 'invalid_scope',
    });
  });

  it('issues user tokens through authorization code with PKCE and the dev login', async () => {
    const frontend = clients.find((client) => client.kind === 'frontend') as DevFrontendClient;
    const token = await fetchUserToken(endpoints, frontend, 'bob');
    const principal = await createVerifier({ issuer: issuer.issuer, audience: DEV_AUDIENCE, preset: 'rfc9068' }).verify(token);
    expect(principal.kind).toBe('user');
    expect(principal.user).toEqual({ id: 'bob' });
    expect(principal.client).toEqual({ id: 'storefront-web', name: 'Storefront', metadata: { firstParty: 'true' } });
  });

  // Issue 10, finding 7: the user name becomes `sub`; a client's id (sub = client_id) or a name
  // ending in @clients would read as a machine token under the rfc9068 and auth0 presets.
  it.each(['storefront-web', 'acme-gold', 'ACME-Gold', ' ops-internal ', 'storefront-web@clients', 'mallory@clients', 'mallory@Clients'])(
    'refuses the user name %j at the dev login (access_denied), so no user token passes as a machine',
    async (userName) => {
      const frontend = clients.find((client) => client.kind === 'frontend') as DevFrontendClient;
      await expect(fetchUserToken(endpoints, frontend, userName)).rejects.toThrow(
        'authorization failed: access_denied this user name is reserved: user names may not be client ids or end in @clients',
      );
    },
  );

  it('still issues user tokens to names that merely contain a client id or "clients"', async () => {
    const frontend = clients.find((client) => client.kind === 'frontend') as DevFrontendClient;
    for (const userName of ['storefront-web-fan', 'clients@example.com']) {
      const principal = await createVerifier({ issuer: issuer.issuer, audience: DEV_AUDIENCE, preset: 'rfc9068' }).verify(await fetchUserToken(endpoints, frontend, userName));
      expect(principal).toMatchObject({ kind: 'user', user: { id: userName } });
    }
  });

  it('refuses an authorization request without PKCE', async () => {
    const frontend = clients.find((client) => client.kind === 'frontend') as DevFrontendClient;
    const url = new URL(endpoints.authorizationEndpoint);
    url.search = new URLSearchParams({ client_id: frontend.id, response_type: 'code', redirect_uri: frontend.redirectUri, scope: 'openid' }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? 'http://none/');
    expect(location.href.startsWith(frontend.redirectUri)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
  });
});
