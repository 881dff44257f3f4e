import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { ApolloServer } from '@apollo/server';
import type { AuthContext } from '../../src/auth/context.js';
import { allowClientsPlugin } from '../../src/apollo/allowClientsPlugin.js';
import { allowClients } from '../../src/apollo/allowClients.js';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { enforcementOf } from '../../src/directives/enforcement.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';
import { makeSchema, callers, SECRET, startServer, useServer, type Calls, type Outcome } from './fixtures.js';

function reset(calls: Calls): void {
  for (const key of Object.keys(calls)) delete calls[key];
}

describe('filter mode (default)', () => {
  const { run, calls } = useServer();

  it('nulls each denied field with one error per denied selection, and keeps the rest', async () => {
    reset(calls);
    const outcome = await run('{ orders { id total margin note } }', callers.unlisted);
    expect(outcome.status).toBe(200);
    expect(outcome.data).toEqual({
      orders: [0, 1, 2].map((index) => ({ id: `o${index}`, total: 10 + index, margin: null, note: null })),
    });
    expect(outcome.errors).toEqual([
      { message: 'Not allowed for this client: Order.margin', path: ['orders', 0, 'margin'], code: 'FORBIDDEN', coordinate: 'Order.margin', coordinates: undefined },
      { message: 'Not allowed for this client: Order.note', path: ['orders', 0, 'note'], code: 'FORBIDDEN', coordinate: 'Order.note', coordinates: undefined },
    ]);
    expect(calls['Order.margin'] ?? 0).toBe(0);
    expect(calls['Order.note'] ?? 0).toBe(0);
    expect(calls['Query.orders']).toBe(1);
  });

  it('reports each aliased selection of one denied field', async () => {
    const outcome = await run('{ orders { a: margin b: margin } }', callers.silverByName);
    expect(outcome.errors.map((error) => error.path)).toEqual([
      ['orders', 0, 'a'],
      ['orders', 0, 'b'],
    ]);
    expect(outcome.errors.map((error) => [error.code, error.message])).toEqual([
      ['FORBIDDEN', 'Not allowed for this client: Order.margin'],
      ['FORBIDDEN', 'Not allowed for this client: Order.margin'],
    ]);
    expect(outcome.data).toEqual({ orders: [0, 1, 2].map(() => ({ a: null, b: null })) });
    expect(outcome.text).not.toContain(String(SECRET.margin));
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('propagates null from a denied non-null field as GraphQL requires, with one error', async () => {
    reset(calls);
    const outcome = await run('{ orders { id cost } }', callers.silverByName);
    expect(outcome.data).toBeNull(); // Order.cost: Float! → Order! → [Order!]! → Query.orders: non-null → data
    expect(outcome.errors).toEqual([
      { message: 'Not allowed for this client: Order.cost', path: ['orders', 0, 'cost'], code: 'FORBIDDEN', coordinate: 'Order.cost', coordinates: undefined },
    ]);
    expect(calls['Order.cost'] ?? 0).toBe(0);
  });

  it('admits a non-null field to a caller holding one of its scope sets', async () => {
    const outcome = await run('{ orders { id cost } }', callers.goldById);
    expect(outcome.errors).toEqual([]);
    expect(outcome.data).toEqual({ orders: [0, 1, 2].map((index) => ({ id: `o${index}`, cost: SECRET.cost })) });
  });

  it('answers an anonymous caller UNAUTHENTICATED, not FORBIDDEN', async () => {
    reset(calls);
    const outcome = await run('{ info orders { id margin } }', callers.anonymous);
    expect(outcome.data).toBeNull(); // Query.orders needs authentication (default policy) and is non-null
    expect(outcome.errors).toEqual([
      { message: 'Authentication required', path: ['orders'], code: 'UNAUTHENTICATED', coordinate: 'Query.orders', coordinates: undefined },
    ]);
    expect(calls['Query.orders'] ?? 0).toBe(0);
    const open = await run('{ info }', callers.anonymous);
    expect(open).toMatchObject({ data: { info: 'public info' }, errors: [] });
  });

  it('always allows __typename', async () => {
    const outcome = await run('{ __typename orders { __typename id } }', callers.unlisted);
    expect(outcome.errors).toEqual([]);
    expect(outcome.data).toMatchObject({ __typename: 'Query', orders: [{ __typename: 'Order', id: 'o0' }, {}, {}] });
  });
});

describe('errors follow the operation, not the data', () => {
  const servers: ApolloServer<AuthContext>[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function outcomeFor(orderCount: number, query: string): Promise<{ outcome: Outcome; calls: Calls }> {
    const started = await startServer({ orderCount });
    servers.push(started.server);
    return { outcome: await started.run(query, callers.unlisted), calls: started.calls };
  }

  it('gives the same errors for 10 items as for 1,000 items', async () => {
    const query = '{ orders { id margin wholesale } }';
    const small = await outcomeFor(10, query);
    const large = await outcomeFor(1000, query);
    expect(small.outcome.errors).toHaveLength(2);
    expect(large.outcome.errors).toEqual(small.outcome.errors);
    expect((large.outcome.data?.['orders'] as unknown[]).length).toBe(1000);
    expect(large.calls['Order.margin'] ?? 0).toBe(0);
    expect(large.calls['Order.wholesale'] ?? 0).toBe(0);
  });

  it('gives one error for a denied non-null field that nulls every nullable list item', async () => {
    const query = '{ looseOrders { id cost } }';
    const small = await outcomeFor(10, query);
    const large = await outcomeFor(1000, query);
    expect(large.outcome.data).toEqual({ looseOrders: Array.from({ length: 1000 }, () => null) });
    expect(large.outcome.errors).toEqual([
      { message: 'Not allowed for this client: Order.cost', path: ['looseOrders', 0, 'cost'], code: 'FORBIDDEN', coordinate: 'Order.cost', coordinates: undefined },
    ]);
    expect(small.outcome.errors).toEqual(large.outcome.errors);
    expect(large.calls['Order.cost'] ?? 0).toBe(0);
  });
});

describe('mutations: no partial writes', () => {
  const { run, calls } = useServer();

  it('refuses the whole operation when one mutation field is denied, before any resolver runs', async () => {
    reset(calls);
    const outcome = await run('mutation { touch placeOrder { id } }', callers.silverByName);
    expect(outcome.status).toBe(403);
    expect(outcome.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"',
    );
    expect(outcome.data).toBeNull();
    expect(outcome.errors).toEqual([
      {
        message: 'Not allowed for this client: Mutation.placeOrder',
        path: null,
        code: 'FORBIDDEN',
        coordinate: 'Mutation.placeOrder',
        coordinates: ['Mutation.placeOrder'],
      },
    ]);
    expect(calls['Mutation.touch'] ?? 0).toBe(0);
    expect(calls['Mutation.placeOrder'] ?? 0).toBe(0);
  });

  it('refuses a mutation whose payload selects a denied field, so the write never happens', async () => {
    reset(calls);
    const outcome = await run('mutation { placeOrder { id margin } }', callers.platinumByTier);
    expect(outcome.status).toBe(403);
    expect(outcome.errors[0]).toMatchObject({ code: 'FORBIDDEN', coordinate: 'Order.margin', coordinates: ['Order.margin'] });
    expect(calls['Mutation.placeOrder'] ?? 0).toBe(0);
  });

  it('runs a mutation that is allowed in full', async () => {
    reset(calls);
    const outcome = await run('mutation { touch placeOrder { id wholesale } }', callers.platinumByTier);
    expect(outcome.errors).toEqual([]);
    expect(outcome.data).toEqual({ touch: true, placeOrder: { id: 'o0', wholesale: SECRET.wholesale } });
    expect(calls['Mutation.placeOrder']).toBe(1);
  });

  it('answers an anonymous mutation 401 UNAUTHENTICATED', async () => {
    reset(calls);
    const outcome = await run('mutation { touch }', callers.anonymous);
    expect(outcome.status).toBe(401);
    expect(outcome.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(outcome.errors[0]).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
    expect(calls['Mutation.touch'] ?? 0).toBe(0);
  });
});

describe('reject mode', () => {
  const { run, calls } = useServer({ mode: 'reject' });

  it('refuses a query with any denied field: 403 insufficient_scope, no data, no resolver', async () => {
    reset(calls);
    const outcome = await run('{ info orders { id margin } }', callers.unlisted);
    expect(outcome.status).toBe(403);
    expect(outcome.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client"',
    );
    expect(outcome.data).toBeNull();
    expect(outcome.errors).toEqual([
      { message: 'Not allowed for this client: Order.margin', path: null, code: 'FORBIDDEN', coordinate: 'Order.margin', coordinates: ['Order.margin'] },
    ]);
    expect(calls['Query.orders'] ?? 0).toBe(0);
  });

  it('names the missing scope when scopes alone would admit the caller', async () => {
    reset(calls);
    const outcome = await run('{ orders { cost } }', callers.silverByName);
    expect(outcome.status).toBe(403);
    expect(outcome.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:read"',
    );
    expect(outcome.data).toBeNull();
    expect(outcome.errors).toEqual([
      { message: 'Not allowed for this client: Order.cost', path: null, code: 'FORBIDDEN', coordinate: 'Order.cost', coordinates: ['Order.cost'] },
    ]);
    expect(calls['Query.orders'] ?? 0).toBe(0);
    expect(calls['Order.cost'] ?? 0).toBe(0);
  });

  it('answers an anonymous caller 401', async () => {
    reset(calls);
    const outcome = await run('{ orders { id } }', callers.anonymous);
    expect(outcome.status).toBe(401);
    expect(outcome.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(outcome.data).toBeNull();
    expect(outcome.errors[0]).toMatchObject({ code: 'UNAUTHENTICATED', coordinate: 'Query.orders' });
    expect(calls['Query.orders'] ?? 0).toBe(0);
  });

  it('runs an operation that is allowed in full', async () => {
    const outcome = await run('{ orders { id margin } }', callers.goldById);
    expect(outcome.status).toBe(200);
    expect(outcome.errors).toEqual([]);
    expect((outcome.data?.['orders'] as { margin: number }[])[0]?.margin).toBe(SECRET.margin);
  });
});

describe('decision cache', () => {
  const { run } = useServer();

  it('gives two clients two answers for the same document, in any order', async () => {
    const query = '{ orders { id margin } }';
    for (let round = 0; round < 3; round += 1) {
      const gold = await run(query, callers.goldById);
      const other = await run(query, callers.silverByName);
      expect(gold.errors).toEqual([]);
      expect(gold.text).toContain(String(SECRET.margin));
      expect(other.errors.map((error) => error.coordinate)).toEqual(['Order.margin']);
      expect(other.text).not.toContain(String(SECRET.margin));
    }
  });

  it('gives one client two answers for two documents', async () => {
    const denied = await run('{ orders { id margin } }', callers.silverByName);
    const allowed = await run('{ orders { id note } }', callers.silverByName);
    const deniedAgain = await run('{ orders { id margin } }', callers.silverByName);
    expect(denied.errors).toHaveLength(1);
    expect(allowed.errors).toEqual([]);
    expect(allowed.text).toContain(SECRET.note);
    expect(deniedAgain.errors).toEqual(denied.errors);
  });

  it('decides by access key: a user token and a machine token of one client differ', async () => {
    const user = await run('{ orders { id internal } }', callers.storefrontUser);
    const machine = await run('{ orders { id internal } }', callers.storefrontMachine);
    expect(user.errors.map((error) => error.coordinate)).toEqual(['Order.internal']);
    expect(user.text).not.toContain(SECRET.internal);
    expect(machine.errors).toEqual([]);
    expect(machine.text).toContain(SECRET.internal);
  });
});

describe('denial log', () => {
  async function logsOf(query: string, caller: (typeof callers)[keyof typeof callers], times = 1): Promise<{ entries: Record<string, unknown>[]; messages: unknown[]; calls: Calls }> {
    const entries: Record<string, unknown>[] = [];
    const messages: unknown[] = [];
    const record = (object: Record<string, unknown>, message?: unknown): void => {
      entries.push(object);
      messages.push(message);
    };
    const logger = { debug: record, info: record, warn: record, error: record };
    const auth = allowClients({ logger });
    const calls: Calls = {};
    const server = new ApolloServer<AuthContext>({ schema: auth.transformer(makeSchema(calls)), plugins: [auth.plugin] });
    await server.start();
    try {
      for (let index = 0; index < times; index += 1) await server.executeOperation({ query }, { contextValue: { principal: caller } });
    } finally {
      await server.stop();
    }
    return { entries, messages, calls };
  }

  it('logs a denied request once, with the client id, operation name, and each coordinate with its rule and first path', async () => {
    const { entries, messages, calls } = await logsOf('query Margins { orders { id margin } }', callers.silverByName);
    expect(messages).toEqual(['allow-clients: access denied']);
    expect(entries).toEqual([
      {
        clientId: 'partner-silver',
        kind: 'machine',
        operationName: 'Margins',
        selections: 1,
        denied: [{ coordinate: 'Order.margin', code: 'ERR_FORBIDDEN', detail: '@allowClients(ids: ["partner-gold"])', selections: 1, path: 'orders.margin' }],
      },
    ]);
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('writes one line per request however many selections are denied, cached decision or not (no log amplification)', async () => {
    const aliases = Array.from({ length: 600 }, (_, index) => `m${index}: margin`).join(' ');
    const { entries, calls } = await logsOf(`query Flood { orders { id ${aliases} } }`, callers.unlisted, 2);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry.selections).toBe(600);
      expect(entry.denied).toEqual([
        { coordinate: 'Order.margin', code: 'ERR_FORBIDDEN', detail: '@allowClients(ids: ["partner-gold"])', selections: 600, path: 'orders.m0' },
      ]);
      expect(entry).not.toHaveProperty('unlistedSelections');
    }
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('bounds the line in bytes whatever the request: a 1 MB alias and a 1 MB operation name (issue 10, finding 3)', async () => {
    const long = 'x'.repeat(1_048_576);
    const { entries, calls } = await logsOf(`query ${long} { orders { id ${long}: margin } }`, callers.unlisted, 2);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(JSON.stringify(entry).length).toBeLessThan(2048);
      expect(entry.operationName).toMatch(/^x+…\(1048576 chars\)$/);
      expect(entry.denied).toEqual([
        { coordinate: 'Order.margin', code: 'ERR_FORBIDDEN', detail: '@allowClients(ids: ["partner-gold"])', selections: 1, path: expect.stringMatching(/^orders\.x+…\(1048576 chars\)$/) },
      ]);
    }
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('lists at most 50 coordinates in a line and counts the selections it leaves out', async () => {
    const fields = Array.from({ length: 60 }, (_, index) => `f${index}: Int @allowClients(ids: ["partner-gold"])`).join('\n');
    const entries: Record<string, unknown>[] = [];
    const record = (object: Record<string, unknown>): void => {
      entries.push(object);
    };
    const schema = applyAllowClients(
      makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, `type Query {\n${fields}\n}`], resolvers: {} }),
      { logger: { debug: record, info: record, warn: record, error: record } },
    );
    const query = `{ ${Array.from({ length: 60 }, (_, index) => `f${index}`).join(' ')} f0 }`;
    const result = (await execute({ schema, document: parse(query), contextValue: { principal: callers.unlisted } })) as ExecutionResult;
    expect(result.errors).toHaveLength(60);
    expect(entries).toHaveLength(1);
    const [entry] = entries as [Record<string, unknown>];
    const denied = entry.denied as { coordinate: string; selections: number }[];
    expect(denied).toHaveLength(50);
    expect(denied[0]).toMatchObject({ coordinate: 'Query.f0', selections: 2 });
    expect(denied[49]).toMatchObject({ coordinate: 'Query.f49', selections: 1 });
    expect(entry.selections).toBe(61);
    expect(entry.unlistedSelections).toBe(10);
  });
});

describe('decision cache', () => {
  it('does not keep a parsed operation alive once the server dropped its document', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const schema = applyAllowClients(makeSchema({}));
    const refs: WeakRef<object>[] = [];
    (() => {
      for (let index = 0; index < 20; index += 1) {
        const document = parse(`query Q${index} { orders { id margin } }`);
        const result = execute({ schema, document, contextValue: { principal: callers.unlisted } }) as ExecutionResult;
        expect(result.errors?.[0]?.extensions['code']).toBe('FORBIDDEN');
        refs.push(new WeakRef(document.definitions[0] as object));
      }
    })();
    for (let attempt = 0; attempt < 5 && refs.some((ref) => ref.deref() !== undefined); attempt += 1) {
      await new Promise((resolveTick) => setImmediate(resolveTick));
      gc();
    }
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });

  it('does not keep the query text alive through long operation or fragment names (documents run without validation)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const schema = applyAllowClients(makeSchema({}));
    // V8 keeps a substring of 13+ characters as a view into its parent: a 1 MB query text here.
    const padding = `# ${'x'.repeat(1_000_000)}\n`;
    const settle = async (): Promise<number> => {
      for (let round = 0; round < 3; round += 1) {
        await new Promise((resolveTick) => setImmediate(resolveTick));
        gc();
      }
      return process.memoryUsage().heapUsed;
    };
    const before = await settle();
    for (let index = 0; index < 30; index += 1) {
      const document = parse(
        `${padding}query PartnerOrdersQuery${index} { orders { id ...MarginFragmentNumber${index} } } fragment MarginFragmentNumber${index} on Order { margin }`,
      );
      const result = execute({ schema, document, contextValue: { principal: callers.unlisted } }) as ExecutionResult;
      expect(result.errors?.[0]?.extensions['code']).toBe('FORBIDDEN');
    }
    // 30 decisions are cached; their 30 MB of query text must not be.
    expect((await settle()) - before).toBeLessThan(10 * 1024 * 1024);
  });

  it('keeps at most cacheSize decisions over all operations, least recently used evicted', () => {
    const schema = applyAllowClients(makeSchema({}), { cacheSize: 2 });
    const enforcement = enforcementOf(schema);
    if (enforcement === undefined) throw new Error('no enforcement');
    const operations = [0, 1, 2].map((index) => parse(`query Q${index} { orders { id margin } }`).definitions[0] as OperationDefinitionNode);
    const decide = (index: number): unknown => enforcement.decide(operations[index] as OperationDefinitionNode, () => undefined, callers.unlisted);
    const first = [decide(0), decide(1)];
    expect(decide(0)).toBe(first[0]);
    decide(2); // evicts Q1, the least recently used
    expect(decide(0)).toBe(first[0]);
    expect(decide(1)).not.toBe(first[1]);
  });

  it('does not cache a decision larger than its share of the byte budget', () => {
    const schema = applyAllowClients(makeSchema({}), { cacheSize: 1, cacheBytes: 4096 });
    const enforcement = enforcementOf(schema);
    if (enforcement === undefined) throw new Error('no enforcement');
    const aliases = Array.from({ length: 25 }, (_, index) => `m${index}: margin`).join(' ');
    const large = parse(`{ orders { ${aliases} } }`).definitions[0] as OperationDefinitionNode;
    const small = parse('{ orders { margin } }').definitions[0] as OperationDefinitionNode;
    const decided = enforcement.decide(large, () => undefined, callers.unlisted);
    expect(decided.denials).toHaveLength(25);
    expect(enforcement.decide(large, () => undefined, callers.unlisted)).not.toBe(decided);
    const smallDecision = enforcement.decide(small, () => undefined, callers.unlisted);
    expect(enforcement.decide(small, () => undefined, callers.unlisted)).toBe(smallDecision);
  });
});

describe('decision cache in bytes (issue 10, finding 3)', () => {
  const settle = async (gc: () => void): Promise<number> => {
    for (let round = 0; round < 3; round += 1) {
      await new Promise((resolveTick) => setImmediate(resolveTick));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };

  it('keeps denied selections under 1 MB aliases and 1 MB operation names as bounded names, not the names', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const schema = applyAllowClients(makeSchema({}));
    const enforcement = enforcementOf(schema);
    if (enforcement === undefined) throw new Error('no enforcement');
    const before = await settle(gc);
    for (let index = 0; index < 30; index += 1) {
      const long = `${index}`.padStart(1_000_000, 'y');
      const document = parse(`query Q${long} { orders { id a${long}: margin } }`);
      const result = execute({ schema, document, contextValue: { principal: callers.unlisted } }) as ExecutionResult;
      expect(result.errors?.[0]?.extensions['code']).toBe('FORBIDDEN');
      const decision = enforcement.decide(document.definitions[0] as OperationDefinitionNode, () => undefined, callers.unlisted);
      expect(decision.operationName?.length).toBeLessThanOrEqual(128);
      expect(decision.denials[0]?.path.map((key) => key.length <= 128)).toEqual([true, true]);
    }
    // 30 decisions are cached; 60 MB of names must not be (they were copied whole before).
    expect((await settle(gc)) - before).toBeLessThan(10 * 1024 * 1024);
  });

  it('evicts by bytes before cacheSize is reached', () => {
    const schema = applyAllowClients(makeSchema({}), { cacheSize: 10_000, cacheBytes: 8 * 1024 });
    const enforcement = enforcementOf(schema);
    if (enforcement === undefined) throw new Error('no enforcement');
    const operations = Array.from({ length: 40 }, (_, index) => parse(`query Q${index} { orders { id margin } }`).definitions[0] as OperationDefinitionNode);
    const decide = (index: number): unknown => enforcement.decide(operations[index] as OperationDefinitionNode, () => undefined, callers.unlisted);
    const first = decide(0);
    expect(decide(0)).toBe(first);
    for (let index = 1; index < 40; index += 1) decide(index);
    expect(decide(0)).not.toBe(first);
    expect(decide(39)).toBe(decide(39));
  });

  it('checks cacheBytes, naming it', () => {
    expect(() => applyAllowClients(makeSchema({}), { cacheBytes: 10 })).toThrow(new TypeError('"cacheBytes" must be an integer >= 1024'));
  });
});

describe('allowClientsPlugin and allowClients options', () => {
  it('refuses to start with a schema that applyAllowClients did not prepare', async () => {
    const server = new ApolloServer<AuthContext>({ schema: makeSchema({}), plugins: [allowClientsPlugin()] });
    await expect(server.start()).rejects.toThrow('allowClientsPlugin needs the schema returned by applyAllowClients (apply it last)');
  });

  it('checks its options at construction, naming the option', () => {
    expect(() => allowClients({ mode: 'strict' as never })).toThrow(new TypeError('"mode" must be "filter", "reject" or "dry-run"'));
    expect(() => allowClients({ cacheSize: 0 })).toThrow(new TypeError('"cacheSize" must be a positive integer'));
    expect(() => allowClients({ defaultPolicy: 'closed' as never })).toThrow(
      new TypeError('"defaultPolicy" must be one of "public", "authenticated", "deny"'),
    );
    expect(() => allowClients({ logger: console.log as never })).toThrow(TypeError);
  });

  it('says where the realm went when given one, as in 0.1: to createAuthContext, once', () => {
    expect(() => allowClientsPlugin(...([{ realm: 'api' }] as never[]))).toThrow(
      new TypeError('"realm" is given once, to createAuthContext, no longer to allowClientsPlugin'),
    );
    expect(() => allowClients({ realm: 'api' } as never)).toThrow(new TypeError('"realm" is given once, to createAuthContext, no longer to allowClients'));
  });
});
