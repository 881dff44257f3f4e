/**
 * examples/nestjs as its README runs it: `npm run example:nestjs` (the real process, with the
 * embedded dev issuer on free loopback ports), tokens fetched from that issuer over HTTP, and the
 * answers the README promises for each demo client.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevClients, type DevFrontendClient, type DevMachineClient } from '../../src/server/devClients.js';
import { discover, fetchClientToken, fetchUserToken } from '../../src/server/devTokens.js';
import { freePort } from '../../test/helpers/freePort.js';
import { startProcess, type StartedProcess } from '../../test/helpers/runProcess.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALL_FIELDS = '{ orders { id total margin wholesaleDiscount warehouseNote customerEmail } }';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] } & Record<string, unknown>;
}

describe('examples/nestjs (npm run example:nestjs)', () => {
  let app: StartedProcess;
  let base: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const [apiPort, issuerPort] = [await freePort(), await freePort()];
    app = await startProcess('npm', ['run', '-s', 'example:nestjs'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(apiPort), DEV_ISSUER_PORT: String(issuerPort), AUTH_ISSUER: '' },
      ready: /NestJS example ready at (http:\/\/\S+)\/graphql/,
      timeoutMs: 60_000,
    });
    base = app.ready[1] as string;
    const endpoints = await discover(`http://127.0.0.1:${issuerPort}`);
    const clients = loadDevClients();
    const machine = (id: string): DevMachineClient => clients.find((client): client is DevMachineClient => client.kind === 'machine' && client.id === id) as DevMachineClient;
    const frontend = clients.find((client): client is DevFrontendClient => client.kind === 'frontend') as DevFrontendClient;
    for (const id of ['acme-gold', 'globex-silver', 'initech-bronze', 'ops-internal']) tokens[id] = await fetchClientToken(endpoints, machine(id));
    tokens['alice'] = await fetchUserToken(endpoints, frontend, 'alice');
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
  });

  async function graphql(token: string | undefined, query: string): Promise<Answer> {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Answer['json'] };
  }

  function denied(answer: Answer): string[] {
    return [...new Set((answer.json.errors ?? []).map((error) => String(error.extensions?.['coordinate'])))].sort();
  }

  it('acme-gold (gold partner): margin and wholesaleDiscount, and warehouseNote thanks to stock:read; not the customer e-mail', async () => {
    const answer = await graphql(tokens['acme-gold'], ALL_FIELDS);
    expect(answer.status).toBe(200);
    expect((answer.json.data?.['orders'] as unknown[])[0]).toEqual({ id: 'ord-1001', total: 240, margin: 71.5, wholesaleDiscount: 0.12, warehouseNote: 'aisle 4', customerEmail: null });
    expect(denied(answer)).toEqual(['Order.customerEmail']);
  });

  it('globex-silver: the tier field only, margin and the scope-guarded note are null', async () => {
    const answer = await graphql(tokens['globex-silver'], ALL_FIELDS);
    expect((answer.json.data?.['orders'] as unknown[])[0]).toEqual({ id: 'ord-1001', total: 240, margin: null, wholesaleDiscount: 0.12, warehouseNote: null, customerEmail: null });
    expect(denied(answer)).toEqual(['Order.customerEmail', 'Order.margin', 'Order.warehouseNote']);
  });

  it('alice through the storefront: the customer e-mail, none of the partner fields', async () => {
    const answer = await graphql(tokens['alice'], `${ALL_FIELDS.slice(0, -1)} viewer { kind clientId } }`);
    expect(answer.json.data?.['viewer']).toEqual({ kind: 'user', clientId: 'storefront-web' });
    expect((answer.json.data?.['orders'] as unknown[])[0]).toMatchObject({ margin: null, wholesaleDiscount: null, warehouseNote: null, customerEmail: 'alice@example.test' });
  });

  it('the mutation: 403 insufficient_scope for initech-bronze (no orders:write), applied for globex-silver', async () => {
    const refused = await graphql(tokens['initech-bronze'], 'mutation { cancelOrder(id: "ord-1002") { id status } }');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="partner-api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"',
    );
    expect(refused.json.data).toBeUndefined();
    const untouched = await graphql(tokens['initech-bronze'], '{ order(id: "ord-1002") { status } }');
    expect(untouched.json.data).toEqual({ order: { status: 'open' } });
    const applied = await graphql(tokens['globex-silver'], 'mutation { cancelOrder(id: "ord-1002") { id status } }');
    expect(applied.json).toEqual({ data: { cancelOrder: { id: 'ord-1002', status: 'cancelled' } } });
  });

  it('no token: 401 with the challenge', async () => {
    const answer = await graphql(undefined, '{ health }');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="partner-api"');
  });

  it('GET /reports/revenue: 200 with reports:read (acme-gold), 403 naming the scope without it', async () => {
    const allowed = await fetch(`${base}/reports/revenue`, { headers: { authorization: `Bearer ${tokens['acme-gold'] ?? ''}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ client: 'acme-gold', openRevenue: expect.any(Number) as number });
    const refused = await fetch(`${base}/reports/revenue`, { headers: { authorization: `Bearer ${tokens['ops-internal'] ?? ''}` } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('scope="reports:read"');
    expect(await refused.json()).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: 'Not allowed for this client' });
  });
});
