import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { AuthContext } from '../auth/context.js';
import { HeaderMap } from '@apollo/server';
import type { GraphQLResponse } from '@apollo/server';
import { AllowClientsError } from '../errors.js';
import { httpChallenge, toGraphQLError } from '../http/challenge.js';
import { refuseRealmOption } from './realm.js';
import { mergeRateLimitField, rateLimitFields } from '../http/rateLimitHeaders.js';
import type { OperationLimits } from '../limits/operationLimits.js';
import type { CostState, RateLimiter } from '../limits/rateLimit.js';
import { rootMutationFields } from '../limits/rootFields.js';

/** Options of {@link costBudgetPlugin}. */
export interface CostBudgetPluginOptions {
  /** The operation limits whose cost model computes each operation's cost (as `operationLimitsPlugin` uses it). */
  readonly limits: OperationLimits;
}

/** What `extensions.cost` of a response tells the partner. */
export interface CostExtension {
  /** The cost this operation asked for (at least `mutationFieldCost` per root mutation field). */
  readonly requested: number;
  /** Cost points left in the current window (after this operation, or as they stand when it was refused). */
  readonly remaining: number;
  /** Seconds until the window ends and the budget is whole again. */
  readonly reset: number;
  /** The budget's points per window. */
  readonly limit: number;
}

/**
 * The Apollo Server plugin that charges each operation its computed cost (the operation limits'
 * cost model, `limits.costOf`, with the request's variables) to the caller's cost budget (`cost` per `costWindow` of its allowance), after
 * validation and before execution. An operation whose cost does not fit in what is left is refused
 * with 429 (`RATE_LIMITED`, `Retry-After` until the window ends) before any resolver runs, and is
 * charged nothing. Every charged response carries `extensions.cost` (`requested`, `remaining`,
 * `reset`, `limit`) in its body and the budget's item in the `RateLimit-Policy` / `RateLimit` fields.
 *
 * An operation above the caller's cost limit is left to `operationLimitsPlugin` (400) and charged nothing.
 *
 * @throws TypeError when `limiter` or `limits` do not come from this library (its refusals carry no challenge, so it takes no realm).
 * @example
 * ```ts
 * const limiter = createRateLimiter({ default: { requests: 600, window: 60, cost: 50_000 } });
 * new ApolloServer<AuthContext>({
 *   schema,
 *   plugins: [operationLimitsPlugin(limits), rateLimitPlugin(limiter), costBudgetPlugin(limiter, { limits })],
 * });
 * ```
 */
export function costBudgetPlugin<TContext extends AuthContext>(limiter: RateLimiter, options: CostBudgetPluginOptions): ApolloServerPlugin<TContext> {
  if (typeof limiter !== 'object' || limiter === null || typeof limiter.chargeCost !== 'function') {
    throw new TypeError('"limiter" must come from createRateLimiter');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object');
  refuseRealmOption(options, 'costBudgetPlugin');
  const limits = options.limits;
  if (typeof limits !== 'object' || limits === null || typeof limits.costOf !== 'function') throw new TypeError('"limits" must come from createOperationLimits');

  return {
    async requestDidStart(): Promise<GraphQLRequestListener<TContext>> {
      let state: CostState | null = null;
      return {
        // Charged in responseForOperation, not didResolveOperation: Apollo runs every plugin's
        // didResolveOperation at once, so a charge there would stand for an operation that the rate
        // limit, the operation limits or the authorization refuse in the same step. By now all of
        // them have admitted it, and only an operation that runs is charged.
        async responseForOperation(requestContext) {
          const { operation, document, schema } = requestContext;
          // No operation resolved: Apollo answers 400, nothing runs, nothing is charged.
          if (operation === undefined || operation === null) return null;
          const principal = requestContext.contextValue.principal ?? null;
          // The cost the operation limits compare, with the request's variables (`first: $n` counts n).
          const cost = limits.costOf({ schema, document, operation, variables: requestContext.request.variables ?? null });
          // Unmeasured, or above the caller's cost limit: the operation limits refuse it (400).
          if (!Number.isFinite(cost) || cost > limits.limitsFor(principal).cost) return null;
          let refusal: unknown = null;
          try {
            state = await limiter.chargeCost({ principal, cost, mutationFields: rootMutationFields(document, operation) });
            refusal = state?.refusal ?? null;
          } catch (error) {
            refusal = error;
          }
          return refusal === null ? null : refusalResponse(refusal);
        },
        async willSendResponse(requestContext) {
          if (state === null) return;
          const headers = requestContext.response.http.headers;
          for (const [name, value] of Object.entries(rateLimitFields([state]))) headers.set(name, mergeRateLimitField(headers.get(name), value));
          const body = requestContext.response.body;
          if (body.kind !== 'single') return;
          const cost: CostExtension = { requested: state.requested, remaining: state.remaining, reset: state.reset, limit: state.policy.requests };
          body.singleResult.extensions = { ...body.singleResult.extensions, cost };
        },
      };
    },
  };
}

/**
 * The whole response for an operation the budget (or its store, failing closed) refuses: a response
 * returned from `responseForOperation` takes its status and headers from here, not from the error.
 */
function refusalResponse(error: unknown): GraphQLResponse {
  const challenge = error instanceof AllowClientsError ? httpChallenge(error) : { status: 500, headers: {} };
  return {
    http: { status: challenge.status, headers: new HeaderMap(Object.entries(challenge.headers)) },
    body: { kind: 'single', singleResult: { errors: [toGraphQLError(error, { http: false }).toJSON()] } },
  };
}
