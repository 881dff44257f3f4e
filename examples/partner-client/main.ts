/**
 * Run the partner client against `npm start`:
 *
 *   npx tsx examples/partner-client/main.ts            # as acme-gold, with the dev issuer's secret
 *   CLIENT_ID=globex-silver CLIENT_SECRET=dev-only-globex-silver-secret AUTH_METHOD=client_secret_post npx tsx examples/partner-client/main.ts
 *   PORT=4100 DEV_ISSUER_PORT=4101 npx tsx examples/partner-client/main.ts   # npm start on other ports
 *
 * Against Auth0: TOKEN_ENDPOINT=https://<tenant>/oauth/token AUDIENCE=<api identifier> API_URL=... CLIENT_ID=... CLIENT_SECRET=...
 * A failure is one line on stderr (exit code 1), naming the address when nothing listens there.
 */
import { createPartnerClient } from './partnerClient.js';

const env = process.env;
const tokenEndpoint = env['TOKEN_ENDPOINT'] ?? `http://127.0.0.1:${env['DEV_ISSUER_PORT'] ?? '4001'}/token`;
const apiUrl = env['API_URL'] ?? `http://127.0.0.1:${env['PORT'] ?? '4000'}/graphql`;

/** One line for a failure: where nothing listens, or the error's own message; never a stack. */
function failureLine(error: unknown): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (code === 'ECONNREFUSED') {
    const { address, port } = cause as { address?: unknown; port?: unknown };
    const where = typeof address === 'string' && typeof port === 'number' ? `${address}:${port}` : `${tokenEndpoint} or ${apiUrl}`;
    return `nothing listens at ${where} (token endpoint ${tokenEndpoint}, API ${apiUrl}): start the API with \`npm start\`, or set PORT / DEV_ISSUER_PORT (or TOKEN_ENDPOINT / API_URL)`;
  }
  return error instanceof Error ? error.message : String(error);
}

try {
  const client = createPartnerClient({
    tokenEndpoint,
    clientId: env['CLIENT_ID'] ?? 'acme-gold',
    clientSecret: env['CLIENT_SECRET'] ?? 'dev-only-acme-gold-secret',
    apiUrl,
    authMethod: env['AUTH_METHOD'] === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
    ...(env['AUDIENCE'] === undefined ? {} : { audience: env['AUDIENCE'] }),
    ...(env['SCOPE'] === undefined ? {} : { scope: env['SCOPE'] }),
  });
  const result = await client.query(`{
    viewer { client { id name metadata } scopes }
    products(first: 3) { name listPrice { amount } wholesalePrice { amount } }
    myOrders { number total { amount currency } }
  }`);
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  process.stderr.write(`partner-client: ${failureLine(error).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}
