import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findLeaks } from './support/leakCheck.js';
import { operationArbitrary, printOperation } from './support/operationArbitrary.js';
import { createSdlOracle } from './support/sdlOracle.js';
import type { OracleCaller } from './support/sdlOracle.js';

/**
 * The fuzzers' own instruments, checked before they are trusted: the independent oracle reads the
 * reference schema as its comments say, the generator only makes valid operations, and the leak
 * walker does find denied data when it is there.
 */

const apiSdl = readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8');
const directivesSdl = readFileSync(new URL('../../schema/directives.graphql', import.meta.url), 'utf8');
const schema = buildSchema(`${directivesSdl}\n${apiSdl}`);
const oracle = createSdlOracle(apiSdl);

const machine = (clientId: string, metadata: Record<string, string>, scopes: string[]): OracleCaller => ({
  kind: 'machine',
  clientId,
  name: clientId,
  metadata,
  scopes,
});
const gold = machine('acme-gold', { tier: 'gold' }, ['catalog:read', 'orders:read', 'orders:write', 'reports:read', 'stock:read']);
const silver = machine('globex-silver', { tier: 'silver' }, ['catalog:read', 'orders:read', 'orders:write']);
const bronze = machine('initech-bronze', { tier: 'bronze' }, ['catalog:read', 'orders:read']);
const ops = machine('ops-internal', { tier: 'internal' }, ['catalog:read', 'orders:read', 'stock:read']);
const shopper: OracleCaller = { kind: 'user', clientId: 'storefront-web', name: 'Storefront', metadata: { firstParty: 'true' }, scopes: ['catalog:read'] };

describe('the independent oracle', () => {
  it.each([
    ['Order', 'margin', gold, true],
    ['Order', 'margin', ops, false],
    ['Product', 'wholesalePrice', bronze, true],
    ['Product', 'wholesalePrice', silver, false],
    ['Bundle', 'wholesalePrice', bronze, true],
    ['Product', 'stock', silver, true],
    ['Product', 'stock', ops, false],
    ['PartnerOffer', 'title', silver, true],
    ['PartnerOffer', 'title', gold, false],
    ['PartnerReport', 'revenue', silver, true],
    ['Query', 'partnerReport', silver, true],
    ['Query', 'partnerReport', gold, false],
    ['Query', 'myOrders', ops, true],
    ['Query', 'myOrders', bronze, false],
    ['Query', 'allOrders', gold, true],
    ['Query', 'recommendedForYou', shopper, false],
    ['Query', 'recommendedForYou', gold, true],
    ['Query', 'myOrders', shopper, true],
    ['Mutation', 'placeOrder', bronze, true],
    ['Mutation', 'placeOrder', silver, false],
    ['Product', 'name', bronze, false],
    ['Query', 'apiInfo', shopper, false],
  ] as const)('%s.%s for %s: denied = %s', (type, field, caller, denied) => {
    expect(oracle.denies(type, field, caller)).toBe(denied);
  });
});

describe('the operation generator', () => {
  it('generates only operations that are valid against the reference schema', () => {
    const arbitrary = operationArbitrary(schema, { ids: ['p-1', 'c-1'] });
    fc.assert(
      fc.property(arbitrary, (generated) => {
        const text = printOperation(generated);
        expect(validate(schema, parse(text)).map((error) => error.message)).toEqual([]);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('reaches aliases, named and inline fragments, abstract types and mutations', () => {
    const texts = fc.sample(operationArbitrary(schema, { ids: ['p-1'] }), { numRuns: 300, seed: 7 }).map(printOperation);
    expect(texts.some((text) => /k\d+: /.test(text))).toBe(true);
    expect(texts.some((text) => /fragment F\d+ on /.test(text))).toBe(true);
    expect(texts.some((text) => /\.\.\. on (Node|Priced|SearchResult)/.test(text))).toBe(true);
    expect(texts.some((text) => text.startsWith('mutation'))).toBe(true);
  });
});

describe('the leak walker', () => {
  const text = 'query { k1: products { __typename name wholesalePrice { amount __typename } ... on Node { __typename } } __typename }';

  it('reports denied data that came back', () => {
    const data = { __typename: 'Query', k1: [{ __typename: 'Product', name: 'Widget', wholesalePrice: { amount: 3, __typename: 'Money' } }] };
    const report = findLeaks(schema, oracle, bronze, text, data);
    expect(report.leaks).toHaveLength(1);
    expect(report.leaks[0]).toContain('Product.wholesalePrice');
  });

  it('accepts denied fields that came back null and counts them', () => {
    const data = { __typename: 'Query', k1: [{ __typename: 'Product', name: 'Widget', wholesalePrice: null }] };
    const report = findLeaks(schema, oracle, bronze, text, data);
    expect(report.leaks).toEqual([]);
    expect(report.deniedSeen).toBe(1);
    expect(report.allowedWithData).toBe(2);
  });

  it('follows fragments on union members by the concrete type', () => {
    const unionText = 'query { search(text: "a") { __typename ...F } __typename } fragment F on SearchResult { ... on PartnerOffer { title __typename } __typename }';
    const data = { __typename: 'Query', search: [{ __typename: 'PartnerOffer', title: 'Deal' }] };
    expect(findLeaks(schema, oracle, silver, unionText, data).leaks).toHaveLength(1);
    expect(findLeaks(schema, oracle, gold, unionText, data).leaks).toEqual([]);
  });
});
