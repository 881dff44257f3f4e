import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { AuthContext } from '../auth/context.js';
import { AccessError, type AllowClientsError } from '../errors.js';
import { httpChallenge, toGraphQLError } from '../http/challenge.js';
import { realmOf, refuseRealmOption } from './realm.js';
import { enforcementOf } from '../directives/enforcement.js';
import { principalOf, stateOf } from '../directives/requestState.js';
import { startedOperation, startOperation } from './operationStart.js';
import { introspectionSelections, introspectView, rewordedErrors, viewErrorsAsServerWould } from '../directives/callerView.js';
import { refusalError, withheldRefusal, withoutRepeatedDenials } from '../directives/completeResult.js';

/**
 * The Apollo Server side of allow-clients: decides every operation against `contextValue.principal`
 * in `didResolveOperation`, before any resolver runs, with the rules, mode and logger of the schema
 * prepared by `applyAllowClients`.
 *
 * - Mode `filter`: the operation runs; denied fields are null (null propagates through non-null
 *   fields as GraphQL requires) with one error per denied selection:
 *   `extensions: { code: 'FORBIDDEN', coordinate: 'Order.margin' }` (`UNAUTHENTICATED` for an anonymous
 *   caller), however long the lists they sit in. Denied resolvers, and everything beneath them, never run.
 * - Mode `reject`, and a mutation with any denial in every mode: the operation is refused before
 *   execution, HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (and `scope="…"`
 *   when scopes alone are missing), or 401 for an anonymous caller; `extensions.coordinates` lists
 *   the denied coordinates. An object of a type the caller may not see, met at run time through an
 *   interface or a union, turns the response of mode `reject` into the same refusal (no data), naming
 *   the field that returned it, never the type.
 * - `schemaView: 'caller'` (an option of `applyAllowClients`): each caller is validated and
 *   introspected against its own view of the schema. A document naming a field or type the caller's
 *   rules deny fails validation (400 `GRAPHQL_VALIDATION_FAILED`) with exactly the errors of a
 *   document naming one that does not exist, suggestions taken from the view; `__schema` and
 *   `__type` answer from the view. A caller that may read no Query field has no view: each of its
 *   requests, whatever the document (one that does not parse or validate included), is answered
 *   403 `FORBIDDEN` (401 for an anonymous caller), `coordinate: 'Query'`, no data, no resolver run. Ordinary requests are validated once, by Apollo Server, against
 *   the full schema: the view's validation runs only when that failed (to word the errors from the
 *   view) or when the cached decision shows the document touches something hidden.
 * - The challenges' realm is the one given to `createAuthContext`, carried by the context (`'api'`
 *   for a context made otherwise): the plugin takes no options.
 *
 * @throws TypeError when given options (the realm goes to `createAuthContext`); at server start, when the schema was not prepared
 * @example
 * ```ts
 * const schema = applyAllowClients(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }));
 * const server = new ApolloServer<AuthContext>({ schema, plugins: [allowClientsPlugin()] });
 * ```
 */
export function allowClientsPlugin<TContext extends AuthContext>(...unexpected: readonly never[]): ApolloServerPlugin<TContext> {
  refuseRealmOption(unexpected[0], 'allowClientsPlugin');
  return {
    async serverWillStart({ schema }) {
      if (enforcementOf(schema) === undefined) {
        throw new TypeError('allowClientsPlugin needs the schema returned by applyAllowClients (apply it last)');
      }
    },
    async requestDidStart() {
      let introspected: Record<string, unknown> | null = null;
      // The refusal of a caller that may read no Query field (it has no view), or null.
      let noView: AccessError | null = null;
      return {
        async didResolveSource(requestContext) {
          const enforcement = enforcementOf(requestContext.schema);
          if (enforcement === undefined || enforcement.schemaView !== 'caller') return;
          try {
            enforcement.viewOf(principalOf(requestContext.contextValue));
          } catch (error) {
            // No readable Query field, so no view: whatever the document (even one that does not
            // parse or validate), the answer is this refusal, written in willSendResponse.
            if (!(error instanceof AccessError)) throw error;
            noView = error;
          }
        },
        async validationDidStart(requestContext) {
          const enforcement = enforcementOf(requestContext.schema);
          if (enforcement === undefined || enforcement.schemaView !== 'caller') return;
          return async (errors) => {
            if (errors === undefined || errors.length === 0) return;
            if (noView !== null) {
              // The answer is the refusal (willSendResponse): other plugins' didEncounterErrors (logs,
              // metrics) see it too, rather than errors worded from the full schema, suggestions included.
              (errors as Error[]).splice(0, errors.length, refusalError(noView, [noView.coordinate ?? ''], realmOf(requestContext.contextValue)));
              return;
            }
            const view = enforcement.viewOf(principalOf(requestContext.contextValue));
            if (view.full) return;
            // Apollo Server answers with this very array: its errors are worded from the caller's view.
            const reworded = rewordedErrors(view, requestContext.schema, requestContext.document, errors as readonly GraphQLError[]);
            (errors as Error[]).splice(0, errors.length, ...reworded);
          };
        },
        async didResolveOperation(requestContext) {
          const enforcement = enforcementOf(requestContext.schema);
          // Fail closed: a schema swapped behind our back is not served.
          if (enforcement === undefined) throw toGraphQLError(new Error('schema not prepared by applyAllowClients'));
          const { contextValue, operation, document } = requestContext;
          // Shared with the limit plugins, which answer the view's refusal too whichever runs first.
          const { state, viewErrors: errors } = startOperation(requestContext);
          if (noView !== null) throw refusalError(noView, [noView.coordinate ?? ''], realmOf(contextValue));
          // The first of the view's errors; didEncounterErrors puts the others after it.
          if (errors?.[0] !== undefined) throw errors[0];
          if (operation === undefined || state === null) return; // Apollo answers an unresolved operation itself
          if (enforcement.schemaView === 'caller') {
            const view = enforcement.viewOf(principalOf(contextValue));
            const selections = view.full ? [] : introspectionSelections(operation, document);
            if (selections.length > 0) introspected = await introspectView(view, document, operation, selections, requestContext.request.variables);
          }
          if (state.decision.refusal !== null) throw refusalError(state.decision.refusal, [...state.decision.denied.keys()], realmOf(contextValue));
        },
        async didEncounterErrors(requestContext) {
          // didResolveOperation can throw one error; a document with several hidden names has several.
          // The first may have been thrown by a limit plugin (the same error object, from startOperation).
          const all = startedOperation(requestContext)?.viewErrors;
          if (all !== null && all !== undefined && requestContext.errors[0] === all[0]) (requestContext.errors as GraphQLError[]).splice(0, 1, ...all);
        },
        async willSendResponse(requestContext) {
          const body = requestContext.response.body;
          if (noView !== null) {
            refuseWhole(requestContext, noView, noView.coordinate);
            return;
          }
          // Apollo Server refuses a GET mutation (405) before any didResolveOperation: a document
          // naming what the caller's view lacks gets the view's 400 instead, as one naming what does
          // not exist gets its validation errors, so the 405 never tells a hidden mutation apart.
          if (requestContext.response.http.status === 405 && requestContext.request.http?.method === 'GET' && requestContext.document !== undefined) {
            const refused = startOperation({ ...requestContext, document: requestContext.document }).viewErrors;
            if (refused !== null) {
              // Written after formatError: suggestions are cut here when the server cuts Apollo's.
              const errors = viewErrorsAsServerWould(requestContext.schema, refused);
              requestContext.response.body = { kind: 'single', singleResult: { errors: errors.map(formattedValidationError) } };
              requestContext.response.http.status = 400;
              requestContext.response.http.headers.delete('allow');
              return;
            }
          }
          if (introspected !== null && body.kind === 'single') {
            const data = body.singleResult.data;
            if (data !== null && data !== undefined) for (const key of Object.keys(introspected)) if (key in data) data[key] = introspected[key];
          }
          const state = stateOf(requestContext.contextValue);
          if (state === undefined || (state.clear && state.withheld === null) || body.kind !== 'single') return;
          const withheld = withheldRefusal(state);
          if (withheld !== null) {
            // An object the caller may not see was met at run time: mode reject returns no data at all.
            refuseWhole(requestContext, withheld, withheld.coordinate);
            return;
          }
          const errors = body.singleResult.errors;
          if (errors !== undefined && errors.length > 1) body.singleResult.errors = withoutRepeatedDenials(errors);
        },
      };
    },
  };
}

/** Replaces the whole response with `refusal` naming `coordinate`: its status, challenge headers and one error, no data. */
function refuseWhole(requestContext: GraphQLRequestContextWillSendResponse<AuthContext>, refusal: AllowClientsError, coordinate: string | undefined): void {
  const challenge = httpChallenge(refusal, realmOf(requestContext.contextValue));
  requestContext.response.body = {
    kind: 'single',
    singleResult: { errors: [{ message: challenge.message, extensions: { code: challenge.code, coordinate, coordinates: [coordinate] } }] },
  };
  requestContext.response.http.status = challenge.status;
  for (const [name, value] of Object.entries(challenge.headers)) requestContext.response.http.headers.set(name, value);
}

/** A view's validation error as Apollo Server sends its own: message, locations, code. */
function formattedValidationError(error: GraphQLError): GraphQLFormattedError {
  return { message: error.message, ...(error.locations === undefined ? {} : { locations: error.locations }), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
}
