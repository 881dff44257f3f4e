/**
 * Starts the Yoga example (`npm run example:yoga`) on 127.0.0.1, by default beside `npm start`:
 * tokens from its embedded dev issuer, so `TOKEN=$(npm run -s token -- acme-gold)` works against it.
 *
 *   npm run example:yoga                                  # port 4002, dev issuer on 4001
 *   PORT=4102 DEV_ISSUER_PORT=4101 npm run example:yoga   # npm start on other ports
 *   AUTH_ISSUER=https://<tenant>/ AUTH_AUDIENCE=<api identifier> npm run example:yoga
 */
import { startYogaServer } from './yogaServer.js';

const env = process.env;
const issuer = env['AUTH_ISSUER'] ?? `http://127.0.0.1:${env['DEV_ISSUER_PORT'] ?? '4001'}`;
const audience = env['AUTH_AUDIENCE'] ?? 'https://api.allow-clients.dev/graphql';

try {
  const server = await startYogaServer({ auth: { issuer, audience } }, Number(env['PORT'] ?? '4002'));
  console.log(`Yoga example ready at ${server.url} (tokens from ${issuer}, audience ${audience}). Stop with Ctrl+C.`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`yoga example: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
