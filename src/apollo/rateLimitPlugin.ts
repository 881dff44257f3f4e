import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { AuthContext } from '../auth/context.js';
import { toGraphQLError } from '../http/challenge.js';
import { startOperation } from './operationStart.js';
import { refuseRealmOption } from './realm.js';
import { mergeRateLimitField, rateLimitFields } from '../http/rateLimitHeaders.js';
import type { RateLimiter, RateLimitState } from '../limits/rateLimit.js';
import { rootMutationFields } from '../limits/rootFields.js';

/** Options of {@link rateLimitPlugin}. */
export interface RateLimitPluginOptions<TContext extends AuthContext> {
  /**
   * The caller's remote address, for anonymous callers (counted per address). Put it in your context
   * function (`req.socket.remoteAddress`) and return it here; without it, every anonymous caller
   * shares one allowance. Not used for callers with a principal.
   */
  readonly address?: (context: TContext) => string | null | undefined;
  /**
   * How many requests an operation counts for. Default: one per root field of a mutation (aliases
   * apart: 49 aliased `placeOrder` fields cost 49), one for any other operation. Return 0 to count
   * nothing here, e.g. the part already counted at the HTTP edge.
   */
  readonly points?: (operation: { readonly document: DocumentNode; readonly operation: OperationDefinitionNode }) => number;
}

/**
 * The Apollo Server plugin that counts every operation received over HTTP against a {@link RateLimiter} (per client id,
 * per client and user for user tokens, per address when anonymous), after validation and before
 * execution, so a refused operation runs no resolver. A refusal is a 429 with `extensions.code`
 * `RATE_LIMITED`, `Retry-After` and the `RateLimit-Policy` / `RateLimit` fields. A mutation counts
 * once per root field (see the `points` option). Every counted
 * response carries the two fields too, one item per policy (requests per window, daily and monthly
 * quotas). Add {@link costBudgetPlugin} for the cost budget.
 *
 * Requests refused earlier (no or bad token: 401 from the context function; a document that does
 * not parse or validate: 400) are not counted: they never execute. With HTTP batching on (Apollo's
 * `allowBatchedHttpRequests`, off by default), each operation of a batch is counted, and a refused
 * one turns the whole response into a 429 although earlier operations of the batch ran: keep
 * batching off. Subscriptions over a WebSocket server do not pass through Apollo's plugins. The
 * reference server counts before Apollo Server instead (see `src/server/createReferenceServer.ts`); the
 * NestJS adapter counts its refusals of the caller's own limits, made before validation, itself.
 *
 * @throws TypeError when `limiter` has no `consume` method (use `createRateLimiter`), or an option is wrong.
 * @example
 * ```ts
 * const limiter = createRateLimiter({ default: { requests: 600, window: 60 } });
 * const server = new ApolloServer<AuthContext>({
 *   schema,
 *   includeStacktraceInErrorResponses: false, // no stack traces in any error, 429s included
 *   plugins: [rateLimitPlugin(limiter)],
 * });
 * ```
 */
export function rateLimitPlugin<TContext extends AuthContext>(limiter: RateLimiter, options: RateLimitPluginOptions<TContext> = {}): ApolloServerPlugin<TContext> {
  if (typeof limiter !== 'object' || limiter === null || typeof limiter.consume !== 'function') {
    throw new TypeError('"limiter" must come from createRateLimiter');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object');
  refuseRealmOption(options, 'rateLimitPlugin');
  const address = options.address;
  if (address !== undefined && typeof address !== 'function') throw new TypeError('"address" must be a function of the context');
  const points = options.points ?? defaultPoints;
  if (typeof points !== 'function') throw new TypeError('"points" must be a function of the operation');

  return {
    async requestDidStart(): Promise<GraphQLRequestListener<TContext>> {
      let state: RateLimitState | null = null;
      return {
        async didResolveOperation(requestContext) {
          // A document naming what the caller's view lacks costs what one naming nothing would: the
          // view answers it before anything is counted here (a caller without a view is refused whole).
          const started = startOperation(requestContext);
          if (started.viewErrors?.[0] !== undefined) throw started.viewErrors[0];
          if (started.noView !== null) return;
          const { contextValue: context, document, operation } = requestContext;
          // No operation resolved: Apollo refuses the request (400) before anything runs, as it does
          // a document that fails validation, which is not counted either.
          if (operation === undefined || operation === null) return;
          const counted = points({ document, operation });
          if (counted === 0) return;
          try {
            state = await limiter.consume({ principal: context.principal ?? null, address: address?.(context) ?? null, points: counted });
          } catch (error) {
            throw toGraphQLError(error);
          }
        },
        async willSendResponse(requestContext) {
          if (state === null) return;
          const headers = requestContext.response.http.headers;
          for (const [name, value] of Object.entries(rateLimitFields(state.policies))) headers.set(name, mergeRateLimitField(headers.get(name), value));
        },
      };
    },
  };
}

/** One request per root field of a mutation, one for anything else. */
function defaultPoints({ document, operation }: { readonly document: DocumentNode; readonly operation: OperationDefinitionNode }): number {
  return Math.max(1, rootMutationFields(document, operation));
}
