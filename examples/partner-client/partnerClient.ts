/**
 * What a partner writes to call the API: the client-credentials grant, the access token cached
 * until shortly before it expires, GraphQL queries, one retry with a fresh token on 401, and waiting
 * out a 429 (rate limit) or 503 (the API cannot reach its issuer) as its `Retry-After` says.
 *
 * Works against Auth0 (set `audience`) and any OAuth 2.0 token endpoint, such as the embedded dev
 * issuer of `npm start`. Depends on nothing but `fetch`.
 *
 * @example
 * ```ts
 * const client = createPartnerClient({
 *   tokenEndpoint: 'https://tenant.eu.auth0.com/oauth/token',
 *   clientId: process.env.CLIENT_ID!, clientSecret: process.env.CLIENT_SECRET!,
 *   audience: 'https://api.example.com', apiUrl: 'https://api.example.com/graphql',
 * });
 * const { data } = await client.query('{ viewer { client { name } } }');
 * ```
 */

/** Options of {@link createPartnerClient}. */
export interface PartnerClientOptions {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The GraphQL endpoint. */
  readonly apiUrl: string;
  /** `audience` parameter (Auth0 needs it to issue a JWT for your API). */
  readonly audience?: string;
  /** Space-separated scopes to ask for; default: whatever the server grants by default. */
  readonly scope?: string;
  /** How to present the secret: HTTP Basic (default) or in the form body. */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Renew this many seconds before expiry (default 60). */
  readonly refreshSkewSeconds?: number;
  /**
   * Longest `Retry-After` (seconds) the client waits out on 429 or 503 before trying again, at most
   * twice; a longer one is thrown as a {@link PartnerClientError} with `retryAfter`. Default 30;
   * 0 never waits. A query is always resent; a mutation only when the answer is the API's own
   * `RATE_LIMITED` or `SERVICE_UNAVAILABLE` (given before it ran anything), never on a 503 from a proxy.
   */
  readonly maxRetryWaitSeconds?: number;
  /** Clock in ms (tests freeze it). Default `Date.now`. */
  readonly now?: () => number;
  /** The fetch to use (default the global one). */
  readonly fetch?: typeof fetch;
}

/** A GraphQL response. */
export interface GraphQLResponse<TData = Record<string, unknown>> {
  readonly data?: TData | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** A refusal the client could not recover from. */
export class PartnerClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly wwwAuthenticate: string | null,
    /** Seconds the API asked to wait (429, 503), or null. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'PartnerClientError';
  }
}

/** A partner's API client. */
export interface PartnerClient {
  /** Runs a GraphQL operation; on 401 gets a fresh token and tries once more; waits out short 429s and 503s. */
  query<TData = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<TData>>;
  /** Number of tokens fetched so far. */
  readonly tokensFetched: number;
}

interface CachedToken {
  readonly value: string;
  /** ms since the epoch after which the token is renewed. */
  readonly renewAt: number;
}

/** Creates a partner client. */
export function createPartnerClient(options: PartnerClientOptions): PartnerClient {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const skewMs = (options.refreshSkewSeconds ?? 60) * 1000;
  const maxWaitSeconds = options.maxRetryWaitSeconds ?? 30;
  if (typeof maxWaitSeconds !== 'number' || !Number.isFinite(maxWaitSeconds) || maxWaitSeconds < 0) {
    throw new TypeError('"maxRetryWaitSeconds" must be a number of seconds, 0 or more');
  }
  let cached: CachedToken | null = null;
  let pending: Promise<CachedToken> | null = null;
  let tokensFetched = 0;

  async function fetchToken(): Promise<CachedToken> {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.audience !== undefined) body.set('audience', options.audience);
    if (options.scope !== undefined) body.set('scope', options.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if ((options.authMethod ?? 'client_secret_basic') === 'client_secret_basic') {
      const pair = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
      headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      body.set('client_id', options.clientId);
      body.set('client_secret', options.clientSecret);
    }
    const issuedAt = now();
    const response = await doFetch(options.tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    const document = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof document.access_token !== 'string') {
      throw new PartnerClientError(`token endpoint refused: ${String(document.error ?? response.status)}`, response.status, null);
    }
    tokensFetched += 1;
    const lifetimeMs = (typeof document.expires_in === 'number' ? document.expires_in : 300) * 1000;
    // Never cache for less than a moment, even for a token shorter-lived than the skew.
    return { value: document.access_token, renewAt: issuedAt + Math.max(lifetimeMs - skewMs, lifetimeMs / 2) };
  }

  async function token(forceNew: boolean): Promise<string> {
    if (!forceNew && cached !== null && now() < cached.renewAt) return cached.value;
    // Concurrent callers share one token request.
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    cached = await pending;
    return cached.value;
  }

  async function post(accessToken: string, query: string, variables: Record<string, unknown> | undefined): Promise<Response> {
    return doFetch(options.apiUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
  }

  /**
   * Sends once more when a pooled keep-alive connection turns out closed (the server restarted or
   * an idle timeout hit): only for queries, since a mutation might have reached the server.
   */
  async function send(accessToken: string, query: string, variables: Record<string, unknown> | undefined): Promise<Response> {
    try {
      return await post(accessToken, query, variables);
    } catch (error) {
      if (!isStaleConnection(error) || isMutation(query)) throw error;
      return post(accessToken, query, variables);
    }
  }

  return {
    async query<TData>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<TData>> {
      let response = await send(await token(false), query, variables);
      if (response.status === 401) {
        await response.arrayBuffer();
        // The token was revoked, the keys rotated, or our clock is off: one fresh token, one retry.
        response = await send(await token(true), query, variables);
      }
      // Too many requests, or the API cannot check tokens right now: wait as asked, twice at most.
      for (let attempt = 0; attempt < 2 && maxWaitSeconds > 0 && (response.status === 429 || response.status === 503); attempt += 1) {
        const wait = retryAfterSeconds(response);
        if (wait === null || wait > maxWaitSeconds) break;
        if (isMutation(query) && !(await refusedBeforeRunning(response))) break;
        await response.arrayBuffer().catch(() => undefined);
        await new Promise((resolveWait) => setTimeout(resolveWait, wait * 1000));
        response = await send(await token(false), query, variables);
      }
      const document = (await response.json().catch(() => null)) as GraphQLResponse<TData> | null;
      if (response.status === 401 || response.status === 403 || response.status === 429 || response.status === 503 || document === null) {
        throw new PartnerClientError(
          document?.errors?.[0]?.message ?? `API answered ${response.status}`,
          response.status,
          response.headers.get('www-authenticate'),
          retryAfterSeconds(response),
        );
      }
      return document;
    },
    get tokensFetched() {
      return tokensFetched;
    },
  };
}

/** Whether a 429/503 is the API's own refusal, given before anything ran (read from a clone of the body). */
async function refusedBeforeRunning(response: Response): Promise<boolean> {
  const document = (await response
    .clone()
    .json()
    .catch(() => null)) as GraphQLResponse | null;
  const code = document?.errors?.[0]?.extensions?.['code'];
  return code === 'RATE_LIMITED' || code === 'SERVICE_UNAVAILABLE';
}

/** `Retry-After` in whole seconds (the API sends seconds, never a date), or null. */
function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get('retry-after');
  return value !== null && /^\d{1,6}$/.test(value) ? Number(value) : null;
}

/** A fetch failure from a connection the server closed before answering. */
function isStaleConnection(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET';
}

/** Whether the document's first operation is a mutation (comments and whitespace skipped). */
function isMutation(query: string): boolean {
  return /^mutation\b/.test(query.replace(/#[^\n]*/g, '').trimStart());
}
