/**
 * The demo callers of dev/clients.json, as the reference-server tests meet them: the embedded dev
 * issuer (oidc-provider) on a loopback port, a real token for every machine client (client
 * credentials) and for the storefront user alice (authorization code + PKCE), and the reference
 * server's configuration pointed at that issuer.
 */
import { DEV_AUDIENCE, readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { loadDevClients } from '../../src/server/devClients.js';
import type { DevFrontendClient, DevMachineClient } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { discover, fetchClientToken, fetchUserToken } from '../../src/server/devTokens.js';

/** The demo machine clients and the storefront user. */
export type DevCaller = 'acme-gold' | 'globex-silver' | 'initech-bronze' | 'ops-internal' | 'alice';

/** A running dev issuer and a token per demo caller. */
export interface DevCallers {
  readonly issuer: DevIssuer;
  readonly tokens: Readonly<Record<DevCaller, string>>;
  /** The reference server's configuration from `env` (port 0, silent), trusting this issuer. */
  configFor(env?: Record<string, string>): ReferenceServerConfig;
  close(): Promise<void>;
}

/** Starts the dev issuer and fetches a token for every demo caller over loopback HTTP. */
export async function startDevCallers(): Promise<DevCallers> {
  const clients = loadDevClients();
  const base = readConfig({ DEV_ISSUER_PORT: '0' });
  const issuer = await startDevIssuer({
    host: '127.0.0.1',
    port: 0,
    audience: base.devIssuer?.audience ?? DEV_AUDIENCE,
    clientClaim: 'https://allow-clients.dev/client',
    clients,
  });
  const tokens = {} as Record<DevCaller, string>;
  const endpoints = await discover(issuer.issuer);
  for (const client of clients) {
    if (client.kind === 'machine') tokens[client.id as DevCaller] = await fetchClientToken(endpoints, client as DevMachineClient);
  }
  tokens.alice = await fetchUserToken(endpoints, clients.find((client) => client.kind === 'frontend') as DevFrontendClient, 'alice');
  return {
    issuer,
    tokens,
    configFor(env = {}) {
      const config = readConfig({ PORT: '0', DEV_ISSUER_PORT: '0', LOG_LEVEL: 'silent', ...env });
      return { ...config, auth: { ...config.auth, issuer: issuer.issuer } };
    },
    close: () => issuer.close(),
  };
}
