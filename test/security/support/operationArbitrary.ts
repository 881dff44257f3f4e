/**
 * Random GraphQL operations generated from a schema with fast-check: fields with arguments,
 * aliases, inline fragments (on the type, its interfaces, its unions, its implementations),
 * named fragments and mutations. Every selection set also selects `__typename`, so a response
 * can be walked with the concrete type of each object (see leakCheck.ts).
 */
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
} from 'graphql';
import type { GraphQLField, GraphQLInputType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema } from 'graphql';

/** A generated selection, before printing. */
export type Selection =
  | { readonly kind: 'field'; readonly name: string; readonly alias: boolean; readonly args: string; readonly sub: readonly Selection[] | null }
  | { readonly kind: 'inline'; readonly on: string | null; readonly sub: readonly Selection[] }
  | { readonly kind: 'named'; readonly on: string; readonly sub: readonly Selection[] };

/** A generated operation. */
export interface GeneratedOperation {
  readonly operation: 'query' | 'mutation';
  readonly selections: readonly Selection[];
}

/** Options of {@link operationArbitrary}. */
export interface OperationArbitraryOptions {
  /** Object levels below the root (default 3). */
  readonly maxDepth?: number;
  /** Selections per selection set (default 3). */
  readonly maxWidth?: number;
  /** Values for ID arguments (ids that exist, so that data comes back). */
  readonly ids: readonly string[];
  /** Values for String arguments (default a small pool). */
  readonly strings?: readonly string[];
  /** Relative weight of mutations against queries (default 1 to 9). */
  readonly mutationWeight?: number;
}

/** Builds the arbitrary of operations for a schema. */
export function operationArbitrary(schema: GraphQLSchema, options: OperationArbitraryOptions): fc.Arbitrary<GeneratedOperation> {
  const maxDepth = options.maxDepth ?? 3;
  const maxWidth = options.maxWidth ?? 3;
  const strings = options.strings ?? ['', 'a', 'Widget', '2026-01', '2025-12'];
  const cache = new Map<string, fc.Arbitrary<readonly Selection[]>>();

  const valueArb = (type: GraphQLInputType, level = 0): fc.Arbitrary<string> => {
    const inner = getNullableType(type) as GraphQLInputType;
    if (isListType(inner)) return valueArb(inner.ofType as GraphQLInputType, level + 1).map((value) => `[${value}]`);
    if (isInputObjectType(inner)) {
      const fields = Object.values(inner.getFields()).filter((field) => isNonNullType(field.type) || level === 0);
      return fc.tuple(...fields.map((field) => valueArb(field.type, level + 1))).map(
        (values) => `{ ${fields.map((field, index) => `${field.name}: ${values[index] ?? 'null'}`).join(', ')} }`,
      );
    }
    if (isEnumType(inner)) return fc.constantFrom(...inner.getValues().map((value) => value.name));
    switch (getNamedType(inner).name) {
      case 'ID':
        return fc.constantFrom(...options.ids, 'missing-id').map((id) => JSON.stringify(id));
      case 'Int':
        return fc.integer({ min: 1, max: 4 }).map(String);
      case 'Float':
        return fc.constantFrom('1.5', '0');
      case 'Boolean':
        return fc.boolean().map(String);
      default:
        return fc.constantFrom(...strings).map((text) => JSON.stringify(text));
    }
  };

  const argsArb = (field: GraphQLField<unknown, unknown>): fc.Arbitrary<string> => {
    if (field.args.length === 0) return fc.constant('');
    return fc
      .tuple(...field.args.map((arg) => (isNonNullType(arg.type) ? valueArb(arg.type).map((v) => v as string | null) : fc.option(valueArb(arg.type)))))
      .map((values) => {
        const parts = field.args.flatMap((arg, index) => (values[index] === null || values[index] === undefined ? [] : [`${arg.name}: ${values[index]}`]));
        return parts.length === 0 ? '' : `(${parts.join(', ')})`;
      });
  };

  /** Type conditions a fragment inside a selection set of `parent` may use. */
  const conditionsFor = (parent: GraphQLNamedType): string[] => {
    const possible = new Set(possibleOf(schema, parent).map((type) => type.name));
    const names: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type) || isUnionType(type))) continue;
      if (possibleOf(schema, type).some((candidate) => possible.has(candidate.name))) names.push(type.name);
    }
    return names;
  };

  const selectionsArb = (typeName: string, depth: number): fc.Arbitrary<readonly Selection[]> => {
    const key = `${typeName}:${depth}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const type = schema.getType(typeName);
    if (type === undefined || !(isObjectType(type) || isInterfaceType(type) || isUnionType(type))) throw new Error(`not a composite type: ${typeName}`);
    const choices: fc.Arbitrary<Selection>[] = [];
    if (!isUnionType(type)) {
      for (const field of Object.values(type.getFields())) {
        const returned = getNamedType(field.type);
        if (isLeafType(returned)) {
          choices.push(
            fc.record({ alias: fc.boolean(), args: argsArb(field) }).map(({ alias, args }) => ({
              kind: 'field' as const,
              name: field.name,
              // A field with arguments always gets its own alias, so two of them never conflict.
              alias: alias || args !== '',
              args,
              sub: null,
            })),
          );
        } else if (depth > 0) {
          choices.push(
            fc
              .record({ alias: fc.boolean(), args: argsArb(field), sub: fc.constant(null).chain(() => selectionsArb(returned.name, depth - 1)) })
              .map(({ alias, args, sub }) => ({ kind: 'field' as const, name: field.name, alias: alias || args !== '', args, sub })),
          );
        }
      }
    }
    if (depth > 0) {
      const conditions = conditionsFor(type);
      const fragment = (kind: 'inline' | 'named'): fc.Arbitrary<Selection> =>
        fc
          .constantFrom(...conditions, ...(kind === 'inline' ? [null] : []))
          .chain((on) => selectionsArb(on ?? typeName, depth - 1).map((sub): Selection => (kind === 'inline' ? { kind, on, sub } : { kind, on: on ?? typeName, sub })));
      choices.push(fragment('inline'), fragment('named'));
    }
    const arb: fc.Arbitrary<readonly Selection[]> =
      choices.length === 0 ? fc.constant([]) : fc.array(fc.oneof(...choices), { minLength: isUnionType(type) ? 0 : 1, maxLength: maxWidth });
    cache.set(key, arb);
    return arb;
  };

  const queryType = schema.getQueryType();
  const mutationType = schema.getMutationType();
  if (queryType === null || queryType === undefined) throw new Error('schema without Query');
  const queries = selectionsArb(queryType.name, maxDepth).map((selections): GeneratedOperation => ({ operation: 'query', selections }));
  if (mutationType === null || mutationType === undefined) return queries;
  const mutations = selectionsArb(mutationType.name, maxDepth).map((selections): GeneratedOperation => ({ operation: 'mutation', selections }));
  return fc.oneof({ arbitrary: queries, weight: 9 }, { arbitrary: mutations, weight: options.mutationWeight ?? 1 });
}

/** Concrete object types a type can be at run time. */
export function possibleOf(schema: GraphQLSchema, type: GraphQLNamedType): readonly GraphQLObjectType[] {
  if (isAbstractType(type)) return schema.getPossibleTypes(type);
  return isObjectType(type) ? [type] : [];
}

/** Prints a generated operation as a document (aliases `k<n>`, named fragments `F<n>`). */
export function printOperation(generated: GeneratedOperation): string {
  let aliasCounter = 0;
  let fragmentCounter = 0;
  const fragments: string[] = [];
  const printSet = (selections: readonly Selection[]): string => `{ ${[...selections.map(printSelection), '__typename'].join(' ')} }`;
  const printSelection = (selection: Selection): string => {
    switch (selection.kind) {
      case 'field': {
        const alias = selection.alias ? `k${(aliasCounter += 1)}: ` : '';
        return `${alias}${selection.name}${selection.args}${selection.sub === null ? '' : ` ${printSet(selection.sub)}`}`;
      }
      case 'inline':
        return `...${selection.on === null ? '' : ` on ${selection.on}`} ${printSet(selection.sub)}`;
      case 'named': {
        const name = `F${(fragmentCounter += 1)}`;
        fragments.push(`fragment ${name} on ${selection.on} ${printSet(selection.sub)}`);
        return `...${name}`;
      }
    }
  };
  const body = `${generated.operation} Fuzzed ${printSet(generated.selections)}`;
  return [body, ...fragments].join('\n');
}
