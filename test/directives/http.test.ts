import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/context.js';
import { allowClients } from '../../src/apollo/allowClients.js';
import { callers, makeSchema, SECRET, type CallerName, type Calls } from './fixtures.js';

/**
 * Real HTTP on loopback. The context maps a test header to a principal built in the test:
 * verifying tokens is tested in test/auth, the HTTP answer of a refusal is tested here.
 */
async function serve(mode: 'filter' | 'reject'): Promise<{ url: string; calls: Calls; server: ApolloServer<AuthContext> }> {
  const calls: Calls = {};
  const auth = allowClients({ mode });
  const server = new ApolloServer<AuthContext>({ schema: auth.transformer(makeSchema(calls)), plugins: [auth.plugin] });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ principal: callers[(req.headers['x-test-caller'] as CallerName | undefined) ?? 'anonymous'] ?? null }),
  });
  return { url, calls, server };
}

async function post(url: string, caller: CallerName, query: string): Promise<{ status: number; challenge: string | null; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-caller': caller },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}

describe('HTTP answers of the authorization layer', () => {
  let reject: Awaited<ReturnType<typeof serve>>;
  let filter: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    [reject, filter] = await Promise.all([serve('reject'), serve('filter')]);
  });
  afterAll(async () => {
    await Promise.all([reject.server.stop(), filter.server.stop()]);
  });

  it('reject mode: 403 with an insufficient_scope challenge and no data', async () => {
    const { status, challenge, body } = await post(reject.url, 'unlisted', '{ orders { id margin } }');
    expect(status).toBe(403);
    expect(challenge).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(JSON.parse(body)).toEqual({
      errors: [
        {
          message: 'Not allowed for this client: Order.margin',
          extensions: { code: 'FORBIDDEN', coordinate: 'Order.margin', coordinates: ['Order.margin'] },
        },
      ],
    });
    expect(reject.calls['Query.orders'] ?? 0).toBe(0);
  });

  it('reject mode: scope="…" when scopes alone are missing', async () => {
    const before = { orders: reject.calls['Query.orders'] ?? 0, cost: reject.calls['Order.cost'] ?? 0 };
    const { status, challenge, body } = await post(reject.url, 'platinumByTier', '{ orders { cost } }');
    expect(status).toBe(403);
    expect(challenge).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:read"',
    );
    const parsed = JSON.parse(body);
    expect(parsed.data).toBeUndefined();
    expect(parsed.errors.map((error: { extensions: { code: string; coordinate: string } }) => error.extensions)).toEqual([
      { code: 'FORBIDDEN', coordinate: 'Order.cost', coordinates: ['Order.cost'] },
    ]);
    expect(reject.calls['Query.orders'] ?? 0).toBe(before.orders);
    expect(reject.calls['Order.cost'] ?? 0).toBe(before.cost);
  });

  it('reject mode: 401 with a bare challenge for an anonymous caller', async () => {
    const before = reject.calls['Query.profile'] ?? 0;
    const { status, challenge, body } = await post(reject.url, 'anonymous', '{ profile }');
    expect(status).toBe(401);
    expect(challenge).toBe('Bearer realm="api"');
    const parsed = JSON.parse(body);
    expect(parsed.data).toBeUndefined();
    expect(parsed.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', coordinate: 'Query.profile', coordinates: ['Query.profile'] });
    expect(reject.calls['Query.profile'] ?? 0).toBe(before);
  });

  it('filter mode: 200 with the denied field null and a FORBIDDEN error, no stack, no leak', async () => {
    const { status, challenge, body } = await post(filter.url, 'unlisted', '{ orders { id margin } }');
    expect(status).toBe(200);
    expect(challenge).toBeNull();
    const parsed = JSON.parse(body);
    expect(parsed.data.orders[0]).toEqual({ id: 'o0', margin: null });
    expect(parsed.errors).toEqual([
      {
        message: 'Not allowed for this client: Order.margin',
        locations: [{ line: 1, column: 15 }],
        path: ['orders', 0, 'margin'],
        extensions: { code: 'FORBIDDEN', coordinate: 'Order.margin' },
      },
    ]);
    expect(body).not.toContain(String(SECRET.margin));
    expect(filter.calls['Order.margin'] ?? 0).toBe(0);
  });

  it('filter mode: a mutation with a denial is refused with 403 before any resolver runs', async () => {
    const { status, challenge, body } = await post(filter.url, 'silverByName', 'mutation { touch placeOrder { id } }');
    expect(status).toBe(403);
    expect(challenge).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"');
    const parsed = JSON.parse(body);
    expect(parsed.data).toBeUndefined();
    expect(parsed.errors).toEqual([
      {
        message: 'Not allowed for this client: Mutation.placeOrder',
        extensions: { code: 'FORBIDDEN', coordinate: 'Mutation.placeOrder', coordinates: ['Mutation.placeOrder'] },
      },
    ]);
    expect(filter.calls['Mutation.touch'] ?? 0).toBe(0);
    expect(filter.calls['Mutation.placeOrder'] ?? 0).toBe(0);
  });
});
