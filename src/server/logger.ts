/**
 * The reference server's structured logger (pino, JSON lines on stdout).
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Creates the server's logger; `silent` turns logging off (tests). */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'allow-clients-reference' },
    // Tokens never reach the log, even if a caller of the logger passes headers by mistake.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'token'], censor: '[redacted]' },
  });
}
