import {
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { Principal } from '../auth/principal.js';
import type { AccessError } from '../errors.js';
import type { CompiledRules } from './compileRules.js';
import { boundName } from '../text/boundName.js';
import { evaluateRule } from './evaluateRule.js';

/**
 * How denials are answered: `filter` nulls the denied fields, `reject` refuses the whole operation,
 * `dry-run` denies nothing and logs each decision that would deny (to roll out new rules on live traffic).
 */
export type EnforcementMode = 'filter' | 'reject' | 'dry-run';

/** One denied selection of an operation. */
export interface Denial {
  /** `Type.field` of the concrete type on which the selection would run. */
  readonly coordinate: string;
  /**
   * Response keys from the root (aliases as written, no list indices): `['myOrders', 'margin']`.
   * Each key is bounded by `boundName` (a 1 MB alias is kept as its first bytes and its length).
   */
  readonly path: readonly string[];
  readonly error: AccessError;
}

/** The denials of one coordinate in an operation, summed up for the log. */
export interface DeniedCoordinate {
  readonly coordinate: string;
  readonly code: AccessError['code'];
  /** The rule that refused, e.g. `@allowClients(ids: ["partner-gold"])`. */
  readonly detail: string | undefined;
  /** How many selections of the operation land on this coordinate (aliases, fragments, abstract types). */
  readonly selections: number;
  /** The first of them, as response keys joined by dots, at most {@link MAX_LOGGED_PATH_BYTES} bytes. */
  readonly path: string;
}

/** The most coordinates one log line lists; the rest are counted. */
export const MAX_LOGGED_COORDINATES = 50;

/** The most UTF-8 bytes of a logged path ({@link DeniedCoordinate.path}). */
export const MAX_LOGGED_PATH_BYTES = 512;

/** The authorization decision for one operation and one caller. */
export interface OperationDecision {
  /** The operation's name, bounded by `boundName` (at most 128 bytes). */
  readonly operationName: string | null;
  readonly operationType: OperationTypeNode;
  /** Denied selections, in document order; empty when the caller may run everything it asked for. */
  readonly denials: readonly Denial[];
  /** The denied coordinates of the operation and the error of each. */
  readonly denied: ReadonlyMap<string, AccessError>;
  /**
   * Set when the whole operation must be refused before execution: any denial in mode `reject`,
   * and any denial in a mutation in every mode (no partial writes). Null otherwise.
   */
  readonly refusal: AccessError | null;
  /**
   * The denials by coordinate, at most {@link MAX_LOGGED_COORDINATES} (in document order), for the
   * one log line a denied request writes: its size follows the schema, not the operation.
   */
  readonly deniedCoordinates: readonly DeniedCoordinate[];
  /**
   * The object types the caller may not see (their type-level rule refuses it) that the operation
   * could meet through an interface or a union, with the error of each. Such an object is withheld
   * whole at run time, `__typename` included; nothing beneath it is decided, so no denial names it.
   */
  readonly withheld: ReadonlyMap<string, AccessError>;
}

/**
 * A decision and the fragments its walk read, by name: a cached decision may be reused only with the
 * same ones. Kept apart from the decision, which holds no part of the document.
 */
export interface DecisionWithFragments {
  readonly decision: OperationDecision;
  readonly fragmentsRead: ReadonlyMap<string, FragmentDefinitionNode | undefined>;
}

/** Looks up a fragment of the operation's document by name. */
export type FragmentLookup = (name: string) => FragmentDefinitionNode | undefined;

/** A path as a linked list, so that the walk copies a path only when it denies. */
interface PathLink {
  readonly key: string;
  readonly prev: PathLink | null;
}

/**
 * Walks the operation as the executor could run it and decides every field against the rules:
 * aliases, named and inline fragments, and each possible concrete type of an abstract type.
 * `@skip`/`@include` are ignored on purpose: every field that might run is checked.
 *
 * Each (selection set, concrete type) pair is walked once, so the cost follows the size of the
 * operation (times the possible types of its abstract fields), never the size of a result.
 * Nothing beneath a denied field is walked: it will not run.
 */
export function decideOperation(
  rules: CompiledRules,
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: FragmentLookup,
  principal: Principal | null,
  mode: EnforcementMode,
): DecisionWithFragments {
  const verdicts = new Map<string, AccessError | null>();
  const denials: Denial[] = [];
  const denied = new Map<string, AccessError>();
  const visited = new Map<SelectionSetNode, Set<GraphQLObjectType>>();
  const fragmentsRead = new Map<string, FragmentDefinitionNode | undefined>();
  const withheld = new Map<string, AccessError>();
  const typeVerdicts = new Map<string, AccessError | null>();
  let scopes: ReadonlySet<string> | undefined;

  /** The error that hides objects of `type` from the caller, or null when the caller may see them. */
  const typeVerdict = (type: GraphQLObjectType): AccessError | null => {
    const rule = rules.types.get(type.name);
    if (rule === undefined) return null;
    let verdict = typeVerdicts.get(type.name);
    if (verdict === undefined) {
      scopes ??= new Set(principal?.scopes ?? []);
      verdict = evaluateRule(rule, principal, scopes);
      typeVerdicts.set(type.name, verdict);
      if (verdict !== null) withheld.set(type.name, verdict);
    }
    return verdict;
  };

  const applies = (condition: NamedTypeNode | undefined, type: GraphQLObjectType): boolean => {
    if (condition === undefined) return true;
    const conditionType = schema.getType(condition.name.value);
    if (conditionType === undefined || conditionType === null) return false;
    return conditionType === type || (isAbstractType(conditionType) && schema.isSubType(conditionType, type));
  };

  const visit = (selectionSet: SelectionSetNode, type: GraphQLObjectType, path: PathLink | null): void => {
    let types = visited.get(selectionSet);
    if (types === undefined) {
      types = new Set();
      visited.set(selectionSet, types);
    }
    if (types.has(type)) return;
    types.add(type);
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition, type)) visit(selection.selectionSet, type, path);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments(selection.name.value);
        fragmentsRead.set(selection.name.value, fragment);
        if (fragment !== undefined && applies(fragment.typeCondition, type)) visit(fragment.selectionSet, type, path);
        continue;
      }
      const name = selection.name.value;
      // __typename, __schema and __type are always allowed (turn introspection off in production).
      if (name.startsWith('__')) continue;
      const field = type.getFields()[name];
      if (field === undefined) continue; // not in the schema: the executor runs nothing for it
      const coordinate = `${type.name}.${name}`;
      const link: PathLink = { key: selection.alias?.value ?? name, prev: path };
      const rule = rules.fields.get(coordinate);
      if (rule !== undefined) {
        let verdict = verdicts.get(coordinate);
        if (verdict === undefined) {
          scopes ??= new Set(principal?.scopes ?? []);
          verdict = evaluateRule(rule, principal, scopes);
          verdicts.set(coordinate, verdict);
        }
        if (verdict !== null) {
          denials.push({ coordinate, path: pathToKeys(link), error: verdict });
          denied.set(coordinate, verdict);
          continue;
        }
      }
      if (selection.selectionSet === undefined) continue;
      const named = getNamedType(field.type);
      if (isObjectType(named)) visit(selection.selectionSet, named, link);
      else if (isAbstractType(named)) {
        // An object of a type the caller may not see is withheld whole: nothing of it is walked or named.
        for (const possible of schema.getPossibleTypes(named)) {
          if (typeVerdict(possible) === null) visit(selection.selectionSet, possible, link);
        }
      }
    }
  };

  const root = schema.getRootType(operation.operation);
  if (root !== undefined && root !== null) visit(operation.selectionSet, root, null);
  const decision: OperationDecision = Object.freeze({
    operationName: operation.name === undefined ? null : boundName(operation.name.value),
    operationType: operation.operation,
    denials: Object.freeze(denials),
    denied,
    refusal: denials.length > 0 && (mode === 'reject' || operation.operation === 'mutation') ? refusalOf(denials) : null,
    deniedCoordinates: summarize(denials),
    withheld,
  });
  return { decision, fragmentsRead };
}

/** One entry per denied coordinate, in the order first met. */
function summarize(denials: readonly Denial[]): readonly DeniedCoordinate[] {
  if (denials.length === 0) return NO_DENIALS;
  const byCoordinate = new Map<string, { first: Denial; selections: number }>();
  for (const denial of denials) {
    const entry = byCoordinate.get(denial.coordinate);
    if (entry !== undefined) entry.selections += 1;
    else if (byCoordinate.size < MAX_LOGGED_COORDINATES) byCoordinate.set(denial.coordinate, { first: denial, selections: 1 });
  }
  return Object.freeze(
    [...byCoordinate.values()].map(({ first, selections }) =>
      Object.freeze({ coordinate: first.coordinate, code: first.error.code, detail: first.error.detail, selections, path: boundName(first.path.join('.'), MAX_LOGGED_PATH_BYTES) }),
    ),
  );
}

const NO_DENIALS: readonly DeniedCoordinate[] = Object.freeze([]);

/** The error that refuses a whole operation: authenticate first, then what scopes cannot fix. */
function refusalOf(denials: readonly Denial[]): AccessError {
  const first = denials[0] as Denial;
  return (
    denials.find((denial) => denial.error.code === 'ERR_UNAUTHENTICATED') ??
    denials.find((denial) => denial.error.requiredScopes === undefined) ??
    first
  ).error;
}

function pathToKeys(link: PathLink): string[] {
  const keys: string[] = [];
  for (let current: PathLink | null = link; current !== null; current = current.prev) keys.push(boundName(current.key));
  return keys.reverse();
}
