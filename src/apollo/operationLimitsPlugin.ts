import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { AuthContext } from '../auth/context.js';
import { LimitError } from '../errors.js';
import { httpChallenge, toGraphQLError } from '../http/challenge.js';
import { startOperation } from './operationStart.js';
import { refuseRealmOption } from './realm.js';
import { countSourceTokens } from '../limits/documentMeter.js';
import { LIMIT_MESSAGES } from '../limits/operationLimits.js';
import type { OperationLimits } from '../limits/operationLimits.js';

/**
 * The Apollo Server plugin that applies {@link OperationLimits} to every operation, with the
 * caller's limits (its tier's), after validation and before execution. A refusal is a 400 with
 * `extensions.code` `QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`, `TOO_MANY_TOKENS`, `TOO_MANY_INTROSPECTIONS` or `QUERY_TOO_COSTLY`.
 *
 * Pass `limits.parseOptions` as the server's `parseOptions` too: documents above the highest
 * token limit then stop at parsing, and this plugin answers them with `TOO_MANY_TOKENS` rather
 * than a generic parse failure. Below that, a document is validated before this plugin sees it: to
 * refuse one over the caller's own token, depth or alias limit before validation, call
 * `createSourceCheck(limits).check(...)` before Apollo Server, where the caller is known (a plugin
 * cannot: Apollo Server answers 500 to an error thrown by a hook before validation).
 *
 * @throws TypeError when `limits` does not come from `createOperationLimits`, or options are given (it takes none).
 * @example
 * ```ts
 * new ApolloServer<AuthContext>({ schema, parseOptions: limits.parseOptions, plugins: [operationLimitsPlugin(limits)] });
 * ```
 */
export function operationLimitsPlugin<TContext extends AuthContext>(
  limits: OperationLimits,
  ...unexpected: readonly never[]
): ApolloServerPlugin<TContext> {
  if (typeof limits !== 'object' || limits === null || typeof limits.check !== 'function') {
    throw new TypeError('"limits" must come from createOperationLimits');
  }
  refuseRealmOption(unexpected[0], 'operationLimitsPlugin');
  const tokensError = (): LimitError => new LimitError(LIMIT_MESSAGES.tokens.code, LIMIT_MESSAGES.tokens.message);

  return {
    async requestDidStart(): Promise<GraphQLRequestListener<TContext>> {
      let tooManyTokensAtParse = false;
      return {
        async parsingDidStart(requestContext) {
          return async (error?: Error) => {
            // The parser stops at the highest limit; find out, within that bound, whether this is why.
            const source = requestContext.source;
            if (error !== undefined && source !== undefined && countSourceTokens(source, limits.maxTokens) > limits.maxTokens) {
              tooManyTokensAtParse = true;
            }
          };
        },
        async didResolveOperation(requestContext) {
          // A document naming what the caller's view lacks gets the view's answer, never a limit's.
          const started = startOperation(requestContext);
          if (started.noView !== null) return;
          if (started.viewErrors?.[0] !== undefined) throw started.viewErrors[0];
          try {
            limits.check({
              schema: requestContext.schema,
              document: requestContext.document,
              operation: requestContext.operation ?? null,
              operationName: requestContext.request.operationName ?? null,
              principal: requestContext.contextValue.principal ?? null,
              variables: requestContext.request.variables ?? null,
            });
          } catch (error) {
            throw toGraphQLError(error);
          }
        },
        async willSendResponse(requestContext) {
          if (!tooManyTokensAtParse) return;
          const challenge = httpChallenge(tokensError());
          requestContext.response.body = {
            kind: 'single',
            singleResult: { errors: [{ message: challenge.message, extensions: { code: challenge.code } }] },
          };
          requestContext.response.http.status = challenge.status;
        },
      };
    },
  };
}
