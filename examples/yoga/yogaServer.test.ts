import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/helpers/freePort.js';
import { startProcess } from '../../test/helpers/runProcess.js';
import type { StartedProcess } from '../../test/helpers/runProcess.js';
import { startTestIssuer } from '../../test/helpers/testIssuer.js';
import type { TestIssuer } from '../../test/helpers/testIssuer.js';
import { startYogaServer } from './yogaServer.js';

const AUDIENCE = 'https://yoga.example.test';
const CLAIM = 'https://allow-clients.dev/client';

interface Answer {
  status: number;
  challenge: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

describe('allow-clients on graphql-yoga (no Apollo)', () => {
  let issuer: TestIssuer;
  let server: { url: string; close(): Promise<void> };
  const orders: string[] = [];

  const tokenFor = (id: string, tier: string, scope = ''): string =>
    issuer.sign({ sub: `${id}@clients`, azp: id, scope, [CLAIM]: { id, name: id, metadata: { tier } } });

  async function ask(token: string | null, query: string): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as Answer['body'] };
  }

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    server = await startYogaServer({ auth: { issuer: issuer.url, audience: AUDIENCE }, onOrder: (name) => orders.push(name), catalogSize: 1000 });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  it('shows a gold partner the wholesale prices', async () => {
    const answer = await ask(tokenFor('acme', 'gold'), '{ products { name wholesalePrice } }');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { products: [{ name: 'Cordless Drill', wholesalePrice: 92 }, { name: 'Claw Hammer', wholesalePrice: 15 }] } });
  });

  it('nulls the wholesale prices for a bronze partner, with one FORBIDDEN error for the whole list', async () => {
    const answer = await ask(tokenFor('initech', 'bronze'), '{ products { name wholesalePrice } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ products: [{ name: 'Cordless Drill', wholesalePrice: null }, { name: 'Claw Hammer', wholesalePrice: null }] });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Product.wholesalePrice' });
  });

  it('gives one error per denied selection through an interface and a list of 1,000 nullable items (not one per item)', async () => {
    const answer = await ask(tokenFor('initech', 'bronze'), '{ catalog { name unitCost } alias: catalog { ... on Product { unitCost } } }');
    expect(answer.status).toBe(200);
    const catalog = answer.body.data?.['catalog'] as unknown[];
    expect(catalog).toHaveLength(1000);
    expect(catalog.every((item) => item === null)).toBe(true);
    expect(answer.body.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate'], (error as { path?: unknown }).path])).toEqual([
      ['FORBIDDEN', 'Product.unitCost', ['catalog', 0, 'unitCost']],
      ['FORBIDDEN', 'Product.unitCost', ['alias', 0, 'unitCost']],
    ]);
    const gold = await ask(tokenFor('acme', 'gold'), '{ catalog { name unitCost } }');
    expect((gold.body.data?.['catalog'] as unknown[]).every((item) => (item as { unitCost: number }).unitCost === 6)).toBe(true);
    expect(gold.body.errors).toBeUndefined();
  });

  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const answer = await ask(null, '{ products { name } }');
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer realm="yoga-example"');
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(answer.body.data ?? null).toBeNull();
  });

  it('refuses an invalid token with 401 invalid_token', async () => {
    const expired = issuer.sign({ sub: 'acme@clients', azp: 'acme' }, { now: Math.floor(Date.now() / 1000) - 7200, expiresIn: 60 });
    const answer = await ask(expired, '{ products { name } }');
    expect(answer.status).toBe(401);
    expect(answer.challenge).toContain('error="invalid_token"');
  });

  it('refuses a denied mutation before it runs: 403 insufficient_scope, no order placed', async () => {
    const before = orders.length;
    const answer = await ask(tokenFor('acme', 'gold'), 'mutation { placeOrder(name: "drill") }');
    expect(answer.status).toBe(403);
    expect(answer.challenge).toContain('error="insufficient_scope"');
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(orders.length).toBe(before);
  });

  it('runs an allowed mutation once', async () => {
    const before = orders.length;
    const answer = await ask(tokenFor('acme', 'gold', 'orders:write'), 'mutation { placeOrder(name: "drill") }');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { placeOrder: true } });
    expect(orders.slice(before)).toEqual(['drill']);
  });
});

describe('npm run example:yoga', () => {
  let issuer: TestIssuer;
  let example: StartedProcess;
  let port: number;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    port = await freePort();
    example = await startProcess('npm', ['run', '-s', 'example:yoga'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, PORT: String(port), AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE },
      ready: /Stop with Ctrl\+C\./,
    });
  });
  afterAll(async () => {
    await example?.stop();
    await issuer?.close();
  });

  it('starts the example with one command, on PORT, verifying tokens of AUTH_ISSUER', async () => {
    const url = `http://127.0.0.1:${port}/graphql`;
    expect(example.output()).toContain(`Yoga example ready at ${url} (tokens from ${issuer.url}, audience ${AUDIENCE})`);
    const token = issuer.sign({ sub: 'acme@clients', azp: 'acme', [CLAIM]: { id: 'acme', name: 'Acme', metadata: { tier: 'gold' } } });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ products { name wholesalePrice } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { products: [{ name: 'Cordless Drill', wholesalePrice: 92 }, { name: 'Claw Hammer', wholesalePrice: 15 }] } });
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ products { name } }' }) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="yoga-example"');
  });
});
