import { execute, parse, subscribe, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { callers, makeSchema, SECRET, type Calls } from './fixtures.js';
import type { Principal } from '../../src/auth/principal.js';

/** graphql-js alone, no Apollo plugin: the guards decide the operation themselves. */
function setup(options: Parameters<typeof applyAllowClients>[1] = {}, orderCount = 3) {
  const calls: Calls = {};
  const schema = applyAllowClients(makeSchema(calls, { orderCount }), options);
  const run = (query: string, principal: Principal | null): ExecutionResult => {
    const result = execute({ schema, document: parse(query), contextValue: { principal } });
    // The guards never turn a synchronous execution into an asynchronous one.
    expect(result).not.toBeInstanceOf(Promise);
    return result as ExecutionResult;
  };
  return { schema, calls, run };
}

function summary(result: ExecutionResult): { code: unknown; coordinate: unknown; path: unknown }[] {
  return (result.errors ?? []).map((error) => ({ code: error.extensions['code'], coordinate: error.extensions['coordinate'], path: error.path }));
}

describe('applyAllowClients without the Apollo plugin (graphql-js execute)', () => {
  it('nulls a denied field with one error for the whole list, and never runs its resolver', () => {
    const { run, calls } = setup({}, 1000);
    const result = run('{ orders { id margin } }', callers.unlisted);
    expect(summary(result)).toEqual([{ code: 'FORBIDDEN', coordinate: 'Order.margin', path: ['orders', 0, 'margin'] }]);
    expect((result.data?.['orders'] as { margin: unknown }[]).every((order) => order.margin === null)).toBe(true);
    expect(calls['Order.margin'] ?? 0).toBe(0);
    expect(JSON.stringify(result)).not.toContain(String(SECRET.margin));
  });

  it('admits a listed client at the speed of a plain resolver call', () => {
    const { run, calls } = setup();
    const result = run('{ orders { id margin } nodes { ... on Priced { wholesale } } }', callers.goldById);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      orders: [0, 1, 2].map((index) => ({ id: `o${index}`, margin: SECRET.margin })),
      nodes: [{ wholesale: SECRET.wholesale }, { wholesale: SECRET.wholesale }],
    });
    expect(calls['Order.margin']).toBe(3);
  });

  it('treats a context without a principal as anonymous', () => {
    const { schema, calls } = setup();
    const result = execute({ schema, document: parse('{ info profile }'), contextValue: {} }) as ExecutionResult;
    expect(result.data).toEqual({ info: 'public info', profile: null });
    expect(summary(result)).toEqual([{ code: 'UNAUTHENTICATED', coordinate: 'Query.profile', path: ['profile'] }]);
    expect(calls['Query.profile'] ?? 0).toBe(0);
  });

  it('treats a malformed principal as anonymous (fail closed)', () => {
    const { schema, calls } = setup();
    const forged = { principal: { kind: 'machine', client: { id: 'partner-gold' } } };
    const result = execute({ schema, document: parse('{ orders { margin } }'), contextValue: forged }) as ExecutionResult;
    expect(result.data).toBeNull();
    expect(summary(result)).toEqual([{ code: 'UNAUTHENTICATED', coordinate: 'Query.orders', path: ['orders'] }]);
    expect(JSON.stringify(result)).not.toContain(String(SECRET.margin));
    expect(calls['Query.orders'] ?? 0).toBe(0);
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('refuses every mutation field of a mutation with a denied selection: no partial writes', () => {
    const { run, calls } = setup();
    const result = run('mutation { touch placeOrder { id } }', callers.silverByName);
    expect(result.data).toEqual({ touch: null, placeOrder: null });
    expect(summary(result).map((error) => [error.code, error.path])).toEqual([
      ['FORBIDDEN', ['touch']],
      ['FORBIDDEN', ['placeOrder']],
    ]);
    expect(calls['Mutation.touch'] ?? 0).toBe(0);
    expect(calls['Mutation.placeOrder'] ?? 0).toBe(0);
  });

  it('in reject mode, refuses every root field of an operation with a denial', () => {
    const { run, calls } = setup({ mode: 'reject' });
    const result = run('{ info orders { id margin } }', callers.unlisted);
    expect(result.data).toBeNull(); // Query.orders is non-null
    expect(summary(result).map((error) => error.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(calls['Query.orders'] ?? 0).toBe(0);
    const allowed = run('{ info orders { id } }', callers.unlisted);
    expect(allowed.errors).toBeUndefined();
  });

  it('refuses to be applied twice to one schema', () => {
    const { schema } = setup();
    expect(() => applyAllowClients(schema)).toThrow(new TypeError('applyAllowClients was already applied to this schema'));
  });

  it('decides again when the same context object runs another operation', () => {
    const { schema } = setup();
    const contextValue = { principal: callers.silverByName };
    const first = execute({ schema, document: parse('{ orders { note } }'), contextValue }) as ExecutionResult;
    const second = execute({ schema, document: parse('{ orders { margin } }'), contextValue }) as ExecutionResult;
    expect(first.errors).toBeUndefined();
    expect(summary(second)).toEqual([{ code: 'FORBIDDEN', coordinate: 'Order.margin', path: ['orders', 0, 'margin'] }]);
  });
});

describe('subscriptions', () => {
  const document = parse('subscription { orderPlaced { id margin } }');

  it('opens no event stream for a denied client', async () => {
    const { schema, calls } = setup();
    const result = await subscribe({ schema, document, contextValue: { principal: callers.silverByName } });
    expect(Symbol.asyncIterator in result).toBe(false);
    expect(summary(result as ExecutionResult)).toEqual([
      { code: 'FORBIDDEN', coordinate: 'Subscription.orderPlaced', path: ['orderPlaced'] },
    ]);
    expect(calls['Subscription.orderPlaced'] ?? 0).toBe(0);
  });

  it('opens no event stream for an anonymous caller', async () => {
    const { schema, calls } = setup();
    const result = await subscribe({ schema, document, contextValue: { principal: null } });
    expect(summary(result as ExecutionResult).map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
    expect(calls['Subscription.orderPlaced'] ?? 0).toBe(0);
  });

  it('streams events to an admitted client', async () => {
    const { schema } = setup();
    const result = await subscribe({ schema, document, contextValue: { principal: callers.goldById } });
    if (!(Symbol.asyncIterator in result)) throw new Error('expected an event stream');
    const first = await result.next();
    expect(first.value).toEqual({ data: { orderPlaced: { id: 'o0', margin: SECRET.margin } } });
    await result.return?.();
  });

  it('filters each event of an admitted stream, with the error in every event', async () => {
    const { schema, calls } = setup();
    const filtered = parse('subscription { orderPlaced { id note } }');
    const result = await subscribe({ schema, document: filtered, contextValue: { principal: callers.goldById } });
    if (!(Symbol.asyncIterator in result)) throw new Error('expected an event stream');
    for (let event = 0; event < 2; event += 1) {
      const { value } = (await result.next()) as { value: ExecutionResult };
      expect(value.data).toEqual({ orderPlaced: { id: 'o0', note: null } });
      expect(summary(value)).toEqual([{ code: 'FORBIDDEN', coordinate: 'Order.note', path: ['orderPlaced', 'note'] }]);
    }
    expect(calls['Order.note'] ?? 0).toBe(0);
    await result.return?.();
  });
});
