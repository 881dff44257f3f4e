/**
 * Each demo client introspects and is validated against its own view, through the real reference
 * server (its default AUTHZ_SCHEMA_VIEW=caller) with tokens from the embedded dev issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { DEV_AUDIENCE, readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCaller as Caller, DevCallers } from '../helpers/devCallers.js';

interface Answer {
  status: number;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; locations?: unknown; extensions?: Record<string, unknown> }[] };
}

const logger = createLogger('silent');

/** Names only gold partners (and the internal client for stock) may see, and internal-only names. */
const GOLD_ONLY = ['PartnerOffer', 'PartnerReport', 'partnerReport', 'discountPercent'];
const INTERNAL_ONLY = ['allOrders', 'margin'];
const PARTNER_ONLY = ['wholesalePrice', 'placeOrder', 'PlaceOrderInput', 'OrderLineInput'];

describe('schema views through the reference server', () => {
  let callers: DevCallers;
  let server: ReferenceServer;
  let production: ReferenceServer;
  const tokens = {} as Record<Caller, string>;

  beforeAll(async () => {
    callers = await startDevCallers();
    Object.assign(tokens, callers.tokens);
    const audience = readConfig({ DEV_ISSUER_PORT: '0' }).devIssuer?.audience ?? DEV_AUDIENCE;
    // The default configuration: per-caller views are on unless AUTHZ_SCHEMA_VIEW=full.
    server = await createReferenceServer(callers.configFor(), { logger });
    production = await createReferenceServer(
      callers.configFor({ NODE_ENV: 'production', AUTH_ISSUER: callers.issuer.issuer, AUTH_AUDIENCE: audience }),
      { logger },
    );
  });
  afterAll(async () => {
    await Promise.all([server.close(), production.close()]);
    await callers.close();
  });

  it('is the reference server default; AUTHZ_SCHEMA_VIEW=full turns it off, anything else is refused', () => {
    expect(readConfig({}).authz.schemaView).toBe('caller');
    expect(readConfig({ AUTHZ_SCHEMA_VIEW: 'full' }).authz.schemaView).toBe('full');
    expect(() => readConfig({ AUTHZ_SCHEMA_VIEW: 'bronze' })).toThrow(/AUTHZ_SCHEMA_VIEW/);
  });

  async function ask(caller: Caller, query: string, target: ReferenceServer = server): Promise<Answer> {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Answer['body'] };
  }

  it.each([
    ['initech-bronze', [], [...GOLD_ONLY, ...INTERNAL_ONLY, ...PARTNER_ONLY, 'stock']],
    ['globex-silver', PARTNER_ONLY, [...GOLD_ONLY, ...INTERNAL_ONLY, 'stock']],
    ['acme-gold', [...GOLD_ONLY, ...PARTNER_ONLY, 'stock'], INTERNAL_ONLY],
    ['ops-internal', [...INTERNAL_ONLY, 'stock'], [...GOLD_ONLY, ...PARTNER_ONLY]],
    ['alice', ['recommendedForYou', 'addToWishlist'], [...GOLD_ONLY, ...INTERNAL_ONLY, ...PARTNER_ONLY, 'stock']],
  ] as const)('gives %s an introspection with its names and no trace of the others', async (caller, present, absent) => {
    const answer = await ask(caller, getIntrospectionQuery());
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    for (const name of present) expect(answer.text).toContain(`"${name}"`);
    for (const name of absent) expect(answer.text).not.toContain(name);
    // What every partner sees is there, with its arguments.
    expect(answer.text).toContain('"categoryId"');
  });

  it('answers __type from the caller view, mixed with data fields', async () => {
    const query = '{ offer: __type(name: "PartnerOffer") { name } product: __type(name: "Product") { fields { name } } apiInfo }';
    const bronze = await ask('initech-bronze', query);
    expect(bronze.status).toBe(200);
    expect(bronze.body.data?.['offer']).toBeNull();
    expect(JSON.stringify(bronze.body.data?.['product'])).not.toMatch(/stock|wholesalePrice/);
    expect(typeof bronze.body.data?.['apiInfo']).toBe('string');
    const gold = await ask('acme-gold', query);
    expect(gold.body.data?.['offer']).toEqual({ name: 'PartnerOffer' });
    expect(JSON.stringify(gold.body.data?.['product'])).toMatch(/stock/);
  });

  it('answers a hidden field exactly as a field that does not exist (status, code, message, locations)', async () => {
    const hidden = await ask('initech-bronze', '{ product(id: "prod-drill") { name stock } }');
    const missing = await ask('initech-bronze', '{ product(id: "prod-drill") { name stick } }');
    expect(hidden.status).toBe(400);
    expect(hidden.status).toBe(missing.status);
    expect(hidden.body).toEqual(JSON.parse(JSON.stringify(missing.body).replaceAll('stick', 'stock')));
    expect(hidden.body.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([
      ['Cannot query field "stock" on type "Product".', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    // Several hidden names: one error each, as for names that do not exist.
    const two = await ask('initech-bronze', '{ product(id: "prod-drill") { stock wholesalePrice { amount } } }');
    expect(two.body.errors?.map((error) => error.message)).toEqual([
      'Cannot query field "stock" on type "Product".',
      'Cannot query field "wholesalePrice" on type "Product".',
    ]);
    // The same document for gold runs.
    const gold = await ask('acme-gold', '{ product(id: "prod-drill") { name stock } }');
    expect(gold.status).toBe(200);
    expect(gold.body.data).toEqual({ product: { name: 'Cordless Drill', stock: 340 } });
  });

  it('words suggestions from the caller view', async () => {
    const bronze = await ask('initech-bronze', '{ product(id: "prod-drill") { stok } }');
    expect(bronze.status).toBe(400);
    expect(bronze.body.errors?.map((error) => error.message)).toEqual(['Cannot query field "stok" on type "Product".']);
    const gold = await ask('acme-gold', '{ product(id: "prod-drill") { stok } }');
    expect(gold.body.errors?.map((error) => error.message)).toEqual(['Cannot query field "stok" on type "Product". Did you mean "stock"?']);
    const type = await ask('initech-bronze', '{ search(text: "drill") { ... on PartnerOfer { __typename } } }');
    expect(type.text).not.toContain('PartnerOffer');
    expect(type.body.errors?.map((error) => error.message)).toEqual(['Unknown type "PartnerOfer".']);
  });

  it('keeps the server validation rules: production refuses introspection whatever the view', async () => {
    const answer = await ask('initech-bronze', '{ __schema { types { name } } }', production);
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('PartnerOffer');
    expect(answer.body.errors?.map((error) => error.extensions?.['code'])).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(answer.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('refuses a type the caller cannot see as an unknown type, even when the document was validated before for another caller', async () => {
    const query = '{ search(text: "drill") { ... on PartnerOffer { __typename } } }';
    const gold = await ask('acme-gold', query);
    expect(gold.status).toBe(200);
    const bronze = await ask('initech-bronze', query);
    expect(bronze.status).toBe(400);
    expect(bronze.body.errors?.map((error) => [error.message, error.extensions?.['code']])).toEqual([['Unknown type "PartnerOffer".', 'GRAPHQL_VALIDATION_FAILED']]);
  });
});
