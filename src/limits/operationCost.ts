import { getNamedType, getNullableType, isInputType, getVariableValues, isInterfaceType, isListType, isObjectType, Kind, typeFromAST, valueFromAST } from 'graphql';
import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLField,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';

/**
 * The estimated cost of an operation: graphql-armor cost-limit's model (an object field costs
 * `objectCost`, a leaf `scalarCost`, each child's cost is multiplied by `depthCostFactor`, and a
 * field's total by its size argument), with the size read the way the resolver will see it:
 * a literal, a variable's coerced value, the variable's default, or the argument's default in the
 * schema. A list field with no size counts `defaultListSize` items. An introspection root field
 * (`__schema`, `__type`) costs `introspectionCost`, whatever is selected under it: walked as
 * ordinary fields, the standard introspection query (`getIntrospectionQuery()`) measures millions,
 * since every `ofType` level multiplies by the depth factor; left out, as graphql-armor does, it is
 * free and 24 aliased `__schema` selections answer 700 KB for nothing (issue 10, attack F4).
 */

/** How the cost of an operation is estimated. */
export interface CostModel {
  /** Cost of a field with a selection set (default 2). */
  readonly objectCost: number;
  /** Cost of a leaf field (default 1). */
  readonly scalarCost: number;
  /** Factor applied to a child's cost at each level (default 1.5). */
  readonly depthCostFactor: number;
  /**
   * Items counted for a list field without a size (no `first`/`last`, or null): default 10.
   * A field with a size argument counts that many, whatever its type.
   */
  readonly defaultListSize: number;
  /**
   * Cost of each `__schema` and `__type` selection, what is under it included, when introspection
   * is not measured as ordinary fields (`ignoreIntrospection`, the default): default
   * {@link DEFAULT_INTROSPECTION_COST}, so one introspection fits the default cost limit (5,000) and
   * a cost budget charges it; six do not fit.
   */
  readonly introspectionCost: number;
}

/** The default cost of one `__schema` or `__type` selection (`costModel.introspectionCost`). */
export const DEFAULT_INTROSPECTION_COST = 1000;

/** The introspection root fields: valid on the query type only, answered from the schema. */
const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type']);

/** Settings of the cost estimate, shared by every tier. */
export interface CostSettings {
  readonly costModel: CostModel;
  /** Count fragments as one level (false: a spread adds a level, as graphql-armor does by default). */
  readonly flattenFragments: boolean;
  /**
   * Cost each `__schema` and `__type` selection `costModel.introspectionCost` instead of walking
   * its selections (true, the default); false walks them as ordinary fields.
   */
  readonly ignoreIntrospection: boolean;
}

/** The arguments read as the size of a field's result (graphql-armor's). */
const SIZE_ARGUMENTS = new Set(['first', 'last']);

/**
 * Coerces an operation's variables as graphql's `execute` will; null when they do not coerce
 * (then the operation never runs: graphql refuses it before any resolver).
 * Without `inputs`, only the defaults of the variable definitions are known.
 */
export function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: Readonly<Record<string, unknown>> | null | undefined): Readonly<Record<string, unknown>> | null {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return {};
  if (inputs === null || inputs === undefined) {
    const defaults: Record<string, unknown> = {};
    for (const definition of definitions) {
      const type = typeFromAST(schema, definition.type);
      if (definition.defaultValue !== undefined && type !== undefined && isInputType(type)) {
        defaults[definition.variable.name.value] = valueFromAST(definition.defaultValue, type);
      }
    }
    return defaults;
  }
  const coerced = getVariableValues(schema, definitions, inputs, { maxErrors: 1 });
  return coerced.coerced ?? null;
}

/**
 * Computes the cost of one operation with the given coerced variable values (see
 * {@link coerceVariables}). Fragments are costed once per call, so nested spreads stay linear.
 */
export function computeOperationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
  settings: CostSettings,
): number {
  const { objectCost, scalarCost, depthCostFactor, defaultListSize } = settings.costModel;
  const fragmentCosts = new Map<string, number>();

  const sizeOf = (node: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number => {
    let size: number | null = null;
    let hasSizeArgument = false;
    for (const argument of field?.args ?? []) {
      if (!SIZE_ARGUMENTS.has(argument.name)) continue;
      hasSizeArgument = true;
      const given = node.arguments?.find((candidate) => candidate.name.value === argument.name);
      const value = given === undefined ? argument.defaultValue : valueOf(given.value, variables, argument.defaultValue);
      if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 1, Math.trunc(value), 1);
    }
    if (size !== null) return size;
    const isList = field !== undefined && isListType(getNullableType(field.type));
    // A size argument left null or absent without default: the resolver picks, count the default size.
    return isList || hasSizeArgument ? defaultListSize : 1;
  };

  // Each function is graphql-armor's computeComplexity for one kind of node (the parent applies the factor).
  const selectionCost = (selection: SelectionNode, parent: GraphQLNamedType | undefined): number => {
    if (selection.kind === Kind.FIELD) return fieldCost(selection, parent);
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition === undefined ? parent : schema.getType(selection.typeCondition.name.value);
      return objectCost + selectionsCost(selection.selectionSet, type);
    }
    const inner = fragmentCost(selection.name.value);
    return scalarCost + (settings.flattenFragments ? inner : depthCostFactor * inner);
  };

  const selectionsCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      const flat = settings.flattenFragments && selection.kind !== Kind.FIELD;
      cost += (flat ? 1 : depthCostFactor) * selectionCost(selection, parent);
    }
    return cost;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    // A cycle (invalid GraphQL, refused by validation) or an unknown fragment: count as unbounded.
    fragmentCosts.set(name, Number.POSITIVE_INFINITY);
    if (fragment === undefined) return Number.POSITIVE_INFINITY;
    const cost = objectCost + selectionsCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
    fragmentCosts.set(name, cost);
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType | undefined): number => {
    if (settings.ignoreIntrospection && INTROSPECTION_FIELDS.has(node.name.value)) return settings.costModel.introspectionCost;
    const field = parent === undefined ? undefined : fieldOf(parent, node.name.value);
    if (node.selectionSet === undefined) return scalarCost * sizeOf(node, field);
    const childType = field === undefined ? undefined : getNamedType(field.type);
    return (objectCost + selectionsCost(node.selectionSet, childType)) * sizeOf(node, field);
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  let total = 0;
  for (const selection of operation.selectionSet.selections) total += selectionCost(selection, root);
  return total;
}

/**
 * Counts the `__schema` selections an operation runs: aliases, inline fragments and each spread of
 * a fragment count (a fragment spread twice counts twice), as execution would answer them; and,
 * inside each, every field selected again under another name counts as one more.
 * Fragments are counted once per call, so nested spreads stay linear. An unknown fragment or a
 * cycle counts nothing: validation refuses the document before anything runs, with its own message.
 */
export function countSchemaSelections(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  const fragmentCounts = new Map<string, number>();
  const countIn = (selectionSet: SelectionSetNode): number => {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // `__schema` is valid at the root only; below, validation refuses it, so stop at fields.
        if (selection.name.value === '__schema') count += 1 + (selection.selectionSet === undefined ? 0 : repeatsIn(selection.selectionSet));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += countIn(selection.selectionSet);
      } else {
        count += fragmentCount(selection.name.value);
      }
    }
    return count;
  };
  const fragmentCount = (name: string): number => {
    const known = fragmentCounts.get(name);
    if (known !== undefined) return known;
    fragmentCounts.set(name, 0);
    const fragment = fragments.get(name);
    if (fragment === undefined) return 0;
    const count = countIn(fragment.selectionSet);
    fragmentCounts.set(name, count);
    return count;
  };
  // Inside `__schema`, a field selected again under another name (`a: types { … } b: types { … }`)
  // is answered again: each such repeat counts as one more `__schema` (the standard introspection
  // query has none). Linear in the document: each fragment is read once.
  const shallowKeys = new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
  const deepRepeats = new Map<string, number>();
  const keysOf = (selectionSet: SelectionSetNode, into: Map<string, Set<string>>, inside: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const keys = into.get(selection.name.value) ?? new Set<string>();
        keys.add(selection.alias?.value ?? selection.name.value);
        into.set(selection.name.value, keys);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        keysOf(selection.selectionSet, into, inside);
      } else {
        for (const [name, keys] of fragmentKeys(selection.name.value, inside)) {
          const merged = into.get(name) ?? new Set<string>();
          for (const key of keys) merged.add(key);
          into.set(name, merged);
        }
      }
    }
  };
  const fragmentKeys = (name: string, inside: Set<string>): ReadonlyMap<string, ReadonlySet<string>> => {
    const known = shallowKeys.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (fragment === undefined || inside.has(name)) return new Map();
    inside.add(name);
    const keys = new Map<string, Set<string>>();
    keysOf(fragment.selectionSet, keys, inside);
    inside.delete(name);
    shallowKeys.set(name, keys);
    return keys;
  };
  const repeatsIn = (selectionSet: SelectionSetNode): number => {
    const keys = new Map<string, Set<string>>();
    keysOf(selectionSet, keys, new Set());
    let repeats = 0;
    for (const names of keys.values()) repeats += names.size - 1;
    const below = (set: SelectionSetNode): void => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.selectionSet !== undefined) repeats += repeatsIn(selection.selectionSet);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          below(selection.selectionSet);
        } else {
          repeats += fragmentRepeats(selection.name.value);
        }
      }
    };
    below(selectionSet);
    return repeats;
  };
  const fragmentRepeats = (name: string): number => {
    const known = deepRepeats.get(name);
    if (known !== undefined) return known;
    deepRepeats.set(name, 0); // a cycle counts nothing: validation refuses it
    const fragment = fragments.get(name);
    const repeats = fragment === undefined ? 0 : repeatsIn(fragment.selectionSet);
    deepRepeats.set(name, repeats);
    return repeats;
  };
  return countIn(operation.selectionSet);
}

function fieldOf(parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function valueOf(node: ValueNode, variables: Readonly<Record<string, unknown>>, fallback: unknown): unknown {
  if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
  if (node.kind === Kind.VARIABLE) {
    const name = node.name.value;
    // An absent variable leaves the argument to its default in the schema, as graphql-js does.
    return Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : fallback;
  }
  return null;
}
