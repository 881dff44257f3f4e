import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { AccessError } from '../errors.js';
import { toGraphQLError } from '../http/challenge.js';
import { stateOf, type RequestState } from './requestState.js';

/** Arguments of {@link completeResult}. */
export interface CompleteResultArgs {
  /** What graphql-js `execute` returned for the operation. */
  readonly result: ExecutionResult;
  /** The context object the operation executed with (the one given to `checkOperation`). */
  readonly contextValue: unknown;
  /** The `WWW-Authenticate` realm of a refusal. */
  readonly realm: string;
  /** The form of `extensions.http.headers` of a refusal: `'record'` for Yoga (default `'map'`). */
  readonly headers?: 'map' | 'record';
}

/**
 * Gives any graphql-js server the Apollo plugin's result, after execution: one error per denied
 * selection, however long the lists it sits in (a denied non-null field inside a list of nullable
 * items throws once per item, for null to propagate, and graphql-js lists each throw), and, in mode
 * `reject`, the refusal instead of the data when an object of a type the caller may not see was
 * met at run time. Call {@link checkOperation} before execution with the same context object.
 *
 * @returns the result to send: the same object when there is nothing to change
 * @example
 * ```ts
 * // envelop / Yoga: onExecute(...) { checkOperation(...); return { onExecuteDone({ args, result, setResult }) {
 * //   if (isAsyncIterable(result)) return;
 * //   setResult(completeResult({ result, contextValue: args.contextValue, realm: 'api', headers: 'record' })); } } }
 * ```
 */
export function completeResult(args: CompleteResultArgs): ExecutionResult {
  const state = stateOf(args.contextValue);
  if (state === undefined || (state.clear && state.withheld === null)) return args.result;
  const refusal = withheldRefusal(state);
  if (refusal !== null) return { errors: [refusalError(refusal, [refusal.coordinate ?? ''], args.realm, args.headers)] };
  const errors = args.result.errors;
  if (errors === undefined || errors.length < 2) return args.result;
  const kept = withoutRepeatedDenials(errors);
  return kept.length === errors.length ? args.result : { ...args.result, errors: kept };
}

/** Mode `reject` met an object of a type the caller may not see: the error that refuses the whole response. */
export function withheldRefusal(state: RequestState): AccessError | null {
  return state.withheld !== null && state.enforcement.mode === 'reject' ? state.withheld : null;
}

/** One error for the whole operation, listing the denied coordinates (`extensions.coordinates`). */
export function refusalError(refusal: AccessError, coordinates: readonly string[], realm: string, headers: 'map' | 'record' = 'map'): GraphQLError {
  const mapped = toGraphQLError(refusal, { realm, headers });
  return new GraphQLError(mapped.message, { extensions: { ...mapped.extensions, coordinates } });
}

/**
 * The errors with the repeats of each denial removed (same coordinate, message and path: the same
 * error thrown again for a later list item), keeping the first of each; other errors stay.
 */
export function withoutRepeatedDenials<TError extends GraphQLError | GraphQLFormattedError>(errors: readonly TError[]): TError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const coordinate = error.extensions?.['coordinate'];
    if (typeof coordinate !== 'string') return true;
    const key = `${coordinate}\u0000${error.message}\u0000${JSON.stringify(error.path ?? null)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
