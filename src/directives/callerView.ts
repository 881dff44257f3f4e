import {
  execute,
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { OperationDecision } from './decideOperation.js';
import type { SchemaView } from './schemaView.js';

/** The type names a document writes (type conditions, variable types), by document. */
const namedTypes = new WeakMap<DocumentNode, readonly string[]>();

function typeNamesOf(document: DocumentNode): readonly string[] {
  let names = namedTypes.get(document);
  if (names === undefined) {
    const found = new Set<string>();
    visit(document, {
      NamedType(node) {
        found.add(node.name.value);
      },
    });
    names = [...found];
    namedTypes.set(document, names);
  }
  return names;
}

/**
 * Whether a document validated against the full schema may touch what the caller's view lacks, so
 * that it must be validated against the view: a denied selection, a type the view lacks, or a
 * document the decision did not walk whole (several operations). Cheap for ordinary requests: the
 * decision is cached, the type names are read once per parsed document.
 */
export function touchesHiddenPart(view: SchemaView, document: DocumentNode, decision: OperationDecision): boolean {
  if (view.full) return false;
  if (decision.denials.length > 0 || view.prunedAdmitted) return true;
  let operations = 0;
  for (const definition of document.definitions) if (definition.kind === Kind.OPERATION_DEFINITION && ++operations > 1) return true;
  if (view.hiddenTypes.size === 0) return false;
  return typeNamesOf(document).some((name) => view.hiddenTypes.has(name));
}

/**
 * The errors of `document` validated against the caller's view with graphql-js's rules: those of a
 * document that names a hidden field or type are exactly those of one that names a field or type
 * that does not exist, suggestions included (they come from the view).
 */
export function callerViewErrors(view: SchemaView, document: DocumentNode): readonly GraphQLError[] {
  return capErrors([...missingRootTypes(view.schema, document), ...validate(view.schema, document, specifiedRules)]);
}

/**
 * graphql-js's cap on a list of validation errors, wherever they come from: at most 100, then its
 * "Too many validation errors" error last, so that lists made of parts (the view's, the server's
 * rules', a missing root type) end alike whichever part is longer.
 */
function capErrors(errors: readonly GraphQLError[], alreadyCapped = false): readonly GraphQLError[] {
  const kept = errors.filter((error) => error.message !== ABORTED);
  const capped = alreadyCapped || kept.length < errors.length || kept.length > MAX_ERRORS;
  return capped ? [...kept.slice(0, MAX_ERRORS), new GraphQLError(ABORTED)] : kept;
}

/**
 * The error graphql-js answers at execution for an operation whose root type the schema lacks
 * (`Schema is not configured to execute mutation operation.`), one per such operation: graphql-js 16
 * does not validate it, so a view without a Mutation type would otherwise answer a mutation's
 * fields from the full schema's errors, or run `mutation { __typename }`.
 */
export function missingRootTypes(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION || schema.getRootType(definition.operation) !== undefined) continue;
    errors.push(new GraphQLError(`Schema is not configured to execute ${definition.operation} operation.`, { nodes: definition }));
  }
  return errors;
}

/**
 * The errors to answer for a document that failed validation against the full schema: the view's
 * errors from graphql-js's rules, plus those of the server's own rules (introspection off, depth…),
 * which do not depend on the view. When that leaves nothing, the full schema's errors stand.
 */
export function rewordedErrors(view: SchemaView, full: GraphQLSchema, document: DocumentNode, errors: readonly GraphQLError[]): readonly GraphQLError[] {
  // Compared without their suggestions: a server hiding schema details (Apollo Server's
  // hideSchemaDetailsFromClientErrors) has already cut them from `errors`.
  const keyOf = (error: GraphQLError): string => `${withoutSuggestion(error.message)}\u0000${JSON.stringify(error.locations ?? [])}`;
  // Capped as Apollo Server's own pass is (an uncapped pass is quadratic in overlapping fields):
  // `errors`' specified-rule errors are a prefix of these, in document order.
  const fullErrors = validate(full, document, specifiedRules);
  const fromSpecifiedRules = new Set(fullErrors.map(keyOf));
  const given = new Map(errors.map((error) => [keyOf(error), error.message]));
  // Suggestions are hidden when an error that had one in the full schema came without it: the view's errors then go without theirs too.
  const evidence = fullErrors.find((error) => SUGGESTION.test(error.message) && given.has(keyOf(error)));
  if (evidence !== undefined) suggestionsHidden.set(full, !SUGGESTION.test(given.get(keyOf(evidence)) ?? ''));
  const hideSuggestions = suggestionsHidden.get(full) === true;
  const viewErrors = callerViewErrors(view, document).map((error) => (hideSuggestions ? withoutSuggestions(error) : error));
  const capped = errors.some((error) => error.message === ABORTED);
  const reworded = [...viewErrors, ...errors.filter((error) => error.message !== ABORTED && !fromSpecifiedRules.has(keyOf(error)))];
  if (reworded.length === 0) return errors;
  // graphql-js's cap over the view's errors and the server's together: the same list whether a name
  // is hidden (valid in the full schema) or does not exist (an error there too).
  return capErrors(reworded, capped);
}

/**
 * Whether the server cuts graphql-js's suggestions from validation errors (Apollo Server's
 * `hideSchemaDetailsFromClientErrors`), as last seen on a failed validation of the schema; unknown
 * until then, taken as yes (see {@link viewErrorsAsServerWould}).
 */
const suggestionsHidden = new WeakMap<GraphQLSchema, boolean>();

/** A view's errors answered outside Apollo's validation (after `formatError`), with suggestions cut when the server cuts them. */
export function viewErrorsAsServerWould(full: GraphQLSchema, errors: readonly GraphQLError[]): readonly GraphQLError[] {
  return suggestionsHidden.get(full) === false ? errors : errors.map(withoutSuggestions);
}

function withoutSuggestions(error: GraphQLError): GraphQLError {
  return SUGGESTION.test(error.message) ? withMessage(error, withoutSuggestion(error.message)) : error;
}

/** graphql-js's default `maxErrors` of validation, and the error it ends a capped list with. */
const MAX_ERRORS = 100;
const ABORTED = 'Too many validation errors, error limit reached. Validation aborted.';

/** graphql-js's suggestion at the end of a message, as Apollo Server's DisableSuggestions plugin cuts it. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

function withoutSuggestion(message: string): string {
  return message.replace(SUGGESTION, '');
}

function withMessage(error: GraphQLError, message: string): GraphQLError {
  return new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: error.extensions });
}

/** The root `__schema` and `__type` selections of an operation, fragments at the root included. */
export function introspectionSelections(operation: OperationDefinitionNode, document: DocumentNode): readonly FieldNode[] {
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__schema' || selection.name.value === '__type') found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = document.definitions.find(
          (definition): definition is FragmentDefinitionNode =>
            definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
        );
        if (fragment !== undefined) walk(fragment.selectionSet);
      }
    }
  };
  if (operation.operation === 'query') walk(operation.selectionSet);
  return found;
}

/**
 * Answers the operation's root `__schema` and `__type` selections from the caller's view: the data
 * by response key, to put in place of what the full schema answered. Only these selections run.
 */
export async function introspectView(
  view: SchemaView,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  selections: readonly FieldNode[],
  variableValues: Readonly<Record<string, unknown>> | undefined,
): Promise<Record<string, unknown>> {
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const reduced: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections } }, ...fragments],
  };
  const result = await execute({ schema: view.schema, document: reduced, variableValues: variableValues ?? {} });
  return result.data ?? {};
}
