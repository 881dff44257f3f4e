import { getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/principal.js';
import type { FragmentLookup, OperationDecision } from './decideOperation.js';
import { enforcementOf } from './enforcement.js';
import { startRequest } from './requestState.js';

/** Arguments of {@link checkOperation}. */
export interface CheckOperationArgs {
  /** A schema returned by `applyAllowClients` (or `allowClients().transformer`). */
  readonly schema: GraphQLSchema;
  /** The parsed (and validated) operation document. */
  readonly document: DocumentNode;
  readonly operationName?: string | null | undefined;
  /** The caller, or null for an anonymous one. */
  readonly principal: Principal | null;
  /**
   * The context object the operation will execute with. When given, the decision is bound to it
   * and the schema's field guards use it instead of deciding again.
   */
  readonly contextValue?: object | undefined;
}

const fragmentMaps = new WeakMap<DocumentNode, ReadonlyMap<string, FragmentDefinitionNode>>();

/**
 * Decides an operation for a caller before execution, as the Apollo plugin does; for Yoga, envelop
 * and other graphql-js servers. The decision is cached per (operation, principal's access key), so a
 * repeated operation costs a lookup. A call with denials writes one log line.
 *
 * Refuse the operation when `decision.refusal` is set (mode `reject`, or a mutation with a denial):
 * `toGraphQLError(decision.refusal, { realm })` gives the error with its HTTP status and challenge
 * (with `headers: 'record'` for Yoga, which copies `extensions.http.headers` as a plain object).
 *
 * @returns the decision, or null when the document has no such operation (execution will say so)
 * @throws TypeError when the schema was not prepared by `applyAllowClients`
 * @example
 * ```ts
 * // envelop / Yoga: onExecute({ args, setResultAndStopExecution })
 * const decision = checkOperation({ schema: args.schema, document: args.document, operationName: args.operationName,
 *   principal: args.contextValue.principal, contextValue: args.contextValue });
 * if (decision?.refusal) setResultAndStopExecution({ errors: [toGraphQLError(decision.refusal, { realm: 'api', headers: 'record' })] });
 * ```
 */
export function checkOperation(args: CheckOperationArgs): OperationDecision | null {
  const enforcement = enforcementOf(args.schema);
  if (enforcement === undefined) {
    throw new TypeError('"schema" must be a schema returned by applyAllowClients (apply it last)');
  }
  const operation = getOperationAST(args.document, args.operationName);
  if (operation === null || operation === undefined) return null;
  return startRequest(enforcement, args.contextValue, operation, fragmentLookup(args.document), args.principal).decision;
}

/** Fragments of a document by name, indexed once per document object. */
export function fragmentLookup(document: DocumentNode): FragmentLookup {
  let fragments = fragmentMaps.get(document);
  if (fragments === undefined) {
    const map = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) map.set(definition.name.value, definition);
    }
    fragments = map;
    fragmentMaps.set(document, fragments);
  }
  const found = fragments;
  return (name) => found.get(name);
}
