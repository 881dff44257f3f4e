/**
 * The text `npm start` prints with the embedded dev issuer: every demo client with the exact
 * command that gets its token, a curl command every one of them may send, and the demo query with
 * the fields that differ per client, each with the clients whose view has it.
 */
import type { DefaultPolicy } from '../index.js';
import { accessMatrix } from '../cli/accessMatrix.js';
import { parseClients } from '../cli/clientsFile.js';
import { loadSchema } from '../cli/schemaSource.js';
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
  /** The clients that may read each of {@link TIERED_FIELDS} (from {@link tieredFieldReaders}). */
  readonly readers: Readonly<Record<string, readonly string[]>>;
  /** Whether each caller is validated against its own schema view (`AUTHZ_SCHEMA_VIEW=caller`). */
  readonly views: boolean;
}

/** A query in every demo client's view: who the caller is, and fields every caller may read. */
export const SHARED_QUERY = '{ viewer { kind client { id name metadata } scopes } products(first: 3) { name listPrice { amount } } }';

/** The demo query: the shared one plus {@link TIERED_FIELDS} (a 400 for a client whose view lacks one). */
export const DEMO_QUERY =
  '{ viewer { kind client { id name metadata } scopes } products(first: 3) { name listPrice { amount } wholesalePrice { amount } stock } }';

/** The fields {@link DEMO_QUERY} adds to {@link SHARED_QUERY}, each readable by some clients only. */
export const TIERED_FIELDS = ['Product.wholesalePrice', 'Product.stock'] as const;

/**
 * The demo clients that may read each of {@link TIERED_FIELDS}, decided by the schema's compiled
 * rules as the CLI's `explain` decides them (a frontend with a user token holding its scopes).
 */
export function tieredFieldReaders(typeDefs: string, clientsDocument: unknown, defaultPolicy: DefaultPolicy): Record<string, readonly string[]> {
  const matrix = accessMatrix(loadSchema('schema/api.graphql', [{ name: 'schema/api.graphql', text: typeDefs }], defaultPolicy).rules, parseClients(clientsDocument, 'dev/clients.json'));
  const readers: Record<string, readonly string[]> = {};
  for (const coordinate of TIERED_FIELDS) {
    const field = matrix.fields.find((candidate) => candidate.coordinate === coordinate);
    readers[coordinate] = field === undefined ? [] : matrix.clients.filter((client) => field.decisions[client.id]?.allowed === true).map((client) => client.id);
  }
  return readers;
}

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
  const curl = (query: string): string[] => [
    `  curl -s ${input.apiUrl} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify({ query })}'`,
  ];
  const fieldWidth = Math.max(...TIERED_FIELDS.map((coordinate) => coordinate.length));
  const readerLines = TIERED_FIELDS.map((coordinate) => `  ${coordinate.padEnd(fieldWidth)}  ${(input.readers[coordinate] ?? []).join(', ') || '(no demo client)'}`);
  return [
    '',
    `allow-clients reference API   ${input.apiUrl}`,
    `embedded DEV issuer           ${input.issuer}   (development only: any user name signs in)`,
    `audience                      ${input.audience}`,
    '',
    'Demo clients (dev/clients.json), each with the command that gets its token:',
    ...lines,
    '',
    'Then ask the API who you are (a query in every demo client\'s view):',
    ...curl(SHARED_QUERY),
    '',
    ...(input.views
      ? [
          'Each client is validated against its own view. These fields are in some views only:',
          ...readerLines,
          'Ask for them too: a client whose view lacks one gets 400, as for a field that does not exist:',
        ]
      : [
          'These fields are readable by some clients only:',
          ...readerLines,
          'Ask for them too: a client that may not read one gets it refused (FORBIDDEN):',
        ]),
    ...curl(DEMO_QUERY),
    '',
    ...(input.explorer === true ? [`Or open ${input.apiUrl} in a browser: the explorer, with a picker of these clients.`, ''] : []),
    'Stop with Ctrl+C.',
    '',
  ].join('\n');
}
