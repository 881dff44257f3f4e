import { createServer, request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { AuthError } from '../../src/errors.js';
import { createAuthContext } from '../../src/apollo/createAuthContext.js';
import type { AuthContextFunction, AuthContextOptions } from '../../src/apollo/createAuthContext.js';
import type { Logger } from '../../src/logger.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectRefused } from './support/refusal.js';

interface LogEntry {
  readonly level: string;
  readonly object: Record<string, unknown>;
  readonly message: string | undefined;
}

function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (object: Record<string, unknown>, message?: string) => void entries.push({ level, object, message });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: { principal?: unknown; error?: { message: string; code: unknown } };
}

/**
 * A real HTTP server around a context function: JSON bodies parsed first (as Express would), the
 * context's GraphQL error turned into its HTTP status and headers (as Apollo Server does).
 */
async function serve(context: AuthContextFunction): Promise<{ url: string; server: Server; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text.length > 0 ? JSON.parse(text) : undefined;
      context({ req: Object.assign(req, { body }) }).then(
        (ctx) => {
          calls += 1;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ principal: ctx.principal }));
        },
        (error: GraphQLError) => {
          const http = error.extensions.http as unknown as { status: number; headers: Map<string, string> };
          res
            .writeHead(http.status, { ...Object.fromEntries(http.headers), 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: error.message, code: error.extensions.code } }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, calls: () => calls };
}

/** One request with raw headers (so that a header can be sent twice). */
function call(url: string, path: string, rawHeaders: string[] = [], body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const target = new URL(`${url}${path}`);
    // Raw headers: Node adds no Host header of its own then.
    const base = ['host', target.host, ...rawHeaders];
    const headers = payload === undefined ? base : [...base, 'content-type', 'application/json'];
    const req = request(`${url}${path}`, { method: payload === undefined ? 'GET' : 'POST', headers: headers as unknown as OutgoingHttpHeaders }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: JSON.parse(text) as Answer['json'] });
        } catch (error) {
          reject(new Error(`not JSON (${res.statusCode}): ${text}`, { cause: error }));
        }
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

describe('createAuthContext', () => {
  let issuer: TestIssuer;
  let strict: { url: string; server: Server; calls: () => number };
  let open: { url: string; server: Server; calls: () => number };
  const logger = recordingLogger();

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const options: AuthContextOptions = { issuer: issuer.url, audience: issuer.audience, realm: 'orders-api', logger };
    strict = await serve(createAuthContext(options));
    open = await serve(createAuthContext({ ...options, allowAnonymous: true }));
  });
  afterAll(async () => {
    for (const { server } of [strict, open]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await issuer.close();
  });

  it('gives the verified principal to the context', async () => {
    const answer = await call(strict.url, '/graphql', ['authorization', `Bearer ${issuer.sign({ scope: 'read:orders' })}`]);
    expect(answer.status).toBe(200);
    expect(answer.json.principal).toMatchObject({ kind: 'machine', client: { id: 'clientA' }, scopes: ['read:orders'] });
  });

  it('reads a lower-case bearer scheme', async () => {
    const answer = await call(strict.url, '/graphql', ['authorization', `bearer ${issuer.sign()}`]);
    expect(answer.status).toBe(200);
  });

  it('answers 401 with a bare challenge without credentials', async () => {
    const before = strict.calls();
    const answer = await call(strict.url, '/graphql');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="orders-api"');
    expect(answer.json.error).toEqual({ message: 'Authentication required', code: 'UNAUTHENTICATED' });
    expect(strict.calls()).toBe(before);
  });

  it('treats a token only in the query string as no credentials (401, bare challenge)', async () => {
    const answer = await call(strict.url, `/graphql?access_token=${issuer.sign()}`);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="orders-api"');
  });

  it('answers 400 invalid_request to two Authorization headers', async () => {
    const token = issuer.sign();
    const answer = await call(strict.url, '/graphql', ['authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`]);
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_request"/);
    expect(answer.json.error?.code).toBe('BAD_REQUEST');
  });

  it('answers 400 invalid_request to the header plus an access_token query parameter', async () => {
    const token = issuer.sign();
    const answer = await call(strict.url, `/graphql?access_token=${token}`, ['authorization', `Bearer ${token}`]);
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('answers 400 invalid_request to the header plus an access_token body member', async () => {
    const token = issuer.sign();
    const answer = await call(strict.url, '/graphql', ['authorization', `Bearer ${token}`], { query: '{ viewer { kind } }', access_token: token });
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_request"');
  });

  it('answers 401 invalid_token with a fixed description, and logs the precise reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = issuer.sign({}, { now: now - 7200, expiresIn: 3600 });
    logger.entries.length = 0;
    const answer = await call(strict.url, '/graphql', ['authorization', `Bearer ${token}`]);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(
      'Bearer realm="orders-api", error="invalid_token", error_description="The access token expired"',
    );
    expect(answer.json.error).toEqual({ message: 'The access token expired', code: 'UNAUTHENTICATED' });
    // Nothing of the precise reason leaks to the caller.
    expect(answer.body).not.toMatch(/jwt expired|TokenExpiredError|jsonwebtoken|stack|\/work\/|\bexp\b|\bkid\b/i);
    expect(answer.body).not.toContain(issuer.currentKey.kid);
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'Access token refused',
      object: { code: 'ERR_TOKEN_EXPIRED', detail: 'exp', cause: 'jwt expired', kid: issuer.currentKey.kid },
    });
  });

  it('answers 401 invalid_token to a token from another audience, naming the failing claim only in the log', async () => {
    logger.entries.length = 0;
    const answer = await call(strict.url, '/graphql', ['authorization', `Bearer ${issuer.sign({ aud: 'https://elsewhere.example' })}`]);
    expect(answer.status).toBe(401);
    expect(answer.json.error?.message).toBe('The access token claims are invalid');
    expect(answer.body).not.toContain('aud');
    expect(logger.entries[0]?.object).toMatchObject({ code: 'ERR_CLAIM_INVALID', detail: 'aud' });
  });

  describe('with allowAnonymous', () => {
    it('gives a null principal to a request without credentials', async () => {
      const answer = await call(open.url, '/graphql');
      expect(answer.status).toBe(200);
      expect(answer.json.principal).toBeNull();
    });

    it('still refuses a present but invalid token', async () => {
      const answer = await call(open.url, '/graphql', ['authorization', `Bearer ${issuer.sign({ iss: 'https://evil.example/' })}`]);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('still refuses duplicate credentials', async () => {
      const token = issuer.sign();
      const answer = await call(open.url, '/graphql', ['authorization', `Bearer ${token}`, 'authorization', 'Bearer x.y.z']);
      expect(answer.status).toBe(400);
    });

    it('is off by default', async () => {
      const answer = await call(strict.url, '/graphql');
      expect(answer.status).toBe(401);
    });
  });

  it('answers 503 with Retry-After when the JWKS cannot be fetched and no key is cached', async () => {
    const down = await startTestIssuer({ mode: 'error' });
    const context = createAuthContext({ issuer: down.url, audience: down.audience, logger });
    const server = await serve(context);
    try {
      logger.entries.length = 0;
      const answer = await call(server.url, '/graphql', ['authorization', `Bearer ${down.sign()}`]);
      expect(answer.status).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(answer.json.error?.code).toBe('SERVICE_UNAVAILABLE');
      expect(answer.body).not.toContain('127.0.0.1');
      expect(logger.entries.map((entry) => [entry.level, entry.object.code])).toContainEqual(['warn', 'ERR_JWKS_UNAVAILABLE']);
    } finally {
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.server.close(() => resolve()));
      await down.close();
    }
  });
});

describe('createAuthenticator (any server)', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });

  it('reads the Authorization header whatever the case of its name', async () => {
    const { authenticate } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    const context = await authenticate({ headers: { Authorization: `Bearer ${issuer.sign()}` } });
    expect(context.principal?.client.id).toBe('clientA');
  });

  it('refuses the same header given under two casings', async () => {
    const { authenticate } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign();
    await expectRefused(authenticate({ headers: { authorization: `Bearer ${token}`, Authorization: `Bearer ${token}` } }), 'ERR_INVALID_REQUEST');
  });

  it('sees a percent-encoded access_token parameter in the query or a form body as a second credential', async () => {
    const { authenticate } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign();
    const headers = { authorization: `Bearer ${token}` };
    for (const name of ['access%5Ftoken', '%61ccess_token', 'access%5ftoken']) {
      await expectRefused(authenticate({ headers, url: `/graphql?${name}=${token}` }), 'ERR_INVALID_REQUEST');
      await expectRefused(authenticate({ headers, body: `${name}=${token}` }), 'ERR_INVALID_REQUEST');
    }
    expect((await authenticate({ headers, url: '/graphql?q=%7Bviewer%7D' })).principal?.client.id).toBe('clientA');
  });

  it('refuses a form body that repeats the token', async () => {
    const { authenticate } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign();
    await expectRefused(
      authenticate({ headers: { authorization: `Bearer ${token}` }, body: new URLSearchParams({ access_token: token }) }),
      'ERR_INVALID_REQUEST',
    );
    await expectRefused(authenticate({ headers: { authorization: `Bearer ${token}` }, body: `access_token=${token}` }), 'ERR_INVALID_REQUEST');
  });

  it('checkBody: after authenticating from the headers, refuses an access_token body member next to the header, and nothing else', async () => {
    const { authenticate, checkBody, verifier } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    const token = issuer.sign();
    const headers = { authorization: `Bearer ${token}` };
    expect((await authenticate({ headers })).principal?.client.id).toBe('clientA');
    const refusal = (() => {
      try {
        checkBody({ headers, body: { query: '{ viewer { kind } }', access_token: token } });
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(AuthError);
    expect((refusal as AuthError).code).toBe('ERR_INVALID_REQUEST');
    expect(() => checkBody({ headers, body: `access%5Ftoken=${token}` })).toThrow(AuthError);
    expect(() => checkBody({ headers, body: { query: '{ access_token }' } })).not.toThrow();
    expect(() => checkBody({ headers: {}, body: { access_token: token } })).not.toThrow();
    expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 0 });
  });

  it('throws the coded errors themselves', async () => {
    const { authenticate } = createAuthenticator({ issuer: issuer.url, audience: issuer.audience });
    await expectRefused(authenticate({ headers: {} }), 'ERR_NO_CREDENTIALS');
  });
});
