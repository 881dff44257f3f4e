/**
 * DEV ONLY: an OAuth 2.0 authorization server on loopback, built on oidc-provider, so that
 * `npm start` works without an Auth0 tenant.
 *
 * - client-credentials for the partner applications of dev/clients.json, the secret presented by
 *   HTTP Basic or in the body (client_secret_basic, client_secret_post: either, as with Auth0);
 *   without `scope`, every scope the client is authorized for (as Auth0), else the scopes asked for;
 * - authorization code with PKCE for the first-party frontend, with oidc-provider's development
 *   login (any password, any user name but a client id or a name ending in `@clients`);
 * - RS256 JWT access tokens for the API's audience (RFC 9068 profile: `typ: at+jwt`, `client_id`,
 *   `jti`), carrying the same client claim as the Auth0 Actions in auth0/ (`{ id, name, metadata }`),
 *   plus `azp` and, for client-credentials, `gty` as Auth0 writes them, so the `auth0` preset
 *   reads these tokens too.
 *
 * It refuses to bind anything but loopback and is never started when AUTH_ISSUER is set.
 *
 * Built on oidc-provider 8 (9.x requires Node 22 and warns at load on Node 20, which we support).
 * Where 8's defaults differ from 9's, the configuration sets 9's: DPoP enabled, the session cookie
 * `SameSite=Lax`, CORS at the token endpoint for a public client from its redirect URIs' origins,
 * and no HTTP POST to the authorization and end-session endpoints.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { DevClient } from './devClients.js';
import { listen } from './listen.js';

/** Scopes the reference API understands; the union of every demo client's scopes. */
export const API_SCOPES = ['catalog:read', 'orders:read', 'orders:write', 'reports:read', 'stock:read'] as const;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Options of {@link startDevIssuer}. */
export interface DevIssuerOptions {
  /** Loopback host to bind (127.0.0.1, ::1 or localhost). */
  readonly host: string;
  /** Port to bind; 0 for an ephemeral port. */
  readonly port: number;
  /** The API's audience (resource indicator) that access tokens are issued for. */
  readonly audience: string;
  /** Name of the client claim written into access tokens. */
  readonly clientClaim: string;
  readonly clients: readonly DevClient[];
  /** Access token lifetime in seconds (default 3600). */
  readonly accessTokenTtl?: number;
}

/** A running dev issuer. */
export interface DevIssuer {
  /** The issuer identifier, e.g. `http://127.0.0.1:4001`. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the embedded dev issuer.
 *
 * @throws TypeError when `host` is not a loopback address.
 */
export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  if (!LOOPBACK.has(options.host)) {
    throw new TypeError(`"host" must be a loopback address: the dev issuer never binds ${options.host}`);
  }
  const byId = new Map(options.clients.map((client) => [client.id, client]));
  const ttl = options.accessTokenTtl ?? 3600;

  // Bind first so the issuer URL carries the real port (port 0 in tests).
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port, hostInUrl } = await listen(server, options.port, options.host);
  const issuer = `http://${hostInUrl}:${port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const configuration: Configuration = {
    clients: options.clients.map(toClientMetadata),
    jwks: { keys: [{ ...signingKey, kid: `dev-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')], long: { sameSite: 'lax' } },
    findAccount: (_ctx, sub) => {
      refuseMachineLikeUserName(sub, byId);
      return { accountId: sub, claims: () => ({ sub }) };
    },
    scopes: ['openid', ...API_SCOPES],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    ttl: { AccessToken: ttl, ClientCredentials: ttl, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: (ctx, origin, client) => {
      if (origin === 'null') return false;
      if (ctx.oidc.route !== 'userinfo' && client.tokenEndpointAuthMethod !== 'none') return false;
      return (client.redirectUris ?? []).some((uri) => originOf(uri) === origin);
    },
    features: {
      devInteractions: { enabled: true },
      dPoP: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator, client) => {
          if (resourceIndicator !== options.audience) throw new errors.InvalidTarget();
          grantAuthorizedScopesByDefault(ctx, byId.get(client.clientId));
          return {
            scope: API_SCOPES.join(' '),
            audience: options.audience,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token) => {
      const client = byId.get(token.clientId ?? '');
      if (client === undefined) return undefined;
      return {
        azp: client.id,
        ...(token.kind === 'ClientCredentials' ? { gty: 'client-credentials' } : {}),
        [options.clientClaim]: { id: client.id, name: client.name, metadata: { ...client.metadata } },
      };
    },
  };

  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();
  server.on('request', (request, response) => {
    // oidc-provider 9 serves these two endpoints by GET only; 8 also accepts POST.
    if (request.method === 'POST' && GET_ONLY.has(routeOf(request.url))) {
      request.resume();
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '9' }).end('Not Found');
      return;
    }
    void handle(request, response);
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}

/**
 * As Auth0 does: a client-credentials request without `scope` is granted every scope the client is
 * authorized for (oidc-provider grants none). oidc-provider asks for the resource server's info just
 * before it reads the requested scopes, with the parameters already parsed, so this is where the
 * default can be put in; a request that names scopes gets those (and a scope outside the client's
 * list is still refused with invalid_scope).
 */
function grantAuthorizedScopesByDefault(ctx: KoaContextWithOIDC, client: DevClient | undefined): void {
  const params = ctx.oidc.params;
  if (client?.kind !== 'machine' || params === undefined || params['grant_type'] !== 'client_credentials') return;
  if (typeof params['scope'] === 'string' && params['scope'].length > 0) return;
  params['scope'] = client.scopes.join(' ');
}

/**
 * The development login takes any user name, and the user name becomes the token's `sub`. A user
 * named like a client (`storefront-web`, `acme-gold@clients`, in any case) would get a token whose
 * `sub` equals its `client_id`, or ends in `@clients`: the markers by which the rfc9068, okta and
 * cognito presets (sub = client id) and Auth0-style tokens (`<client>@clients`) recognize a
 * machine. Such names are refused (`access_denied`) wherever the account is loaded, at login and
 * at the token endpoint alike.
 */
function refuseMachineLikeUserName(name: string, clients: ReadonlyMap<string, DevClient>): void {
  const folded = name.trim().toLowerCase();
  const clientLike = [...clients.keys()].some((id) => id.toLowerCase() === folded);
  if (clientLike || folded.endsWith('@clients')) {
    throw new errors.AccessDenied('this user name is reserved: user names may not be client ids or end in @clients');
  }
}

/** Endpoints that oidc-provider 9 serves by GET only (its `enableHttpPostMethods` default). */
const GET_ONLY = new Set(['/auth', '/session/end']);

/** The path as oidc-provider's router matches it: case-insensitive, trailing slash optional. */
function routeOf(url: string | undefined): string {
  let path: string;
  try {
    path = new URL(url ?? '/', 'http://issuer.invalid').pathname;
  } catch {
    return '';
  }
  return path.toLowerCase().replace(/\/+$/, '');
}

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

function toClientMetadata(client: DevClient): ClientMetadata {
  if (client.kind === 'machine') {
    return {
      client_id: client.id,
      client_secret: client.secret,
      client_name: client.name,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      scope: client.scopes.join(' '),
    };
  }
  return {
    client_id: client.id,
    client_name: client.name,
    application_type: 'native',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [client.redirectUri],
    token_endpoint_auth_method: 'none',
    scope: ['openid', ...client.scopes].join(' '),
  };
}
