import { request as httpRequest } from 'node:http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_LIMITS } from '../../src/server/abuseLimits.js';
import { DEFAULT_CLIENT_CLAIM } from '../../src/index.js';
import { claimsFor, INTERNALS, postGraphQL, request, startSecurityTarget } from './support/securityTarget.js';
import type { HttpResult, SecurityTarget } from './support/securityTarget.js';

/**
 * Attacks on the real reference server over loopback, with real tokens from a real issuer:
 * oversized and costly operations (per partner tier), batching, CSRF, oversized and malformed
 * bodies, and production error hygiene.
 */

const limits = {
  default: { depth: 10, aliases: 15, tokens: 1000, cost: 5000, ...REFERENCE_LIMITS.default },
  gold: { depth: 12, aliases: 50, tokens: 3000, cost: 25_000, ...REFERENCE_LIMITS.tiers?.values['gold'] },
};

/**
 * An operation whose depth (as graphql-armor counts it, leaf included) is `depth`: one product and
 * nested inline fragments, each a level. (Not products → category → products: nested lists
 * without a size count the default list size each, and that chain is refused by cost first.)
 */
function queryOfDepth(depth: number): string {
  const fragments = depth - 2;
  return `{ products(first: 1) { ${'... on Product { '.repeat(fragments)}id ${'}'.repeat(fragments)} } }`;
}
function queryWithAliases(count: number): string {
  return `{ ${Array.from({ length: count }, (_, index) => `a${index}: apiInfo`).join(' ')} }`;
}
/**
 * At least `tokens` lexical tokens: `{ products(first: 1) { id } ... }`, 9 tokens a field. (Not one
 * field repeated a thousand times: graphql's overlapping-fields rule aborts that on its own.)
 */
function queryWithTokens(tokens: number): string {
  return `{ ${'products(first: 1) { id } '.repeat(Math.ceil((tokens - 2) / 9))}}`;
}

function codes(result: HttpResult): (string | undefined)[] {
  return ((result.json?.['errors'] as { extensions?: { code?: string } }[] | undefined) ?? []).map((error) => error.extensions?.code);
}

function expectRefused(result: HttpResult, status: number, code: string): void {
  expect(result.status).toBe(status);
  expect(codes(result)).toEqual([code]);
  expect(result.json?.['data']).toBeUndefined();
  expect(result.text).not.toMatch(INTERNALS);
}

describe('abuse limits on the reference server', () => {
  let target: SecurityTarget;
  let bronze: string;
  let gold: string;

  beforeAll(async () => {
    target = await startSecurityTarget();
    bronze = target.caller('initech-bronze').token;
    gold = target.caller('acme-gold').token;
  });
  afterAll(async () => {
    await target.close();
  });

  it('refuses a query deeper than the default limit to a bronze partner, and runs it for a gold partner', async () => {
    const query = queryOfDepth(limits.default.depth + 1);
    expectRefused(await postGraphQL(target.url, bronze, { query }), 400, 'QUERY_TOO_DEEP');
    const admitted = await postGraphQL(target.url, gold, { query });
    expect(admitted.status).toBe(200);
    expect(Array.isArray((admitted.json?.['data'] as Record<string, unknown>)['products'])).toBe(true);
  });

  it('refuses a query deeper than every tier to every partner', async () => {
    const query = queryOfDepth(limits.gold.depth + 1);
    expectRefused(await postGraphQL(target.url, gold, { query }), 400, 'QUERY_TOO_DEEP');
  });

  it('refuses an alias flood, with more aliases for the gold tier', async () => {
    const flood = queryWithAliases(limits.default.aliases + 1);
    expectRefused(await postGraphQL(target.url, bronze, { query: flood }), 400, 'TOO_MANY_ALIASES');
    const admitted = await postGraphQL(target.url, gold, { query: flood });
    expect(admitted.status).toBe(200);
    expect(Object.keys(admitted.json?.['data'] as Record<string, unknown>)).toHaveLength(limits.default.aliases + 1);
    expectRefused(await postGraphQL(target.url, gold, { query: queryWithAliases(limits.gold.aliases + 1) }), 400, 'TOO_MANY_ALIASES');
  });

  it('refuses a document with too many tokens per tier, and above every tier at the parser', async () => {
    const large = queryWithTokens(limits.default.tokens + 10);
    expectRefused(await postGraphQL(target.url, bronze, { query: large }), 400, 'TOO_MANY_TOKENS');
    expect((await postGraphQL(target.url, gold, { query: large })).status).toBe(200);
    const huge = queryWithTokens(limits.gold.tokens * 20);
    expectRefused(await postGraphQL(target.url, gold, { query: huge }), 400, 'TOO_MANY_TOKENS');
  });

  it('refuses a costly query to a bronze partner and serves it to a gold partner (higher tier)', async () => {
    // 100 products (a page's maximum), each with its category's first 10: 12,050 in graphql-armor's model.
    const query = '{ products(first: 100) { id name category { products(first: 10) { id name } } } }';
    expectRefused(await postGraphQL(target.url, bronze, { query }), 400, 'QUERY_TOO_COSTLY');
    const admitted = await postGraphQL(target.url, gold, { query });
    expect(admitted.status).toBe(200);
    expect(codes(admitted)).toEqual([]);
    expect(((admitted.json?.['data'] as Record<string, unknown>)['products'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('refuses the same costly query with the size in a variable or a variable default (issue 10, finding 5)', async () => {
    const fields = 'id name listPrice { amount currency }';
    for (const body of [
      { query: `query Costly($n: Int) { products(first: $n) { ${fields} } }`, variables: { n: 5000 } },
      { query: `query Costly($n: Int = 5000) { products(first: $n) { ${fields} } }` },
      { query: `query Costly($n: Int = 1) { products(first: $n) { ${fields} } }`, variables: { n: 5000 } },
    ]) {
      expectRefused(await postGraphQL(target.url, bronze, body), 400, 'QUERY_TOO_COSTLY');
    }
    const small = await postGraphQL(target.url, bronze, { query: `query Small($n: Int = 5000) { products(first: $n) { id } }`, variables: { n: 2 } });
    expect(small.status).toBe(200);
    expect(codes(small)).toEqual([]);
    expect(((small.json?.['data'] as Record<string, unknown>)['products'] as unknown[]).length).toBe(2);
  });

  it('refuses a batched request', async () => {
    const result = await postGraphQL(target.url, gold, [{ query: '{ apiInfo }' }, { query: '{ apiInfo }' }]);
    expect(result.status).toBe(400);
    expect(result.text).not.toContain('"data"');
    expect(result.text).not.toMatch(INTERNALS);
  });

  it('serves a GET query with a bearer token, and refuses a GET mutation (405) and a text/plain POST, placing no order', async () => {
    const partner = target.caller('globex-silver');
    const countOrders = async (): Promise<number> => {
      const result = await postGraphQL(target.url, partner.token, { query: '{ myOrders { id } }' });
      return ((result.json?.['data'] as Record<string, unknown>)['myOrders'] as unknown[]).length;
    };
    const before = await countOrders();
    const productId = ((await postGraphQL(target.url, partner.token, { query: '{ products { id } }' })).json?.['data'] as { products: { id: string }[] }).products[0]?.id;
    const mutation = `mutation { placeOrder(input: { lines: [{ productId: "${productId}", quantity: 1 }] }) { id } }`;
    const authorization = `Bearer ${partner.token}`;
    // A bearer token is never sent cross-origin without a preflight: a GET carrying one is no simple request.
    const get = await request(`${target.url}?query=${encodeURIComponent('{ apiInfo }')}`, { headers: { authorization } });
    expect(get.status).toBe(200);
    expect((get.json?.['data'] as { apiInfo: unknown }).apiInfo).toEqual(expect.any(String));
    // Mutations are never run by GET, with or without a token (Apollo Server: 405, Allow: POST).
    const getMutation = await request(`${target.url}?query=${encodeURIComponent(mutation)}`, { headers: { authorization } });
    expect(getMutation.status).toBe(405);
    expect(getMutation.headers.get('allow')).toBe('POST');
    expect(codes(getMutation)).toEqual(['BAD_REQUEST']);
    expect(getMutation.json?.['data']).toBeUndefined();
    expect(getMutation.text).not.toMatch(INTERNALS);
    // A text/plain body with a token passes CSRF prevention, and is refused as a content type Apollo does not read.
    const plain = await request(target.url, { method: 'POST', headers: { 'content-type': 'text/plain', authorization }, body: JSON.stringify({ query: mutation }) });
    expect(plain.status).toBe(400);
    expect(plain.json?.['data']).toBeUndefined();
    expect(plain.text).not.toMatch(INTERNALS);
    expect(await countOrders()).toBe(before);
  });

  it('answers a body over 1 MB with 413 (declared length)', async () => {
    const body = JSON.stringify({ query: '{ apiInfo }', padding: 'a'.repeat(1024 * 1024) });
    const result = await postGraphQL(target.url, gold, body);
    expectRefused(result, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a chunked body that grows over 1 MB with 413', async () => {
    const url = new URL(target.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${gold}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      const chunk = Buffer.alloc(64 * 1024, 'a');
      req.write('{"query":"{ apiInfo }","padding":"');
      let sent = 0;
      const pump = (): void => {
        while (sent < 20 && req.write(chunk)) sent += 1;
        if (sent < 20) req.once('drain', () => {
          sent += 1;
          pump();
        });
        else req.end('"}');
      };
      pump();
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
    });
    expect(status).toBe(413);
  });

  it('refuses a flood of one field repeated (overlapping-fields work bounded by graphql) without a 5xx', async () => {
    const result = await postGraphQL(target.url, gold, { query: `{ ${'apiInfo '.repeat(1200)}}` });
    expect(result.status).toBe(400);
    expect(result.json?.['data']).toBeUndefined();
    expect(result.text).not.toMatch(INTERNALS);
  });

  it.each(['//', '//graphql', '/graphql/../graphql'])('answers the request target %s without a server error', async (path) => {
    const url = new URL(target.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{"query":"{ apiInfo }"}');
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it('answers malformed JSON with a clean 400', async () => {
    const result = await postGraphQL(target.url, gold, '{"query": "{ apiInfo }"');
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('checks the credentials before it parses the body: a 1 MB body with a bad token or none is answered 401 unparsed (issue 10, finding 10)', async () => {
    // Not JSON at all: had it been parsed first, the answer would be 400 "not valid JSON".
    const large = `{"query": "{ apiInfo }", "padding": "${'x'.repeat(1_000_000)}`;
    const forged = `${gold.slice(0, -8)}AAAAAAAA`;
    for (const token of [forged, 'not-a-jwt', null]) {
      const result = await postGraphQL(target.url, token, large);
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="allow-clients"/);
      expect(result.text).not.toContain('not valid JSON');
      expect(result.text).not.toContain('xxxx');
    }
    // With a valid token the same body is parsed, and refused as malformed.
    const parsed = await postGraphQL(target.url, gold, large);
    expect(parsed.status).toBe(400);
    expect(parsed.json).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    // A token in the header and another in the body is still an invalid request.
    const twice = await postGraphQL(target.url, gold, { query: '{ apiInfo }', access_token: gold });
    expect(twice.status).toBe(400);
    expect(twice.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
    expect(twice.json?.['data']).toBeUndefined();
  });
});

describe('forged and replayed tokens on the reference server', () => {
  let target: SecurityTarget;

  beforeAll(async () => {
    target = await startSecurityTarget();
  });
  afterAll(async () => {
    await target.close();
  });

  it('answers each kind of bad token with 401 invalid_token and no data', async () => {
    const issuer = target.issuer;
    const gold = target.caller('acme-gold').client;
    const claims = { ...issuer.defaultClaims(), ...claimsFor(gold) };
    const attacker = await issuer.addKey({ publish: false, current: false });
    const forged: Record<string, string> = {
      expired: issuer.sign(claimsFor(gold), { now: Math.floor(Date.now() / 1000) - 7200, expiresIn: 3600 }),
      'attacker key under our kid': issuer.sign(claimsFor(gold), { key: attacker, kid: issuer.currentKey.kid }),
      'unknown kid': issuer.sign(claimsFor(gold), { key: attacker }),
      'alg none': issuer.signRaw({ alg: 'none', typ: 'JWT' }, claims, 'none'),
      'HS256 with the public key': issuer.signRaw({ alg: 'HS256', typ: 'JWT', kid: issuer.currentKey.kid }, claims, { secret: issuer.currentKey.publicPem }),
      'another client in the client claim': target.tokenFor(gold, { [DEFAULT_CLIENT_CLAIM]: { id: 'ops-internal', name: 'x', metadata: { tier: 'internal' } } }),
      garbage: 'not-a-token',
    };
    for (const [kind, token] of Object.entries(forged)) {
      const result = await postGraphQL(target.url, token, { query: '{ viewer { client { id } } allOrders { id margin { amount } } }' });
      expect({ kind, status: result.status }).toEqual({ kind, status: 401 });
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+"$/);
      expect(result.json?.['data']).toBeUndefined();
      expect(result.text).not.toMatch(INTERNALS);
    }
  });
});

describe('production error hygiene (NODE_ENV=production)', () => {
  let target: SecurityTarget;
  let crashing: SecurityTarget;
  let token: string;

  beforeAll(async () => {
    target = await startSecurityTarget({ env: { NODE_ENV: 'production' } });
    token = target.caller('acme-gold').token;
    // A server whose resolver fails with an internal error that names a file, to see it masked.
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { boom: String }',
      resolvers: {
        Query: {
          boom: () => {
            throw new Error(`ENOENT: no such file, open '/work/main/secret/keys.ts:12'`);
          },
        },
      },
    });
    crashing = await startSecurityTarget({ env: { NODE_ENV: 'production' }, issuer: target.issuer, schema: { schema, plugins: [] } });
  });
  afterAll(async () => {
    await crashing.close();
    await target.close();
  });

  it('gives no "Did you mean" suggestion for a misspelt field', async () => {
    const result = await postGraphQL(target.url, token, { query: '{ prodcts { id } }' });
    expect(result.status).toBe(400);
    expect(result.text).not.toMatch(/Did you mean/i);
    expect(result.text).not.toContain('products');
    expect(result.text).not.toMatch(INTERNALS);
  });

  it('refuses introspection', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Order") { fields { name } } }']) {
      const result = await postGraphQL(target.url, token, { query });
      expect(result.status).toBe(400);
      expect(result.json?.['data']).toBeUndefined();
      expect(result.text).not.toContain('margin');
    }
  });

  it('masks an internal error: fixed message, no stack, no path, no file', async () => {
    const result = await postGraphQL(crashing.url, token, { query: '{ boom }' });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }], data: { boom: null } });
    expect(result.text).not.toMatch(INTERNALS);
    expect(result.text).not.toContain('ENOENT');
  });

  it('answers a variable of the wrong type without internals', async () => {
    const result = await postGraphQL(target.url, token, { query: 'query ($n: Int) { products(first: $n) { id } }', variables: { n: 'abc' } });
    expect(result.status).toBe(400);
    expect(result.text).not.toMatch(INTERNALS);
  });
});

describe('CSRF prevention and GET on the reference server', () => {
  let target: SecurityTarget;
  let token: string;
  let hits = 0;
  let bumps = 0;

  beforeAll(async () => {
    // Anonymous callers allowed, so a refusal below is CSRF prevention's and not the missing token's.
    const schema = makeExecutableSchema({
      typeDefs: 'type Query { hits: Int! } type Mutation { bump: Int! }',
      resolvers: { Query: { hits: () => (hits += 1) }, Mutation: { bump: () => (bumps += 1) } },
    });
    target = await startSecurityTarget({ env: { AUTH_ALLOW_ANONYMOUS: 'true' }, schema: { schema, plugins: [] } });
    token = target.caller('globex-silver').token;
  });
  afterAll(async () => {
    await target.close();
  });

  const getUrl = (query: string): string => `${target.url}?query=${encodeURIComponent(query)}`;
  const expectCsrfRefusal = (result: HttpResult): void => {
    expect(result.status).toBe(400);
    expect(result.text).toMatch(/Cross-Site Request Forgery \(CSRF\)/);
    expect(result.json?.['data']).toBeUndefined();
    expect(result.text).not.toMatch(INTERNALS);
  };

  it('refuses real simple requests (no Authorization, no preflight header) and runs no resolver', async () => {
    const mutation = JSON.stringify({ query: 'mutation { bump }' });
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expectCsrfRefusal(await request(target.url, { method: 'POST', headers: { 'content-type': contentType }, body: mutation }));
    }
    // A GET as an <img> or a link sends it: no content-type, no preflight header.
    expectCsrfRefusal(await request(getUrl('{ hits }')));
    expectCsrfRefusal(await request(getUrl('mutation { bump }')));
    expect(hits).toBe(0);
    expect(bumps).toBe(0);
    // The same mutation as JSON (which a browser preflights) is served: the refusals were CSRF prevention.
    const preflighted = await postGraphQL(target.url, null, mutation);
    expect(preflighted.status).toBe(200);
    expect(bumps).toBe(1);
    bumps = 0;
  });

  it('serves a GET query with a bearer token (a header no browser sends cross-origin without a preflight)', async () => {
    const before = hits;
    const result = await request(getUrl('{ hits }'), { headers: { authorization: `Bearer ${token}`, accept: 'application/graphql-response+json' } });
    expect(result.status, result.text).toBe(200);
    expect(result.json).toEqual({ data: { hits: before + 1 } });
    expect(result.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
  });

  it('refuses a mutation over GET with 405, even with a bearer token, and the resolver never runs', async () => {
    const before = bumps;
    const result = await request(getUrl('mutation { bump }'), { headers: { authorization: `Bearer ${token}` } });
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toBe('POST');
    expect(result.text).toMatch(/GET/);
    expect(result.text).not.toMatch(INTERNALS);
    expect(bumps).toBe(before);
  });

  it('refuses an oversized query string with 431 before authentication or parsing', async () => {
    const before = hits;
    const huge = `{ hits ${'a: hits '.repeat(4000)}}`;
    const result = await request(getUrl(huge), { headers: { authorization: `Bearer ${token}` } });
    expect(result.status).toBe(431);
    expect(hits).toBe(before);
  });
});
