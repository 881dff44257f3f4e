/**
 * Run the partner client against `npm start`:
 *
 *   npx tsx examples/partner-client/main.ts            # as acme-gold, with the dev issuer's secret
 *   CLIENT_ID=globex-silver CLIENT_SECRET=dev-only-globex-silver-secret AUTH_METHOD=client_secret_post npx tsx examples/partner-client/main.ts
 *
 * Against Auth0: TOKEN_ENDPOINT=https://<tenant>/oauth/token AUDIENCE=<api identifier> API_URL=... CLIENT_ID=... CLIENT_SECRET=...
 */
import { createPartnerClient } from './partnerClient.js';

const env = process.env;
const client = createPartnerClient({
  tokenEndpoint: env['TOKEN_ENDPOINT'] ?? 'http://127.0.0.1:4001/token',
  clientId: env['CLIENT_ID'] ?? 'acme-gold',
  clientSecret: env['CLIENT_SECRET'] ?? 'dev-only-acme-gold-secret',
  apiUrl: env['API_URL'] ?? 'http://127.0.0.1:4000/graphql',
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
