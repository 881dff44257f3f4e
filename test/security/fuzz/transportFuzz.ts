/**
 * Transport fuzzing: random methods, paths, headers, content types and bodies sent over loopback
 * to the real reference server. No answer may be a 5xx (503 excepted while the issuer's JWKS is
 * deliberately down), take longer than a bound, or carry a stack trace or a file path.
 */
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { INTERNALS } from '../support/securityTarget.js';
import type { SecurityTarget } from '../support/securityTarget.js';

/** One random HTTP request. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer | null;
}

/** What the server answered. */
export interface FuzzResponse {
  readonly status: number;
  readonly body: string;
}

/** Counts per status, and the worst time. */
export interface TransportFuzzStats {
  cases: number;
  statuses: Record<string, number>;
  slowestMs: number;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/graphql-response+json',
  'application/graphql',
  'text/plain',
  'text/plain;charset=UTF-8',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/vnd.api+json',
  'application/json, text/plain',
  '*/*',
  'garbage',
  '',
];

/** Builds the arbitrary of requests; `validToken` is a real token of a demo client. */
export function requestArbitrary(validToken: string, operations: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const jsonValue = fc.jsonValue({ maxDepth: 3 });
  const query = fc.oneof(fc.constantFrom(...operations), fc.string({ maxLength: 200 }), fc.constantFrom('{', '}', '{ apiInfo', 'query Q($a: Int!) { apiInfo }', 'subscription { apiInfo }', 'mutation { placeOrder }', '{ __schema { types { name } } }'), jsonValue);
  const graphqlBody = fc.record(
    {
      query,
      variables: fc.oneof(jsonValue, fc.constant({ a: 1 })),
      operationName: fc.oneof(fc.string({ maxLength: 10 }), jsonValue),
      extensions: fc.oneof(jsonValue, fc.constant({ persistedQuery: { version: 1, sha256Hash: 'abc' } }), fc.constant({ persistedQuery: { version: 2 } })),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { arbitrary: fc.constantFrom(...operations).map((text) => Buffer.from(JSON.stringify({ query: text }))), weight: 3 },
    graphqlBody.map((value) => Buffer.from(JSON.stringify(value))),
    fc.array(graphqlBody, { minLength: 0, maxLength: 3 }).map((value) => Buffer.from(JSON.stringify(value))),
    jsonValue.map((value) => Buffer.from(JSON.stringify(value))),
    fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    fc.integer({ min: 1, max: 5_000 }).map((depth) => Buffer.from(`{"query":"${'{ a '.repeat(depth)}"}`)),
    fc.constant(Buffer.from('{"query":"{ apiInfo }"')),
    fc.constant(null),
  );
  const authorization = fc.oneof(
    fc.constantFrom(
      `Bearer ${validToken}`,
      `bearer ${validToken}`,
      `BEARER   ${validToken}`,
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer ${validToken}.${validToken}`,
      `Bearer ${'a'.repeat(9000)}`,
      'Bearer eyJhbGciOiJub25lIn0.e30.',
    ),
    fc.string({ maxLength: 60 }).map((text) => `Bearer ${text}`),
    fc.constant([`Bearer ${validToken}`, `Bearer ${validToken}`] as string[]),
    // Well-formed, but signed by a key id the JWKS does not hold: the verifier asks the issuer again.
    fc.uuid().map((kid) => {
      const [, payload, signature] = validToken.split('.');
      return `Bearer ${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url')}.${payload}.${signature}`;
    }),
  );
  const path = fc.oneof(
    { arbitrary: fc.constant('/graphql'), weight: 6 },
    fc.constantFrom('/graphql', '/graphql?query=%7BapiInfo%7D', `/graphql?access_token=${validToken}`, '/graphql?query=%7B', '/', '/healthz', '/graphql/', '/GRAPHQL', '/graphql?%zz', '//graphql'),
    fc.string({ maxLength: 30 }).map((text) => `/graphql?query=${encodeURIComponent(text)}`),
    fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  );
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
  // Each header is present most of the time, so that many requests get past the first checks.
  const optional = <T>(arbitrary: fc.Arbitrary<T>, absentOneIn: number): fc.Arbitrary<T | undefined> =>
    fc.option(arbitrary, { nil: undefined, freq: absentOneIn });
  const headers = fc
    .record({
      'content-type': optional(fc.oneof({ arbitrary: fc.constant('application/json'), weight: 4 }, fc.constantFrom(...CONTENT_TYPES)), 6),
      authorization: optional(fc.oneof({ arbitrary: fc.constant(`Bearer ${validToken}`), weight: 3 }, authorization), 6),
      'apollo-require-preflight': optional(fc.constant('true'), 2),
      'x-apollo-operation-name': optional(headerValue, 2),
      accept: optional(fc.constantFrom('application/json', 'text/html', 'multipart/mixed', 'application/graphql-response+json', '*/*', 'text/event-stream'), 2),
      'content-encoding': optional(fc.constantFrom('gzip', 'identity', 'br'), 2),
      'x-forwarded-for': optional(headerValue, 2),
    })
    .map((record) => {
      const present: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(record)) if (value !== undefined) present[name] = value;
      return present;
    });
  return fc.record({
    method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 8 }, { arbitrary: fc.constant('GET'), weight: 2 }, fc.constantFrom('PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD')),
    path,
    headers,
    body,
  });
}

/** Sends one request with node:http (raw control over headers), bounded in time. */
export function send(url: string, fuzz: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  const target = new URL(url);
  return new Promise<FuzzResponse>((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...fuzz.headers };
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: fuzz.method, path: fuzz.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms: ${fuzz.method} ${fuzz.path}`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (fuzz.body !== null && fuzz.method !== 'GET' && fuzz.method !== 'HEAD') req.end(fuzz.body);
    else req.end();
  });
}

/** The property for one target: no 5xx (but 503 when allowed), no hang, no internals. */
export function transportProperty(
  target: SecurityTarget,
  operations: readonly string[],
  stats: TransportFuzzStats,
  options: { readonly allow503: boolean; readonly timeoutMs?: number },
): fc.IAsyncPropertyWithHooks<[FuzzRequest]> {
  const token = target.caller('acme-gold').token;
  return fc.asyncProperty(requestArbitrary(token, operations), async (fuzz) => {
    const started = performance.now();
    const response = await send(target.url, fuzz, options.timeoutMs ?? 10_000);
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - started);
    stats.cases += 1;
    stats.statuses[String(response.status)] = (stats.statuses[String(response.status)] ?? 0) + 1;
    const describe = (): string => `${fuzz.method} ${fuzz.path.slice(0, 80)} ${JSON.stringify(fuzz.headers).slice(0, 200)} body=${fuzz.body?.toString('utf8').slice(0, 120) ?? 'none'}`;
    if (response.status >= 500 && !(options.allow503 && response.status === 503)) {
      throw new Error(`server error ${response.status} for ${describe()}: ${response.body.slice(0, 300)}`);
    }
    const leaked = INTERNALS.exec(response.body);
    if (leaked !== null) throw new Error(`internals in the response (${leaked[0]}) for ${describe()}: ${response.body.slice(0, 300)}`);
  });
}
