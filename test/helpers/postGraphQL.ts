/**
 * A GraphQL POST over node:http on loopback, from a chosen local address (127.0.0.2 …), so that
 * tests can show what is counted per address. fetch cannot pick the local address.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** The answer, headers as node:http gives them and the body parsed as JSON. */
export interface GraphQLAnswer<TData = Record<string, unknown>> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: { data?: TData | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Options of {@link postGraphQL}. */
export interface PostGraphQLOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** The loopback address the request comes from (default: the system's choice, 127.0.0.1). */
  readonly localAddress?: string;
}

/** POSTs `{ query }` as JSON to `url` and resolves with the answer (10 s deadline). */
export function postGraphQL<TData = Record<string, unknown>>(url: string, query: string, options: PostGraphQLOptions = {}): Promise<GraphQLAnswer<TData>> {
  const target = new URL(url);
  return new Promise((resolveAnswer, rejectAnswer) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        timeout: 10_000,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        headers: { 'content-type': 'application/json', ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text) as GraphQLAnswer<TData>['json'] });
        });
      },
    );
    req.on('error', rejectAnswer);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(JSON.stringify({ query }));
  });
}
