/**
 * The partner client against the real thing on loopback: the embedded dev issuer (oidc-provider)
 * and the reference server. A restart of both (new signing keys, empty caches) makes the cached
 * token invalid, which the client must survive with one fresh token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { loadDevClients } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { createLogger } from '../../src/server/logger.js';
import { createPartnerClient } from './partnerClient.js';

const clients = loadDevClients();

async function startStack(issuerPort = 0, apiPort = 0): Promise<{ issuer: DevIssuer; api: ReferenceServer }> {
  const config = readConfig({ PORT: String(apiPort), DEV_ISSUER_PORT: String(issuerPort), LOG_LEVEL: 'silent' });
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

  it('reads its own slice of the API: a silver partner sees wholesale prices, not stock', async () => {
    const client = createPartnerClient({
      tokenEndpoint: stack.issuer.tokenEndpoint,
      clientId: 'globex-silver',
      clientSecret: 'dev-only-globex-silver-secret',
      authMethod: 'client_secret_post',
      scope: 'catalog:read',
      apiUrl: stack.api.url,
    });
    const result = await client.query('{ product(id: "prod-hose") { name wholesalePrice { amount } stock } }');
    expect(result.data).toEqual({ product: { name: 'Garden Hose 25 m', wholesalePrice: { amount: 26 }, stock: null } });
    expect(result.errors?.map((error) => error.extensions?.['coordinate'])).toEqual(['Product.stock']);
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
});
