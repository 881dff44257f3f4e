import {
  buildASTSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  parse,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { authDirectiveTypeDefs } from './typeDefs.js';
import { readWrittenRules, RULE_DIRECTIVE_NAMES, type DirectiveMemo, type RuleDirective, type WrittenRules } from './ruleDirectives.js';

/** What an unannotated field requires: nothing, a verified caller, or it is closed to everyone. */
export type DefaultPolicy = 'public' | 'authenticated' | 'deny';

/** The rule of the default policy `deny`: admits nobody. */
export interface DenyAll {
  readonly kind: 'deny';
  readonly text: string;
}

/** One condition of a field's rule. */
export type Check = RuleDirective | DenyAll;

/** The compiled rule of one object-type field: every check must admit the caller. */
export interface FieldRule {
  /** `Type.field`. */
  readonly coordinate: string;
  /** Never empty: a field that everyone may read has no FieldRule. */
  readonly checks: readonly Check[];
}

/** Options of {@link compileRules}. */
export interface CompileRulesOptions {
  /** What unannotated fields require (default `'authenticated'`). */
  readonly defaultPolicy?: DefaultPolicy;
}

/** The rules of one schema, compiled once. */
export interface CompiledRules {
  readonly schema: GraphQLSchema;
  readonly defaultPolicy: DefaultPolicy;
  /**
   * The rule of every object-type field that not everyone may read, by coordinate (`Order.margin`).
   * A coordinate absent from the map is readable by every caller, anonymous ones included.
   */
  readonly fields: ReadonlyMap<string, FieldRule>;
  /**
   * The rule written on each object type that carries one (`PartnerOffer`), by type name: who may
   * see objects of the type at all. An object of such a type met through an interface or a union is
   * withheld whole (`__typename` included) from a caller the rule does not admit.
   */
  readonly types: ReadonlyMap<string, FieldRule>;
}

const DEFAULT_POLICIES: readonly DefaultPolicy[] = ['public', 'authenticated', 'deny'];
const AUTHENTICATED: Check = Object.freeze({ kind: 'authenticated', text: '@authenticated' });
const DENY: Check = Object.freeze({ kind: 'deny', text: '(default policy "deny")' });

/**
 * Reads the schema's `@allowClients`, `@authenticated`, `@requireScopes` and `@public` annotations
 * once, checks them, and compiles one rule per object-type field.
 *
 * The rule of `T.f` is the AND of the directives written on the field `T.f`, on the type `T` and on
 * the named return type of `T.f` (lists and non-null unwrapped; object and interface types only).
 * With none of them, the default policy applies, unless `@public` was written on one of the three.
 * Interfaces: every directive that applies to an interface field `I.f` must also apply to `T.f` for
 * every type `T` implementing `I` (written on `T.f`, on `T` or on its return type), or the build fails.
 *
 * @throws TypeError naming the coordinate for a malformed annotation, a weakened interface rule, a
 *   bad `defaultPolicy`, or a schema that does not declare the directives as `authDirectiveTypeDefs` does.
 * @example
 * ```ts
 * const rules = compileRules(schema, { defaultPolicy: 'authenticated' });
 * rules.fields.get('Order.margin'); // { coordinate: 'Order.margin', checks: [{ kind: 'allowClients', ... }] }
 * ```
 */
export function compileRules(schema: GraphQLSchema, options: CompileRulesOptions = {}): CompiledRules {
  const defaultPolicy = assertDefaultPolicy(options.defaultPolicy);
  assertDirectivesDeclared(schema);

  const memo: DirectiveMemo = new Map();
  const typeRules = new Map<string, WrittenRules>();
  const rulesOfType = (type: GraphQLObjectType | GraphQLInterfaceType): WrittenRules => {
    let written = typeRules.get(type.name);
    if (written === undefined) {
      written = readWrittenRules(schema, type, type.name, memo);
      typeRules.set(type.name, written);
    }
    return written;
  };
  // The rules of a field's return type, by type name; scalars, enums and unions have none.
  // (graphql's type predicates are slow when they answer no, and most fields return scalars.)
  const returnRules = new Map<string, WrittenRules>();
  const rulesOfReturn = (field: GraphQLField<unknown, unknown>): WrittenRules => {
    const returned = getNamedType(field.type);
    let written = returnRules.get(returned.name);
    if (written === undefined) {
      written = isObjectType(returned) || isInterfaceType(returned) ? rulesOfType(returned) : NO_RULES;
      returnRules.set(returned.name, written);
    }
    return written;
  };
  const rulesOf = (type: GraphQLObjectType | GraphQLInterfaceType, field: GraphQLField<unknown, unknown>, coordinate: string): WrittenRules =>
    combine(readWrittenRules(schema, field, coordinate, memo), rulesOfType(type), rulesOfReturn(field));
  // Interface fields are compared with each implementation: computed once each.
  const interfaceRules = new Map<string, WrittenRules>();
  const rulesOfInterfaceField = (type: GraphQLInterfaceType, field: GraphQLField<unknown, unknown>): WrittenRules => {
    const coordinate = `${type.name}.${field.name}`;
    let rules = interfaceRules.get(coordinate);
    if (rules === undefined) {
      rules = rulesOf(type, field, coordinate);
      interfaceRules.set(coordinate, rules);
    }
    return rules;
  };

  const fields = new Map<string, FieldRule>();
  const types = new Map<string, FieldRule>();
  const defaultChecks: readonly Check[] =
    defaultPolicy === 'public' ? [] : defaultPolicy === 'authenticated' ? [AUTHENTICATED] : [DENY];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    const interfaces = type.getInterfaces();
    const isObject = isObjectType(type);
    if (isObject) {
      const own = rulesOfType(type).rules;
      if (own.length > 0) types.set(type.name, { coordinate: type.name, checks: own });
    }
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const rules = isObject ? rulesOf(type, field, coordinate) : rulesOfInterfaceField(type, field);
      if (isObject) {
        const checks = rules.rules.length > 0 ? rules.rules : rules.public ? [] : defaultChecks;
        if (checks.length > 0) fields.set(coordinate, { coordinate, checks });
      }
      for (const iface of interfaces) {
        const ifaceField = iface.getFields()[field.name];
        if (ifaceField === undefined) continue;
        const inherited = rulesOfInterfaceField(iface, ifaceField).rules;
        if (inherited.length === 0) continue;
        const own = new Set(rules.rules.map((rule) => rule.text));
        const missing = inherited.find((rule) => !own.has(rule.text));
        if (missing !== undefined) {
          throw new TypeError(
            `${type.name}.${field.name}: weakens ${iface.name}.${field.name}, it lacks ${missing.text} ` +
              '(an implementing field must carry every rule of its interface field, on itself, its type or its return type)',
          );
        }
      }
    }
  }
  return Object.freeze({ schema, defaultPolicy, fields, types });
}

/**
 * Checks a `defaultPolicy` option; absent means `'authenticated'`.
 *
 * @throws TypeError naming the option
 */
export function assertDefaultPolicy(value: unknown): DefaultPolicy {
  const policy = value ?? 'authenticated';
  if (!DEFAULT_POLICIES.includes(policy as DefaultPolicy)) {
    throw new TypeError('"defaultPolicy" must be one of "public", "authenticated", "deny"');
  }
  return policy as DefaultPolicy;
}

const NO_RULES: WrittenRules = Object.freeze({ rules: Object.freeze([]), public: false });

/**
 * AND of the field's, its type's and its return type's rules; the same rule written twice counts once.
 * `@public` is taken from the field and its own type only: a harmless value type marked `@public`
 * must not open every field that returns it (`Order.margin: Money`) under a `deny` default.
 */
function combine(field: WrittenRules, type: WrittenRules, returned: WrittenRules): WrittenRules {
  // Most fields take their rules from one place only: no copy then.
  if (type.rules.length === 0 && returned.rules.length === 0) return type.public && !field.public ? { rules: field.rules, public: true } : field;
  const rules: RuleDirective[] = [];
  const seen = new Set<string>();
  for (const set of [field, type, returned]) {
    for (const rule of set.rules) {
      if (seen.has(rule.text)) continue;
      seen.add(rule.text);
      rules.push(rule);
    }
  }
  return { rules, public: field.public || type.public };
}

let canonical: GraphQLSchema | undefined;

/**
 * The schema must declare the four directives (and `ClientMetadataMatch`) exactly as
 * `authDirectiveTypeDefs` does: a home-made `@allowClients` with other arguments would otherwise be
 * read with a meaning its author did not intend.
 */
function assertDirectivesDeclared(schema: GraphQLSchema): void {
  canonical ??= buildASTSchema(parse(authDirectiveTypeDefs));
  for (const name of RULE_DIRECTIVE_NAMES) {
    const declared = schema.getDirective(name);
    if (declared === undefined || declared === null) {
      throw new TypeError(`The schema does not declare @${name}: add authDirectiveTypeDefs to its type definitions`);
    }
    const expected = canonical.getDirective(name);
    if (expected === undefined || expected === null || signature(declared) !== signature(expected)) {
      throw new TypeError(`The schema declares @${name} differently from authDirectiveTypeDefs`);
    }
  }
  const input = schema.getType('ClientMetadataMatch');
  const expectedInput = canonical.getType('ClientMetadataMatch');
  const shape = (type: unknown): string =>
    isInputObjectType(type)
      ? Object.values(type.getFields())
          .map((field) => `${field.name}:${String(field.type)}`)
          .sort()
          .join(',')
      : '';
  if (shape(input) !== shape(expectedInput)) {
    throw new TypeError('The schema declares ClientMetadataMatch differently from authDirectiveTypeDefs');
  }
}

/** Arguments by name: their order means nothing (`lexicographicSortSchema`, NestJS `sortSchema`, reorders them). */
function signature(directive: GraphQLDirective): string {
  const args = directive.args.map((arg) => `${arg.name}:${String(arg.type)}=${JSON.stringify(arg.defaultValue ?? null)}`).sort();
  return `${args.join(',')}|${[...directive.locations].sort().join(',')}|${String(directive.isRepeatable)}`;
}
