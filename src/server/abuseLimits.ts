/**
 * The one place where the reference server's abuse limits are assembled (issue 6, section 1).
 *
 * `createReferenceServer` adds every plugin and validation rule returned here to Apollo Server, in
 * order, after authentication and before authorization. Limits on the HTTP request itself (body
 * size, batching, CSRF) are set where the request is read: `createReferenceServer.ts` and the
 * `MAX_BODY_BYTES` variable.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import { createOperationLimits, operationLimitsPlugin } from '../index.js';
import type { AuthContext, OperationLimitsOptions } from '../index.js';
import type { ReferenceServerConfig } from './config.js';
// Used only when the limits are built, after both modules have loaded.
import { REALM } from './createReferenceServer.js';

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

/** What the reference server adds to Apollo Server to bound the size and shape of operations. */
export interface AbuseLimits {
  readonly plugins: readonly ApolloServerPlugin<AuthContext>[];
  readonly validationRules: readonly ValidationRule[];
  /** Apollo Server's `parseOptions`: the highest token limit, enforced by graphql's parser. */
  readonly parseOptions: Readonly<ParseOptions>;
}

/**
 * Builds the operation limits: depth, aliases, tokens and cost per client tier
 * ({@link REFERENCE_LIMITS}), refused with 400 and a code before authorization and execution.
 */
export function createAbuseLimits(_config: ReferenceServerConfig, logger: Logger): AbuseLimits {
  const limits = createOperationLimits({ ...REFERENCE_LIMITS, logger: logger.child({ component: 'limits' }) });
  return {
    plugins: [operationLimitsPlugin<AuthContext>(limits, { realm: REALM })],
    validationRules: [],
    parseOptions: limits.parseOptions,
  };
}
