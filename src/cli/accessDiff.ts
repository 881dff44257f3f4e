/**
 * What a schema change opens or closes: two access matrices of the same clients compared, field by
 * field. A field new in the schema that a client may read is a gain; a field removed, a loss.
 */
import type { AccessMatrix } from './accessMatrix.js';

/** One field a client gains or loses. */
export interface AccessChange {
  readonly coordinate: string;
  /** The rule that decides after the change (gain) or before it (loss). */
  readonly rule: string;
  /** The field exists only after (gain) or only before (loss) the change. */
  readonly fieldChange: 'added' | 'removed' | null;
}

/** One client's changes. */
export interface ClientChanges {
  readonly id: string;
  readonly name: string;
  readonly gains: readonly AccessChange[];
  readonly losses: readonly AccessChange[];
}

/** The result of {@link diffAccess}. */
export interface AccessDiff {
  /** Every client, changed or not, in the clients file's order. */
  readonly clients: readonly ClientChanges[];
  /** Some client gains a field. */
  readonly widens: boolean;
  /** Some client loses a field. */
  readonly narrows: boolean;
}

/**
 * Compares who may read what before and after a change, for the clients of `after`.
 *
 * @example
 * ```ts
 * const diff = diffAccess(accessMatrix(before.rules, clients), accessMatrix(after.rules, clients));
 * if (diff.widens) process.exitCode = 1;
 * ```
 */
export function diffAccess(before: AccessMatrix, after: AccessMatrix): AccessDiff {
  const old = new Map(before.fields.map((field) => [field.coordinate, field]));
  const current = new Map(after.fields.map((field) => [field.coordinate, field]));
  const clients = after.clients.map((client): ClientChanges => {
    const gains: AccessChange[] = [];
    const losses: AccessChange[] = [];
    for (const field of after.fields) {
      const now = field.decisions[client.id];
      const was = old.get(field.coordinate)?.decisions[client.id];
      const fieldChange = old.has(field.coordinate) ? null : 'added';
      if (now?.allowed === true && was?.allowed !== true) gains.push({ coordinate: field.coordinate, rule: now.rule, fieldChange });
      if (now?.allowed !== true && was?.allowed === true) losses.push({ coordinate: field.coordinate, rule: now?.rule ?? was.rule, fieldChange });
    }
    for (const field of before.fields) {
      const was = field.decisions[client.id];
      if (!current.has(field.coordinate) && was?.allowed === true) losses.push({ coordinate: field.coordinate, rule: was.rule, fieldChange: 'removed' });
    }
    return { id: client.id, name: client.name, gains, losses };
  });
  return {
    clients,
    widens: clients.some((client) => client.gains.length > 0),
    narrows: clients.some((client) => client.losses.length > 0),
  };
}
