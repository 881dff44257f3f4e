import type { Principal } from '../auth/principal.js';
import type { ErrorCode } from '../errors.js';
import type { OperationDecision } from '../directives/decideOperation.js';
import type { Logger } from '../logger.js';

/**
 * What allow-clients reports as it works, for metrics: token verifications, JWKS fetches and
 * denials. The library itself imports no metrics package; `allow-clients/prometheus` implements
 * these hooks with prom-client, and any other backend can implement them alike.
 */

/** How a token verification ended: answered from the cache, verified now, or refused (with its code). */
export type VerificationResult = 'cached' | 'verified' | 'refused';

/** One token verification, reported by the verifier. */
export interface TokenVerificationEvent {
  readonly result: VerificationResult;
  /** The refusal's code; null unless `result` is `refused`. */
  readonly code: ErrorCode | null;
  /** Time spent in `verify`, seconds (a JWKS fetch included). */
  readonly seconds: number;
}

/** One JWKS fetch attempt, reported by the key store. */
export interface JwksFetchEvent {
  /** False when the fetch failed (unreachable, deadline, garbage, no usable key). */
  readonly ok: boolean;
}

/** An operation decided with at least one denial, reported once per request. */
export interface OperationDeniedEvent {
  /** The caller, null when anonymous. */
  readonly principal: Principal | null;
  /** The decision: its `deniedCoordinates` are schema coordinates, never text of the request. */
  readonly decision: OperationDecision;
  /** The request's context object (as the server passed it), to relate the event to its request. */
  readonly context: unknown;
}

/**
 * The `metrics` option of `createAuthenticator`/`createVerifier` (verifications, JWKS fetches) and of
 * `applyAllowClients` (denials). Every hook is optional and called synchronously; a hook that throws
 * is logged and never changes the answer.
 */
export interface MetricsHooks {
  tokenVerified?(event: TokenVerificationEvent): void;
  jwksFetched?(event: JwksFetchEvent): void;
  operationDenied?(event: OperationDeniedEvent): void;
}

const HOOK_NAMES = ['tokenVerified', 'jwksFetched', 'operationDenied'] as const;

/**
 * Checks a `metrics` option once.
 *
 * @throws TypeError naming the option when it is not an object of functions
 */
export function assertMetricsHooks(value: unknown, option = 'metrics'): MetricsHooks | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new TypeError(`"${option}" must be an object of hook functions`);
  for (const name of HOOK_NAMES) {
    const hook = (value as Record<string, unknown>)[name];
    if (hook !== undefined && typeof hook !== 'function') throw new TypeError(`"${option}.${name}" must be a function`);
  }
  return value as MetricsHooks;
}

/** Calls one hook; a throwing hook is logged, never thrown into the request. */
export function notify(hooks: MetricsHooks | undefined, logger: Logger, call: (hooks: MetricsHooks) => void): void {
  if (hooks === undefined) return;
  try {
    call(hooks);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'allow-clients: a metrics hook threw');
  }
}
