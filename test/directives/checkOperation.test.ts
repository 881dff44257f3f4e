import { execute, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { checkOperation } from '../../src/directives/checkOperation.js';
import type { OperationDecision } from '../../src/directives/decideOperation.js';
import { callers, makeSchema, principal } from './fixtures.js';
import type { Principal } from '../../src/auth/principal.js';

const schema = applyAllowClients(makeSchema({}));

function decide(document: DocumentNode, caller: Principal | null, operationName?: string): OperationDecision {
  const decision = checkOperation({ schema, document, operationName, principal: caller });
  if (decision === null) throw new Error('no operation');
  return decision;
}

function denials(decision: OperationDecision): [string, string, string][] {
  return decision.denials.map((denial) => [denial.coordinate, denial.path.join('.'), denial.error.code]);
}

describe('checkOperation', () => {
  it('walks aliases, named and inline fragments, and every possible type of an abstract field', () => {
    const document = parse(`
      query Everything {
        orders { id m: margin ...Bits }
        nodes { ... on Priced { wholesale } }
        search { ... on Order { note } ... on Product { wholesale } }
      }
      fragment Bits on Order { note }
    `);
    expect(denials(decide(document, callers.silverByName))).toEqual([
      ['Order.margin', 'orders.m', 'ERR_FORBIDDEN'],
      ['Order.wholesale', 'nodes.wholesale', 'ERR_FORBIDDEN'],
      ['Product.wholesale', 'nodes.wholesale', 'ERR_FORBIDDEN'],
      ['Product.wholesale', 'search.wholesale', 'ERR_FORBIDDEN'],
    ]);
    expect(denials(decide(document, callers.goldById))).toEqual([
      ['Order.note', 'orders.note', 'ERR_FORBIDDEN'],
      ['Order.note', 'search.note', 'ERR_FORBIDDEN'],
    ]);
  });

  it('follows interface conditions inside union selections, and fragments inside fragments', () => {
    const document = parse(`
      { search { ...OnPriced } }
      fragment OnPriced on Priced { wholesale ... on Order { ...OrderOnly } }
      fragment OrderOnly on Order { m: margin }
    `);
    expect(denials(decide(document, callers.silverByName))).toEqual([
      ['Order.wholesale', 'search.wholesale', 'ERR_FORBIDDEN'],
      ['Order.margin', 'search.m', 'ERR_FORBIDDEN'],
      ['Product.wholesale', 'search.wholesale', 'ERR_FORBIDDEN'],
    ]);
  });

  it('checks fields under @skip and @include as well: whatever might run is checked', () => {
    const document = parse('query ($no: Boolean = false) { orders { id margin @include(if: $no) } }');
    expect(denials(decide(document, callers.silverByName))).toEqual([['Order.margin', 'orders.margin', 'ERR_FORBIDDEN']]);
  });

  it('does not walk beneath a denied field', () => {
    const document = parse('{ stats { revenue } }');
    expect(denials(decide(document, callers.silverByName))).toEqual([['Query.stats', 'stats', 'ERR_FORBIDDEN']]);
  });

  it('decides the named operation of a document with several', () => {
    const document = parse('query A { orders { margin } } query B { orders { note } }');
    expect(denials(decide(document, callers.silverByName, 'A'))).toHaveLength(1);
    expect(denials(decide(document, callers.silverByName, 'B'))).toEqual([]);
    expect(checkOperation({ schema, document, operationName: 'C', principal: callers.silverByName })).toBeNull();
  });

  it('sets a refusal for a mutation with a denial, with the scopes that would admit the caller', () => {
    const document = parse('mutation { placeOrder { id cost } }');
    const decision = decide(document, callers.platinumByTier);
    expect(decision.operationType).toBe('mutation');
    expect(decision.refusal?.code).toBe('ERR_FORBIDDEN');
    expect(decision.refusal?.coordinate).toBe('Order.cost');
    expect(decision.refusal?.requiredScopes).toEqual([['orders:read'], ['admin']]);
    expect(decide(parse('{ orders { cost } }'), callers.platinumByTier).refusal).toBeNull();
  });

  it('reuses the decision for one document and callers with one projected access key', () => {
    const document = parse('{ orders { id margin } }');
    const first = decide(document, callers.silverByName);
    const sameAccess = { ...callers.silverByName, claims: { sub: 'another token' } };
    expect(decide(document, sameAccess)).toBe(first);
    expect(decide(document, callers.goldById)).not.toBe(first);
    // A scope some rule requires changes the key; one that no rule mentions does not.
    const ruledScope = principal('machine', 'partner-silver', { name: 'Acme Silver', metadata: { tier: 'silver' }, scopes: ['admin'] });
    expect(decide(document, ruledScope)).not.toBe(first);
    const unruledScope = principal('machine', 'partner-silver', { name: 'Acme Silver', metadata: { tier: 'silver' }, scopes: ['x'] });
    expect(decide(document, unruledScope)).toBe(first);
  });

  it('does not reuse a decision when the same operation comes with other fragments', () => {
    const harmless = parse('{ orders { ...F } } fragment F on Order { id }');
    const operation = harmless.definitions[0];
    const sneaky = parse('fragment F on Order { margin }');
    const combined: DocumentNode = { kind: harmless.kind, definitions: [operation!, sneaky.definitions[0]!] };
    expect(denials(decide(harmless, callers.silverByName))).toEqual([]);
    expect(denials(decide(combined, callers.silverByName))).toEqual([['Order.margin', 'orders.margin', 'ERR_FORBIDDEN']]);
  });

  it('binds the decision to the context, so that the guards neither decide nor log again', () => {
    const entries: unknown[] = [];
    const record = (object: unknown): void => {
      entries.push(object);
    };
    const logged = applyAllowClients(makeSchema({}), { logger: { debug: record, info: record, warn: record, error: record } });
    const document = parse('{ orders { id margin } }');
    const contextValue = { principal: callers.silverByName };
    const decision = checkOperation({ schema: logged, document, principal: contextValue.principal, contextValue });
    expect(decision?.denials).toHaveLength(1);
    const result = execute({ schema: logged, document, contextValue }) as ExecutionResult;
    expect(result.errors?.map((error) => error.extensions['coordinate'])).toEqual(['Order.margin']);
    expect(entries).toHaveLength(1);
  });

  it('refuses a schema that applyAllowClients did not return', () => {
    expect(() => checkOperation({ schema: makeSchema({}), document: parse('{ info }'), principal: null })).toThrow(
      new TypeError('"schema" must be a schema returned by applyAllowClients (apply it last)'),
    );
  });
});
