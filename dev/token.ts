/**
 * DEV ONLY: prints an access token from the embedded dev issuer, and nothing else.
 *
 *   TOKEN=$(npm run -s token -- acme-gold)          client credentials, secret from dev/clients.json
 *   TOKEN=$(npm run -s token -- --user alice)        a user token through the storefront (code + PKCE)
 *
 * Options: --issuer <url> (default http://127.0.0.1:$DEV_ISSUER_PORT, port 4001),
 *          --client <frontend-id> with --user (default: the first frontend of dev/clients.json).
 */
import { parseArgs } from 'node:util';
import { loadDevClients } from '../src/server/devClients.js';
import type { DevFrontendClient } from '../src/server/devClients.js';
import { discover, fetchClientToken, fetchUserToken } from '../src/server/devTokens.js';
import type { IssuerEndpoints } from '../src/server/devTokens.js';

/** The issuer's endpoints, or an error that says which address was tried and how to point elsewhere. */
async function discoverAt(issuer: string): Promise<IssuerEndpoints> {
  try {
    return await discover(issuer);
  } catch (error) {
    const cause: unknown = error instanceof Error ? error.cause : undefined;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const what = code === 'ECONNREFUSED' ? 'nothing listens' : `no dev issuer answers (${error instanceof Error ? error.message : String(error)})`;
    throw new Error(`${what} at ${issuer}: is \`npm start\` running with the embedded issuer? Its port is DEV_ISSUER_PORT (default 4001), or give --issuer <url>`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      client: { type: 'string' },
      issuer: { type: 'string' },
    },
  });
  const issuer = values.issuer ?? `http://127.0.0.1:${process.env['DEV_ISSUER_PORT'] ?? '4001'}`;
  const clients = loadDevClients();

  if (values.user !== undefined) {
    if (positionals.length > 0) throw new Error('give either a client id or --user <name>, not both');
    const frontends = clients.filter((client): client is DevFrontendClient => client.kind === 'frontend');
    const frontend = values.client === undefined ? frontends[0] : frontends.find((client) => client.id === values.client);
    if (frontend === undefined) {
      throw new Error(`unknown frontend client "${values.client ?? ''}"; frontends: ${frontends.map((client) => client.id).join(', ')}`);
    }
    const endpoints = await discoverAt(issuer);
    process.stdout.write(`${await fetchUserToken(endpoints, frontend, values.user)}\n`);
    return;
  }

  const [clientId, ...rest] = positionals;
  if (clientId === undefined || rest.length > 0) {
    throw new Error('usage: npm run -s token -- <client-id> | --user <name>');
  }
  const client = clients.find((candidate) => candidate.id === clientId);
  const machines = clients.filter((candidate) => candidate.kind === 'machine').map((candidate) => candidate.id);
  if (client === undefined) throw new Error(`unknown client "${clientId}"; demo clients: ${machines.join(', ')}`);
  if (client.kind !== 'machine') throw new Error(`"${clientId}" is a frontend: get a user token with --user <name>`);
  const endpoints = await discoverAt(issuer);
  process.stdout.write(`${await fetchClientToken(endpoints, client)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
