/**
 * `npm run example:nestjs`: the NestJS partner API of examples/nestjs, against the embedded dev
 * issuer (as `npm start` runs the reference API), or against AUTH_ISSUER / AUTH_AUDIENCE when set.
 * PORT (default 4000) and DEV_ISSUER_PORT (default 4001) choose the ports.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_CLIENT_CLAIM } from '../../src/index.js'; // allow-clients in your project
import { loadDevClients } from '../../src/server/devClients.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { AppModule } from './appModule.js';

const DEV_AUDIENCE = 'https://api.allow-clients.dev/graphql';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (0-65535)`);
  return value;
}

async function main(): Promise<void> {
  const apiPort = port('PORT', 4000);
  let issuer = process.env['AUTH_ISSUER'] ?? '';
  const audience = process.env['AUTH_AUDIENCE'] ?? DEV_AUDIENCE;
  let devIssuer: DevIssuer | null = null;
  let app: INestApplication | null = null;
  const stop = async (): Promise<void> => {
    await Promise.allSettled([app?.close(), devIssuer?.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  if (issuer === '') {
    // Loaded only without AUTH_ISSUER, as in `npm start`.
    const { startDevIssuer } = await import('../../src/server/devIssuer.js');
    devIssuer = await startDevIssuer({ host: '127.0.0.1', port: port('DEV_ISSUER_PORT', 4001), audience, clientClaim: DEFAULT_CLIENT_CLAIM, clients: loadDevClients() });
    issuer = devIssuer.issuer;
  }
  app = await NestFactory.create(AppModule.register({ issuer, audience, preset: 'auth0' }), { logger: ['error', 'warn'] });
  await app.listen(apiPort, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const env = devIssuer === null || devIssuer.port === 4001 ? '' : `DEV_ISSUER_PORT=${devIssuer.port} `;
  process.stdout.write(
    [
      `NestJS example ready at ${base}/graphql`,
      `issuer ${issuer}${devIssuer === null ? '' : '   (embedded DEV issuer: development only)'}`,
      '',
      'Get a token and ask for every field of the orders:',
      `  TOKEN=$(${env}npm run -s token -- acme-gold)        # also globex-silver, initech-bronze, ops-internal; --user alice`,
      `  curl -s ${base}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `    -d '{"query":"{ viewer { clientId scopes } orders { id total margin wholesaleDiscount warehouseNote customerEmail } }"}'`,
      `  curl -s ${base}/reports/revenue -H "authorization: Bearer $TOKEN"`,
      '',
      'Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
