import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../helpers/testIssuer.js';
import { expectNoLeak, get, machineToken, startTestApp, trusting, userToken, type TestApp } from './support/nestApp.js';
import { OrdersController, REST_CALLS, ReportsController, type Calls } from './support/restControllers.js';

/** AllowClientsGuard on REST routes: the same rules and the same RFC 6750 answers as the GraphQL edge. */

function restApp(issuer: TestIssuer, calls: Calls, extra: Record<string, unknown> = {}): Promise<TestApp> {
  return startTestApp({
    allowClients: { ...trusting(issuer), realm: 'partners', ...extra },
    graphql: null,
    controllers: [OrdersController, ReportsController],
    providers: [{ provide: REST_CALLS, useValue: calls }],
  });
}

async function post(url: string, path: string, token?: string): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: JSON.parse(text) as unknown, text };
}

describe('AllowClientsGuard on REST routes', () => {
  let issuer: TestIssuer;
  let down: TestIssuer;
  let app: TestApp;
  let outage: TestApp;
  let limited: TestApp;
  const calls: Calls = {};
  let gold: string;
  let silver: string;

  beforeAll(async () => {
    [issuer, down] = await Promise.all([startTestIssuer(), startTestIssuer({ mode: 'error' })]);
    [app, outage, limited] = await Promise.all([
      restApp(issuer, calls),
      restApp(down, calls),
      restApp(issuer, calls, { rateLimit: { default: { requests: 1, window: 60 } } }),
    ]);
    gold = machineToken(issuer, 'partner-gold', { tier: 'gold' }, 'orders:read orders:write');
    silver = machineToken(issuer, 'partner-silver', { tier: 'silver' }, 'orders:read');
  });
  afterAll(async () => {
    await Promise.all([app?.close(), outage?.close(), limited?.close()]);
    await Promise.all([issuer?.close(), down?.close()]);
  });

  it('admits a caller with the scope and gives the handler its client', async () => {
    const answer = await get(app.url, '/orders', silver);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ client: 'partner-silver', orders: ['o-1', 'o-2'] });
  });

  it('no credentials: 401 with the bare challenge, the handler never runs', async () => {
    const before = calls['orders.list'] ?? 0;
    const answer = await get(app.url, '/orders');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="partners"');
    expect(answer.json).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Authentication required' });
    expect(calls['orders.list'] ?? 0).toBe(before);
  });

  it('@Public() admits an anonymous caller on that route only, with allowAnonymous (as for GraphQL fields)', async () => {
    const open = await restApp(issuer, calls, { allowAnonymous: true });
    try {
      const answer = await get(open.url, '/orders/health');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ ok: true, caller: 'anonymous' });
      const before = calls['orders.list'] ?? 0;
      const closed = await get(open.url, '/orders');
      expect(closed.status).toBe(401);
      expect(closed.headers.get('www-authenticate')).toBe('Bearer realm="partners"');
      expect(closed.json).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      expect(calls['orders.list'] ?? 0).toBe(before);
    } finally {
      await open.close();
    }
    // Without allowAnonymous, a request without credentials is refused whatever the route.
    const strict = await get(app.url, '/orders/health');
    expect(strict.status).toBe(401);
  });

  it('credentials twice: 400 invalid_request', async () => {
    const answer = await get(app.url, `/orders?access_token=${silver}`, silver);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="partners", error="invalid_request", error_description="/);
    expect(answer.json).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    expectNoLeak(answer);
  });

  it('an invalid token: 401 invalid_token', async () => {
    const answer = await get(app.url, '/orders', `${silver.slice(0, -4)}AAAA`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="partners", error="invalid_token"/);
    expectNoLeak(answer);
  });

  it('a client that is not listed: 403 insufficient_scope, the handler never runs', async () => {
    const before = calls['orders.cancel'] ?? 0;
    const answer = await post(app.url, '/orders/o-1/cancel', silver);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="partners", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(answer.json).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: 'Not allowed for this client' });
    expect(answer.text).not.toContain('OrdersController');
    expect(calls['orders.cancel'] ?? 0).toBe(before);
  });

  it('a listed client without the scope: 403 naming the missing scope', async () => {
    const readOnly = machineToken(issuer, 'partner-gold', { tier: 'gold' }, 'orders:read');
    const answer = await post(app.url, '/orders/o-1/cancel', readOnly);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="partners", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"',
    );
  });

  it('the listed client with the scope runs the route', async () => {
    const answer = await post(app.url, '/orders/o-9/cancel', gold);
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ cancelled: 'o-9' });
  });

  it('a rule on the controller applies to every route of it', async () => {
    const before = calls['reports.revenue'] ?? 0;
    const denied = await get(app.url, '/reports', silver);
    expect(denied.status).toBe(403);
    expect(calls['reports.revenue'] ?? 0).toBe(before);
    const allowed = await get(app.url, '/reports', gold);
    expect(allowed.json).toEqual({ revenue: 1000 });
  });

  it('user tokens are not admitted where users: true is not written', async () => {
    const answer = await get(app.url, '/reports', userToken(issuer, 'partner-gold', 'user-1'));
    expect(answer.status).toBe(403);
  });

  it('JWKS down and no key cached: 503 with Retry-After', async () => {
    const answer = await get(outage.url, '/orders', machineToken(down, 'partner-gold', null, 'orders:read'));
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.json).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) as string });
    expect(answer.text).not.toContain('127.0.0.1');
    expectNoLeak(answer);
  });

  it('rate limit: 429 with Retry-After once the allowance is spent, the handler not run', async () => {
    const first = await get(limited.url, '/orders', silver);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=1;w=60');
    const before = calls['orders.list'] ?? 0;
    const second = await get(limited.url, '/orders', silver);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(second.json).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(calls['orders.list'] ?? 0).toBe(before);
  });
});
