/**
 * The reference API as the demo clients of dev/clients.json see it: tokens from the embedded dev
 * issuer (oidc-provider) over HTTP, the real server, and a visibly different slice per client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCaller as Caller, DevCallers } from '../helpers/devCallers.js';

interface Answer {
  status: number;
  challenge: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const logger = createLogger('silent');

describe('reference API per demo client', () => {
  let callers: DevCallers;
  let filter: ReferenceServer;
  let reject: ReferenceServer;
  const tokens = {} as Record<Caller, string>;

  beforeAll(async () => {
    callers = await startDevCallers();
    Object.assign(tokens, callers.tokens);
    // AUTHZ_SCHEMA_VIEW=full on purpose: these tests are about what filter and reject modes answer
    // for fields a caller is denied. With the default per-caller views such a field is not in the
    // caller's schema and validation answers 400 first, as for a field that does not exist; that
    // answer is tested in test/server/schemaView.test.ts against the default configuration.
    filter = await createReferenceServer(callers.configFor({ AUTHZ_SCHEMA_VIEW: 'full' }), { logger });
    reject = await createReferenceServer(callers.configFor({ AUTHZ_MODE: 'reject', AUTHZ_SCHEMA_VIEW: 'full' }), { logger });
  });
  afterAll(async () => {
    await Promise.all([filter.close(), reject.close()]);
    await callers.close();
  });

  async function ask(caller: Caller, query: string, server: ReferenceServer = filter): Promise<Answer> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as Answer['body'] };
  }
  const denied = (answer: Answer) => (answer.body.errors ?? []).map((error) => `${String(error.extensions?.['code'])} ${String(error.extensions?.['coordinate'])}`).sort();

  const PRODUCT = '{ product(id: "prod-drill") { name wholesalePrice { amount } stock } }';

  it.each([
    ['acme-gold', { name: 'Cordless Drill', wholesalePrice: { amount: 92 }, stock: 340 }, []],
    ['globex-silver', { name: 'Cordless Drill', wholesalePrice: { amount: 92 }, stock: null }, ['FORBIDDEN Product.stock']],
    ['initech-bronze', { name: 'Cordless Drill', wholesalePrice: null, stock: null }, ['FORBIDDEN Product.stock', 'FORBIDDEN Product.wholesalePrice']],
    ['ops-internal', { name: 'Cordless Drill', wholesalePrice: null, stock: 340 }, ['FORBIDDEN Product.wholesalePrice']],
    ['alice', { name: 'Cordless Drill', wholesalePrice: null, stock: null }, ['FORBIDDEN Product.stock', 'FORBIDDEN Product.wholesalePrice']],
  ] as const)('shows %s its slice of a product', async (caller, product, errors) => {
    const answer = await ask(caller, PRODUCT);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ product });
    expect(denied(answer)).toEqual(errors);
  });

  it('gives every partner its own orders and only the internal client every order with margins', async () => {
    const query = '{ myOrders { number } allOrders { number margin { amount } } }';
    const acme = await ask('acme-gold', query);
    expect(acme.body.data).toEqual({ myOrders: [{ number: 'SO-1001' }, { number: 'SO-1002' }, { number: 'SO-1003' }], allOrders: null });
    expect(denied(acme)).toEqual(['FORBIDDEN Query.allOrders']);
    const globex = await ask('globex-silver', query);
    expect(globex.body.data).toEqual({ myOrders: [{ number: 'SO-2001' }, { number: 'SO-2002' }], allOrders: null });
    const ops = await ask('ops-internal', query);
    expect(ops.body.data?.['myOrders']).toBeNull();
    const all = ops.body.data?.['allOrders'] as { number: string; margin: { amount: number } }[];
    expect(all.map((order) => order.number)).toEqual(['SO-1001', 'SO-1002', 'SO-1003', 'SO-2001', 'SO-2002', 'SO-3001']);
    // SO-1001: 20 drills at 92 (cost 61) and 100 gloves at 7 (cost 4).
    expect(all[0]?.margin).toEqual({ amount: 920 });
    const alice = await ask('alice', query);
    expect(alice.body.data).toEqual({ myOrders: null, allOrders: null });
  });

  it("never returns another partner's order through node(id)", async () => {
    const query = '{ node(id: "order-1001") { id ... on Order { number } } }';
    expect((await ask('acme-gold', query)).body.data).toEqual({ node: { id: 'order-1001', number: 'SO-1001' } });
    const globex = await ask('globex-silver', query);
    expect(globex.body.data).toEqual({ node: null });
    expect(JSON.stringify(globex.body)).not.toContain('SO-1001');
  });

  it('hides Order.margin from a partner even through its own orders', async () => {
    const answer = await ask('acme-gold', '{ myOrders { number total { amount } margin { amount } } }');
    const orders = answer.body.data?.['myOrders'] as { margin: unknown; total: { amount: number } }[];
    expect(orders.map((order) => order.margin)).toEqual([null, null, null]);
    expect(orders[0]?.total).toEqual({ amount: 2540 });
    expect(denied(answer)).toEqual(['FORBIDDEN Order.margin']);
    expect(JSON.stringify(answer.body)).not.toMatch(/"margin":\{/);
  });

  it('gives the partner report to gold partners with reports:read only', async () => {
    const query = '{ partnerReport(period: "2026-10") { orderCount revenue { amount } topProducts { name } } }';
    const acme = await ask('acme-gold', query);
    expect(acme.body.data).toEqual({ partnerReport: { orderCount: 1, revenue: { amount: 790 }, topProducts: [{ name: 'Electric Mower' }] } });
    const globex = await ask('globex-silver', query);
    expect(globex.body.data).toEqual({ partnerReport: null });
    expect(denied(globex)[0]).toMatch(/^FORBIDDEN /);
  });

  it('checks union members per type: gold partners see offers, the others never learn of them', async () => {
    const query = '{ search(text: "drill") { __typename ... on Product { name } ... on PartnerOffer { title discountPercent } } }';
    const acme = await ask('acme-gold', query);
    expect(acme.body.data).toEqual({
      search: [
        { __typename: 'Product', name: 'Cordless Drill' },
        { __typename: 'PartnerOffer', title: 'Drill volume deal', discountPercent: 12 },
      ],
    });
    const globex = await ask('globex-silver', query);
    // search matches only on what the caller may read, and an offer is withheld whole (issue 10).
    expect(globex.body).toEqual({ data: { search: [{ __typename: 'Product', name: 'Cordless Drill' }] } });
    expect(JSON.stringify(globex.body)).not.toMatch(/PartnerOffer|Drill volume deal/);
  });

  it('applies interface rules through a fragment on the interface', async () => {
    const query = '{ node(id: "bundle-starter") { id ... on Priced { listPrice { amount } wholesalePrice { amount } } } }';
    expect((await ask('globex-silver', query)).body.data).toEqual({ node: { id: 'bundle-starter', listPrice: { amount: 149 }, wholesalePrice: { amount: 104 } } });
    const bronze = await ask('initech-bronze', query);
    expect(bronze.body.data).toEqual({ node: { id: 'bundle-starter', listPrice: { amount: 149 }, wholesalePrice: null } });
    expect(denied(bronze)).toEqual(['FORBIDDEN Bundle.wholesalePrice']);
  });

  it('serves the storefront user its recommendations and wishlist, and refuses them to partners', async () => {
    const alice = await ask('alice', '{ viewer { kind user { id } } recommendedForYou { name } }');
    expect(alice.body.data).toEqual({ viewer: { kind: 'USER', user: { id: 'alice' } }, recommendedForYou: [{ name: 'Cordless Drill' }, { name: 'Hard Hat' }, { name: 'Garden Hose 25 m' }] });
    const wish = await ask('alice', 'mutation { addToWishlist(productId: "prod-saw") { name } }');
    expect(wish.body).toEqual({ data: { addToWishlist: [{ name: 'Circular Saw' }] } });
    const acme = await ask('acme-gold', '{ recommendedForYou { name } }');
    expect(acme.body.data).toEqual({ recommendedForYou: null });
    expect(denied(acme)).toEqual(['FORBIDDEN Query.recommendedForYou']);
  });

  it('refuses a denied mutation as a whole, before it runs: no order is placed', async () => {
    const countOrders = async () => ((await ask('ops-internal', '{ allOrders { number } }')).body.data?.['allOrders'] as unknown[]).length;
    const before = await countOrders();
    const bronze = await ask('initech-bronze', 'mutation { placeOrder(input: { lines: [{ productId: "prod-drill", quantity: 1 }] }) { number } }');
    expect(bronze.status).toBe(403);
    expect(bronze.challenge).toContain('error="insufficient_scope"');
    expect(bronze.body.data ?? null).toBeNull();
    expect(await countOrders()).toBe(before);

    const acme = await ask('acme-gold', 'mutation { placeOrder(input: { lines: [{ productId: "prod-drill", quantity: 2 }] }) { clientId total { amount } } }');
    expect(acme.body).toEqual({ data: { placeOrder: { clientId: 'acme-gold', total: { amount: 184 } } } });
    expect(await countOrders()).toBe(before + 1);
  });

  it('in reject mode refuses the whole operation with 403 and no data', async () => {
    const answer = await ask('initech-bronze', PRODUCT, reject);
    expect(answer.status).toBe(403);
    expect(answer.challenge).toMatch(/^Bearer realm="allow-clients", error="insufficient_scope"/);
    expect(answer.body.data ?? null).toBeNull();
    expect(JSON.stringify(answer.body)).not.toContain('Cordless Drill');
    const gold = await ask('acme-gold', PRODUCT, reject);
    expect(gold.body.data).toEqual({ product: { name: 'Cordless Drill', wholesalePrice: { amount: 92 }, stock: 340 } });
  });
});
