/**
 * Hostile callers, round two (issue 10), the semantic findings, against the real reference server
 * with tokens from the embedded dev issuer over loopback HTTP.
 */
import { createHash } from 'node:crypto';
import { getNullableType, isListType, isObjectType } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCaller as Caller, DevCallers } from '../helpers/devCallers.js';
import { buildReferenceSchema } from '../../src/server/schema.js';

interface Answer {
  status: number;
  challenge: string | null;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

const logger = createLogger('silent');

describe('hostile callers: a caller learns nothing of what it may not see (issue 10, findings 1 and 8)', () => {
  let callers: DevCallers;
  let filter: ReferenceServer;
  let reject: ReferenceServer;
  let production: ReferenceServer;
  let logged: ReferenceServer;
  let limited: ReferenceServer;
  const lines: { level: number; msg: string; err?: { stack?: string } }[] = [];
  const tokens = {} as Record<Caller, string>;

  const configFor = (env: Record<string, string>): ReferenceServerConfig => callers.configFor({ RATE_LIMIT_REQUESTS: '0', ...env });

  beforeAll(async () => {
    callers = await startDevCallers();
    Object.assign(tokens, callers.tokens);
    filter = await createReferenceServer(configFor({}), { logger });
    reject = await createReferenceServer(configFor({ AUTHZ_MODE: 'reject' }), { logger });
    production = await createReferenceServer(configFor({ AUTHZ_MODE: 'reject', GRAPHQL_INTROSPECTION: 'false' }), { logger });
    const capture = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    // Without views: with them, a caller whose view has no Subscription gets the view's answer (below).
    logged = await createReferenceServer(configFor({ AUTHZ_SCHEMA_VIEW: 'full' }), { logger: capture });
    limited = await createReferenceServer(configFor({ RATE_LIMIT_REQUESTS: '10', RATE_LIMIT_WINDOW: '3600' }), { logger });
  });
  afterAll(async () => {
    await Promise.all([filter.close(), reject.close(), production.close(), logged.close(), limited.close()]);
    await callers.close();
  });

  async function ask(caller: Caller, query: string, server: ReferenceServer = filter, variables?: Record<string, unknown>): Promise<Answer> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
    });
    const text = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), text, body: JSON.parse(text) as Answer['body'] };
  }

  it.each(['initech-bronze', 'globex-silver', 'alice'] as const)('answers %s no __typename of a gold-only offer from search', async (caller) => {
    const answer = await ask(caller, '{ search(text: "drill") { __typename } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ search: [{ __typename: 'Product' }] });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.text).not.toContain('PartnerOffer');
  });

  it('still shows the offer to a gold partner', async () => {
    const answer = await ask('acme-gold', '{ search(text: "drill") { __typename ... on PartnerOffer { title } } }');
    expect(answer.body.data).toEqual({ search: [{ __typename: 'Product' }, { __typename: 'PartnerOffer', title: 'Drill volume deal' }] });
  });

  it('never matches a search on data the caller may not read (no title oracle)', async () => {
    // "volume deal" is only in the hidden offer's title: a bronze partner's search finds nothing,
    // exactly as for text that is nowhere.
    for (const text of ['volume deal', 'Drill volume', 'pre-season']) {
      const answer = await ask('initech-bronze', `{ search(text: ${JSON.stringify(text)}) { __typename } }`);
      expect(answer.body).toEqual({ data: { search: [] } });
    }
    const gold = await ask('acme-gold', '{ search(text: "volume deal") { __typename } }');
    expect(gold.body.data).toEqual({ search: [{ __typename: 'PartnerOffer' }] });
  });

  it.each([
    ['filter', () => filter],
    ['reject', () => reject],
  ] as const)('answers a hidden object reached by id exactly as an id that does not exist (%s mode)', async (_mode, server) => {
    // The independent attack of this round: a FORBIDDEN for a real offer id and null for a made-up
    // one told a bronze partner which gold-only offers exist.
    const hidden = await ask('initech-bronze', '{ node(id: "offer-drill-q4") { __typename id ... on Product { name } } }', server());
    const nowhere = await ask('initech-bronze', '{ node(id: "offer-nope") { __typename id ... on Product { name } } }', server());
    expect(hidden.status).toBe(200);
    expect(hidden.body).toEqual({ data: { node: null } });
    expect(hidden.text).toBe(nowhere.text);
    const gold = await ask('acme-gold', '{ node(id: "offer-drill-q4") { __typename id } }', server());
    expect(gold.body).toEqual({ data: { node: { __typename: 'PartnerOffer', id: 'offer-drill-q4' } } });
  });

  it('refuses in reject mode without naming the partner-only type to bronze', async () => {
    // Today's code refused this with coordinates ["PartnerOffer.id"].
    const search = await ask('initech-bronze', '{ search(text: "drill") { __typename ... on Node { id } } }', reject);
    expect(search.status).toBe(200);
    expect(search.body).toEqual({ data: { search: [{ __typename: 'Product', id: 'prod-drill' }] } });
  });

  it('strips "Did you mean" from variable coercion errors in production', async () => {
    const query = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';
    const variables = { input: { line: [{ productId: 'prod-drill', quantity: 1 }] } };
    const answer = await ask('acme-gold', query, production, variables);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.message).toMatch(/^Variable "\$input" got invalid value/);
    expect(answer.body.errors?.[1]?.message).toBe('Variable "$input" got invalid value { line: [[Object]] }; Field "line" is not defined by type "PlaceOrderInput".');
    expect(answer.text).not.toContain('Did you mean');
    // With introspection on (development), the suggestion stays: it helps whoever may read the schema.
    const development = await ask('acme-gold', query, filter, variables);
    expect(development.text).toContain('Did you mean \\"lines\\"?');
  });

  it('strips suggestions that would name a hidden type from validation errors in production', async () => {
    const answer = await ask('initech-bronze', '{ search(text: "x") { title } }', production);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors?.[0]?.message).toBe('Cannot query field "title" on type "SearchResult".');
    expect(answer.text).not.toContain('PartnerOffer');
  });

  describe('subscriptions (finding 9)', () => {
    it.each([
      ['with a selection', 'subscription { orderPlaced { id } }'],
      ['named, on a field that exists nowhere', 'subscription Watch { apiInfo }'],
    ])('answers subscription %s with 400 SUBSCRIPTIONS_NOT_SUPPORTED, no stack and no error-level log line', async (_label, query) => {
      const before = lines.length;
      const answer = await ask('acme-gold', query, logged);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [{ message: 'Subscriptions are not supported by this API: send a query or a mutation', extensions: { code: 'SUBSCRIPTIONS_NOT_SUPPORTED' } }],
      });
      expect(answer.text).not.toMatch(/stack|at .*\.ts|INTERNAL_SERVER_ERROR/);
      const written = lines.slice(before);
      expect(written.filter((line) => line.level >= 50)).toEqual([]);
      expect(written.some((line) => line.err?.stack !== undefined)).toBe(false);
    });

    it("with views on, answers every subscription as the caller's view has it: no Subscription type, one 400 whatever the names", async () => {
      const NO_SUBSCRIPTION = {
        errors: [{ message: 'Schema is not configured to execute subscription operation.', locations: [{ line: 1, column: 1 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
      };
      for (const query of ['subscription { orderPlaced { id } }', 'subscription { apiInfo }']) {
        const answer = await ask('acme-gold', query, filter);
        expect([answer.status, answer.body]).toEqual([400, NO_SUBSCRIPTION]);
      }
    });

    it('answers a subscription in a GET with a 4xx and a code too (Apollo: GET serves queries only)', async () => {
      const before = lines.length;
      const url = `${logged.url}?query=${encodeURIComponent('subscription { apiInfo }')}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${tokens['acme-gold']}`, 'apollo-require-preflight': 'true' } });
      const text = await response.text();
      expect(response.status).toBe(405);
      expect(JSON.parse(text)).toEqual({ errors: [{ message: 'GET requests only support query operations, not subscription operations', extensions: { code: 'BAD_REQUEST' } }] });
      expect(lines.slice(before).filter((line) => line.level >= 50)).toEqual([]);
    });
  });

  describe('cross-partner side channels (finding 11)', () => {
    const PLACE = 'mutation { placeOrder(input: { lines: [{ productId: "prod-hammer", quantity: 1 }] }) { id number } }';

    it('gives new orders opaque random ids and numbers: no global sequence to count the others by', async () => {
      const placed: { id: string; number: string }[] = [];
      for (const caller of ['acme-gold', 'globex-silver', 'acme-gold'] as const) {
        const answer = await ask(caller, PLACE);
        expect(answer.status).toBe(200);
        placed.push((answer.body.data?.['placeOrder'] ?? {}) as { id: string; number: string });
      }
      for (const order of placed) {
        expect(order.id).toMatch(/^order-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(order.number).toMatch(/^SO-[0-9A-F]{10}$/);
      }
      expect(new Set(placed.map((order) => order.id)).size).toBe(3);
      expect(new Set(placed.map((order) => order.number)).size).toBe(3);
      // The order is found by its id, by its partner only.
      const first = placed[0] as { id: string };
      const mine = await ask('acme-gold', `{ node(id: ${JSON.stringify(first.id)}) { id } }`);
      expect(mine.body.data).toEqual({ node: { id: first.id } });
      expect((await ask('globex-silver', `{ node(id: ${JSON.stringify(first.id)}) { id } }`)).body.data).toEqual({ node: null });
    });

    it('keeps no automatic persisted query that another caller could probe by its hash', async () => {
      const query = '{ apiInfo }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const send = async (caller: Caller, body: Record<string, unknown>) => {
        const response = await fetch(filter.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Answer['body'] };
      };
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      const registered = await send('acme-gold', { query, extensions });
      expect(registered.body.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
      const probe = await send('initech-bronze', { extensions });
      // Apollo answers APQ errors with 200 (clients retry with the full query); no data either way.
      expect(probe.status).toBe(200);
      expect(probe.body.data).toBeUndefined();
      expect(probe.body.errors?.[0]?.extensions?.['code']).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    });
  });

  describe('bounded answers (finding 6)', () => {
    it('paginates every list field of the reference schema: first (with a default) and after', () => {
      const { schema } = buildReferenceSchema({ mode: 'filter', defaultPolicy: 'authenticated', logger });
      const lists: string[] = [];
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith('__') || !isObjectType(type)) continue;
        for (const field of Object.values(type.getFields())) {
          if (!isListType(getNullableType(field.type))) continue;
          lists.push(`${type.name}.${field.name}`);
          const first = field.args.find((arg) => arg.name === 'first');
          const after = field.args.find((arg) => arg.name === 'after');
          expect(String(first?.type), `${type.name}.${field.name}(first:)`).toBe('Int!');
          expect(typeof first?.defaultValue, `${type.name}.${field.name}(first:) default`).toBe('number');
          expect(after === undefined ? 'none' : String(after.type), `${type.name}.${field.name}(after:)`).toMatch(/^(ID|String)$/);
        }
      }
      expect(lists.sort()).toEqual([
        'Bundle.products',
        'Category.products',
        'Mutation.addToWishlist',
        'Order.lines',
        'PartnerReport.topProducts',
        'Query.allOrders',
        'Query.categories',
        'Query.myOrders',
        'Query.products',
        'Query.recommendedForYou',
        'Query.search',
        'Viewer.scopes',
      ]);
    });

    it('pages a list with first and after, at most 100 items, and refuses a bad page with BAD_USER_INPUT', async () => {
      const firstPage = await ask('acme-gold', '{ products(first: 3) { id } }');
      const ids = (firstPage.body.data?.['products'] as { id: string }[]).map((item) => item.id);
      expect(ids).toEqual(['prod-drill', 'prod-saw', 'prod-hammer']);
      const next = await ask('acme-gold', '{ products(first: 3, after: "prod-hammer") { id } }');
      expect((next.body.data?.['products'] as { id: string }[]).map((item) => item.id)).toEqual(['prod-hose', 'prod-mower', 'prod-gloves']);
      const lines = await ask('acme-gold', '{ myOrders(first: 1) { number lines(first: 1, after: "prod-drill") { product { id } quantity } } }');
      expect(lines.body.data).toEqual({ myOrders: [{ number: 'SO-1001', lines: [{ product: { id: 'prod-gloves' }, quantity: 100 }] }] });
      for (const [query, message] of [
        ['{ products(first: 101) { id } }', 'first must be between 0 and 100'],
        ['{ categories(first: -1) { id } }', 'first must be between 0 and 100'],
        ['{ products(after: "order-1001") { id } }', 'after must be the cursor of an item of this list (the id of the last item received)'],
      ] as const) {
        const answer = await ask('acme-gold', query);
        expect(answer.body.errors?.map((error) => [error.extensions?.['code'], error.message])).toEqual([['BAD_USER_INPUT', message]]);
        expect(answer.body.data).toBeNull(); // the lists are non-null: the error nulls the whole answer
      }
    });
  });

  describe('bounded writes (finding 6)', () => {
    const aliased = (count: number) =>
      `mutation { ${Array.from({ length: count }, (_, index) => `o${index}: placeOrder(input: { lines: [{ productId: "prod-saw", quantity: 1 }] }) { id }`).join(' ')} }`;

    it('counts each root mutation field against the rate limit, and refuses before any write past it', async () => {
      // globex-silver: 10 requests per window on this server.
      const first = await fetch(limited.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens['globex-silver']}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: aliased(6) }),
      });
      expect(first.status).toBe(200);
      expect(Object.keys(((await first.json()) as Answer['body']).data ?? {})).toHaveLength(6);
      expect(first.headers.get('ratelimit')).toBe('"default";r=4;t=3600');
      const second = await ask('globex-silver', aliased(6), limited);
      expect(second.status).toBe(429);
      expect(second.body.data).toBeUndefined();
      expect(second.body.errors?.map((error) => error.extensions?.['code'])).toEqual(['RATE_LIMITED']);
      // The refused request placed nothing: 6 orders of the first, on top of the two of the demo data.
      const orders = await ask('ops-internal', '{ allOrders { clientId } }', limited);
      expect(orders.status).toBe(200);
      expect((orders.body.data?.['allOrders'] as { clientId: string }[]).filter((order) => order.clientId === 'globex-silver')).toHaveLength(2 + 6);
    });
  });
});
