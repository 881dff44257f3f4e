/**
 * Reads a request body with a size cap, before anything parses it.
 */
import type { IncomingMessage } from 'node:http';
import { LimitError } from '../index.js';

/**
 * Collects the body of `req`, refusing more than `maxBytes`.
 *
 * A `Content-Length` over the cap is refused before reading; a body that grows past the cap while
 * streaming is refused as soon as it does (the rest is drained, not buffered).
 *
 * @throws LimitError `ERR_BODY_TOO_LARGE`
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    req.resume();
    throw tooLarge(`content-length ${declared}`);
  }
  return new Promise<Buffer>((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering and answer now; the rest is drained (and the connection closed by the caller).
        req.off('data', onData);
        req.resume();
        rejectBody(tooLarge(`more than ${maxBytes} bytes streamed`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolveBody(Buffer.concat(chunks, size)));
    req.once('error', rejectBody);
  });
}

function tooLarge(detail: string): LimitError {
  return new LimitError('ERR_BODY_TOO_LARGE', 'The request body is too large', { detail });
}
