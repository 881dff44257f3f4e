/**
 * The reference server's HTTP edge: every refusal mapped once, with the right status, challenge and
 * code, and nothing internal in any response.
 */
import { request as httpRequest } from 'node:http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowClientsPlugin } from '../../src/apollo/index.js';
import { applyAllowClients, authDirectiveTypeDefs } from '../../src/index.js';
import type { AuthContext } from '../../src/index.js';
import { readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { REALM, createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';
const CLIENT_CLAIM = 'https://allow-clients.dev/client';
const logger = createLogger('silent');

function configFor(issuer: TestIssuer, env: Record<string, string> = {}): ReferenceServerConfig {
  const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', MAX_BODY_BYTES: '4096', ...env });
  if (config.auth.issuer === null) throw new Error('unreachable');
  return { ...config, auth: { ...config.auth, issuer: config.auth.issuer } };
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  readonly json: { data?: unknown; errors?: { message: string; path?: unknown; locations?: unknown; extensions?: Record<string, unknown> }[] };
}

/** A raw request with node:http, so that repeated headers really are repeated on the wire. */
function send(url: string, options: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: string | Buffer }): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolveAnswer, rejectAnswer) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: options.method ?? 'POST', path: options.path ?? target.pathname, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Answer['json'] = {};
          try {
            json = JSON.parse(text) as Answer['json'];
          } catch {
            json = {};
          }
          resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', rejectAnswer);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
    req.end(options.body);
  });
}

function expectNoInternals(answer: Answer): void {
  expect(answer.text).not.toMatch(/stacktrace|\bat \S+ \(|node_modules|\/work\/|\.ts:\d+|AuthError|ServiceError|TypeError|JsonWebTokenError/);
}

const json = { 'content-type': 'application/json' };
const viewerQuery = JSON.stringify({ query: '{ viewer { kind client { id name metadata } scopes } }' });

describe('reference server HTTP edge', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let token: string;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    server = await createReferenceServer(configFor(issuer), { logger });
    token = issuer.sign({
      sub: 'acme-gold@clients',
      azp: 'acme-gold',
      scope: 'catalog:read',
      [CLIENT_CLAIM]: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold' } },
    });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  it('answers a valid token with the caller as the API sees it', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body: viewerQuery });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.json).toEqual({
      data: { viewer: { kind: 'MACHINE', client: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold' } }, scopes: ['catalog:read'] } },
    });
  });

  it('refuses a request without credentials: 401 with a bare Bearer challenge', async () => {
    const answer = await send(server.url, { headers: json, body: viewerQuery });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
    expect(answer.json).toEqual({ errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses an expired token: 401 invalid_token, with a fixed description', async () => {
    const expired = issuer.sign({ sub: 'acme-gold@clients', azp: 'acme-gold' }, { now: Math.floor(Date.now() / 1000) - 7200, expiresIn: 600 });
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${expired}` }, body: viewerQuery });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="The access token expired"`);
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(answer.json.data).toBeUndefined();
    expectNoInternals(answer);
  });

  it('refuses a token signed by a key the issuer never published: 401, nothing internal', async () => {
    const attacker = await issuer.addKey({ publish: false, current: false });
    const forged = issuer.sign({ sub: 'acme-gold@clients', azp: 'acme-gold' }, { key: attacker, kid: issuer.currentKey.kid });
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${forged}` }, body: viewerQuery });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(answer.text).not.toContain('acme-gold');
    expectNoInternals(answer);
  });

  it('refuses two Authorization headers: 400 invalid_request', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: [`Bearer ${token}`, `Bearer ${token}`] }, body: viewerQuery });
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="allow-clients", error="invalid_request"/);
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expect(answer.json.data).toBeUndefined();
  });

  it('refuses the header plus an access_token query parameter: 400 invalid_request', async () => {
    const answer = await send(server.url, { path: `/graphql?access_token=${token}`, headers: { ...json, authorization: `Bearer ${token}` }, body: viewerQuery });
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('treats a token only in the query string as no credentials: 401, and no data', async () => {
    const answer = await send(server.url, { path: `/graphql?access_token=${token}`, headers: json, body: viewerQuery });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}"`);
    expect(answer.json).toEqual({ errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(answer.text).not.toContain('acme-gold');
  });

  it('refuses a body over MAX_BODY_BYTES before parsing it: 413 with a JSON GraphQL error', async () => {
    const body = JSON.stringify({ query: `{ viewer { kind } } # ${'x'.repeat(5000)}` });
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body });
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ errors: [{ message: 'The request body is too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('refuses a streamed (chunked) body that grows over the cap: 413', async () => {
    const target = new URL(server.url);
    const answer = await new Promise<number>((resolveStatus, rejectStatus) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method: 'POST', path: '/graphql', headers: { ...json, authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      });
      req.on('error', rejectStatus);
      for (let i = 0; i < 10; i += 1) req.write('x'.repeat(1000));
      req.end();
    });
    expect(answer).toBe(413);
  });

  it('refuses a body that is not JSON: 400 with a clean GraphQL error', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body: '{"query": "{ viewer { kind } }"' });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses batched requests: 400', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body: `[${viewerQuery},${viewerQuery}]` });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [{ message: 'Batched requests are not allowed: send one operation per request', extensions: { code: 'BATCHING_NOT_ALLOWED' } }],
    });
    expect(answer.text).not.toContain('acme-gold');
  });

  it('serves a query by GET with a bearer token (a header no browser adds cross-origin without a preflight)', async () => {
    const answer = await send(server.url, { method: 'GET', path: '/graphql?query=%7Bviewer%7Bkind%7D%7D', headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { viewer: { kind: 'MACHINE' } } });
  });

  it('answers /healthz without credentials', async () => {
    const answer = await send(server.url, { method: 'GET', path: '/healthz' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'ok' });
  });

  it('answers 404 off /graphql', async () => {
    const answer = await send(server.url, { method: 'GET', path: '/admin' });
    expect(answer.status).toBe(404);
  });
});

describe('reference server with AUTH_PRESET=cognito (no aud; client ids instead)', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_PRESET: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'c0gn1t0', PORT: '0', LOG_LEVEL: 'silent' });
    if (config.auth.issuer === null) throw new Error('unreachable');
    server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: config.auth.issuer } }, { logger });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  const cognitoToken = (clientId: string): string =>
    issuer.sign({ aud: undefined, sub: clientId, client_id: clientId, token_use: 'access', scope: 'catalog/read' });

  it('serves a machine token of an allowed client id', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${cognitoToken('c0gn1t0')}` }, body: viewerQuery });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { viewer: { kind: 'MACHINE', client: { id: 'c0gn1t0', name: null, metadata: null }, scopes: ['catalog/read'] } } });
  });

  it('refuses a client id that is not listed: 401 invalid_token, nothing internal', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${cognitoToken('someone-else')}` }, body: viewerQuery });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="The access token claims are invalid"`);
    expect(answer.json.data).toBeUndefined();
    expectNoInternals(answer);
  });
});

describe('reference server when the issuer is down', () => {
  it('answers 503 with Retry-After when no key can be had', async () => {
    const issuer = await startTestIssuer({ audience: AUDIENCE, mode: 'error' });
    const server = await createReferenceServer(configFor(issuer), { logger });
    try {
      const token = issuer.sign({ sub: 'acme-gold@clients', azp: 'acme-gold' });
      const answer = await send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body: viewerQuery });
      expect(answer.status).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
      expectNoInternals(answer);
    } finally {
      await server.close();
      await issuer.close();
    }
  });
});

describe('reference server error hygiene', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let token: string;
  let boomCalls = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const executable = makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, 'type Query { boom: String, fine: String, secret: String @allowClients(ids: ["someone-else"]) }'],
      resolvers: {
        Query: {
          boom: () => {
            boomCalls += 1;
            throw new Error('connect ECONNREFUSED 10.0.0.7:5432 at /srv/app/db.ts:12');
          },
          fine: () => 'fine',
          secret: () => 'the secret',
        },
      },
    });
    const schema = applyAllowClients(executable, { defaultPolicy: 'authenticated' });
    server = await createReferenceServer(configFor(issuer, { NODE_ENV: 'production' }), {
      logger,
      schema: { schema, plugins: [allowClientsPlugin<AuthContext>()] },
    });
    token = issuer.sign({ sub: 'acme-gold@clients', azp: 'acme-gold' });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  const ask = (query: string) =>
    send(server.url, { headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });

  it('masks an internal error: fixed message, no path, no locations, no stack', async () => {
    const answer = await ask('{ fine boom }');
    expect(boomCalls).toBe(1);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { fine: 'fine', boom: null }, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(answer.text).not.toContain('ECONNREFUSED');
    expectNoInternals(answer);
  });

  it('keeps the FORBIDDEN code and coordinate of a denial', async () => {
    const answer = await ask('{ fine secret }');
    expect(answer.json.data).toEqual({ fine: 'fine', secret: null });
    expect(answer.json.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Query.secret' });
    expect(answer.text).not.toContain('the secret');
  });

  it('gives no "Did you mean" suggestions in production', async () => {
    const answer = await ask('{ fin }');
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.text).not.toMatch(/Did you mean/i);
  });

  it('refuses introspection in production', async () => {
    const answer = await ask('{ __schema { types { name } } }');
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('"Query"');
  });
});

describe('reference server with AUTH_ALLOW_ANONYMOUS=true', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    server = await createReferenceServer(configFor(issuer, { AUTH_ALLOW_ANONYMOUS: 'true' }), { logger });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  it('serves @public fields to a caller without a token', async () => {
    const answer = await send(server.url, { headers: json, body: JSON.stringify({ query: '{ apiInfo }' }) });
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({ apiInfo: expect.stringContaining('reference partner API') });
  });

  it('answers UNAUTHENTICATED, not FORBIDDEN, when an anonymous caller touches a protected field', async () => {
    const answer = await send(server.url, { headers: json, body: JSON.stringify({ query: '{ apiInfo myOrders { number } }' }) });
    expect(answer.json.data).toEqual({ apiInfo: expect.any(String), myOrders: null });
    expect(answer.json.errors?.map((error) => error.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a cross-site simple request (CSRF prevention: GET without Authorization or a preflight header): 400 and no data', async () => {
    const answer = await send(server.url, { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ apiInfo }')}` });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/Cross-Site Request Forgery/);
    expect(answer.text).not.toContain('reference partner API');
  });

  it('still refuses a present but invalid token with 401', async () => {
    const answer = await send(server.url, { headers: { ...json, authorization: 'Bearer not.a.token' }, body: JSON.stringify({ query: '{ apiInfo }' }) });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
  });
});
