/** `explain` as a text table (cli-table3) and as JSON. */
import Table from 'cli-table3';
import type pc from 'picocolors';

/** The colours a table uses: picocolors' own, or its no-op set when colour is off. */
export type TableColors = Pick<typeof pc, 'green' | 'red'>;
import type { AccessMatrix } from './accessMatrix.js';

/**
 * The matrix as a table: one row per field, its rule, then one column per client; a denied cell
 * names the check that refused. Coloured only when `colors` is enabled (a TTY without NO_COLOR).
 */
export function explainTable(matrix: AccessMatrix, colors: TableColors): string {
  const table = new Table({
    head: ['Field', 'Rule', ...matrix.clients.map((client) => client.id)],
    style: { head: [], border: [], compact: true },
    wordWrap: true,
    colWidths: [null, 48, ...matrix.clients.map(() => null)],
  });
  for (const field of matrix.fields) {
    table.push([
      field.coordinate,
      field.rule,
      ...matrix.clients.map((client) => {
        const decision = field.decisions[client.id];
        return decision?.allowed === true ? colors.green('allowed') : colors.red('denied');
      }),
    ]);
  }
  return `Default policy: ${matrix.defaultPolicy}\n${table.toString()}\n`;
}

/** The matrix as JSON: the rule of every field and, per client, allowed or denied with the deciding rule. */
export function explainJson(matrix: AccessMatrix): string {
  return `${JSON.stringify(matrix, null, 2)}\n`;
}
