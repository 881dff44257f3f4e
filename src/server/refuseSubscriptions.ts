/**
 * Subscriptions are not served over HTTP by the reference server (no event transport): a
 * `subscription { … }` operation is refused with a 400 and a code, before authorization and
 * execution, as the caller's mistake it is.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { AuthContext } from '../index.js';
import { viewRefusal } from '../apollo/index.js';

/** The code of a refused subscription. */
export const SUBSCRIPTIONS_NOT_SUPPORTED = 'SUBSCRIPTIONS_NOT_SUPPORTED';

/**
 * The Apollo plugin that refuses subscription operations with HTTP 400
 * `extensions.code: SUBSCRIPTIONS_NOT_SUPPORTED`. Without it, graphql-js answers "Schema is not
 * configured to execute subscription operation" from execution, which Apollo reports as an internal
 * error (200, an error-level log line with a stack, on every request).
 */
export function refuseSubscriptionsPlugin(): ApolloServerPlugin<AuthContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          // The caller's view first: a document naming what it lacks is answered as one naming nothing.
          const refused = viewRefusal(requestContext);
          if (refused !== null) throw refused;
          if (requestContext.operation?.operation !== 'subscription') return;
          throw new GraphQLError('Subscriptions are not supported by this API: send a query or a mutation', {
            extensions: { code: SUBSCRIPTIONS_NOT_SUPPORTED, http: { status: 400 } },
          });
        },
      };
    },
  };
}
