/**
 * What a caller may see of an error: codes kept, internals masked.
 */
import type { GraphQLFormattedError } from 'graphql';
import { AllowClientsError, toGraphQLError } from '../index.js';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

/**
 * Builds Apollo's `formatError`.
 *
 * - an allow-clients error thrown anywhere keeps its code and fixed message (mapped by the library);
 * - an error Apollo or a resolver raised on purpose (a GraphQLError with a code) is kept as it is;
 * - anything else is an internal error: fixed message, no path, no locations, no stack; the real
 *   error goes to the log;
 * - with `hideSuggestions` (production: introspection off), no message keeps graphql-js's
 *   "Did you mean …?" suggestions, which name types, fields and enum values the caller never wrote:
 *   validation, variable coercion and execution errors alike (Apollo's own option covers validation only).
 */
export function createFormatError(
  log: (error: unknown, formatted: GraphQLFormattedError) => void,
  options: { readonly hideSuggestions?: boolean } = {},
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  if (options.hideSuggestions === true) {
    const format = createFormatError(log);
    return (formatted, error) => withoutSuggestions(format(formatted, error));
  }
  return (formatted, error) => {
    const original = originalOf(error);
    if (original instanceof AllowClientsError) {
      const mapped = toGraphQLError(original, { http: false });
      return withoutInternals({ ...formatted, message: mapped.message, extensions: { ...mapped.extensions } });
    }
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && code !== INTERNAL) return withoutInternals(formatted);
    log(original ?? error, formatted);
    return { message: 'Internal server error', extensions: { code: INTERNAL } };
  };
}

/** The error a GraphQLError wraps, if any. */
function originalOf(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && 'originalError' in error) {
    const inner = (error as { originalError?: unknown }).originalError;
    if (inner !== undefined && inner !== null) return originalOf(inner);
  }
  return error;
}

/** Drops the stack trace and the HTTP instructions (those are Apollo's, not the caller's). */
function withoutInternals(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions === undefined) return formatted;
  const extensions: Record<string, unknown> = { ...formatted.extensions };
  delete extensions['stacktrace'];
  delete extensions['http'];
  delete extensions['exception'];
  return { ...formatted, extensions };
}

/** graphql-js appends its suggestions at the end of a message (`didYouMean`), variable coercion included. */
const SUGGESTION = / ?Did you mean [^]*$/;

function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return SUGGESTION.test(formatted.message) ? { ...formatted, message: formatted.message.replace(SUGGESTION, '') } : formatted;
}
