/**
 * Names a caller chose (aliases, operation and fragment names, any string from a request) as they
 * may be kept or logged: at most a fixed number of UTF-8 bytes, and never a view into the request.
 */

/** The most UTF-8 bytes {@link boundName} keeps of a name by default. */
export const MAX_NAME_BYTES = 128;

const ELLIPSIS = '…';

/**
 * A copy of `name` of at most `maxBytes` UTF-8 bytes: the name itself when it fits, else its
 * beginning, `…` and the original length (`aVeryLong…(1048576 chars)`), cut on a character
 * boundary. The copy is a fresh string: V8 keeps a long substring as a view into its parent, so a
 * kept alias would otherwise keep the whole query text alive. The work is bounded by `maxBytes`,
 * not by the name.
 *
 * @param maxBytes - at least 32 (default {@link MAX_NAME_BYTES})
 * @example
 * ```ts
 * logger.info({ operationName: boundName(request.operationName ?? '') }, 'audit');
 * ```
 */
export function boundName(name: string, maxBytes: number = MAX_NAME_BYTES): string {
  const limit = Math.max(32, Math.floor(maxBytes));
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: check exactly only between the two bounds.
  if (name.length * 3 <= limit || (name.length <= limit && Buffer.byteLength(name, 'utf8') <= limit)) return fresh(name);
  const suffix = `${ELLIPSIS}(${name.length} chars)`;
  const budget = limit - Buffer.byteLength(suffix, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const character of name) {
    const size = Buffer.byteLength(character, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += character.length;
  }
  return fresh(name.slice(0, end) + suffix);
}

/** A flat copy that shares no memory with the string it came from. */
function fresh(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}
