/**
 * Walks a GraphQL response along its operation and finds data of fields that the oracle denies.
 *
 * Each object's concrete type comes from its `__typename` (the generated operations select it
 * everywhere); the applicable selections are collected per concrete type through inline fragments
 * and fragment spreads, as graphql-js's executor does.
 */
import { Kind, parse } from 'graphql';
import type { FieldNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import { getNamedType, isObjectType, isInterfaceType } from 'graphql';
import { possibleOf } from './operationArbitrary.js';
import type { OracleCaller, SdlOracle } from './sdlOracle.js';

/** What the walk found. */
export interface LeakReport {
  /** Denied fields that came back with data: must stay empty. */
  readonly leaks: readonly string[];
  /** Denied field selections met in the data (and correctly empty). */
  readonly deniedSeen: number;
  /** Allowed fields that came back with data. */
  readonly allowedWithData: number;
  /** Denied coordinates met, for coverage. */
  readonly deniedCoordinates: ReadonlySet<string>;
}

/** Finds denied data in `data` for the operation `text`. */
export function findLeaks(schema: GraphQLSchema, oracle: SdlOracle, caller: OracleCaller, text: string, data: unknown): LeakReport {
  const document = parse(text);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let root: { set: SelectionSetNode; type: string } | null = null;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      const type = definition.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
      if (type) root = { set: definition.selectionSet, type: type.name };
    }
  }
  const leaks: string[] = [];
  const deniedCoordinates = new Set<string>();
  let deniedSeen = 0;
  let allowedWithData = 0;

  const applies = (condition: string | undefined, concrete: string): boolean => {
    if (condition === undefined) return true;
    const type = schema.getType(condition);
    return type !== undefined && possibleOf(schema, type).some((candidate) => candidate.name === concrete);
  };

  const collect = (set: SelectionSetNode, concrete: string, into: FieldNode[], seen: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) into.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value, concrete)) collect(selection.selectionSet, concrete, into, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment === undefined || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        if (applies(fragment.typeCondition.name.value, concrete)) collect(fragment.selectionSet, concrete, into, seen);
      }
    }
  };

  const walk = (value: unknown, sets: readonly SelectionSetNode[], staticType: string, path: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, sets, staticType, `${path}[${index}]`));
      return;
    }
    if (typeof value !== 'object') {
      leaks.push(`${path}: an object was expected, got ${typeof value}`);
      return;
    }
    const record = value as Record<string, unknown>;
    const concrete = typeof record['__typename'] === 'string' ? record['__typename'] : staticType;
    const concreteType = schema.getType(concrete);
    if (!isObjectType(concreteType)) {
      leaks.push(`${path}: unknown concrete type ${concrete}`);
      return;
    }
    if (concrete !== staticType && oracle.hides(concrete, caller)) {
      leaks.push(`${path}: an object of the hidden type ${concrete}`);
      return;
    }
    const fields: FieldNode[] = [];
    for (const set of sets) collect(set, concrete, fields, new Set());
    const subSets = new Map<string, SelectionSetNode[]>();
    for (const field of fields) {
      const name = field.name.value;
      const key = field.alias?.value ?? name;
      if (name.startsWith('__')) continue;
      const coordinate = `${concrete}.${name}`;
      const fieldValue = record[key];
      if (oracle.denies(concrete, name, caller)) {
        deniedSeen += 1;
        deniedCoordinates.add(coordinate);
        if (fieldValue !== null && fieldValue !== undefined) leaks.push(`${path}.${key} (${coordinate}) = ${JSON.stringify(fieldValue).slice(0, 80)}`);
        continue;
      }
      if (fieldValue !== null && fieldValue !== undefined) allowedWithData += 1;
      if (field.selectionSet !== undefined) subSets.set(key, [...(subSets.get(key) ?? []), field.selectionSet]);
    }
    for (const [key, sets] of subSets) {
      const definition = concreteType.getFields()[fieldNameOf(fields, key)];
      if (definition === undefined) continue;
      const returned = getNamedType(definition.type);
      if (isObjectType(returned) || isInterfaceType(returned) || returned !== undefined) walk(record[key], sets, returned.name, `${path}.${key}`);
    }
  };

  if (root !== null) walk(data, [root.set], root.type, 'data');
  return { leaks, deniedSeen, allowedWithData, deniedCoordinates };
}

function fieldNameOf(fields: readonly FieldNode[], key: string): string {
  const field = fields.find((candidate) => (candidate.alias?.value ?? candidate.name.value) === key);
  return field?.name.value ?? key;
}

/**
 * The coordinates an operation can reach that the oracle denies to the caller, found from the
 * operation alone (every possible type of each abstract selection), not beneath a denied field.
 * Empty means the whole operation is allowed.
 */
export function deniedInOperation(schema: GraphQLSchema, oracle: SdlOracle, caller: OracleCaller, text: string): ReadonlySet<string> {
  const document = parse(text);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const denied = new Set<string>();
  const narrow = (possible: ReadonlySet<string>, condition: string | undefined): Set<string> => {
    if (condition === undefined) return new Set(possible);
    const type = schema.getType(condition);
    const allowed = new Set(type === undefined ? [] : possibleOf(schema, type).map((candidate) => candidate.name));
    return new Set([...possible].filter((name) => allowed.has(name)));
  };
  const visit = (set: SelectionSetNode, possible: ReadonlySet<string>, seen: ReadonlySet<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, narrow(possible, selection.typeCondition?.name.value), seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined && !seen.has(fragment.name.value)) {
          visit(fragment.selectionSet, narrow(possible, fragment.typeCondition.name.value), new Set([...seen, fragment.name.value]));
        }
      } else if (!selection.name.value.startsWith('__')) {
        for (const concrete of possible) {
          const type = schema.getType(concrete);
          if (!isObjectType(type)) continue;
          const field = type.getFields()[selection.name.value];
          if (field === undefined) continue;
          if (oracle.denies(concrete, field.name, caller)) {
            denied.add(`${concrete}.${field.name}`);
            continue;
          }
          if (selection.selectionSet !== undefined) {
            const returned = getNamedType(field.type);
            const possibleTypes = possibleOf(schema, returned).map((candidate) => candidate.name);
            // An object of a hidden type met through an abstract type is withheld (a refusal at run time).
            const shown = isObjectType(returned) ? possibleTypes : possibleTypes.filter((name) => !oracle.hides(name, caller));
            for (const name of possibleTypes) if (!shown.includes(name)) denied.add(`${name} (withheld)`);
            visit(selection.selectionSet, new Set(shown), seen);
          }
        }
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = definition.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
    if (root) visit(definition.selectionSet, new Set([root.name]), new Set());
  }
  return denied;
}
