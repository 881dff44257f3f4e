/**
 * Issue 10, attack F4: introspection is never free. Each `__schema` or `__type` selection costs
 * `costModel.introspectionCost` (what is under it included), so the cost limit and a cost budget
 * count it, and one operation may hold `schemaIntrospections` `__schema` selections (default 1),
 * counted through aliases and fragment spreads. The standard introspection query still passes
 * the default limits.
 */
import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createOperationLimits, createSourceCheck, DEFAULT_INTROSPECTION_COST, DEFAULT_LIMITS, DEFAULT_SCHEMA_INTROSPECTIONS } from '../../src/index.js';
import type { OperationLimits, Principal } from '../../src/index.js';
import { REFERENCE_LIMITS } from '../../src/server/abuseLimits.js';
import { limitCodeOf, machinePrincipal } from '../helpers/limitCases.js';

const schema = buildSchema('type Query { ping: Int items(first: Int): [Item!]! } type Item { id: ID name: String }');
const gold = machinePrincipal({ tier: 'gold' }, 'gold-app');
const bronze = machinePrincipal({ tier: 'bronze' }, 'bronze-app');
const INTROSPECTIONS = [
  ['getIntrospectionQuery()', getIntrospectionQuery()],
  [
    'getIntrospectionQuery() with every option',
    getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }),
  ],
] as const;
/** `n` aliased `__schema` selections, small ones (a few tokens each). */
const aliasedSchemas = (n: number): string => `{ ${Array.from({ length: n }, (_, index) => `s${index}: __schema { types { name } }`).join(' ')} }`;
const aliasedTypes = (n: number): string => `{ ${Array.from({ length: n }, (_, index) => `t${index}: __type(name: "Item") { fields { name } }`).join(' ')} }`;

const costOf = (limits: OperationLimits, text: string): number => limits.costOf({ schema, document: parse(text) });

describe('the cost of introspection', () => {
  const limits = createOperationLimits();

  it('charges one __schema or __type selection the fixed introspection cost, whatever is under it', () => {
    expect(DEFAULT_INTROSPECTION_COST).toBe(1000);
    expect(costOf(limits, '{ __schema { queryType { name } } }')).toBe(1000);
    expect(costOf(limits, aliasedSchemas(1))).toBe(1000);
    expect(costOf(limits, '{ __type(name: "Item") { name } }')).toBe(1000);
    expect(costOf(limits, '{ __type(name: "Item") { fields { name type { name ofType { name ofType { name } } } } } }')).toBe(1000);
    // Beside ordinary fields, each keeps its own cost (ping: 1).
    expect(costOf(limits, '{ ping __schema { types { name } } }')).toBe(1000 + 1);
  });

  it('charges N aliased __schema or __type selections N times, through fragments too', () => {
    expect(costOf(limits, aliasedSchemas(24))).toBe(24_000);
    expect(costOf(limits, aliasedSchemas(6))).toBeGreaterThan(DEFAULT_LIMITS.cost);
    expect(costOf(limits, aliasedTypes(15))).toBe(15_000);
    const spread = '{ ...S a: __schema { types { name } } } fragment S on Query { b: __schema { types { name } } }';
    // The spread costs as graphql-armor's model: 1 + 1.5 × (2 + 1.5 × 1,000).
    expect(costOf(limits, spread)).toBe(1000 + 1 + 1.5 * (2 + 1.5 * 1000));
  });

  it('measures the standard introspection query at one introspection: depth 0, one __schema, cost 1,000', () => {
    for (const [, text] of INTROSPECTIONS) {
      const measures = limits.measure(schema, parse(text));
      expect([...measures.operations.values()]).toEqual([{ depth: 0, aliases: 0, cost: 1000, schemaIntrospections: 1 }]);
    }
  });

  it('passes the standard introspection query for every tier of the reference server, a bronze partner’s included', () => {
    const reference = createOperationLimits(REFERENCE_LIMITS);
    for (const who of [null, bronze, gold, machinePrincipal({ tier: 'internal' }, 'ops')]) {
      for (const [, text] of INTROSPECTIONS) {
        expect(reference.check({ schema, document: parse(text), principal: who })).toBe(1000);
      }
    }
  });

  it('refuses a second __schema selection with ERR_TOO_MANY_INTROSPECTIONS, whatever the tier allows', () => {
    const reference = createOperationLimits(REFERENCE_LIMITS);
    expect(DEFAULT_SCHEMA_INTROSPECTIONS).toBe(1);
    // Gold's cost limit (25,000) would admit 24: the count refuses them.
    expect(limitCodeOf(() => reference.check({ schema, document: parse(aliasedSchemas(24)), principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(limitCodeOf(() => reference.check({ schema, document: parse(aliasedSchemas(2)), principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(limitCodeOf(() => reference.check({ schema, document: parse(aliasedSchemas(7)), principal: bronze }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    // A fragment spread twice runs its __schema twice.
    const twice = '{ ...S x: items { id } ...S } fragment S on Query { __schema { types { name } } }';
    expect(limitCodeOf(() => reference.check({ schema, document: parse(twice), principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    const inline = '{ ... on Query { __schema { types { name } } } __schema { queryType { name } } }';
    expect(limitCodeOf(() => reference.check({ schema, document: parse(inline), principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    // __type selections are bounded by their cost: 6 exceed the default cost limit, 5 fit.
    expect(limitCodeOf(() => reference.check({ schema, document: parse(aliasedTypes(6)), principal: bronze }))).toBe('ERR_QUERY_TOO_COSTLY');
    expect(limitCodeOf(() => reference.check({ schema, document: parse(aliasedTypes(5)), principal: bronze }))).toBeNull();
  });

  it('counts a field selected again under another name inside __schema as one more __schema (attack 3, G6), through fragments too, and stays linear', () => {
    const reference = createOperationLimits(REFERENCE_LIMITS);
    const refused = (text: string, who: Principal = gold): string | null => limitCodeOf(() => reference.check({ schema, document: parse(text), principal: who }));
    expect(refused('{ __schema { a: types { name } b: types { name } } }')).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(refused('{ __schema { types { a: fields { name } b: fields { name } } } }', bronze)).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(refused('{ __schema { types { ...T } t2: types { name } } } fragment T on __Type { name }')).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(refused('{ __schema { ...S } } fragment S on __Schema { a: types { name } b: types { kind } }')).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    // The same field twice under one name is answered once (merged): not a repeat.
    expect(refused('{ __schema { types { name } types { kind } } }')).toBeNull();
    for (const [, text] of INTROSPECTIONS) expect(refused(text, bronze)).toBeNull();
    // A fragment chain inside __schema that doubles at each level is read once per fragment.
    const levels = 40;
    const chain = Array.from({ length: levels }, (_, index) => `fragment F${index} on __Type { ofType { ...F${index + 1} ...F${index + 1} } }`).join(' ');
    const bomb = `{ __schema { types { ...F0 } } } ${chain} fragment F${levels} on __Type { name }`;
    expect(refused(bomb)).not.toBe('ERR_TOO_MANY_INTROSPECTIONS');
  });

  it('takes introspectionCost and schemaIntrospections as options, and checks them', () => {
    const cheaper = createOperationLimits({ costModel: { introspectionCost: 10 }, schemaIntrospections: 3 });
    expect(costOf(cheaper, aliasedSchemas(3))).toBe(30);
    expect(limitCodeOf(() => cheaper.check({ schema, document: parse(aliasedSchemas(3)), principal: null }))).toBeNull();
    expect(limitCodeOf(() => cheaper.check({ schema, document: parse(aliasedSchemas(4)), principal: null }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    const none = createOperationLimits({ schemaIntrospections: 0 });
    expect(limitCodeOf(() => none.check({ schema, document: parse(getIntrospectionQuery()), principal: null }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(() => createOperationLimits({ costModel: { introspectionCost: -1 } })).toThrow(new TypeError('"costModel.introspectionCost" must be a finite number >= 0'));
    expect(() => createOperationLimits({ schemaIntrospections: 1.5 })).toThrow(new TypeError('"schemaIntrospections" must be an integer >= 0'));
    expect(() => createOperationLimits({ schemaIntrospections: '1' as never })).toThrow(new TypeError('"schemaIntrospections" must be an integer >= 0'));
  });

  it('with ignoreIntrospection false, walks introspection as ordinary fields: never free either', () => {
    const walked = createOperationLimits({ ignoreIntrospection: false });
    const [measured] = walked.measure(schema, parse(getIntrospectionQuery())).operations.values();
    expect(measured?.depth).toBeGreaterThan(DEFAULT_LIMITS.depth);
    expect(measured?.cost).toBeGreaterThan(1_000_000);
    expect(limitCodeOf(() => walked.check({ schema, document: parse(getIntrospectionQuery()), principal: null }))).toBe('ERR_QUERY_TOO_DEEP');
  });

  it('is what a cost budget charges: costOf gives the introspection cost', () => {
    expect(limits.costOf({ schema, document: parse(getIntrospectionQuery()) })).toBe(1000);
    expect(limits.costOf({ schema, document: parse(aliasedSchemas(24)) })).toBe(24_000);
  });
});

describe('the source check and introspection', () => {
  const reference = createOperationLimits(REFERENCE_LIMITS);

  it('refuses aliased __schema selections before validation, with or without fragment spreads, and passes the standard query', () => {
    const check = createSourceCheck(reference);
    // Within gold's depth and alias limits, no spread: the scan alone finds two __schema names.
    const short = '{ a: __schema { types { name } } b: __schema { types { name } } }';
    expect(limitCodeOf(() => check.check({ schema, source: short, principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(limitCodeOf(() => check.check({ schema, source: aliasedSchemas(24), principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    const spreads = `${getIntrospectionQuery().replace('__schema {', 'a: __schema { ...S }\n b: __schema {')} fragment S on __Schema { types { name } }`;
    expect(limitCodeOf(() => check.check({ schema, source: spreads, principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    // Remembered: the same refusal again costs a lookup.
    expect(limitCodeOf(() => check.check({ schema, source: short, principal: gold }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
    expect(check.stats().rememberedRefusals).toBe(1);
    for (const [, text] of INTROSPECTIONS) {
      for (const who of [null, bronze, gold]) expect(limitCodeOf(() => check.check({ schema, source: text, principal: who }))).toBeNull();
    }
    // `__schema` as a string or a comment is not a selection.
    expect(limitCodeOf(() => check.check({ schema, source: '{ __type(name: "__schema") { name } } # __schema', principal: bronze }))).toBeNull();
    // One __schema whose fields repeat under other names (G6): refused here too, before validation.
    expect(limitCodeOf(() => check.check({ schema, source: '{ __schema { a: types { name } b: types { name } } }', principal: bronze }))).toBe('ERR_TOO_MANY_INTROSPECTIONS');
  });
});
