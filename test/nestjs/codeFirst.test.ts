import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../helpers/testIssuer.js';
import { CALLS, OrdersResolver, type Calls } from './support/codeFirst.js';
import { expectNoLeak, machineToken, postQuery, startTestApp, trusting, userToken, type TestApp, useModeApps } from './support/nestApp.js';

/** Code-first Nest schemas: @AllowClients and friends on @Field, @ObjectType and resolver methods. */

const ALL_FIELDS = '{ orders { id total margin discountCode internalNote customerEmail } }';

async function codeFirstApp(issuer: TestIssuer, mode: 'filter' | 'reject', calls: Calls, extra: Record<string, unknown> = {}): Promise<TestApp> {
  return startTestApp({
    allowClients: { ...trusting(issuer), mode, ...extra },
    graphql: { autoSchemaFile: true },
    providers: [OrdersResolver, { provide: CALLS, useValue: calls }],
  });
}

describe('NestJS code-first: decorators emit the directives, the plugin decides before execution', () => {
  const apps = useModeApps(codeFirstApp);
  let internal: string;
  beforeAll(() => {
    internal = machineToken(apps.issuer, 'backoffice', null, 'orders:internal');
  });

  it('filter: the gold partner reads its partner-only and tier-only fields, not the scope-guarded or user ones', async () => {
    const before = apps.filterCalls['Order.margin'] ?? 0;
    const answer = await postQuery(apps.filter.url, '{ orders { id margin discountCode internalNote customerEmail } }', apps.gold);
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({
      orders: [
        { id: 'o-1', margin: 31, discountCode: 'GOLD10', internalNote: null, customerEmail: null },
        { id: 'o-2', margin: 12, discountCode: 'GOLD5', internalNote: null, customerEmail: null },
      ],
    });
    // One error per denied selection, however long the list.
    expect(answer.json.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate']])).toEqual([
      ['FORBIDDEN', 'Order.internalNote'],
      ['FORBIDDEN', 'Order.customerEmail'],
    ]);
    expect(answer.text).not.toContain('call back');
    expect(answer.text).not.toContain('a@example.test');
    expect(apps.filterCalls['Order.margin']).toBe(before + 2);
    expectNoLeak(answer);
  });

  it('filter: a silver partner gets null for margin and discountCode, and the margin resolver never runs', async () => {
    const before = apps.filterCalls['Order.margin'] ?? 0;
    const answer = await postQuery(apps.filter.url, '{ orders { id total margin discountCode } }', apps.silver);
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({
      orders: [
        { id: 'o-1', total: 100, margin: null, discountCode: null },
        { id: 'o-2', total: 50, margin: null, discountCode: null },
      ],
    });
    expect(new Set(answer.json.errors?.map((error) => `${String(error.extensions?.['code'])} ${String(error.extensions?.['coordinate'])}`))).toEqual(
      new Set(['FORBIDDEN Order.margin', 'FORBIDDEN Order.discountCode']),
    );
    expect(answer.text).not.toContain('31');
    expect(answer.text).not.toContain('GOLD10');
    expect(apps.filterCalls['Order.margin'] ?? 0).toBe(before);
  });

  it('filter: a type-level rule (@AllowClients on @ObjectType) closes the query returning it', async () => {
    const before = apps.filterCalls['Query.report'] ?? 0;
    const denied = await postQuery(apps.filter.url, '{ report { revenue } }', apps.silver);
    expect(denied.status).toBe(200);
    expect(denied.json.data).toEqual({ report: null });
    expect(denied.json.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Query.report' });
    expect(apps.filterCalls['Query.report'] ?? 0).toBe(before);
    const allowed = await postQuery(apps.filter.url, '{ report { revenue } }', apps.gold);
    expect(allowed.json).toEqual({ data: { report: { revenue: 1000 } } });
  });

  it('filter: the scope-guarded field with its scope, and the first-party field for a user of the frontend', async () => {
    const scoped = await postQuery(apps.filter.url, '{ orders { internalNote } }', internal);
    expect(scoped.json).toEqual({ data: { orders: [{ internalNote: 'call back' }, { internalNote: 'fragile' }] } });
    const user = await postQuery(apps.filter.url, '{ orders { customerEmail } whoami }', userToken(apps.issuer, 'web-frontend', 'user-42'));
    expect(user.json).toEqual({ data: { orders: [{ customerEmail: 'a@example.test' }, { customerEmail: 'b@example.test' }], whoami: 'user:web-frontend:user-42' } });
  });

  it('@CurrentPrincipal() and @CurrentClient() give the verified caller to the resolver', async () => {
    const answer = await postQuery(apps.filter.url, '{ whoami }', apps.gold);
    expect(answer.json).toEqual({ data: { whoami: 'machine:partner-gold:-' } });
  });

  it('a mutation with a denied selection is refused whole in filter mode: 403 insufficient_scope, its resolver never runs', async () => {
    const before = apps.filterCalls['Mutation.cancelOrder'] ?? 0;
    const answer = await postQuery(apps.filter.url, 'mutation { cancelOrder(id: "o-1") { id } }', apps.silver);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors).toEqual([
      { message: 'Not allowed for this client: Mutation.cancelOrder', extensions: { code: 'FORBIDDEN', coordinate: 'Mutation.cancelOrder', coordinates: ['Mutation.cancelOrder'] } },
    ]);
    expect(apps.filterCalls['Mutation.cancelOrder'] ?? 0).toBe(before);
    expectNoLeak(answer);
  });

  it('the mutation runs for the gold partner holding orders:write', async () => {
    const before = apps.filterCalls['Mutation.cancelOrder'] ?? 0;
    const answer = await postQuery(apps.filter.url, 'mutation { cancelOrder(id: "o-2") { id margin } }', apps.gold);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { cancelOrder: { id: 'o-2', margin: 12 } } });
    expect(apps.filterCalls['Mutation.cancelOrder']).toBe(before + 1);
  });

  it('a mutation missing only a scope names the scope in the challenge', async () => {
    const goldReadOnly = machineToken(apps.issuer, 'partner-gold', { tier: 'gold' }, 'orders:read');
    const answer = await postQuery(apps.filter.url, 'mutation { cancelOrder(id: "o-1") { id } }', goldReadOnly);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"',
    );
  });

  it('reject: an operation with any denied field is refused with 403 and no data, no resolver runs', async () => {
    const before = apps.rejectCalls['Query.orders'] ?? 0;
    const answer = await postQuery(apps.reject.url, ALL_FIELDS, apps.silver);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(answer.json.errors?.[0]?.extensions?.['coordinates']).toEqual(['Order.margin', 'Order.discountCode', 'Order.internalNote', 'Order.customerEmail']);
    expect(apps.rejectCalls['Query.orders'] ?? 0).toBe(before);
    expectNoLeak(answer);
  });

  it('reject: an operation within the caller\'s rights runs', async () => {
    const answer = await postQuery(apps.reject.url, '{ orders { id margin discountCode } }', apps.gold);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { orders: [{ id: 'o-1', margin: 31, discountCode: 'GOLD10' }, { id: 'o-2', margin: 12, discountCode: 'GOLD5' }] } });
  });

  it('no credentials: 401 with the bare challenge, nothing runs', async () => {
    const before = apps.filterCalls['Query.health'] ?? 0;
    const answer = await postQuery(apps.filter.url, '{ health }');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.json).toEqual({ errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(apps.filterCalls['Query.health'] ?? 0).toBe(before);
  });

  it('credentials twice (header and access_token parameter): 400 invalid_request', async () => {
    const answer = await postQuery(apps.filter.url, '{ health }', apps.gold, `/graphql?access_token=${apps.gold}`);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_request", error_description="/);
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expectNoLeak(answer);
  });

  it('an invalid token: 401 invalid_token, without detail', async () => {
    const answer = await postQuery(apps.filter.url, '{ health }', `${apps.gold.slice(0, -4)}AAAA`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expectNoLeak(answer);
  });
});

describe('NestJS code-first: your own schema options', () => {
  it('applies your transformSchema first, then the rules, which still hold', async () => {
    const issuer = await startTestIssuer();
    const calls: Calls = {};
    const seen: string[] = [];
    const app = await startTestApp({
      allowClients: trusting(issuer),
      graphql: {
        autoSchemaFile: true,
        transformSchema: (schema) => {
          seen.push(Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith('__')).join(','));
          return schema;
        },
      },
      providers: [OrdersResolver, { provide: CALLS, useValue: calls }],
    });
    try {
      expect(seen).toHaveLength(1);
      expect(seen[0]).toContain('Order');
      const silver = machineToken(issuer, 'partner-silver', { tier: 'silver' }, 'orders:read');
      const answer = await postQuery(app.url, '{ orders { id margin } }', silver);
      expect(answer.json.data).toEqual({ orders: [{ id: 'o-1', margin: null }, { id: 'o-2', margin: null }] });
      expect(answer.json.errors?.map((error) => error.extensions?.['coordinate'])).toEqual(['Order.margin']);
      expect(calls['Order.margin'] ?? 0).toBe(0);
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});

describe('NestJS code-first: anonymous callers, JWKS down, rate limit', () => {
  let issuer: TestIssuer;
  let down: TestIssuer;
  let anonymous: TestApp;
  let outage: TestApp;
  let limited: TestApp;
  const calls: Calls = {};

  beforeAll(async () => {
    [issuer, down] = await Promise.all([startTestIssuer(), startTestIssuer({ mode: 'error' })]);
    [anonymous, outage, limited] = await Promise.all([
      codeFirstApp(issuer, 'filter', calls, { allowAnonymous: true }),
      codeFirstApp(down, 'filter', calls),
      codeFirstApp(issuer, 'filter', calls, { rateLimit: { default: { requests: 2, window: 60 } } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([anonymous?.close(), outage?.close(), limited?.close()]);
    await Promise.all([issuer?.close(), down?.close()]);
  });

  it('anonymous (allowAnonymous): @Public() fields answer, the others are UNAUTHENTICATED and never run', async () => {
    const before = calls['Query.orders'] ?? 0;
    const answer = await postQuery(anonymous.url, '{ health orders { id } }');
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({ health: 'ok', orders: null });
    expect(answer.json.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate']])).toEqual([['UNAUTHENTICATED', 'Query.orders']]);
    expect(calls['Query.orders'] ?? 0).toBe(before);
  });

  it('anonymous mutation: 401 with the bare challenge, the resolver never runs', async () => {
    const before = calls['Mutation.cancelOrder'] ?? 0;
    const answer = await postQuery(anonymous.url, 'mutation { cancelOrder(id: "o-1") { id } }');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.json.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(calls['Mutation.cancelOrder'] ?? 0).toBe(before);
  });

  it('JWKS down and no key cached: 503 with Retry-After, nothing leaks', async () => {
    const answer = await postQuery(outage.url, '{ health }', machineToken(down, 'partner-gold', null));
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect(answer.text).not.toContain('127.0.0.1');
    expectNoLeak(answer);
  });

  it('rate limit: 429 with Retry-After and RateLimit fields once the allowance is spent, the resolver not run', async () => {
    const token = machineToken(issuer, 'partner-busy', null);
    const first = await postQuery(limited.url, '{ whoami }', token);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    await postQuery(limited.url, '{ whoami }', token);
    const before = calls['Query.whoami'] ?? 0;
    const third = await postQuery(limited.url, '{ whoami }', token);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(third.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    expect(third.json.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED' });
    expect(calls['Query.whoami'] ?? 0).toBe(before);
    expectNoLeak(third);
  });
});
