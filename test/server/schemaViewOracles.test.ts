/**
 * The second independent attack on per-client views (SECURITY.md, "Schema disclosure"): side
 * channels that told a hidden field, type or root type apart from one that does not exist. Through
 * the real reference server with tokens from the embedded dev issuer; each pair of documents (a
 * hidden name, a nonexistent one) must get the same answer, name for name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCaller, DevCallers } from '../helpers/devCallers.js';

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly remaining: number | null;
  readonly body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const logger = createLogger('silent');
/** Over bronze's cost limit (5,000) whatever the leaf: 100 categories × 100 products. */
const costly = (leaf: string): string => `{ categories(first: 100) { products(first: 100) { ${leaf} } } }`;

describe('schema views leave no oracle in limits, mutations or suggestions (attack 2: F1, F2, F3)', () => {
  let callers: DevCallers;
  let server: ReferenceServer;
  let anonymous: ReferenceServer;
  let production: ReferenceServer;

  beforeAll(async () => {
    callers = await startDevCallers();
    const audience = readConfig({ DEV_ISSUER_PORT: '0' }).devIssuer?.audience ?? DEV_AUDIENCE;
    [server, anonymous, production] = await Promise.all([
      createReferenceServer(callers.configFor(), { logger }),
      createReferenceServer(callers.configFor({ AUTH_ALLOW_ANONYMOUS: 'true' }), { logger }),
      createReferenceServer(callers.configFor({ NODE_ENV: 'production', AUTH_ISSUER: callers.issuer.issuer, AUTH_AUDIENCE: audience }), { logger }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), anonymous?.close(), production?.close()]);
    await callers?.close();
  });

  async function ask(caller: DevCaller | null, query: string, target: ReferenceServer = server): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (caller !== null) headers['authorization'] = `Bearer ${callers.tokens[caller]}`;
    const response = await fetch(target.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
    const text = await response.text();
    const remaining = /r=(\d+)/.exec(response.headers.get('ratelimit') ?? '')?.[1];
    return { status: response.status, text, remaining: remaining === undefined ? null : Number(remaining), body: JSON.parse(text) as Answer['body'] };
  }

  /** A POST with `operationName`, or a GET (query string), from `caller`. */
  async function send(caller: DevCaller | null, query: string, options: { operationName?: string; get?: boolean; target?: ReferenceServer } = {}): Promise<Answer> {
    const target = options.target ?? server;
    const headers: Record<string, string> = options.get === true ? {} : { 'content-type': 'application/json' };
    if (caller !== null) headers['authorization'] = `Bearer ${callers.tokens[caller]}`;
    const params = { query, ...(options.operationName === undefined ? {} : { operationName: options.operationName }) };
    const response =
      options.get === true
        ? await fetch(`${target.url}?${new URLSearchParams(params).toString()}`, { headers })
        : await fetch(target.url, { method: 'POST', headers, body: JSON.stringify(params) });
    const text = await response.text();
    return { status: response.status, text, remaining: null, body: JSON.parse(text) as Answer['body'] };
  }

  /** `send` of a hidden and of a nonexistent variant: equal answers, name for name. */
  async function expectSentAlike(caller: DevCaller | null, hidden: string, missing: string, names: readonly [string, string][], options: Parameters<typeof send>[2] = {}): Promise<Answer> {
    const [one, other] = [await send(caller, hidden, options), await send(caller, missing, options)];
    let expected = JSON.stringify(other.body);
    for (const [hiddenName, missingName] of names) expected = expected.replaceAll(missingName, hiddenName);
    expect([one.status, one.body]).toEqual([other.status, JSON.parse(expected)]);
    return one;
  }

  /** The answer to `hidden` equals the answer to `missing` with the nonexistent name put back. */
  async function expectAlike(caller: DevCaller | null, hidden: string, missing: string, names: readonly [string, string][], target: ReferenceServer = server): Promise<Answer> {
    const [one, other] = [await ask(caller, hidden, target), await ask(caller, missing, target)];
    let expected = JSON.stringify(other.body);
    for (const [hiddenName, missingName] of names) expected = expected.replaceAll(missingName, hiddenName);
    expect(one.status).toBe(other.status);
    expect(one.body).toEqual(JSON.parse(expected));
    return one;
  }

  it('F1: a costly document naming a hidden field, type or argument gets the view validation error, not QUERY_TOO_COSTLY', async () => {
    // The cost limit does apply to this document when it names what bronze sees.
    const visible = await ask('initech-bronze', costly('name'));
    expect([visible.status, visible.body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'QUERY_TOO_COSTLY']);
    const field = await expectAlike('initech-bronze', costly('stock'), costly('stok'), [['stock', 'stok']]);
    expect(field.status).toBe(400);
    expect(field.body.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([['Cannot query field "stock" on type "Product".', 'GRAPHQL_VALIDATION_FAILED']]);
    await expectAlike('initech-bronze', costly('wholesalePrice { amount }'), costly('wholesalePrize { amount }'), [['wholesalePrice', 'wholesalePrize']]);
    const type = await expectAlike(
      'initech-bronze',
      `{ categories(first: 100) { products(first: 100) { name } } search(text: "drill") { ... on PartnerOffer { title } } }`,
      `{ categories(first: 100) { products(first: 100) { name } } search(text: "drill") { ... on PartnerOfer { title } } }`,
      [['PartnerOffer', 'PartnerOfer']],
    );
    expect(type.text).not.toContain('QUERY_TOO_COSTLY');
    // Anonymous callers (their view is a few public fields) alike.
    await expectAlike(null, costly('wholesalePrice { amount }'), costly('wholesalePrize { amount }'), [['wholesalePrice', 'wholesalePrize']], anonymous);
  });

  it('F2: to a caller whose view has no Mutation, every mutation is answered as by a schema without one', async () => {
    const NO_MUTATION = { errors: [{ message: 'Schema is not configured to execute mutation operation.', locations: [{ line: 1, column: 1 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] };
    for (const query of ['mutation { placeOrder(input: { lines: [] }) { id } }', 'mutation { x }', 'mutation { __typename }', 'mutation { addToWish }', 'mutation { placeOrder(inpt: {}) { id } }']) {
      const answer = await ask('initech-bronze', query);
      expect([query, answer.status, answer.body]).toEqual([query, 400, NO_MUTATION]);
      expect(answer.text).not.toMatch(/Did you mean|placeOrder|Mutation\.|PlaceOrderInput/);
    }
    const anonymousAnswer = await ask(null, 'mutation { placeOrdr }', anonymous);
    expect(anonymousAnswer.body).toEqual(NO_MUTATION);
    // A caller whose view has the Mutation type still has it.
    expect((await ask('acme-gold', 'mutation { __typename }')).body).toEqual({ data: { __typename: 'Mutation' } });
  });

  it('F2: ten aliased hidden mutation fields cost the rate limit what ten nonexistent ones cost', async () => {
    const aliased = (name: string): string => `mutation { ${Array.from({ length: 10 }, (_, index) => `a${index}: ${name}(input: { lines: [] }) { id }`).join(' ')} }`;
    const before = await ask('initech-bronze', '{ apiInfo }');
    const hidden = await ask('initech-bronze', aliased('placeOrder'));
    const missing = await ask('initech-bronze', aliased('placeOrdr'));
    expect(before.remaining).not.toBeNull();
    // One request each (counted at the HTTP edge), whatever the names.
    expect((before.remaining ?? 0) - (hidden.remaining ?? 0)).toBe(1);
    expect((hidden.remaining ?? 0) - (missing.remaining ?? 0)).toBe(1);
    expect(hidden.body).toEqual(missing.body);
  });

  it('F3: with introspection off, a misspelt name close to a hidden one gets one error, without suggestions, as any other', async () => {
    const count = async (leaf: string): Promise<string[]> => ((await ask('initech-bronze', `{ products { ${leaf} } }`, production)).body.errors ?? []).map((error) => error.message);
    expect(await count('stok')).toEqual(['Cannot query field "stok" on type "Product".']);
    expect(await count('stock')).toEqual(['Cannot query field "stock" on type "Product".']);
    expect(await count('zzqqxx')).toEqual(['Cannot query field "zzqqxx" on type "Product".']);
    expect(await count('wholesalePrise { amount }')).toEqual(['Cannot query field "wholesalePrise" on type "Product".']);
    const fragment = await ask('initech-bronze', '{ search(text: "drill") { ... on PartnerOfer { title } } }', production);
    expect(fragment.body.errors?.map((error) => error.message)).toEqual(['Unknown type "PartnerOfer".']);
  });

  it('G1 (attack 3): an operation name the document lacks gets the view errors first, as for a nonexistent field', async () => {
    for (const operationName of ['Nope', undefined]) {
      const two = (leaf: string): string => `query A { products { ${leaf} } } query B { apiInfo }`;
      const answer = await expectSentAlike('initech-bronze', operationName === undefined ? two('stock') : '{ products { stock } }', operationName === undefined ? two('stok') : '{ products { stok } }', [['stock', 'stok']], operationName === undefined ? {} : { operationName });
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    await expectSentAlike(null, '{ products { wholesalePrice { amount } } }', '{ products { wholesalePrize { amount } } }', [['wholesalePrice', 'wholesalePrize']], { operationName: 'Nope', target: anonymous });
    // With nothing hidden named, Apollo's own answer stands.
    const plain = await send('initech-bronze', '{ apiInfo }', { operationName: 'Nope' });
    expect([plain.status, plain.body.errors?.[0]?.extensions?.['code']]).toEqual([400, 'OPERATION_RESOLUTION_FAILURE']);
  });

  it('G3 (attack 3): a GET mutation naming what the view lacks gets the view 400, not the 405 of a GET mutation', async () => {
    await expectSentAlike('initech-bronze', 'mutation { placeOrder(input: { lines: [] }) { id } }', 'mutation { placeOrdr(input: { lines: [] }) { id } }', [['placeOrder', 'placeOrdr']], { get: true });
    const silver = await expectSentAlike('globex-silver', 'mutation { addToWishlist(productId: "p") { id } }', 'mutation { addToWishlst(productId: "p") { id } }', [['addToWishlist', 'addToWishlst']], { get: true });
    expect(silver.status).toBe(400);
    // A mutation in the caller's view over GET is still 405.
    expect((await send('globex-silver', 'mutation { placeOrder(input: { lines: [] }) { id } }', { get: true })).status).toBe(405);
  });

  it('G4 (attack 3): a subscription naming a hidden type is answered as one naming a nonexistent type', async () => {
    await expectSentAlike('initech-bronze', 'subscription { a { ... on PartnerOffer { id } } }', 'subscription { a { ... on PartnerOfer { id } } }', [['PartnerOffer', 'PartnerOfer']]);
    await expectSentAlike('initech-bronze', 'subscription($v: PlaceOrderInput) { a(v: $v) }', 'subscription($v: PlaceOrderInpt) { a(v: $v) }', [['PlaceOrderInput', 'PlaceOrderInpt']]);
  });

  it("G2 (attack 3): with introspection off, graphql-js's 100-error cap gives a hidden name the list a nonexistent one gets", async () => {
    const filler = Array.from({ length: 99 }, (_, index) => `zq${index}`).join(' ');
    const capped = (name: string): string => `{ products { ${filler} ${name} } __type(name: "X") { name } }`;
    const answer = await expectAlike('initech-bronze', capped('stock'), capped('stok'), [['stock', 'stok']], production);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(101);
    expect(answer.body.errors?.at(-1)?.message).toBe('Too many validation errors, error limit reached. Validation aborted.');
    await expectAlike('initech-bronze', capped('wholesalePrice { amount }'), capped('wholesalePrise { amount }'), [['wholesalePrice', 'wholesalePrise']], production);
  });

  it('H2 (attack 4): a missing root type ahead of a capped list ends it as the list of a nonexistent name', async () => {
    const many = (name: string): string => `subscription S { __typename } query Q { products { ${Array.from({ length: 100 }, () => name).join(' ')} } }`;
    const answer = await expectSentAlike('globex-silver', many('stock'), many('stick'), [['stock', 'stick']], { operationName: 'Q' });
    expect(answer.body.errors).toHaveLength(101);
    expect(answer.body.errors?.at(-1)?.message).toBe('Too many validation errors, error limit reached. Validation aborted.');
  });

  it('H1 (attack 4): with introspection off, a GET mutation refused by the view carries no suggestion, as a nonexistent name', async () => {
    const probe = (name: string): string => `mutation M { __typename } query Q { ${name} { id } }`;
    for (const caller of ['globex-silver', 'initech-bronze'] as const) {
      const answer = await expectSentAlike(caller, probe('allOrders'), probe('allOrdrs'), [['allOrders', 'allOrdrs']], { get: true, operationName: 'M', target: production });
      expect(answer.text).not.toContain('Did you mean');
    }
  });
});
