/**
 * Who may read what: every client of a clients file against every object-type field of a schema,
 * decided by the compiled rules and the evaluator the server itself uses (`compileRules`,
 * `evaluateRule`, as `mayRead` and the enforcement do), so the tool cannot disagree with the runtime.
 */
import { isObjectType } from 'graphql';
import type { CompiledRules } from '../directives/compileRules.js';
import { evaluateRule } from '../directives/evaluateRule.js';
import type { CliClient } from './clientsFile.js';

/** One client's decision on one field. */
export interface AccessDecision {
  readonly allowed: boolean;
  /** Allowed: the whole rule that admitted it; denied: the check that refused. */
  readonly rule: string;
}

/** One field's row of the matrix. */
export interface FieldAccess {
  /** `Type.field`. */
  readonly coordinate: string;
  /** The field's compiled rule (its checks joined by AND), or {@link NO_RULE}. */
  readonly rule: string;
  /** By client id, in the order of {@link AccessMatrix.clients}. */
  readonly decisions: Readonly<Record<string, AccessDecision>>;
}

/** The matrix of a schema and a clients file. */
export interface AccessMatrix {
  readonly defaultPolicy: CompiledRules['defaultPolicy'];
  readonly clients: readonly Pick<CliClient, 'id' | 'name' | 'kind'>[];
  /** Every field of every object type, in schema order. */
  readonly fields: readonly FieldAccess[];
}

/** The rule text of a field that every caller may read. */
export const NO_RULE = '(none: readable by every caller)';

/**
 * Decides every (client, field) pair with the schema's compiled rules.
 *
 * @example
 * ```ts
 * const matrix = accessMatrix(loadSchema('schema/', files, 'authenticated').rules, clients);
 * matrix.fields.find((field) => field.coordinate === 'Order.margin')?.decisions['ops-internal']?.allowed; // true
 * ```
 */
export function accessMatrix(rules: CompiledRules, clients: readonly CliClient[]): AccessMatrix {
  const scopes = new Map(clients.map((client) => [client.id, new Set(client.principal.scopes)]));
  const fields: FieldAccess[] = [];
  for (const type of Object.values(rules.schema.getTypeMap())) {
    if (type.name.startsWith('__') || !isObjectType(type)) continue;
    for (const name of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${name}`;
      const rule = rules.fields.get(coordinate);
      const text = rule === undefined ? NO_RULE : rule.checks.map((check) => check.text).join(' AND ');
      const decisions: Record<string, AccessDecision> = {};
      for (const client of clients) {
        const error = rule === undefined ? null : evaluateRule(rule, client.principal, scopes.get(client.id) ?? new Set());
        decisions[client.id] = error === null ? { allowed: true, rule: text } : { allowed: false, rule: error.detail ?? text };
      }
      fields.push({ coordinate, rule: text, decisions });
    }
  }
  return {
    defaultPolicy: rules.defaultPolicy,
    clients: clients.map(({ id, name, kind }) => ({ id, name, kind })),
    fields,
  };
}
