/**
 * An independent reading of the schema's access directives, for the authorization fuzzer.
 *
 * It reads the SDL text itself (graphql's `parse`, no library code) and answers one question:
 * may this caller see the field `Type.field` of a concrete object type? It follows the directive
 * language as documented in schema/directives.graphql and issue 3:
 * - `@allowClients(ids, names, metadata, users)`: the client matches ANY of ids, names, metadata
 *   (metadata: ALL matchers hold, the value a string in `in`); user tokens only with `users: true`;
 * - `@authenticated`: any verified caller; `@requireScopes(anyOf)`: all of one set;
 * - rules on a field, on its type, on the type it returns, on the interface field it implements and
 *   on that interface all apply (all must pass);
 * - no rule at all: the default policy (`authenticated` on the reference server).
 */
import { Kind, parse } from 'graphql';
import type { ConstDirectiveNode, ConstValueNode, DefinitionNode, FieldDefinitionNode, TypeNode } from 'graphql';

/** A caller as the rules see it. */
export interface OracleCaller {
  readonly kind: 'machine' | 'user';
  readonly clientId: string;
  readonly name: string | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly scopes: readonly string[];
}

type Rule = (caller: OracleCaller) => boolean;

interface TypeInfo {
  readonly kind: 'object' | 'interface' | 'union' | 'other';
  readonly rules: readonly Rule[];
  readonly interfaces: readonly string[];
  readonly fields: ReadonlyMap<string, { readonly rules: readonly Rule[]; readonly returns: string; readonly isPublic: boolean }>;
  readonly isPublic: boolean;
}

/** The oracle: which concrete field coordinates a caller may not see. */
export interface SdlOracle {
  /** True when the rules deny `type.field` (a concrete object type) to the caller. */
  denies(type: string, field: string, caller: OracleCaller): boolean;
  /**
   * True when a rule written on the object type itself does not admit the caller: an object of the
   * type met through an interface or a union must be withheld whole, `__typename` included (issue 10).
   */
  hides(type: string, caller: OracleCaller): boolean;
  /** Every `Type.field` coordinate of object types, for reporting coverage. */
  readonly coordinates: readonly string[];
}

/** Builds the oracle from SDL text (the API schema; the directive definitions are not needed). */
export function createSdlOracle(sdl: string, defaultPolicy: 'authenticated' | 'public' | 'deny' = 'authenticated'): SdlOracle {
  const document = parse(sdl);
  const types = new Map<string, TypeInfo>();
  for (const definition of document.definitions) collect(definition, types);

  const denies = (typeName: string, fieldName: string, caller: OracleCaller): boolean => {
    if (fieldName.startsWith('__')) return false;
    const type = types.get(typeName);
    const field = type?.fields.get(fieldName);
    if (type === undefined || field === undefined) throw new Error(`oracle: unknown field ${typeName}.${fieldName}`);
    const rules: Rule[] = [...field.rules, ...type.rules];
    let isPublic = field.isPublic || type.isPublic;
    const returned = types.get(field.returns);
    if (returned !== undefined && (returned.kind === 'object' || returned.kind === 'interface')) rules.push(...returned.rules);
    for (const interfaceName of type.interfaces) {
      const implemented = types.get(interfaceName);
      const interfaceField = implemented?.fields.get(fieldName);
      if (implemented === undefined || interfaceField === undefined) continue;
      rules.push(...interfaceField.rules, ...implemented.rules);
      isPublic ||= interfaceField.isPublic;
    }
    if (rules.length === 0 && !isPublic) {
      if (defaultPolicy === 'deny') return true;
      // Every fuzzed caller holds a verified token, so `authenticated` admits it.
    }
    return !rules.every((rule) => rule(caller));
  };

  const coordinates: string[] = [];
  for (const [name, type] of types) {
    if (type.kind === 'object') for (const field of type.fields.keys()) coordinates.push(`${name}.${field}`);
  }
  const hides = (typeName: string, caller: OracleCaller): boolean => {
    const type = types.get(typeName);
    return type !== undefined && type.kind === 'object' && !type.rules.every((rule) => rule(caller));
  };
  return { denies, hides, coordinates };
}

function collect(definition: DefinitionNode, types: Map<string, TypeInfo>): void {
  if (
    definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
    definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
    definition.kind !== Kind.UNION_TYPE_DEFINITION &&
    definition.kind !== Kind.OBJECT_TYPE_EXTENSION
  ) {
    if ('name' in definition && definition.name !== undefined && !types.has(definition.name.value)) {
      types.set(definition.name.value, { kind: 'other', rules: [], interfaces: [], fields: new Map(), isPublic: false });
    }
    return;
  }
  const name = definition.name.value;
  const existing = types.get(name);
  const fields = new Map(existing?.fields ?? []);
  if (definition.kind !== Kind.UNION_TYPE_DEFINITION) {
    for (const field of definition.fields ?? []) fields.set(field.name.value, readField(field));
  }
  types.set(name, {
    kind: definition.kind === Kind.UNION_TYPE_DEFINITION ? 'union' : definition.kind === Kind.INTERFACE_TYPE_DEFINITION ? 'interface' : 'object',
    rules: [...(existing?.rules ?? []), ...rulesOf(definition.directives ?? [])],
    interfaces: [
      ...(existing?.interfaces ?? []),
      ...('interfaces' in definition ? (definition.interfaces ?? []).map((node) => node.name.value) : []),
    ],
    fields,
    isPublic: (existing?.isPublic ?? false) || (definition.directives ?? []).some((d) => d.name.value === 'public'),
  });
}

function readField(field: FieldDefinitionNode): { rules: Rule[]; returns: string; isPublic: boolean } {
  return {
    rules: rulesOf(field.directives ?? []),
    returns: namedType(field.type),
    isPublic: (field.directives ?? []).some((d) => d.name.value === 'public'),
  };
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function rulesOf(directives: readonly ConstDirectiveNode[]): Rule[] {
  const rules: Rule[] = [];
  for (const directive of directives) {
    const args = new Map((directive.arguments ?? []).map((arg) => [arg.name.value, valueOf(arg.value)]));
    switch (directive.name.value) {
      case 'authenticated':
        rules.push(() => true);
        break;
      case 'requireScopes': {
        const anyOf = args.get('anyOf') as string[][];
        rules.push((caller) => anyOf.some((set) => set.every((scope) => caller.scopes.includes(scope))));
        break;
      }
      case 'allowClients': {
        const ids = (args.get('ids') as string[] | undefined) ?? null;
        const names = (args.get('names') as string[] | undefined) ?? null;
        const metadata = (args.get('metadata') as { key: string; in: string[] }[] | undefined) ?? null;
        const users = args.get('users') === true;
        rules.push((caller) => {
          if (caller.kind === 'user' && !users) return false;
          const byId = ids !== null && ids.includes(caller.clientId);
          const byName = names !== null && caller.name !== null && names.includes(caller.name);
          const byMetadata =
            metadata !== null &&
            metadata.every((matcher) => {
              const value = caller.metadata?.[matcher.key];
              return typeof value === 'string' && matcher.in.includes(value);
            });
          return byId || byName || byMetadata;
        });
        break;
      }
      default:
        break;
    }
  }
  return rules;
}

function valueOf(node: ConstValueNode): unknown {
  switch (node.kind) {
    case Kind.LIST:
      return node.values.map(valueOf);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, valueOf(field.value)]));
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
  }
}
