/**
 * The explorer: GraphiQL at the GraphQL path for a browser (`GET` with `Accept: text/html`), served
 * with its React runtime from the server's own npm packages (no CDN, works offline) under a
 * Content-Security-Policy that allows only the server's own scripts, styles and requests.
 *
 * With the embedded dev issuer it shows a picker of the demo clients and the user login, and fetches
 * their tokens through `POST /explorer/token` (loopback callers only, loopback `Host` only, JSON
 * only, same origin only); the page and its assets then answer only a loopback `Host` too, so a page
 * reached through DNS rebinding can neither load the explorer nor fetch a token. With a real issuer
 * it shows a field for a bearer token. `GRAPHQL_EXPLORER=false` turns it off (the default when
 * NODE_ENV=production).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DevClient, DevFrontendClient, DevMachineClient } from './devClients.js';
import { AuthorizationRefusedError, discover, fetchClientToken, fetchUserToken } from './devTokens.js';
import type { IssuerEndpoints } from './devTokens.js';
import { readBody } from './readBody.js';

/** What the explorer may do with the embedded dev issuer (absent with a real issuer). */
export interface ExplorerDevIssuer {
  readonly issuer: string;
  readonly clients: readonly DevClient[];
}

/** The explorer's routes. */
export interface Explorer {
  /** Whether a request to the GraphQL path is a browser asking for a page (not a GraphQL GET). */
  wantsPage(req: IncomingMessage, url: URL): boolean;
  /** Answers the page (403 `loopback_host_only` with the dev issuer when `Host` is not a loopback name or address). */
  page(req: IncomingMessage, res: ServerResponse): void;
  /** Answers a request under `/explorer/` (assets, the dev token route); false when the path is not the explorer's. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, address: string | null): Promise<boolean>;
}

/** The page's policy: nothing but the server's own scripts, styles, fonts and API. */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL's editors (CodeMirror) and React set style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const require = createRequire(import.meta.url);
const packageFile = (name: string, file: string): string => join(dirname(require.resolve(`${name}/package.json`)), file);
const OWN = dirname(fileURLToPath(import.meta.url));

/** The assets, by name under `/explorer/`: read once, when the explorer is created. */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  'react.production.min.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.production.min.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.js': { file: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.css': { file: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'explorer.js': { file: join(OWN, 'explorer', 'explorer.js'), type: 'text/javascript; charset=utf-8' },
  'explorer.css': { file: join(OWN, 'explorer', 'explorer.css'), type: 'text/css; charset=utf-8' },
};

/** The most bytes a token request may send (`{"client":"…"}` or `{"user":"…"}`). */
const MAX_TOKEN_REQUEST_BYTES = 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * A `Host` header naming loopback: `localhost`, `127.x.x.x` or `[::1]`, with or without a port (a
 * loopback `HOST` setting is one of these), or the wildcard `0.0.0.0` / `[::]` the startup text
 * prints with `HOST=0.0.0.0` (a browser reaches it on this machine). After DNS rebinding the browser
 * connects to loopback but still names the attacker's domain in `Host` (and `Origin`), so this is
 * what tells it apart: no domain name the attacker controls can be one of these.
 */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])(?::\d{1,5})?$/i;

/** Whether the request's `Host` names loopback (see {@link LOOPBACK_HOST}). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/** What the dev token route gets for a request: a token, or why not. */
type TokenResult = { readonly token: string } | { readonly refused: 'unknown_client' | 'access_denied' };

/** Options of {@link createExplorer}. */
export interface ExplorerOptions {
  /** The GraphQL path the page sends its operations to. */
  readonly path: string;
  /** The embedded dev issuer, or null with a real one (the page then asks for a bearer token). */
  readonly devIssuer: ExplorerDevIssuer | null;
}

/** Creates the explorer, reading its assets from the installed packages. */
export function createExplorer(options: ExplorerOptions): Explorer {
  const assets = new Map(Object.entries(ASSETS).map(([name, { file, type }]) => [name, { body: readFileSync(file), type }]));
  const dev = options.devIssuer;
  const machines = (dev?.clients ?? []).filter((client): client is DevMachineClient => client.kind === 'machine');
  const frontend = (dev?.clients ?? []).find((client): client is DevFrontendClient => client.kind === 'frontend');
  const pageConfig = {
    url: options.path,
    mode: dev === null ? 'token' : 'dev',
    clients: machines.map((client) => ({ id: client.id, name: client.name, tier: client.metadata['tier'] ?? null })),
    userLogin: frontend === undefined ? null : { clientId: frontend.id, name: frontend.name },
  };
  const html = pageHtml(pageConfig);
  let endpoints: Promise<IssuerEndpoints> | undefined;

  const unknownClient: TokenResult = { refused: 'unknown_client' };
  const tokenFor = async (request: unknown): Promise<TokenResult> => {
    if (dev === null || typeof request !== 'object' || request === null) return unknownClient;
    const { client, user } = request as { client?: unknown; user?: unknown };
    endpoints ??= discover(dev.issuer).catch((error: unknown) => {
      endpoints = undefined;
      throw error;
    });
    if (typeof client === 'string') {
      const found = machines.find((candidate) => candidate.id === client);
      return found === undefined ? unknownClient : { token: await fetchClientToken(await endpoints, found) };
    }
    if (typeof user !== 'string' || !USER_NAME.test(user) || frontend === undefined) return unknownClient;
    try {
      return { token: await fetchUserToken(await endpoints, frontend, user) };
    } catch (error) {
      // The dev issuer refuses a user name that is a client id or ends in @clients (a user may not pose as a machine).
      if (error instanceof AuthorizationRefusedError && error.code === 'access_denied') return { refused: 'access_denied' };
      throw error;
    }
  };
  // With the dev issuer, a page served to a rebound Host could fetch tokens; with a real one it holds none.
  const refusedHost = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (dev === null || isLoopbackHost(req.headers.host)) return false;
    json(res, 403, { error: 'loopback_host_only' });
    return true;
  };

  return {
    wantsPage(req, url) {
      if (req.method !== 'GET' || url.searchParams.has('query')) return false;
      return /\btext\/html\b/i.test(req.headers.accept ?? '');
    },
    page(req, res) {
      if (refusedHost(req, res)) return;
      securityHeaders(res);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(html);
    },
    async handle(req, res, url, address) {
      if (!url.pathname.startsWith('/explorer/')) return false;
      const name = url.pathname.slice('/explorer/'.length);
      if (name === 'token') {
        await answerToken(req, res, address, tokenFor);
        return true;
      }
      if (refusedHost(req, res)) return true;
      const asset = assets.get(name);
      if (asset === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
        plain(res, 404, 'Not found');
        return true;
      }
      securityHeaders(res);
      res.setHeader('content-type', asset.type);
      res.setHeader('cache-control', 'public, max-age=3600');
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return true;
    },
  };
}

/**
 * `POST /explorer/token`, DEV ONLY: a demo client's token (client credentials) or a user's (the dev
 * login), fetched by the server from the embedded issuer. Refused unless the caller is on loopback
 * (403 `loopback_only`), its `Host` names loopback (403 `loopback_host_only`: a DNS-rebound page
 * names the attacker's domain), it sends JSON (415 `json_only`: a cross-site page cannot without a
 * preflight, which is never answered) and, when its browser names an origin, comes from this
 * server's own (403 `same_origin_only`). A client that is not a demo client answers 404
 * `unknown_client`; a user name the dev issuer reserves (a client id, `…@clients`) 403 `access_denied`.
 */
async function answerToken(req: IncomingMessage, res: ServerResponse, address: string | null, tokenFor: (request: unknown) => Promise<TokenResult>): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return json(res, 405, { error: 'method_not_allowed' });
  }
  if (address === null || !LOOPBACK.has(address)) return json(res, 403, { error: 'loopback_only' });
  if (!isLoopbackHost(req.headers.host)) return json(res, 403, { error: 'loopback_host_only' });
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return json(res, 415, { error: 'json_only' });
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return json(res, 403, { error: 'same_origin_only' });
  const raw = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
  let request: unknown;
  try {
    request = JSON.parse(raw.toString('utf8'));
  } catch {
    return json(res, 400, { error: 'invalid_json' });
  }
  const result = await tokenFor(request);
  if ('refused' in result) return json(res, result.refused === 'access_denied' ? 403 : 404, { error: result.refused });
  json(res, 200, { access_token: result.token, token_type: 'Bearer' });
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', EXPLORER_CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(`${text}\n`);
}

/** The page: a toolbar, GraphiQL's root, and the configuration as a JSON data block (never executed). */
function pageHtml(config: unknown): string {
  // `<` escaped so that no value can close the data block.
  const data = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>allow-clients explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/explorer/graphiql.min.css">
<link rel="stylesheet" href="/explorer/explorer.css">
</head>
<body>
<header id="explorer-bar"></header>
<main id="graphiql">Loading the explorer…</main>
<script type="application/json" id="explorer-config">${data}</script>
<script src="/explorer/react.production.min.js"></script>
<script src="/explorer/react-dom.production.min.js"></script>
<script src="/explorer/graphiql.min.js"></script>
<script src="/explorer/explorer.js"></script>
</body>
</html>
`;
}
