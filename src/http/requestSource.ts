/** The query text and operation name of a GraphQL request over HTTP, read as Apollo Server reads them. */
export interface RequestSource {
  /** The query text, or null when the request carries none as a string (a batch, a persisted-query hash, a wrong type). */
  readonly query: string | null;
  /** The operation name, or null when absent or not a string. */
  readonly operationName: string | null;
}

/** What {@link readRequestSource} reads: the method, the request target and the parsed body. */
export interface RequestSourceInput {
  readonly method?: string | undefined;
  /** The request target (`/graphql?query=…`); only its query string is read, and only for GET. */
  readonly url?: string | undefined;
  /** The parsed JSON body, for POST; anything else (a string, an array, undefined) has no source. */
  readonly body?: unknown;
}

/**
 * The query text and operation name a GraphQL server will run: from the query string of a GET,
 * from the JSON body of any other method (Apollo Server's rule). Untrusted input: never throws,
 * and a batch (an array body), a non-string `query` or a missing one gives `query: null`.
 *
 * @example
 * ```ts
 * const { query, operationName } = readRequestSource({ method: req.method, url: req.url, body: req.body });
 * if (query !== null) sourceCheck.check({ schema, source: query, operationName, principal });
 * ```
 */
export function readRequestSource(input: RequestSourceInput): RequestSource {
  if (input.method === 'GET' || input.method === 'HEAD') {
    // A raw `#` in the request target starts a fragment, which URL parsers (Apollo Server's) drop.
    const raw = input.url ?? '';
    const hash = raw.indexOf('#');
    const target = hash === -1 ? raw : raw.slice(0, hash);
    const start = target.indexOf('?');
    if (start === -1) return { query: null, operationName: null };
    const params = new URLSearchParams(target.slice(start + 1));
    return { query: params.get('query'), operationName: params.get('operationName') };
  }
  const body = input.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { query: null, operationName: null };
  const { query, operationName } = body as Record<string, unknown>;
  return { query: typeof query === 'string' ? query : null, operationName: typeof operationName === 'string' ? operationName : null };
}
