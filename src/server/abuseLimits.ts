/**
 * The one place where the reference server's abuse limits are assembled (issue 6, section 1).
 *
 * `createReferenceServer` adds every plugin and validation rule returned here to Apollo Server, in
 * order, after authentication and before authorization, and counts every authenticated request with
 * the rate limiter returned here before Apollo Server sees it. Limits on the HTTP request itself (body
 * size, batching, CSRF) are set where the request is read: `createReferenceServer.ts` and the
 * `MAX_BODY_BYTES` variable.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, OperationDefinitionNode, ParseOptions, ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import { costBudgetPlugin, operationLimitsPlugin, rateLimitPlugin } from '../apollo/index.js';
import { createOperationLimits, createRateLimiter, createSourceCheck, rootMutationFields } from '../index.js';
import type { AuthContext, OperationLimitsOptions, SourceCheck, RateAllowance, RateLimiter, RateLimitTiers } from '../index.js';
import type { RateLimitConfig, ReferenceServerConfig } from './config.js';

/**
 * The reference API's operation limits: the library's defaults for everyone, and more room for
 * the gold partner tier and the internal reporting client (client metadata `tier`).
 */
export const REFERENCE_LIMITS: OperationLimitsOptions = {
  default: { depth: 10, aliases: 15, tokens: 1000, cost: 5000 },
  tiers: {
    key: 'tier',
    values: {
      gold: { depth: 12, aliases: 50, tokens: 3000, cost: 25_000 },
      internal: { depth: 12, aliases: 50, tokens: 3000, cost: 50_000 },
    },
  },
};

/**
 * How many times the default rate-limit allowance (`RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW`, and
 * the daily and monthly quotas and cost budget when set) the same tiers get: by default 600 requests
 * per 60 s for every client, 3,000 for gold partners and 6,000 for the internal reporting client.
 * Anonymous callers get the default request allowance, per address, and no quota or budget.
 */
export const REFERENCE_RATE_TIER_MULTIPLIERS: Readonly<Record<string, number>> = { gold: 5, internal: 10 };

/** The default allowance and its tiers from the configuration (tiers scaled by {@link REFERENCE_RATE_TIER_MULTIPLIERS}). */
export function referenceAllowances(rate: RateLimitConfig): { default: RateAllowance; tiers: RateLimitTiers } {
  const scaled = (factor: number): RateAllowance => ({
    requests: rate.requests * factor,
    window: rate.window,
    ...(rate.daily === null ? {} : { daily: rate.daily * factor }),
    ...(rate.monthly === null ? {} : { monthly: rate.monthly * factor }),
    ...(rate.cost === null ? {} : { cost: rate.cost * factor, costWindow: rate.costWindow }),
  });
  const values = Object.fromEntries(Object.entries(REFERENCE_RATE_TIER_MULTIPLIERS).map(([tier, factor]) => [tier, scaled(factor)]));
  return { default: scaled(1), tiers: { key: 'tier', values } };
}

/** What the reference server adds to Apollo Server to bound the size and shape of operations. */
export interface AbuseLimits {
  readonly plugins: readonly ApolloServerPlugin<AuthContext>[];
  readonly validationRules: readonly ValidationRule[];
  /** Apollo Server's `parseOptions`: the highest token limit, enforced by graphql's parser. */
  readonly parseOptions: Readonly<ParseOptions>;
  /** Counts each authenticated request per client (per address when anonymous); null when `RATE_LIMIT_REQUESTS=0`. */
  readonly rateLimiter: RateLimiter | null;
  /**
   * The caller's own token, depth and alias limits on the query text, applied at the HTTP edge after
   * the rate limit and before Apollo Server parses and validates it; verdicts remembered per document hash and limits.
   */
  readonly sourceCheck: SourceCheck;
}

/**
 * Builds the operation limits: depth, aliases, tokens and cost per client tier
 * ({@link REFERENCE_LIMITS}), refused with 400 and a code before authorization and execution; the
 * rate limiter (`config.rateLimit`: requests per window and the daily and monthly quotas, on Redis
 * with `REDIS_URL`), refused with 429 before Apollo Server sees the request; and, with
 * `COST_BUDGET`, the cost budget, charged after validation and refused with 429 before execution.
 */
export function createAbuseLimits(
  config: ReferenceServerConfig,
  logger: Logger,
  addressOf: (context: AuthContext) => string | null = () => null,
): AbuseLimits {
  const limitLogger = logger.child({ component: 'limits' });
  const limits = createOperationLimits({ ...REFERENCE_LIMITS, logger: limitLogger });
  const rate = config.rateLimit;
  const rateLimiter =
    rate === null
      ? null
      : createRateLimiter({
          ...referenceAllowances(rate),
          mutationFieldCost: rate.mutationFieldCost,
          logger: limitLogger,
          ...(rate.store.redisUrl === null
            ? {}
            : { redis: rate.store.redisUrl, keyPrefix: rate.store.keyPrefix, storeTimeout: rate.store.timeoutMs, onStoreFailure: rate.store.onFailure }),
        });
  return {
    plugins: [
      operationLimitsPlugin<AuthContext>(limits),
      // The HTTP edge counted the request once; a mutation counts once more per further root field
      // (49 aliased placeOrder fields cost 49 requests).
      ...(rateLimiter === null ? [] : [rateLimitPlugin<AuthContext>(rateLimiter, { address: addressOf, points: furtherMutationFields })]),
      ...(rateLimiter !== null && rate?.cost !== null ? [costBudgetPlugin<AuthContext>(rateLimiter, { limits })] : []),
    ],
    validationRules: [],
    parseOptions: limits.parseOptions,
    rateLimiter,
    sourceCheck: createSourceCheck(limits, { logger: limitLogger }),
  };
}

/** The root mutation fields past the first: the HTTP edge already counted the request once. */
function furtherMutationFields({ document, operation }: { readonly document: DocumentNode; readonly operation: OperationDefinitionNode }): number {
  return Math.max(0, rootMutationFields(document, operation) - 1);
}
