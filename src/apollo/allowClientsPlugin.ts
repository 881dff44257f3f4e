import type { ApolloServerPlugin } from '@apollo/server';
import type { AuthContext } from '../auth/context.js';
import { httpChallenge, toGraphQLError } from '../http/challenge.js';
import { realmOf, refuseRealmOption } from './realm.js';
import { fragmentLookup } from '../directives/checkOperation.js';
import { enforcementOf } from '../directives/enforcement.js';
import { principalOf, startRequest, stateOf } from '../directives/requestState.js';
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
      return {
        async didResolveOperation(requestContext) {
          const enforcement = enforcementOf(requestContext.schema);
          // Fail closed: a schema swapped behind our back is not served.
          if (enforcement === undefined) throw toGraphQLError(new Error('schema not prepared by applyAllowClients'));
          const { contextValue, operation, document } = requestContext;
          if (operation === undefined) return; // Apollo answers this itself, before execution
          const state = startRequest(enforcement, contextValue, operation, fragmentLookup(document), principalOf(contextValue));
          if (state.decision.refusal !== null) throw refusalError(state.decision.refusal, [...state.decision.denied.keys()], realmOf(contextValue));
        },
        async willSendResponse(requestContext) {
          const state = stateOf(requestContext.contextValue);
          const body = requestContext.response.body;
          if (state === undefined || (state.clear && state.withheld === null) || body.kind !== 'single') return;
          const withheld = withheldRefusal(state);
          if (withheld !== null) {
            // An object the caller may not see was met at run time: mode reject returns no data at all.
            const challenge = httpChallenge(withheld, realmOf(requestContext.contextValue));
            body.singleResult = { errors: [{ message: challenge.message, extensions: { code: challenge.code, coordinate: withheld.coordinate, coordinates: [withheld.coordinate] } }] };
            requestContext.response.http.status = challenge.status;
            for (const [name, value] of Object.entries(challenge.headers)) requestContext.response.http.headers.set(name, value);
            return;
          }
          const errors = body.singleResult.errors;
          if (errors !== undefined && errors.length > 1) body.singleResult.errors = withoutRepeatedDenials(errors);
        },
      };
    },
  };
}
