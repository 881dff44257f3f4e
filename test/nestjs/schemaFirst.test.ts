import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { expectNoLeak, postQuery, startTestApp, trusting, type TestApp, useModeApps } from './support/nestApp.js';
import { MutationResolver, OrderResolver, QueryResolver, SCHEMA_FIRST_CALLS, type Calls } from './support/schemaFirst.js';

/** Schema-first Nest schemas (typePaths): the directives in SDL, declared by apolloOptions(). */

const TYPE_PATHS = [fileURLToPath(new URL('./support/orders.graphql', import.meta.url))];

function schemaFirstApp(issuer: TestIssuer, mode: 'filter' | 'reject', calls: Calls): Promise<TestApp> {
  return startTestApp({
    allowClients: { ...trusting(issuer), mode },
    graphql: { typePaths: TYPE_PATHS },
    providers: [QueryResolver, OrderResolver, MutationResolver, { provide: SCHEMA_FIRST_CALLS, useValue: calls }],
  });
}

describe('NestJS schema-first: directives written in the SDL of typePaths', () => {
  const apps = useModeApps(schemaFirstApp);

  it('filter: the gold partner reads margin and discountCode; internalNote is denied without its scope', async () => {
    const answer = await postQuery(apps.filter.url, '{ orders { id margin discountCode internalNote } }', apps.gold);
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({
      orders: [
        { id: 'o-1', margin: 31, discountCode: 'GOLD10', internalNote: null },
        { id: 'o-2', margin: 12, discountCode: 'GOLD5', internalNote: null },
      ],
    });
    expect(answer.json.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate']])).toEqual([['FORBIDDEN', 'Order.internalNote']]);
    expect(answer.text).not.toContain('call back');
  });

  it('filter: a silver partner gets null margin and discountCode, the margin resolver never runs', async () => {
    const before = apps.filterCalls['Order.margin'] ?? 0;
    const answer = await postQuery(apps.filter.url, '{ orders { id total margin discountCode } }', apps.silver);
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({
      orders: [
        { id: 'o-1', total: 100, margin: null, discountCode: null },
        { id: 'o-2', total: 50, margin: null, discountCode: null },
      ],
    });
    expect(answer.text).not.toContain('GOLD10');
    expect(apps.filterCalls['Order.margin'] ?? 0).toBe(before);
  });

  it('a refused mutation: 403 insufficient_scope, no data, its resolver never runs', async () => {
    const before = apps.filterCalls['Mutation.cancelOrder'] ?? 0;
    const answer = await postQuery(apps.filter.url, 'mutation { cancelOrder(id: "o-1") { id } }', apps.silver);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', coordinate: 'Mutation.cancelOrder', coordinates: ['Mutation.cancelOrder'] });
    expect(apps.filterCalls['Mutation.cancelOrder'] ?? 0).toBe(before);
    expectNoLeak(answer);
  });

  it('the mutation runs for the gold partner', async () => {
    const answer = await postQuery(apps.filter.url, 'mutation { cancelOrder(id: "o-2") { id } }', apps.gold);
    expect(answer.json).toEqual({ data: { cancelOrder: { id: 'o-2' } } });
  });

  it('reject: one denied field refuses the operation with 403, no resolver runs', async () => {
    const before = apps.rejectCalls['Query.orders'] ?? 0;
    const answer = await postQuery(apps.reject.url, '{ orders { id margin } }', apps.silver);
    expect(answer.status).toBe(403);
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', coordinate: 'Order.margin', coordinates: ['Order.margin'] });
    expect(apps.rejectCalls['Query.orders'] ?? 0).toBe(before);
  });

  it('no credentials: 401 with the bare challenge', async () => {
    const answer = await postQuery(apps.filter.url, '{ health }');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.json.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
