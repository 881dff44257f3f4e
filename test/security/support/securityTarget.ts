/**
 * The real reference server on loopback, configured from an environment as `npm start` would be,
 * trusting a real test issuer (JWKS over loopback), with a real signed token for each demo client
 * of dev/clients.json. Shared by the attack tests, the fuzzers and the soak.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_CLIENT_CLAIM } from '../../../src/index.js';
import { readConfig } from '../../../src/server/config.js';
import { createReferenceServer } from '../../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../../src/server/createReferenceServer.js';
import { createLogger } from '../../../src/server/logger.js';
import type { ReferenceSchema } from '../../../src/server/schema.js';
import { startTestIssuer } from '../../helpers/testIssuer.js';
import type { TestIssuer } from '../../helpers/testIssuer.js';
import type { OracleCaller } from './sdlOracle.js';

/** A demo client of dev/clients.json. */
export interface DemoClient {
  readonly id: string;
  readonly name: string;
  readonly kind: 'machine' | 'frontend';
  readonly metadata: Readonly<Record<string, string>>;
  readonly scopes: readonly string[];
}

/** The demo registry, read from the committed file. */
export function readDemoClients(): readonly DemoClient[] {
  const file = JSON.parse(readFileSync(new URL('../../../dev/clients.json', import.meta.url), 'utf8')) as { clients: DemoClient[] };
  return file.clients;
}

/** A demo caller: its token, and how the oracle sees it. */
export interface DemoCaller {
  readonly client: DemoClient;
  readonly token: string;
  readonly oracle: OracleCaller;
}

/** Options of {@link startSecurityTarget}. */
export interface SecurityTargetOptions {
  /** Extra environment (NODE_ENV, AUTHZ_MODE, MAX_BODY_BYTES, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** Use this issuer instead of starting one (it is then not closed by `close`). */
  readonly issuer?: TestIssuer;
  /** Serve this schema instead of the reference API. */
  readonly schema?: ReferenceSchema;
}

/** A running server and its issuer. */
export interface SecurityTarget {
  readonly url: string;
  readonly issuer: TestIssuer;
  readonly server: ReferenceServer;
  /** One caller per demo client (frontend clients with a user token). */
  readonly callers: readonly DemoCaller[];
  caller(id: string): DemoCaller;
  /** Signs a token for a demo client (fresh `iat`), optionally overriding claims. */
  tokenFor(client: DemoClient, claims?: Readonly<Record<string, unknown>>): string;
  close(): Promise<void>;
}

/** Claims of a demo client's token, as the embedded issuer and the Auth0 Action write them (auth0 preset). */
export function claimsFor(client: DemoClient): Record<string, unknown> {
  const clientClaim = { id: client.id, name: client.name, metadata: client.metadata };
  return client.kind === 'machine'
    ? { sub: `${client.id}@clients`, azp: client.id, gty: 'client-credentials', scope: client.scopes.join(' '), [DEFAULT_CLIENT_CLAIM]: clientClaim }
    : { sub: 'auth0|shopper-1', azp: client.id, gty: undefined, scope: client.scopes.join(' '), [DEFAULT_CLIENT_CLAIM]: clientClaim };
}

/** Starts a test issuer (unless given) and the reference server trusting it. */
export async function startSecurityTarget(options: SecurityTargetOptions = {}): Promise<SecurityTarget> {
  const issuer = options.issuer ?? (await startTestIssuer());
  const env = {
    AUTH_ISSUER: issuer.url,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URI: issuer.jwksUri,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = readConfig(env);
  const server = await createReferenceServer(
    { ...config, auth: { ...config.auth, issuer: issuer.url } },
    { logger: createLogger(config.logLevel), ...(options.schema === undefined ? {} : { schema: options.schema }) },
  );
  const tokenFor = (client: DemoClient, claims: Readonly<Record<string, unknown>> = {}): string =>
    issuer.sign({ ...claimsFor(client), ...claims });
  const callers = readDemoClients().map((client): DemoCaller => ({
    client,
    token: tokenFor(client),
    oracle: {
      kind: client.kind === 'machine' ? 'machine' : 'user',
      clientId: client.id,
      name: client.name,
      metadata: client.metadata,
      scopes: client.scopes,
    },
  }));
  return {
    url: server.url,
    issuer,
    server,
    callers,
    caller: (id) => {
      const found = callers.find((candidate) => candidate.client.id === id);
      if (found === undefined) throw new Error(`no demo client ${id}`);
      return found;
    },
    tokenFor,
    close: async () => {
      await server.close();
      if (options.issuer === undefined) await issuer.close();
    },
  };
}

/** A response as the tests read it. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** POSTs (or sends any request) with a bounded time. */
export async function request(url: string, init: RequestInit & { readonly timeoutMs?: number } = {}): Promise<HttpResult> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs a GraphQL operation as JSON with a bearer token. */
export function postGraphQL(url: string, token: string | null, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Things a response must never contain: stacks, file paths, library error names. */
export const INTERNALS = /(\bat \S+ \(|\.ts:\d+|\.js:\d+|\/work\/|node_modules|file:\/\/|JsonWebTokenError|TokenExpiredError|SigningKeyNotFound|JwksError|TypeError|ReferenceError|SyntaxError: Unexpected|stacktrace)/;
