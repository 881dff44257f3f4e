/**
 * The one place where the reference server's abuse limits are assembled (issue 6, section 1).
 *
 * `createReferenceServer` adds every plugin and validation rule returned here to Apollo Server, in
 * order, after authentication and before authorization. Limits on the HTTP request itself (body
 * size, batching, CSRF) are set where the request is read: `createReferenceServer.ts` and the
 * `MAX_BODY_BYTES` variable.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { AuthContext } from '../index.js';
import type { ReferenceServerConfig } from './config.js';

/** What the reference server adds to Apollo Server to bound the size and shape of operations. */
export interface AbuseLimits {
  readonly plugins: readonly ApolloServerPlugin<AuthContext>[];
  readonly validationRules: readonly ValidationRule[];
}

/**
 * Builds the operation limits from the configuration.
 *
 * Operation limits (depth, aliases, tokens, cost per client tier) are not wired yet: the library's
 * `operationLimitsPlugin` goes in `plugins` here.
 */
export function createAbuseLimits(_config: ReferenceServerConfig, _logger: Logger): AbuseLimits {
  return { plugins: [], validationRules: [] };
}
