/**
 * createSourceCheck: the caller's own token, depth and alias limits on the query text, before
 * validation, with verdicts remembered per document hash and limits within a byte budget.
 */
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createOperationLimits, createSourceCheck } from '../../src/index.js';
import { limitCodeOf, machinePrincipal } from '../helpers/limitCases.js';

const schema = buildSchema('type Query { ping: Int node: Node } type Node { id: ID child: Node }');
const limits = createOperationLimits({ default: { depth: 4, aliases: 3, tokens: 1000 }, tiers: { key: 'tier', values: { gold: { depth: 8, aliases: 10, tokens: 3000 } } } });
const bronze = machinePrincipal({ tier: 'bronze' }, 'bronze-app');
const gold = machinePrincipal({ tier: 'gold' }, 'gold-app');
const tokens = (count: number, salt = 0): string => `{ a${salt}: ping ${'ping '.repeat(count - 5)}}`;

describe('createSourceCheck', () => {
  it('refuses a 1,500-token text with the caller’s limit, and passes it for a tier that allows it', () => {
    const check = createSourceCheck(limits);
    expect(limitCodeOf(() => check.check({ schema, source: tokens(1500), principal: bronze }))).toBe('ERR_TOO_MANY_TOKENS');
    expect(limitCodeOf(() => check.check({ schema, source: tokens(1500), principal: null }))).toBe('ERR_TOO_MANY_TOKENS');
    expect(limitCodeOf(() => check.check({ schema, source: tokens(1500), principal: gold }))).toBeNull();
  });

  it('refuses depth and aliases by the caller’s limits, for the operation the request names', () => {
    const check = createSourceCheck(limits);
    const deep = `query Deep { node { child { child { child { child { id } } } } } } query Flat { ping }`;
    expect(limitCodeOf(() => check.check({ schema, source: deep, operationName: 'Deep', principal: bronze }))).toBe('ERR_QUERY_TOO_DEEP');
    expect(limitCodeOf(() => check.check({ schema, source: deep, operationName: 'Flat', principal: bronze }))).toBeNull();
    expect(limitCodeOf(() => check.check({ schema, source: deep, operationName: 'Deep', principal: gold }))).toBeNull();
    expect(limitCodeOf(() => check.check({ schema, source: '{ a: ping b: ping c: ping d: ping }', principal: bronze }))).toBe('ERR_TOO_MANY_ALIASES');
  });

  it('leaves texts that do not parse or do not validate to the server', () => {
    const check = createSourceCheck(limits);
    expect(limitCodeOf(() => check.check({ schema, source: '{ ping', principal: bronze }))).toBeNull();
    expect(limitCodeOf(() => check.check({ schema, source: '{ nothing { here } }', principal: bronze }))).toBeNull();
  });

  it('answers a repeated refusal from memory: one measurement, then lookups', () => {
    const check = createSourceCheck(limits);
    for (let index = 0; index < 10; index += 1) {
      expect(limitCodeOf(() => check.check({ schema, source: tokens(1500), principal: bronze }))).toBe('ERR_TOO_MANY_TOKENS');
    }
    expect(check.stats()).toMatchObject({ measured: 1, remembered: 9, rememberedRefusals: 9, entries: 1 });
  });

  it('keeps a hostile stream of unique refusals within its byte budget', () => {
    const maxBytes = 64 * 1024;
    const check = createSourceCheck(limits, { maxBytes });
    for (let index = 0; index < 3000; index += 1) {
      expect(limitCodeOf(() => check.check({ schema, source: tokens(1001, index), principal: bronze }))).toBe('ERR_TOO_MANY_TOKENS');
    }
    const stats = check.stats();
    expect(stats.measured).toBe(3000);
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.entries).toBeGreaterThan(100);
    expect(stats.entries).toBeLessThan(3000);
    // The most recent refusals are still remembered.
    expect(limitCodeOf(() => check.check({ schema, source: tokens(1001, 2999), principal: bronze }))).toBe('ERR_TOO_MANY_TOKENS');
    expect(check.stats().rememberedRefusals).toBe(1);
  });

  it('refuses wrong options with a message naming them', () => {
    expect(() => createSourceCheck({} as never)).toThrow('"limits" must come from createOperationLimits');
    expect(() => createSourceCheck(limits, { maxBytes: 10 })).toThrow('"maxBytes" must be an integer >= 16384');
  });
});
