/**
 * completeResult: the Apollo plugin's result for any graphql-js server (checkOperation before
 * execution, completeResult after it).
 */
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { checkOperation } from '../../src/directives/checkOperation.js';
import { completeResult } from '../../src/directives/completeResult.js';
import type { Principal } from '../../src/auth/principal.js';
import { callers, makeSchema, SECRET, type Calls } from './fixtures.js';

async function run(query: string, caller: Principal | null, calls: Calls = {}) {
  const schema = applyAllowClients(makeSchema(calls, { orderCount: 1000 }));
  const document = parse(query);
  const contextValue = { principal: caller };
  expect(checkOperation({ schema, document, principal: caller, contextValue })?.refusal).toBeNull();
  const result = await execute({ schema, document, contextValue });
  return { result, completed: completeResult({ result, contextValue, realm: 'test' }) };
}

describe('completeResult', () => {
  it('leaves one error per denied non-null selection in a list of 1,000 nullable items (graphql-js lists 1,000)', async () => {
    const calls: Calls = {};
    const { result, completed } = await run('{ looseOrders { id cost } }', callers.silverByName, calls);
    expect(result.errors).toHaveLength(1000);
    const items = completed.data?.['looseOrders'] as unknown[];
    expect(items).toHaveLength(1000);
    expect(items.every((item) => item === null)).toBe(true);
    expect(completed.errors?.map((error) => [error.extensions['code'], error.extensions['coordinate'], error.path])).toEqual([
      ['FORBIDDEN', 'Order.cost', ['looseOrders', 0, 'cost']],
    ]);
    expect(JSON.stringify(completed)).not.toContain(String(SECRET.cost));
    expect(calls['Order.cost']).toBeUndefined();
  });

  it('does the same through an interface: one error per selection, one per alias', async () => {
    const { result, completed } = await run('{ looseOrders { ... on Node { id } ...on Order { c: cost } } again: looseOrders { cost } }', callers.silverByName);
    expect(result.errors).toHaveLength(2000);
    expect(completed.errors?.map((error) => error.path)).toEqual([
      ['looseOrders', 0, 'c'],
      ['again', 0, 'cost'],
    ]);
  });

  it('returns the result itself when nothing was denied', async () => {
    const { result, completed } = await run('{ looseOrders { id cost } }', callers.goldById);
    expect(completed).toBe(result);
    expect((completed.data?.['looseOrders'] as unknown[]).length).toBe(1000);
  });
});
