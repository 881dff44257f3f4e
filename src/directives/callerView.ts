import {
  execute,
  Kind,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
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
  return validate(view.schema, document, specifiedRules);
}

/**
 * The errors to answer for a document that failed validation against the full schema: the view's
 * errors from graphql-js's rules, plus those of the server's own rules (introspection off, depth…),
 * which do not depend on the view. When that leaves nothing, the full schema's errors stand.
 */
export function rewordedErrors(view: SchemaView, full: GraphQLSchema, document: DocumentNode, errors: readonly GraphQLError[]): readonly GraphQLError[] {
  const keyOf = (error: GraphQLError): string => `${error.message}\u0000${JSON.stringify(error.locations ?? [])}`;
  const fromSpecifiedRules = new Set(validate(full, document, specifiedRules).map(keyOf));
  const reworded = [...callerViewErrors(view, document), ...errors.filter((error) => !fromSpecifiedRules.has(keyOf(error)))];
  return reworded.length > 0 ? reworded : errors;
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
