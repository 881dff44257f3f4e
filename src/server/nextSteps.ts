/**
 * The text `npm start` prints with the embedded dev issuer: every demo client with the exact
 * command that gets its token, and a ready curl command.
 */
import type { DevClient } from './devClients.js';

/** What {@link nextSteps} describes. */
export interface NextStepsInput {
  readonly apiUrl: string;
  readonly issuer: string;
  readonly issuerPort: number;
  readonly audience: string;
  readonly clients: readonly DevClient[];
  /** Whether the explorer is on (`GRAPHQL_EXPLORER`). */
  readonly explorer?: boolean;
}

/** The demo query: the same fields for everyone, different answers per client (a 400 for a client whose view lacks a field). */
export const DEMO_QUERY =
  '{ viewer { kind client { id name metadata } scopes } products(first: 3) { name listPrice { amount } wholesalePrice { amount } stock } }';

/** Builds the next-steps text. */
export function nextSteps(input: NextStepsInput): string {
  // The token script defaults to port 4001; say the port when it differs.
  const env = input.issuerPort === 4001 ? '' : `DEV_ISSUER_PORT=${input.issuerPort} `;
  const width = Math.max(...input.clients.map((client) => client.id.length));
  const lines = input.clients.map((client) => {
    const what = Object.entries(client.metadata)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    const command =
      client.kind === 'machine' ? `TOKEN=$(${env}npm run -s token -- ${client.id})` : `TOKEN=$(${env}npm run -s token -- --user alice)   # user token, code + PKCE`;
    return `  ${client.id.padEnd(width)}  ${`${client.name} (${what})`.padEnd(40)}  ${command}`;
  });
  const body = JSON.stringify({ query: DEMO_QUERY });
  return [
    '',
    `allow-clients reference API   ${input.apiUrl}`,
    `embedded DEV issuer           ${input.issuer}   (development only: any user name signs in)`,
    `audience                      ${input.audience}`,
    '',
    'Demo clients (dev/clients.json), each with the command that gets its token:',
    ...lines,
    '',
    'Then ask the API who you are and what you may see (each client is validated against its own view:',
    "a field outside it, e.g. wholesalePrice for initech-bronze, answers 400 as a field that does not exist):",
    `  curl -s ${input.apiUrl} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '${body}'`,
    '',
    ...(input.explorer === true ? [`Or open ${input.apiUrl} in a browser: the explorer, with a picker of these clients.`, ''] : []),
    'Stop with Ctrl+C.',
    '',
  ].join('\n');
}
