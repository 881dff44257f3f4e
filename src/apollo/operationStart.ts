/**
 * What allow-clients decides of a request once Apollo Server knows its operation, computed once per
 * request by whichever of our plugins asks first.
 *
 * Apollo Server runs every plugin's `didResolveOperation` at once and answers the first error thrown.
 * With per-client schema views, a document that names what the caller's view lacks must be answered
 * as one naming what does not exist: a 400 from the view's validation, and nothing else. So the
 * operation limits and the rate limit ask here first, and answer the view's refusal themselves when
 * there is one (never their own verdict, nor a charge that a nonexistent field would not cost):
 * whatever the order of the plugins, the caller learns nothing from limits about hidden parts.
 */
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { AccessError } from '../errors.js';
import { callerViewErrors, missingRootTypes, touchesHiddenPart } from '../directives/callerView.js';
import { fragmentLookup } from '../directives/checkOperation.js';
import { enforcementOf } from '../directives/enforcement.js';
import { principalOf, startRequest, type RequestState } from '../directives/requestState.js';

/** The request as our plugins see it in `didResolveOperation`. */
export interface OperationRequest {
  readonly request: object;
  readonly schema: GraphQLSchema;
  readonly contextValue: unknown;
  readonly document: DocumentNode;
  readonly operation?: OperationDefinitionNode | null | undefined;
}

/** What was decided of the request's operation. */
export interface OperationStart {
  /** The decision bound to the context (null: no operation, or a schema not prepared by applyAllowClients). */
  readonly state: RequestState | null;
  /** The caller may read no Query field, so it has no view: allowClientsPlugin refuses the request whole. */
  readonly noView: AccessError | null;
  /** The view's validation errors of the document (400 `GRAPHQL_VALIDATION_FAILED`), the first to throw; null when it is valid in the view. */
  readonly viewErrors: readonly GraphQLError[] | null;
}

const NOTHING: OperationStart = Object.freeze({ state: null, noView: null, viewErrors: null });
// Keyed by Apollo's request object: one per HTTP request, seen by every plugin of it.
const started = new WeakMap<object, OperationStart>();

/** The start of a request's operation, if one of our plugins made it. */
export function startedOperation(requestContext: { readonly request: object }): OperationStart | undefined {
  return started.get(requestContext.request);
}

/**
 * The error to answer first, if the caller's view refuses the request's document: for a plugin of
 * your own that refuses requests in `didResolveOperation` (Apollo Server runs every plugin's at
 * once and answers the first error), so that its answer never tells a hidden field from one that
 * does not exist. Null when the view admits the document (or views are off).
 *
 * @example
 * ```ts
 * async didResolveOperation(requestContext) {
 *   const refused = viewRefusal(requestContext);
 *   if (refused !== null) throw refused;
 *   // ... your own checks
 * }
 * ```
 */
export function viewRefusal(requestContext: OperationRequest): GraphQLError | null {
  return startOperation(requestContext).viewErrors?.[0] ?? null;
}

/** Decides the request's operation once (binding the decision to the context and logging its denials). */
export function startOperation(requestContext: OperationRequest): OperationStart {
  const known = started.get(requestContext.request);
  if (known !== undefined) return known;
  const result = decide(requestContext);
  started.set(requestContext.request, result);
  return result;
}

function decide({ schema, contextValue, document, operation }: OperationRequest): OperationStart {
  const enforcement = enforcementOf(schema);
  if (enforcement === undefined) return NOTHING;
  const principal = principalOf(contextValue);
  let noView: AccessError | null = null;
  let view = null;
  if (enforcement.schemaView === 'caller') {
    try {
      view = enforcement.viewOf(principal);
    } catch (error) {
      if (!(error instanceof AccessError)) throw error;
      noView = error;
    }
  }
  const state = operation === undefined || operation === null ? null : startRequest(enforcement, contextValue, operation, fragmentLookup(document), principal);
  if (view === null || view.full) return { state, noView, viewErrors: null };
  // With no operation resolved (an unknown or missing operation name), Apollo answers that only
  // after the view, so the document is always checked against the view: one naming what it lacks
  // gets the view's errors, as one naming what does not exist got Apollo's validation errors.
  // graphql-js 16 does not check that the schema has the operation's root type: a view without a
  // Mutation type must answer a mutation as a schema without one would, whatever the fields.
  const checked = state === null || missingRootTypes(view.schema, document).length > 0 || touchesHiddenPart(view, document, state.decision);
  if (!checked) return { state, noView, viewErrors: null };
  const errors = callerViewErrors(view, document).map(asValidationError);
  return { state, noView, viewErrors: errors.length > 0 ? errors : null };
}

/** A validation error of the caller's view, as Apollo Server reports its own (400, `GRAPHQL_VALIDATION_FAILED`). */
export function asValidationError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error,
    extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
  });
}
