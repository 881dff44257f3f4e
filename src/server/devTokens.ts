/**
 * DEV ONLY: getting tokens from the embedded dev issuer over HTTP, as a partner's code or a
 * frontend would. Used by `npm run token` and by the end-to-end tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DevFrontendClient, DevMachineClient } from './devClients.js';

/**
 * The issuer refused the authorization (an OAuth `error` in the redirect, such as `access_denied`
 * for a user name the dev issuer reserves): the caller's request, not a failure of the server.
 */
export class AuthorizationRefusedError extends Error {
  /** The OAuth error code from the redirect (`access_denied`, …). */
  readonly code: string;
  constructor(code: string, description: string) {
    super(`authorization failed: ${code} ${description}`.trim());
    this.name = 'AuthorizationRefusedError';
    this.code = code;
  }
}

/** The endpoints of an issuer, from its discovery document. */
export interface IssuerEndpoints {
  readonly tokenEndpoint: string;
  readonly authorizationEndpoint: string;
}

/** Reads `/.well-known/openid-configuration` of `issuer`. */
export async function discover(issuer: string): Promise<IssuerEndpoints> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`discovery at ${url} answered ${response.status}`);
  const document: unknown = await response.json();
  const tokenEndpoint = field(document, 'token_endpoint');
  const authorizationEndpoint = field(document, 'authorization_endpoint');
  return { tokenEndpoint, authorizationEndpoint };
}

/**
 * Client-credentials grant, authenticating as the client is registered (basic or post), asking for
 * every scope the client is authorized for (as Auth0 does when no scope is requested).
 */
export async function fetchClientToken(endpoints: IssuerEndpoints, client: DevMachineClient): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: client.scopes.join(' ') });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.tokenEndpointAuthMethod === 'client_secret_basic') {
    // RFC 6749 section 2.3.1: form-encode id and secret before Basic.
    const credentials = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else {
    body.set('client_id', client.id);
    body.set('client_secret', client.secret);
  }
  const response = await fetch(endpoints.tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
  return accessTokenOf(response);
}

/**
 * Authorization code with PKCE through the dev issuer's development login (any user name is
 * accepted, except names it reserves for clients), performed over HTTP: authorize, sign in,
 * consent, exchange the code.
 *
 * @throws AuthorizationRefusedError when the issuer refuses the user (`access_denied` for a reserved name)
 */
export async function fetchUserToken(endpoints: IssuerEndpoints, client: DevFrontendClient, userName: string): Promise<string> {
  const { code, verifier } = await authorizeWithPkce(endpoints, client, userName);
  return exchangeCode(endpoints, client, code, verifier);
}

/** What {@link authorizeWithPkce} obtains: the authorization code and the PKCE verifier that redeems it. */
export interface AuthorizationCode {
  readonly code: string;
  readonly verifier: string;
}

/**
 * The browser part of the flow: authorize, sign in through the dev login, consent, and read the code
 * from the redirect. `onSetCookie` sees every Set-Cookie header the issuer sends on the way (tests).
 */
export async function authorizeWithPkce(
  endpoints: IssuerEndpoints,
  client: DevFrontendClient,
  userName: string,
  onSetCookie: (header: string) => void = () => undefined,
): Promise<AuthorizationCode> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(endpoints.authorizationEndpoint);
  authorize.search = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    redirect_uri: client.redirectUri,
    scope: ['openid', ...client.scopes].join(' '),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();

  const cookies = new Map<string, string>();
  let request: { url: string; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: authorize.href, method: 'GET' };
  for (let step = 0; step < 20; step += 1) {
    const headers: Record<string, string> = { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
    if (request.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    for (const cookie of response.headers.getSetCookie()) {
      onSetCookie(cookie);
      const pair = cookie.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.arrayBuffer();
      const next = new URL(location, request.url);
      if (next.href.startsWith(client.redirectUri)) {
        const error = next.searchParams.get('error');
        if (error !== null) throw new AuthorizationRefusedError(error, next.searchParams.get('error_description') ?? '');
        if (next.searchParams.get('state') !== state) throw new Error('authorization failed: state mismatch');
        const code = next.searchParams.get('code');
        if (code === null) throw new Error('authorization failed: no code in the redirect');
        return { code, verifier };
      }
      request = { url: next.href, method: 'GET' };
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`the dev login answered ${response.status}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
    if (action === undefined || prompt === undefined) throw new Error('the dev login page has no form');
    const form = new URLSearchParams({ prompt });
    if (prompt === 'login') {
      form.set('login', userName);
      form.set('password', 'dev-only');
    }
    request = { url: new URL(decodeHtml(action), request.url).href, method: 'POST', body: form };
  }
  throw new Error('authorization failed: too many steps');
}

async function exchangeCode(endpoints: IssuerEndpoints, client: DevFrontendClient, code: string, verifier: string): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUri,
    client_id: client.id,
    code_verifier: verifier,
  });
  const response = await fetch(endpoints.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  return accessTokenOf(response);
}

async function accessTokenOf(response: Response): Promise<string> {
  const document: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = isRecord(document) && typeof document['error'] === 'string' ? document['error'] : `HTTP ${response.status}`;
    const description = isRecord(document) && typeof document['error_description'] === 'string' ? `: ${document['error_description']}` : '';
    throw new Error(`the token endpoint refused: ${error}${description}`);
  }
  return field(document, 'access_token');
}

function field(document: unknown, name: string): string {
  const value = isRecord(document) ? document[name] : undefined;
  if (typeof value !== 'string' || value === '') throw new Error(`the issuer's answer has no ${name}`);
  return value;
}

function decodeHtml(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&#47;/g, '/').replace(/&quot;/g, '"');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
