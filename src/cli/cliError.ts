/**
 * The one kind of failure the command-line tool reports: bad input (a file, a schema, a client id, a
 * git revision). Printed as one line naming what is wrong, exit code 2; never a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Exit code of bad input (a usage error, a bad file, a bad schema, an unknown client or revision). */
export const EXIT_BAD_INPUT = 2;

/** Exit code of `diff` when access widens without `--allow-widening`. */
export const EXIT_WIDENED = 1;
