/**
 * The partner client against the real thing on loopback: the embedded dev issuer (oidc-provider)
 * and the reference server. A restart of both (new signing keys, empty caches) makes the cached
 * token invalid, which the client must survive with one fresh token.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/helpers/freePort.js';
import { runProcess } from '../../test/helpers/runProcess.js';
import type { ProcessRun } from '../../test/helpers/runProcess.js';
import { readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { loadDevClients } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { createLogger } from '../../src/server/logger.js';
import { PartnerClientError, createPartnerClient } from './partnerClient.js';

const clients = loadDevClients();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npx tsx examples/partner-client/main.ts` as its README says, with the given environment (bounded). */
function runMain(env: Record<string, string>): Promise<ProcessRun> {
  return runProcess(process.execPath, ['--import', 'tsx', 'examples/partner-client/main.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
}

async function startStack(issuerPort = 0, apiPort = 0, env: Record<string, string> = {}): Promise<{ issuer: DevIssuer; api: ReferenceServer }> {
  const config = readConfig({ PORT: String(apiPort), DEV_ISSUER_PORT: String(issuerPort), LOG_LEVEL: 'silent', ...env });
  if (config.devIssuer === null) throw new Error('unreachable');
  const issuer = await startDevIssuer({ ...config.devIssuer, clientClaim: 'https://allow-clients.dev/client', clients });
  const api = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.issuer } }, { logger: createLogger('silent') });
  return { issuer, api };
}

describe('examples/partner-client', () => {
  let stack: { issuer: DevIssuer; api: ReferenceServer };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.api.close();
    await stack.issuer.close();
  });

  it('gets one token and reuses it for every query until it nears expiry', async () => {
    let clock = Date.now();
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId: 'globex-silver',
      clientSecret: 'dev-only-globex-silver-secret',
      authMethod: 'client_secret_post',
      scope: 'catalog:read orders:read',
      apiUrl: stack.api.url,
      now: () => clock,
    });
    const first = await client.query<{ viewer: { client: { id: string } } }>('{ viewer { client { id } } }');
    expect(first).toEqual({ data: { viewer: { client: { id: 'globex-silver' } } } });
    await client.query('{ products(first: 1) { name } }');
    expect(client.tokensFetched).toBe(1);

    // The dev issuer's tokens live 3600 s; 60 s before that the client renews.
    clock += 3541_000;
    await client.query('{ viewer { client { id } } }');
    expect(client.tokensFetched).toBe(2);
  });

  it('reads its own slice of the API: a silver partner sees wholesale prices, and stock is not in its view', async () => {
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId: 'globex-silver',
      clientSecret: 'dev-only-globex-silver-secret',
      authMethod: 'client_secret_post',
      scope: 'catalog:read',
      apiUrl: stack.api.url,
    });
    // The reference server's default per-client schema view: silver's API has no `stock`, so naming it
    // is refused at validation exactly as a field that does not exist, and nothing runs.
    const refused = await client.query('{ product(id: "prod-hose") { name wholesalePrice { amount } stock } }');
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([
      ['Cannot query field "stock" on type "Product".', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    const result = await client.query('{ product(id: "prod-hose") { name wholesalePrice { amount } } }');
    expect(result).toEqual({ data: { product: { name: 'Garden Hose 25 m', wholesalePrice: { amount: 26 } } } });
  });

  it('retries once with a fresh token when the API answers 401', async () => {
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId: 'acme-gold',
      clientSecret: 'dev-only-acme-gold-secret',
      apiUrl: stack.api.url,
    });
    await client.query('{ viewer { client { id } } }');
    expect(client.tokensFetched).toBe(1);

    // Restart issuer and API on the same ports: new signing key, no cached keys or tokens.
    const issuerPort = stack.issuer.port;
    const apiPort = stack.api.port;
    await stack.api.close();
    await stack.issuer.close();
    stack = await startStack(issuerPort, apiPort);

    const after = await client.query<{ viewer: { client: { id: string } } }>('{ viewer { client { id } } }');
    expect(after).toEqual({ data: { viewer: { client: { id: 'acme-gold' } } } });
    expect(client.tokensFetched).toBe(2);
  });

  it('reports a token request the issuer refuses', async () => {
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId: 'acme-gold',
      clientSecret: 'wrong-secret',
      apiUrl: stack.api.url,
    });
    await expect(client.query('{ viewer { kind } }')).rejects.toThrow(/token endpoint refused: invalid_client/);
  });

  it('main.ts takes PORT and DEV_ISSUER_PORT and, asking for no scope, gets every scope acme-gold is authorized for', async () => {
    const apiPort = new URL(stack.api.url).port;
    const run = await runMain({ PORT: apiPort, DEV_ISSUER_PORT: String(stack.issuer.port) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { data: { viewer: { client: { id: string }; scopes: string[] }; myOrders: unknown[] }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer.client.id).toBe('acme-gold');
    expect([...result.data.viewer.scopes].sort()).toEqual(['catalog:read', 'orders:read', 'orders:write', 'reports:read', 'stock:read']);
    expect(Array.isArray(result.data.myOrders)).toBe(true);
  });
});

describe('examples/partner-client/main.ts when nothing listens', () => {
  it('fails with one line naming the address it tried, and no stack', async () => {
    const [issuerPort, apiPort] = [await freePort(), await freePort()];
    const run = await runMain({ PORT: String(apiPort), DEV_ISSUER_PORT: String(issuerPort) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^partner-client: nothing listens at 127\\.0\\.0\\.1:${issuerPort} \\(token endpoint http://127\\.0\\.0\\.1:${issuerPort}/token, API http://127\\.0\\.0\\.1:${apiPort}/graphql\\)`));
    expect(run.stderr).not.toMatch(/^\s+at |ECONNREFUSED|fetch failed/m);
  });
});

describe('examples/partner-client against a rate limit', () => {
  let stack: { issuer: DevIssuer; api: ReferenceServer };

  beforeAll(async () => {
    // One request per client per 2 s.
    stack = await startStack(0, 0, { RATE_LIMIT_REQUESTS: '1', RATE_LIMIT_WINDOW: '2' });
  });
  afterAll(async () => {
    await stack.api.close();
    await stack.issuer.close();
  });

  /** A client whose responses are observed (statuses in order), with the real fetch underneath. */
  function observedClient(
    clientId: string,
    secret: string,
    authMethod: 'client_secret_basic' | 'client_secret_post',
    maxRetryWaitSeconds?: number,
    scope = 'catalog:read',
  ): { client: ReturnType<typeof createPartnerClient>; statuses: number[] } {
    const statuses: number[] = [];
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId,
      clientSecret: secret,
      authMethod,
      scope,
      apiUrl: stack.api.url,
      ...(maxRetryWaitSeconds === undefined ? {} : { maxRetryWaitSeconds }),
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input) === stack.api.url) statuses.push(response.status);
        return response;
      },
    });
    return { client, statuses };
  }

  it('waits out a 429 as its Retry-After says, then gets its answer', async () => {
    const { client, statuses } = observedClient('globex-silver', 'dev-only-globex-silver-secret', 'client_secret_post');
    await client.query('{ viewer { client { id } } }');
    const second = await client.query<{ viewer: { client: { id: string } } }>('{ viewer { client { id } } }');
    expect(second).toEqual({ data: { viewer: { client: { id: 'globex-silver' } } } });
    expect(statuses).toEqual([200, 429, 200]);
  });

  it('resends a mutation the rate limit refused before it ran, once the wait is over', async () => {
    // acme-gold (gold tier: 5 requests per 2 s here) uses up its allowance, then orders.
    const { client, statuses } = observedClient('acme-gold', 'dev-only-acme-gold-secret', 'client_secret_basic', undefined, 'catalog:read orders:read orders:write');
    for (let index = 0; index < 5; index += 1) await client.query('{ viewer { client { id } } }');
    const placed = await client.query<{ placeOrder: { clientId: string; lines: { product: { id: string }; quantity: number }[] } }>(
      'mutation { placeOrder(input: { lines: [{ productId: "prod-hose", quantity: 2 }] }) { clientId lines { product { id } quantity } } }',
    );
    expect(placed.errors, JSON.stringify(placed.errors)).toBeUndefined();
    expect(placed.data?.placeOrder).toEqual({ clientId: 'acme-gold', lines: [{ product: { id: 'prod-hose' }, quantity: 2 }] });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 200]);
  });

  it('refuses a negative or non-finite maxRetryWaitSeconds at construction', () => {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => observedClient('globex-silver', 'secret', 'client_secret_post', value)).toThrow(
        new TypeError('"maxRetryWaitSeconds" must be a number of seconds, 0 or more'),
      );
    }
  });

  it('throws a PartnerClientError with retryAfter when the API asks for a longer wait than it accepts', async () => {
    const { client, statuses } = observedClient('initech-bronze', 'dev-only-initech-bronze-secret', 'client_secret_basic', 0);
    await client.query('{ viewer { client { id } } }');
    const error = await client.query('{ viewer { client { id } } }').then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PartnerClientError);
    expect(error).toMatchObject({ status: 429, message: 'Too many requests: retry after the time given in Retry-After' });
    expect((error as PartnerClientError).retryAfter).toBeGreaterThanOrEqual(1);
    expect(statuses).toEqual([200, 429]);
  });
});
