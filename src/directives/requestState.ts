import { GraphQLError, isNonNullType, responsePathAsArray, type FieldNode, type GraphQLResolveInfo, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { AccessError } from '../errors.js';
import { toGraphQLError } from '../http/challenge.js';
import { silentLogger } from '../logger.js';
import { notify } from '../observe/metricsHooks.js';
import type { FragmentLookup, OperationDecision } from './decideOperation.js';
import type { Enforcement } from './enforcement.js';
import { boundName } from '../text/boundName.js';

/** The most UTF-8 bytes of the client id in a denial log line. */
const MAX_LOGGED_ID_BYTES = 256;

/**
 * The decision of one request, bound to its context object so that the field guards find it
 * with one WeakMap lookup, plus the errors already reported (one per denied selection).
 */
export interface RequestState {
  readonly enforcement: Enforcement;
  readonly operation: OperationDefinitionNode;
  readonly decision: OperationDecision;
  /** Nothing is denied: every guard calls straight through. */
  readonly clear: boolean;
  /** The root value the reported errors belong to: each subscription event is a new response. */
  rootValue: unknown;
  reported: Map<FieldNode, GraphQLError> | null;
  /** The first object withheld at run time (a type the caller may not see), or null. */
  withheld: AccessError | null;
}

// The state is read by every guard call, so it lives on the context object itself under a symbol
// (one inline-cached property load; Apollo Server adds its own symbols to contexts alike), and in a
// WeakMap for contexts that are frozen or sealed.
export const STATE: unique symbol = Symbol('allow-clients request state');
const frozenStates = new WeakMap<object, RequestState>();
const UNSEEN: unique symbol = Symbol('unseen root value');
// Field errors carry no HTTP part (and so no challenge).
const FIELD_ERROR_OPTIONS = { http: false } as const;

/** The state bound to a context, if any. */
export function stateOf(context: unknown): RequestState | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  return (context as { [STATE]?: RequestState })[STATE] ?? frozenStates.get(context);
}

function bind(context: unknown, state: RequestState): void {
  if (typeof context !== 'object' || context === null) return;
  if (Object.isExtensible(context) || Object.hasOwn(context, STATE)) {
    Object.defineProperty(context, STATE, { value: state, writable: true, configurable: true, enumerable: false });
  } else {
    frozenStates.set(context, state);
  }
}

/**
 * Decides the operation for the caller (from the cache when possible), binds the decision to the
 * context and logs the denials once for this request.
 */
export function startRequest(
  enforcement: Enforcement,
  context: unknown,
  operation: OperationDefinitionNode,
  fragments: FragmentLookup,
  principal: Principal | null,
): RequestState {
  const decided = enforcement.decide(operation, fragments, principal);
  const dryRun = enforcement.mode === 'dry-run';
  const decision = dryRun ? allowedInDryRun(decided) : decided;
  const state: RequestState = {
    enforcement,
    operation,
    decision,
    clear: decision.denials.length === 0,
    rootValue: UNSEEN,
    reported: null,
    withheld: null,
  };
  bind(context, state);
  if (decided.denials.length > 0) {
    // One line per request, whatever the number of denied selections: a caller cannot multiply the
    // log. Its size is bounded too: at most MAX_LOGGED_COORDINATES coordinates, names and paths bounded.
    // With no logger configured (the silent default), the line is not even built.
    if (enforcement.logger !== silentLogger) logDenials(enforcement, decided, principal, dryRun);
    if (!dryRun) notify(enforcement.metrics, enforcement.logger, (hooks) => hooks.operationDenied?.({ principal, decision, context }));
  }
  return state;
}

/** The one log line of a request's denials (bounded: see {@link startRequest}). */
function logDenials(enforcement: Enforcement, decided: OperationDecision, principal: Principal | null, dryRun: boolean): void {
  const coordinates = decided.deniedCoordinates;
  const listed = coordinates.reduce((sum, entry) => sum + entry.selections, 0);
  enforcement.logger.info(
    {
      clientId: principal === null ? null : boundName(principal.client.id, MAX_LOGGED_ID_BYTES),
      kind: principal?.kind ?? 'anonymous',
      operationName: decided.operationName,
      selections: decided.denials.length,
      denied: coordinates,
      ...(listed < decided.denials.length ? { unlistedSelections: decided.denials.length - listed } : {}),
      ...(dryRun ? { dryRun: true } : {}),
    },
    dryRun ? 'allow-clients: dry run, access would be denied' : 'allow-clients: access denied',
  );
}

/**
 * Answers a denied field: the first time a selection is met, its FORBIDDEN/UNAUTHENTICATED error is
 * thrown (located at that first path); later list items of the same selection give null without a
 * new error, except for a non-null field, which must throw for null to propagate (the same error
 * object is thrown again, and the Apollo plugin removes the repeats from the response).
 */
export function denyField(state: RequestState, error: AccessError, info: GraphQLResolveInfo): null {
  const located = reported(state, info);
  if (located === undefined) throw report(state, error, info);
  if (isNonNullType(info.returnType)) throw located;
  return null;
}

/**
 * Withholds an object whose type the caller may not see, met through an interface or a union: it
 * is null (as a whole, `__typename` included) with one error per selection, located at the field
 * that returned it (resolveType is not told the list index) and naming that field (`Query.search`),
 * never the hidden type. Thrown from the abstract type's
 * `resolveType`, which cannot answer null: later items throw the first item's error object again,
 * and the repeats are removed from the response as for {@link denyField}.
 */
export function withholdObject(state: RequestState, hidden: AccessError, info: GraphQLResolveInfo): never {
  const located = reported(state, info);
  if (located !== undefined) throw located;
  const error = new AccessError(hidden.code, {
    coordinate: `${info.parentType.name}.${info.fieldName}`,
    detail: `withheld an object of type ${hidden.coordinate ?? '(unknown)'}: ${hidden.detail ?? 'not admitted'}`,
  });
  state.withheld ??= error;
  throw report(state, error, info);
}

/** The error already reported for this selection in this response, if any. */
function reported(state: RequestState, info: GraphQLResolveInfo): GraphQLError | undefined {
  if (state.rootValue !== info.rootValue) {
    if (state.rootValue !== UNSEEN) state.reported = null;
    state.rootValue = info.rootValue;
  }
  return state.reported?.get(info.fieldNodes[0] as FieldNode);
}

/** The located error of a selection's first denial, remembered for the later items. */
function report(state: RequestState, error: AccessError, info: GraphQLResolveInfo): GraphQLError {
  const mapped = toGraphQLError(error, FIELD_ERROR_OPTIONS);
  const located = new GraphQLError(mapped.message, {
    nodes: info.fieldNodes,
    path: responsePathAsArray(info.path),
    extensions: mapped.extensions,
  });
  state.reported ??= new Map();
  state.reported.set(info.fieldNodes[0] as FieldNode, located);
  return located;
}

/** The principal of an `AuthContext`; anything else (no context, a malformed principal) is anonymous. */
export function principalOf(context: unknown): Principal | null {
  if (typeof context !== 'object' || context === null) return null;
  const principal: unknown = (context as { principal?: unknown }).principal;
  return isPrincipal(principal) ? principal : null;
}

function isPrincipal(value: unknown): value is Principal {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const client = candidate['client'] as Record<string, unknown> | null | undefined;
  return (
    (candidate['kind'] === 'machine' || candidate['kind'] === 'user') &&
    typeof candidate['accessKey'] === 'string' &&
    Array.isArray(candidate['scopes']) &&
    typeof client === 'object' &&
    client !== null &&
    typeof client['id'] === 'string' &&
    (client['name'] === null || typeof client['name'] === 'string') &&
    (client['metadata'] === null || (typeof client['metadata'] === 'object' && client['metadata'] !== undefined))
  );
}

/** The decision of a dry run: what would be denied is logged, nothing is denied or withheld. */
const dryRunDecisions = new WeakMap<OperationDecision, OperationDecision>();

function allowedInDryRun(decision: OperationDecision): OperationDecision {
  if (decision.denials.length === 0 && decision.withheld.size === 0) return decision;
  let allowed = dryRunDecisions.get(decision);
  if (allowed === undefined) {
    allowed = Object.freeze({ ...decision, denials: [], denied: new Map(), refusal: null, deniedCoordinates: [], withheld: new Map() });
    dryRunDecisions.set(decision, allowed);
  }
  return allowed;
}
