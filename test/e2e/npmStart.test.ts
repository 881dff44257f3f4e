/**
 * The whole flow as a newcomer runs it: the real `npm start` process with the embedded dev issuer
 * on free loopback ports, tokens fetched over HTTP with the printed commands, the same query for two
 * partners and a frontend user, and different answers.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (bounded). */
async function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('npm start with the embedded dev issuer', () => {
  let server: ChildProcess;
  let apiUrl: string;
  let issuerPort: number;
  let output = '';
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const apiPort = await freePort();
    issuerPort = await freePort();
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(apiPort), DEV_ISSUER_PORT: String(issuerPort), LOG_LEVEL: 'info', NODE_ENV: 'development', AUTH_ISSUER: '', METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolveReady, rejectReady) => {
      const timer = setTimeout(() => rejectReady(new Error(`npm start did not get ready:\n${output}`)), 20_000);
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Stop with Ctrl+C.')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        rejectReady(new Error(`npm start exited with ${String(code)}:\n${output}`));
      });
    });
    apiUrl = `http://127.0.0.1:${apiPort}/graphql`;

    const env = { DEV_ISSUER_PORT: String(issuerPort) };
    // The commands exactly as printed (npm run -s token -- ...), fetched over HTTP.
    const [gold, silver, bronze, user] = await Promise.all([
      run('npm', ['run', '-s', 'token', '--', 'acme-gold'], env),
      run('npm', ['run', '-s', 'token', '--', 'globex-silver'], env),
      run('npm', ['run', '-s', 'token', '--', 'initech-bronze'], env),
      run('npm', ['run', '-s', 'token', '--', '--user', 'alice'], env),
    ]);
    for (const [name, result] of [['acme-gold', gold], ['globex-silver', silver], ['initech-bronze', bronze], ['alice', user]] as const) {
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      tokens[name] = result.stdout.trim();
    }
  });

  afterAll(async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  });

  async function query(token: string, document: string): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } }> {
    const response = await fetch(apiUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: document }),
    });
    return { status: response.status, body: (await response.json()) as never };
  }

  it('prints every demo client with the exact command that gets its token, and a curl command', () => {
    for (const id of ['acme-gold', 'globex-silver', 'initech-bronze', 'ops-internal']) {
      expect(output).toContain(`TOKEN=$(DEV_ISSUER_PORT=${issuerPort} npm run -s token -- ${id})`);
    }
    expect(output).toContain(`npm run -s token -- --user alice`);
    expect(output).toContain(`curl -s ${apiUrl} -H "authorization: Bearer $TOKEN"`);
  });

  /** The printed curl commands (two lines each), in the order printed. */
  function printedCurls(): string[] {
    const lines = output.split('\n');
    return lines.flatMap((line, index) => (line.trimStart().startsWith('curl -s ') ? [`${line}\n${lines[index + 1] ?? ''}`] : []));
  }

  it('runs the first printed curl command as printed for every demo client: the query is in every view', async () => {
    const [shared] = printedCurls();
    expect(shared).toBeDefined();
    for (const [name, id] of [['acme-gold', 'acme-gold'], ['globex-silver', 'globex-silver'], ['initech-bronze', 'initech-bronze'], ['alice', 'storefront-web']] as const) {
      const result = await run('bash', ['-c', shared ?? ''], { TOKEN: tokens[name] ?? '' });
      expect(result.code, name).toBe(0);
      const body = JSON.parse(result.stdout) as { data: { viewer: { client: { id: string } }; products: { name: string; listPrice: { amount: number } }[] }; errors?: unknown };
      expect(body.errors, name).toBeUndefined();
      expect(body.data.viewer.client.id).toBe(id);
      expect(body.data.products).toHaveLength(3);
      expect(body.data.products[0]).toEqual({ name: expect.any(String), listPrice: { amount: expect.any(Number) } });
    }
  });

  it('names the clients whose view has each per-client field, and runs the second curl as printed: data for gold, 400 for silver', async () => {
    expect(output).toContain('  Product.wholesalePrice  acme-gold, globex-silver\n  Product.stock           acme-gold, ops-internal\n');
    const [, full] = printedCurls();
    expect(full).toBeDefined();
    const result = await run('bash', ['-c', full ?? ''], { TOKEN: tokens['acme-gold'] ?? '' });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { data: { viewer: { client: { id: string } }; products: { wholesalePrice: unknown; stock: unknown }[] } };
    expect(body.data.viewer.client.id).toBe('acme-gold');
    expect(body.data.products[0]).toMatchObject({ wholesalePrice: { amount: 92 }, stock: 340 });
    // The default schema view: stock does not exist for silver, exactly as a field that does not exist.
    const silver = await run('bash', ['-c', full ?? ''], { TOKEN: tokens['globex-silver'] ?? '' });
    expect(JSON.parse(silver.stdout)).toEqual({
      errors: [{ message: 'Cannot query field "stock" on type "Product".', locations: [expect.any(Object)], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
  });

  it('prints only the access token, so TOKEN=$(npm run -s token -- <id>) works', () => {
    for (const token of Object.values(tokens)) expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('refuses an unknown client with a clear message and a non-zero exit', async () => {
    const result = await run('npm', ['run', '-s', 'token', '--', 'no-such-client'], { DEV_ISSUER_PORT: String(issuerPort) });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown client "no-such-client"');
  });

  const SAME_QUERY = `{
    viewer { kind client { id name metadata } user { id } }
    products(first: 2) { name listPrice { amount } wholesalePrice { amount } stock }
  }`;

  it('shows a gold partner its wholesale prices and stock', async () => {
    const { status, body } = await query(tokens['acme-gold'] ?? '', SAME_QUERY);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      viewer: { kind: 'MACHINE', client: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold', region: 'eu' } }, user: null },
      products: [
        { name: 'Cordless Drill', listPrice: { amount: 129 }, wholesalePrice: { amount: 92 }, stock: 340 },
        { name: 'Circular Saw', listPrice: { amount: 149 }, wholesalePrice: { amount: 104 }, stock: 120 },
      ],
    });
  });

  it('answers a bronze partner naming gold fields exactly as fields that do not exist (default view), and serves the rest', async () => {
    const hidden = await query(tokens['initech-bronze'] ?? '', SAME_QUERY);
    const missing = await query(tokens['initech-bronze'] ?? '', SAME_QUERY.replace('wholesalePrice', 'qqqqqqqqqqqqqq').replace('stock', 'qqqqq'));
    expect(hidden.status).toBe(400);
    expect(hidden.status).toBe(missing.status);
    expect(hidden.body).toEqual(JSON.parse(JSON.stringify(missing.body).replace('qqqqqqqqqqqqqq', 'wholesalePrice').replace('qqqqq', 'stock')));
    expect((hidden.body.errors ?? []).map((error) => [error.message, error.extensions?.['code']])).toEqual([
      ['Cannot query field "wholesalePrice" on type "Product".', 'GRAPHQL_VALIDATION_FAILED'],
      ['Cannot query field "stock" on type "Product".', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    const visible = await query(tokens['initech-bronze'] ?? '', SAME_QUERY.replace(' wholesalePrice { amount } stock', ''));
    expect(visible.status).toBe(200);
    expect(visible.body.data).toEqual({
      viewer: { kind: 'MACHINE', client: { id: 'initech-bronze', name: 'Initech', metadata: { tier: 'bronze', region: 'us' } }, user: null },
      products: [
        { name: 'Cordless Drill', listPrice: { amount: 129 } },
        { name: 'Circular Saw', listPrice: { amount: 149 } },
      ],
    });
  });

  it('shows the storefront user as a user of the first-party client, without partner data', async () => {
    // Partner data does not exist in the storefront's view: the query names none of it.
    const { status, body } = await query(tokens['alice'] ?? '', `${SAME_QUERY.replace(' wholesalePrice { amount } stock', '').slice(0, -1)} recommendedForYou { name } }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      viewer: { kind: 'USER', client: { id: 'storefront-web', name: 'Storefront', metadata: { firstParty: 'true' } }, user: { id: 'alice' } },
      products: [
        { name: 'Cordless Drill', listPrice: { amount: 129 } },
        { name: 'Circular Saw', listPrice: { amount: 149 } },
      ],
      recommendedForYou: [{ name: 'Cordless Drill' }, { name: 'Hard Hat' }, { name: 'Garden Hose 25 m' }],
    });
  });

  it('gives each partner only its own orders, and the storefront user none', async () => {
    const gold = await query(tokens['acme-gold'] ?? '', '{ myOrders { number clientId } }');
    expect(gold.body.data).toEqual({ myOrders: [
      { number: 'SO-1001', clientId: 'acme-gold' },
      { number: 'SO-1002', clientId: 'acme-gold' },
      { number: 'SO-1003', clientId: 'acme-gold' },
    ] });
    const bronze = await query(tokens['initech-bronze'] ?? '', '{ myOrders { number clientId } }');
    expect(bronze.body.data).toEqual({ myOrders: [{ number: 'SO-3001', clientId: 'initech-bronze' }] });
    const user = await query(tokens['alice'] ?? '', '{ myOrders { number } }');
    expect(user.status).toBe(400);
    expect(user.body.data).toBeUndefined();
    expect(user.body.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([['Cannot query field "myOrders" on type "Query".', 'GRAPHQL_VALIDATION_FAILED']]);
  });

  it('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const response = await fetch(apiUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { kind } }' }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="allow-clients"');
  });

  it('answers /healthz', async () => {
    const response = await fetch(apiUrl.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 8000);
    const [code, signal] = (await exited) as [number | null, string | null];
    clearTimeout(timer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});
