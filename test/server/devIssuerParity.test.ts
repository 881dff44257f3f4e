/**
 * The embedded dev issuer runs on oidc-provider 8 but is configured with oidc-provider 9's
 * behaviour where the two differ: DPoP enabled, the session cookie `SameSite=Lax`, token-endpoint
 * CORS for a public client from its redirect URIs' origins only, and GET only at `/auth` and
 * `/session/end`. Each of these is checked over real HTTP on loopback.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_CLAIM } from '../../src/index.js';
import { DEV_AUDIENCE } from '../../src/server/config.js';
import { loadDevClients } from '../../src/server/devClients.js';
import type { DevFrontendClient, DevMachineClient } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import { authorizeWithPkce } from '../../src/server/devTokens.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';

const clients = loadDevClients();
const storefront = clients.find((client) => client.id === 'storefront-web') as DevFrontendClient;
const acme = clients.find((client) => client.id === 'acme-gold') as DevMachineClient;
const globex = clients.find((client) => client.id === 'globex-silver') as DevMachineClient;
const STOREFRONT_ORIGIN = 'http://127.0.0.1:5173';
const EVIL_ORIGIN = 'http://evil.example';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Valid authorization request parameters for the storefront (code + PKCE S256). */
function authorizationParams(challenge: string, state: string): URLSearchParams {
  return new URLSearchParams({
    client_id: storefront.id,
    response_type: 'code',
    redirect_uri: storefront.redirectUri,
    scope: ['openid', ...storefront.scopes].join(' '),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  });
}

/** One Set-Cookie header, parsed: name and lower-cased attributes (`samesite`, `httponly`, ...). */
interface SetCookie {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly raw: string;
}

function parseSetCookie(raw: string): SetCookie {
  const [pair = '', ...rest] = raw.split(';');
  const name = pair.slice(0, pair.indexOf('=')).trim();
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    attributes.set(key, eq < 0 ? '' : part.slice(eq + 1).trim().toLowerCase());
  }
  return { name, attributes, raw };
}

/** A code exchange of the public storefront client with a made-up code: only the origin check differs between callers. */
function madeUpCodeExchange(): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: 'not-a-code',
    client_id: storefront.id,
    redirect_uri: storefront.redirectUri,
    code_verifier: pkcePair().verifier,
  });
}

/** A DPoP proof (RFC 9449) signed with a fresh P-256 key, and that key's RFC 7638 thumbprint. */
function dpopProof(htm: string, htu: string): { proof: string; jkt: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const publicJwk = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  const jkt = createHash('sha256').update(JSON.stringify(publicJwk)).digest('base64url');
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })}.${encode({
    jti: randomBytes(16).toString('base64url'),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
  })}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { proof: `${input}.${signature}`, jkt };
}

const basic = (client: DevMachineClient) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;

describe('embedded dev issuer: oidc-provider 9 behaviour on oidc-provider 8', () => {
  let issuer: DevIssuer;
  let discovery: Record<string, unknown>;
  let authorizationEndpoint: string;

  beforeAll(async () => {
    issuer = await startDevIssuer({ host: '127.0.0.1', port: 0, audience: DEV_AUDIENCE, clientClaim: DEFAULT_CLIENT_CLAIM, clients });
    const response = await fetch(`${issuer.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    expect(response.status).toBe(200);
    discovery = (await response.json()) as Record<string, unknown>;
    authorizationEndpoint = `${issuer.issuer}/auth`;
    expect(discovery['authorization_endpoint']).toBe(authorizationEndpoint);
    expect(discovery['end_session_endpoint']).toBe(`${issuer.issuer}/session/end`);
    expect(discovery['token_endpoint']).toBe(issuer.tokenEndpoint);
  }, 15_000);
  afterAll(async () => {
    await issuer.close();
  }, 10_000);

  describe('token endpoint CORS (clientBasedCORS)', () => {
    it('answers the preflight from the storefront redirect origin for that origin and POST', async () => {
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'OPTIONS',
        headers: { origin: STOREFRONT_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT_ORIGIN);
      expect(response.headers.get('access-control-allow-methods')).toBe('POST');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('allows a token request of the public storefront client from its redirect origin', async () => {
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, origin: STOREFRONT_ORIGIN },
        body: madeUpCodeExchange(),
        signal: AbortSignal.timeout(5000),
      });
      // The origin passes; the grant itself is refused (the code is made up), readable by the page.
      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT_ORIGIN);
      expect(((await response.json()) as { error?: unknown }).error).toBe('invalid_grant');
    });

    it('refuses a token request of the storefront client from another origin, with no Access-Control-Allow-Origin', async () => {
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, origin: EVIL_ORIGIN },
        body: madeUpCodeExchange(),
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('vary')).toMatch(/\bOrigin\b/);
      const document = (await response.json()) as { error?: unknown; error_description?: unknown };
      expect(document.error).toBe('invalid_request');
      expect(document.error_description).toBe(`origin ${EVIL_ORIGIN} not allowed for client: ${storefront.id}`);
    });

    it('gives no CORS to a confidential client, even from the storefront origin, and issues it no token', async () => {
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, origin: STOREFRONT_ORIGIN },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: globex.id, client_secret: globex.secret }),
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const document = (await response.json()) as { error?: unknown; access_token?: unknown };
      expect(document.error).toBe('invalid_request');
      expect(document.access_token).toBeUndefined();
    });
  });

  describe('GET only at the authorization and end-session endpoints', () => {
    const validBody = () => authorizationParams(pkcePair().challenge, 'state-1');

    it.each(['/auth', '/AUTH/', '/Auth', '/auth?client_id=storefront-web'])('answers POST %s with 404', async (path) => {
      const response = await fetch(`${issuer.issuer}${path}`, {
        method: 'POST',
        headers: FORM,
        body: validBody(),
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await response.text()).toBe('Not Found');
    });

    it.each(['/session/end', '/SESSION/END/', '/Session/End'])('answers POST %s with 404', async (path) => {
      const response = await fetch(`${issuer.issuer}${path}`, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ client_id: storefront.id }),
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(404);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await response.text()).toBe('Not Found');
    });

    it('serves GET /auth with valid parameters: a redirect to the dev login', async () => {
      const response = await fetch(`${authorizationEndpoint}?${validBody().toString()}`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
    });

    it('serves GET /AUTH/ (case-insensitive, trailing slash) the same way', async () => {
      const response = await fetch(`${issuer.issuer}/AUTH/?${validBody().toString()}`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
    });

    it('serves GET /session/end: the logout confirmation page', async () => {
      const response = await fetch(`${issuer.issuer}/session/end`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      const page = await response.text();
      expect(response.status).toBe(200);
      expect(page).toMatch(/<form[^>]*action="[^"]*\/session\/end\/confirm"/);
    });
  });

  describe('session cookies', () => {
    it('sets the session and interaction cookies SameSite=Lax (never None) during the user login, and the code exchange works from the storefront origin', async () => {
      const setCookies: SetCookie[] = [];
      const { code, verifier } = await authorizeWithPkce(
        { authorizationEndpoint, tokenEndpoint: issuer.tokenEndpoint },
        storefront,
        'carol',
        (header) => setCookies.push(parseSetCookie(header)),
      );

      const names = new Set(setCookies.map((cookie) => cookie.name));
      expect(names).toContain('_session');
      expect(names).toContain('_interaction');
      expect(names).toContain('_interaction_resume');
      for (const cookie of setCookies) {
        expect({ name: cookie.name, samesite: cookie.attributes.get('samesite') }).toEqual({ name: cookie.name, samesite: 'lax' });
        expect(cookie.raw.toLowerCase()).not.toContain('samesite=none');
        expect(cookie.attributes.has('httponly')).toBe(true);
      }
      const session = setCookies.filter((cookie) => cookie.name === '_session' && !cookie.raw.includes('expires=Thu, 01 Jan 1970'));
      expect(session.length).toBeGreaterThan(0);

      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, origin: STOREFRONT_ORIGIN },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: storefront.redirectUri, client_id: storefront.id, code_verifier: verifier }),
        signal: AbortSignal.timeout(5000),
      });
      const document = (await response.json()) as { access_token?: unknown; token_type?: unknown };
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(STOREFRONT_ORIGIN);
      expect(document.token_type).toBe('Bearer');
      expect(typeof document.access_token).toBe('string');
    }, 20_000);
  });

  describe('DPoP', () => {
    it('lists DPoP signing algorithms in discovery', () => {
      const algorithms = discovery['dpop_signing_alg_values_supported'];
      expect(Array.isArray(algorithms)).toBe(true);
      expect(algorithms).toContain('ES256');
    });

    it('binds a client-credentials token to the DPoP proof key (cnf.jkt, token_type DPoP)', async () => {
      const { proof, jkt } = dpopProof('POST', issuer.tokenEndpoint);
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, authorization: basic(acme), dpop: proof },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'catalog:read' }),
        signal: AbortSignal.timeout(5000),
      });
      const document = (await response.json()) as { access_token?: unknown; token_type?: unknown };
      expect(response.status).toBe(200);
      expect(document.token_type).toBe('DPoP');
      const token = typeof document.access_token === 'string' ? document.access_token : '';
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { cnf?: { jkt?: unknown }; client_id?: unknown };
      expect(payload.client_id).toBe(acme.id);
      expect(payload.cnf).toEqual({ jkt });
    });

    it('refuses a token request whose DPoP proof is not validly signed', async () => {
      const { proof } = dpopProof('POST', issuer.tokenEndpoint);
      const [header, payload, signature = ''] = proof.split('.');
      const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      const response = await fetch(issuer.tokenEndpoint, {
        method: 'POST',
        headers: { ...FORM, authorization: basic(acme), dpop: `${header ?? ''}.${payload ?? ''}.${flipped}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'catalog:read' }),
        signal: AbortSignal.timeout(5000),
      });
      const document = (await response.json()) as { error?: unknown; access_token?: unknown };
      expect(response.status).toBe(400);
      expect(document.error).toBe('invalid_dpop_proof');
      expect(document.access_token).toBeUndefined();
    });
  });
});
