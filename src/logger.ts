/**
 * The logger that allow-clients writes its precise reasons to (refusals, JWKS failures, denials, limits): any pino-compatible
 * logger (objects-first calls). Nothing logged here is ever sent to the caller.
 */

/** A pino-compatible logger: `logger.info({ code, detail }, 'message')`. */
export interface Logger {
  debug(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  error(object: Record<string, unknown>, message?: string): void;
}

const ignore = (): void => undefined;

/** The logger used when none is given: it drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

/**
 * Checks a `logger` option once.
 *
 * @throws TypeError naming the option when a method is missing.
 */
export function assertLogger(logger: unknown, option = 'logger'): Logger {
  if (logger === undefined) return silentLogger;
  if (typeof logger !== 'object' || logger === null) throw new TypeError(`"${option}" must be a pino-compatible logger`);
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`"${option}" must be a pino-compatible logger with a ${method}() method`);
    }
  }
  return logger as Logger;
}
