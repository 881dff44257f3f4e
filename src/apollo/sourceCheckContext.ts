import type { IncomingMessage } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { LimitError } from '../errors.js';
import { toGraphQLError } from '../http/challenge.js';
import { readRequestSource } from '../http/requestSource.js';
import type { RateLimiter, RateLimitState } from '../limits/rateLimit.js';
import { rateLimitFields } from '../http/rateLimitHeaders.js';
import type { SourceCheck } from '../limits/sourceCheck.js';

/**
 * The caller's own token, depth and alias limits in an Apollo context function: option `sourceCheck`
 * of `createAuthContext`. The query text is checked after authentication and before Apollo Server
 * parses and validates it (a plugin cannot: Apollo answers 500 to an error thrown by a hook before
 * validation, while an error of the context function keeps its status).
 */
export interface ContextSourceCheck {
  /** From `createSourceCheck(limits)`. */
  readonly check: SourceCheck;
  /**
   * The schema Apollo Server validates against (the one `applyAllowClients` returned), or a function
   * giving it once known (null until then: the request is left to the checks after validation).
   */
  readonly schema: GraphQLSchema | (() => GraphQLSchema | null);
  /**
   * The limiter of `rateLimitPlugin`: each refusal counts one request against it (the plugin counts
   * only operations that validate), so a caller sending over-limit documents gets 429 once its
   * allowance is spent, and the 400 carries the `RateLimit` fields.
   */
  readonly rateLimiter?: RateLimiter | null;
}

/** Checks the option once. @throws TypeError naming what is wrong */
export function assertContextSourceCheck(value: unknown): ContextSourceCheck {
  const fail = (): never => {
    throw new TypeError('"sourceCheck" must be { check: createSourceCheck(limits), schema, rateLimiter? }');
  };
  if (typeof value !== 'object' || value === null) return fail();
  const { check, schema, rateLimiter } = value as Record<string, unknown>;
  if (typeof check !== 'object' || check === null || typeof (check as Partial<SourceCheck>).check !== 'function') return fail();
  if (typeof schema !== 'function' && (typeof schema !== 'object' || schema === null)) return fail();
  if (rateLimiter !== undefined && rateLimiter !== null && (typeof rateLimiter !== 'object' || typeof (rateLimiter as Partial<RateLimiter>).consume !== 'function')) return fail();
  return value as ContextSourceCheck;
}

/**
 * Applies the check to a request of a known caller. A refusal is thrown as a GraphQL error with its
 * HTTP status (400, or the limiter's 429/503), which Apollo Server answers as is.
 */
export async function checkContextSource(
  wiring: ContextSourceCheck,
  req: IncomingMessage & { readonly body?: unknown },
  principal: Principal | null,
  realm: string,
): Promise<void> {
  const schema = typeof wiring.schema === 'function' ? wiring.schema() : wiring.schema;
  if (schema === null) return;
  const { query, operationName } = readRequestSource({ method: req.method, url: req.url, body: req.body });
  if (query === null) return;
  try {
    wiring.check.check({ schema, source: query, operationName, principal });
  } catch (error) {
    let state: RateLimitState | null = null;
    const limiter = wiring.rateLimiter ?? null;
    try {
      if (error instanceof LimitError && limiter !== null) state = await limiter.consume({ principal, address: req.socket.remoteAddress ?? null });
    } catch (rateError) {
      throw toGraphQLError(rateError, { realm });
    }
    const refusal = toGraphQLError(error, { realm });
    const http: unknown = refusal.extensions['http'];
    if (state !== null && typeof http === 'object' && http !== null && 'headers' in http && http.headers instanceof Map) {
      for (const [name, value] of Object.entries(rateLimitFields(state.policies))) http.headers.set(name, value);
    }
    throw refusal;
  }
}
