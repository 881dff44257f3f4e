import { getDirectiveValues, type DirectiveNode, type GraphQLField, type GraphQLInterfaceType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { getDirectiveExtensions } from '@graphql-tools/utils';

/**
 * The allow-clients directives of one schema element, parsed from `unknown` into typed values
 * once, when the schema is built. Anything of the wrong shape throws a TypeError naming the
 * element's coordinate, so a misspelt annotation stops the server from starting.
 */

/** One condition on client metadata: the value under `key` is a string in `in`. */
export interface MetadataMatch {
  readonly key: string;
  readonly in: ReadonlySet<string>;
}

/** `@allowClients(...)`, parsed. */
export interface AllowClientsDirective {
  readonly kind: 'allowClients';
  readonly ids: ReadonlySet<string> | null;
  readonly names: ReadonlySet<string> | null;
  /** All must hold; null when the argument is absent. */
  readonly metadata: readonly MetadataMatch[] | null;
  readonly users: boolean;
  /** Canonical SDL (sorted values): equal for two equal rules. */
  readonly text: string;
}

/** `@authenticated`, parsed. */
export interface AuthenticatedDirective {
  readonly kind: 'authenticated';
  readonly text: string;
}

/** `@requireScopes(anyOf: ...)`, parsed: AND inside a set, OR across sets. */
export interface RequireScopesDirective {
  readonly kind: 'requireScopes';
  readonly anyOf: readonly (readonly string[])[];
  readonly text: string;
}

/** A directive that restricts access (every one of them must admit the caller). */
export type RuleDirective = AllowClientsDirective | AuthenticatedDirective | RequireScopesDirective;

/** The allow-clients directives written on one field or type. */
export interface WrittenRules {
  readonly rules: readonly RuleDirective[];
  /** `@public` was written: the default policy does not apply (other rules still do). */
  readonly public: boolean;
}

/** The names of the directives this library reads. */
export const RULE_DIRECTIVE_NAMES = ['allowClients', 'authenticated', 'requireScopes', 'public'] as const;

const NONE: WrittenRules = Object.freeze({ rules: Object.freeze([]), public: false });

/** Parsed directives by their SDL text, shared within one compilation: annotations repeat a lot. */
export type DirectiveMemo = Map<string, RuleDirective | null>;

/**
 * Reads and parses the allow-clients directives on a field or a type.
 *
 * SDL directives are coerced by graphql-js against their declaration (`getDirectiveValues`); directives
 * given as code-first `extensions.directives` are read by graphql-tools (`getDirectiveExtensions`, what
 * `getDirective` reads). Either way the values are `unknown` until parsed here.
 *
 * @param coordinate - `Type.field` or `Type`, for error messages
 * @param memo - parsed directives by SDL text, for one compilation
 * @throws TypeError naming the coordinate when an annotation is malformed
 */
export function readWrittenRules(
  schema: GraphQLSchema,
  element: GraphQLField<unknown, unknown> | GraphQLObjectType | GraphQLInterfaceType,
  coordinate: string,
  memo: DirectiveMemo = new Map(),
): WrittenRules {
  const found: (RuleDirective | null)[] = [];
  readNode(schema, element.astNode, coordinate, memo, found);
  if ('extensionASTNodes' in element) {
    for (const node of element.extensionASTNodes) readNode(schema, node, coordinate, memo, found);
  }
  const extensions = element.extensions as { directives?: unknown } | null | undefined;
  if (extensions?.directives !== undefined && extensions.directives !== null) {
    let fromExtensions: Record<string, unknown>;
    try {
      fromExtensions = getDirectiveExtensions({ extensions: element.extensions }, schema) as Record<string, unknown>;
    } catch (error) {
      throw new TypeError(`${coordinate}: ${error instanceof Error ? error.message : 'unreadable directives'}`);
    }
    for (const name of RULE_DIRECTIVE_NAMES) {
      const applications = fromExtensions[name];
      if (applications === undefined) continue;
      if (!Array.isArray(applications)) throw new TypeError(`${coordinate}: @${name} could not be read`);
      for (const args of applications as unknown[]) found.push(parseDirective(name, args, coordinate));
    }
  }
  if (found.length === 0) return NONE;
  const rules = found.filter((parsed): parsed is RuleDirective => parsed !== null);
  return { rules, public: rules.length < found.length };
}

/** The directives of one SDL node, parsed (null for `@public`), appended to `found`. */
function readNode(
  schema: GraphQLSchema,
  node: { readonly directives?: readonly DirectiveNode[] | undefined } | null | undefined,
  coordinate: string,
  memo: DirectiveMemo,
  found: (RuleDirective | null)[],
): void {
  const directives = node?.directives;
  if (directives === undefined || directives.length === 0) return;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'allowClients' && name !== 'requireScopes' && name !== 'authenticated' && name !== 'public') continue;
    const loc = directive.loc;
    const text = loc === undefined ? undefined : loc.source.body.slice(loc.start, loc.end);
    let parsed = text === undefined ? undefined : memo.get(text);
    if (parsed === undefined) {
      const definition = schema.getDirective(name);
      if (definition === undefined || definition === null) throw new TypeError(`${coordinate}: @${name} is not declared`);
      let args: unknown;
      try {
        args = getDirectiveValues(definition, { directives: [directive] });
      } catch (error) {
        throw new TypeError(`${coordinate}: @${name} ${error instanceof Error ? error.message : 'could not be read'}`);
      }
      parsed = parseDirective(name, args, coordinate);
      if (text !== undefined) memo.set(text, parsed);
    }
    found.push(parsed);
  }
}

/** One directive's arguments, parsed; null stands for `@public`. */
function parseDirective(name: string, args: unknown, coordinate: string): RuleDirective | null {
  switch (name) {
    case 'public':
      noArguments(args, coordinate, name);
      return null;
    case 'authenticated':
      noArguments(args, coordinate, name);
      return AUTHENTICATED;
    case 'requireScopes':
      return parseRequireScopes(args, coordinate);
    default:
      return parseAllowClients(args, coordinate);
  }
}

const AUTHENTICATED: AuthenticatedDirective = Object.freeze({ kind: 'authenticated', text: '@authenticated' });

function argumentsOf(args: unknown, coordinate: string, name: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new TypeError(`${coordinate}: @${name} has arguments of an unknown shape`);
  }
  const record = args as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new TypeError(`${coordinate}: @${name} has an unknown argument "${key}"`);
  }
  return record;
}

function noArguments(args: unknown, coordinate: string, name: string): void {
  argumentsOf(args, coordinate, name, []);
}

/** A non-empty list of non-empty strings, or null when the argument is absent. */
function stringList(value: unknown, what: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new TypeError(`${what} must be a non-empty list of non-empty strings`);
  }
  return value as string[];
}

function parseAllowClients(args: unknown, coordinate: string): AllowClientsDirective {
  const record = argumentsOf(args, coordinate, 'allowClients', ['ids', 'names', 'metadata', 'users']);
  const ids = stringList(record['ids'], `${coordinate}: @allowClients(ids:)`);
  const names = stringList(record['names'], `${coordinate}: @allowClients(names:)`);
  const metadata = parseMetadata(record['metadata'], coordinate);
  const users = record['users'] ?? false;
  if (typeof users !== 'boolean') throw new TypeError(`${coordinate}: @allowClients(users:) must be a boolean`);
  if (ids === null && names === null && metadata === null) {
    throw new TypeError(`${coordinate}: @allowClients needs at least one of ids, names, metadata`);
  }
  const parts: string[] = [];
  if (ids !== null) parts.push(`ids: ${printList(ids)}`);
  if (names !== null) parts.push(`names: ${printList(names)}`);
  if (metadata !== null) {
    const printed = metadata.map((match) => `{ key: ${JSON.stringify(match.key)}, in: ${printList([...match.in])} }`).sort();
    parts.push(`metadata: [${printed.join(', ')}]`);
  }
  if (users) parts.push('users: true');
  return {
    kind: 'allowClients',
    ids: ids === null ? null : new Set(ids),
    names: names === null ? null : new Set(names),
    metadata,
    users,
    text: `@allowClients(${parts.join(', ')})`,
  };
}

function parseMetadata(value: unknown, coordinate: string): MetadataMatch[] | null {
  if (value === undefined || value === null) return null;
  const what = `${coordinate}: @allowClients(metadata:)`;
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${what} must be a non-empty list of { key, in } matchers`);
  const keys = new Set<string>();
  return (value as unknown[]).map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`${what} entries must be { key: String!, in: [String!]! }`);
    }
    const entry = item as Record<string, unknown>;
    const unknownKey = Object.keys(entry).find((key) => key !== 'key' && key !== 'in');
    if (unknownKey !== undefined) throw new TypeError(`${what} entries must be { key, in }, not "${unknownKey}"`);
    const key = entry['key'];
    if (typeof key !== 'string' || key.length === 0) throw new TypeError(`${what} entries need a non-empty "key"`);
    if (keys.has(key)) throw new TypeError(`${what} names the key "${key}" twice`);
    keys.add(key);
    const values = stringList(entry['in'], `${what} "in" of "${key}"`);
    if (values === null) throw new TypeError(`${what} "in" of "${key}" must be a non-empty list of non-empty strings`);
    return { key, in: new Set(values) };
  });
}

function parseRequireScopes(args: unknown, coordinate: string): RequireScopesDirective {
  const record = argumentsOf(args, coordinate, 'requireScopes', ['anyOf']);
  const anyOf = record['anyOf'];
  const what = `${coordinate}: @requireScopes(anyOf:) must be a non-empty list of non-empty lists of non-empty strings`;
  if (!Array.isArray(anyOf) || anyOf.length === 0) throw new TypeError(what);
  const sets = (anyOf as unknown[]).map((set) => {
    if (!Array.isArray(set) || set.length === 0 || !set.every((scope) => typeof scope === 'string' && scope.length > 0)) {
      throw new TypeError(what);
    }
    return [...new Set(set as string[])].sort();
  });
  return {
    kind: 'requireScopes',
    anyOf: sets,
    text: `@requireScopes(anyOf: [${sets.map(printList).sort().join(', ')}])`,
  };
}

function printList(values: readonly string[]): string {
  return `[${[...new Set(values)].sort().map((value) => JSON.stringify(value)).join(', ')}]`;
}
