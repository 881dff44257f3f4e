/**
 * `npm start`: the reference API, configured from the environment.
 *
 * Without AUTH_ISSUER, the embedded DEV issuer starts first on loopback and the API trusts it; the
 * next steps (a token command per demo client and a curl command) are printed. With AUTH_ISSUER,
 * nothing dev-only starts.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import { DEFAULT_CLIENT_CLAIM } from '../index.js';
import { ConfigError, readConfig } from './config.js';
import type { ServerConfig } from './config.js';
import { createReferenceServer } from './createReferenceServer.js';
import type { ReferenceServer } from './createReferenceServer.js';
import { DEV_CLIENTS_FILE, loadDevClients } from './devClients.js';
import type { DevClient } from './devClients.js';
import type { DevIssuer } from './devIssuer.js';
import { createLogger } from './logger.js';
import { startMetricsServer } from './metricsServer.js';
import type { MetricsServer } from './metricsServer.js';
import { nextSteps, tieredFieldReaders } from './nextSteps.js';
import { apiTypeDefs } from './schema.js';

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`Configuration error: ${error.message}`);
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let devIssuer: DevIssuer | null = null;
  let devClients: readonly DevClient[] = [];
  let server: ReferenceServer | null = null;
  let metricsServer: MetricsServer | null = null;
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'Shutting down');
    const forced = setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    forced.unref();
    await Promise.allSettled([server?.close(), metricsServer?.close(), devIssuer?.close()]);
    logger.info('Stopped');
    process.exit(0);
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      void stop(signal);
    });
  }

  try {
    let issuer = config.auth.issuer;
    if (config.devIssuer !== null) {
      devClients = loadDevClients();
      // Loaded only here: with AUTH_ISSUER set, not even the dev issuer's code is loaded.
      const { startDevIssuer } = await import('./devIssuer.js');
      devIssuer = await startDevIssuer({
        host: config.devIssuer.host,
        port: config.devIssuer.port,
        audience: config.devIssuer.audience,
        clientClaim: config.auth.clientClaim ?? DEFAULT_CLIENT_CLAIM,
        clients: devClients,
      });
      issuer = devIssuer.issuer;
      logger.warn({ issuer }, 'Embedded DEV issuer started (development only; set AUTH_ISSUER to use a real one)');
    }
    if (issuer === null) return fail('Configuration error: AUTH_ISSUER is not set');
    server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer } }, {
      logger,
      metricsClientIds: devClients.map((client) => client.id),
      ...(devIssuer === null ? {} : { devIssuer: { issuer: devIssuer.issuer, clients: devClients } }),
    });
    if (config.metricsPort !== null) {
      collectDefaultMetrics({ register: server.metrics.registry });
      metricsServer = await startMetricsServer({ host: config.host, port: config.metricsPort, registry: server.metrics.registry, logger });
      logger.info({ url: metricsServer.url }, 'Metrics ready');
    }
  } catch (error) {
    await Promise.allSettled([server?.close(), metricsServer?.close(), devIssuer?.close()]);
    return fail(startFailure(error, logger));
  }

  logger.info({ url: server.url, issuer: devIssuer?.issuer ?? config.auth.issuer, audience: config.auth.audience }, 'Reference API ready');
  if (devIssuer !== null && config.devIssuer !== null) {
    const readers = tieredFieldReaders(apiTypeDefs, JSON.parse(readFileSync(DEV_CLIENTS_FILE, 'utf8')), config.authz.defaultPolicy);
    process.stdout.write(
      nextSteps({
        apiUrl: server.url,
        issuer: devIssuer.issuer,
        issuerPort: devIssuer.port,
        audience: config.devIssuer.audience,
        clients: devClients,
        explorer: config.explorer,
        readers,
        views: config.authz.schemaView === 'caller',
      }),
    );
  }
}

/** The environment variable behind each library option the reference server passes on. */
const VARIABLE_OF_OPTION: Readonly<Record<string, string>> = {
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  jwksUri: 'AUTH_JWKS_URI',
  preset: 'AUTH_PRESET',
  clientClaim: 'AUTH_CLIENT_CLAIM',
  algorithms: 'AUTH_ALGORITHMS',
  allowedClientIds: 'AUTH_ALLOWED_CLIENT_IDS',
};

/** One clear line for the usual start failures; the details go to the log. */
function startFailure(error: unknown, logger: Logger): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code === 'EADDRINUSE') {
    const port = (error as { port?: unknown }).port;
    return `Cannot start: port ${String(port)} is in use (set PORT, METRICS_PORT for the metrics, or DEV_ISSUER_PORT for the dev issuer)`;
  }
  if (error instanceof TypeError) {
    // The library names its option; the operator set an environment variable.
    const option = /^"([A-Za-z]+)"/.exec(error.message)?.[1];
    const variable = option === undefined ? undefined : VARIABLE_OF_OPTION[option];
    return variable === undefined ? `Cannot start: ${error.message}` : `Configuration error: ${variable}: ${error.message}`;
  }
  logger.error({ err: error }, 'Start failed');
  return `Cannot start: ${error instanceof Error ? error.message : String(error)}`;
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => fail(`Cannot start: ${error instanceof Error ? error.message : String(error)}`));
