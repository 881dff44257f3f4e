/**
 * mode: 'dry-run': nothing is denied; each decision that would deny is logged as such, so a new rule
 * can be rolled out on live traffic first. Through Apollo Server with the plugin, as a server runs it.
 */
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { AuthContext } from '../../src/auth/context.js';
import { allowClientsPlugin } from '../../src/apollo/allowClientsPlugin.js';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';
import type { Logger } from '../../src/logger.js';
import { principal } from './fixtures.js';

const typeDefs = /* GraphQL */ `
  type Query {
    orders: [Order!]!
  }
  type Order {
    number: String!
    margin: Float @allowClients(ids: ["ops-internal"])
  }
  type Mutation {
    cancel(number: String!): Boolean @allowClients(ids: ["ops-internal"])
  }
`;

function setup(mode: 'dry-run' | 'filter') {
  const calls = { margin: 0, cancel: 0 };
  const lines: { object: Record<string, unknown>; message: string | undefined }[] = [];
  const record = (object: Record<string, unknown>, message?: string) => lines.push({ object, message });
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const schema = applyAllowClients(
    makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, typeDefs],
      resolvers: {
        Query: { orders: () => [{ number: 'A-1' }] },
        Order: { margin: () => ((calls.margin += 1), 12.5) },
        Mutation: { cancel: () => ((calls.cancel += 1), true) },
      },
    }),
    { mode, logger },
  );
  const server = new ApolloServer<AuthContext>({ schema, plugins: [allowClientsPlugin()] });
  const partner = principal('machine', 'partner-bronze', { metadata: { tier: 'bronze' } });
  const ask = async (query: string) => {
    const response = await server.executeOperation({ query }, { contextValue: { principal: partner } as AuthContext });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, result: response.body.singleResult };
  };
  return { calls, lines, ask, server };
}

describe("mode: 'dry-run'", () => {
  it('runs a field the rules deny and logs that it would be denied', async () => {
    const { calls, lines, ask, server } = setup('dry-run');
    await server.start();
    const { status, result } = await ask('query Margins { orders { number margin } }');
    expect(status ?? 200).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ orders: [{ number: 'A-1', margin: 12.5 }] });
    expect(calls.margin).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toBe('allow-clients: dry run, access would be denied');
    expect(lines[0]?.object).toMatchObject({
      clientId: 'partner-bronze',
      operationName: 'Margins',
      dryRun: true,
      denied: [{ coordinate: 'Order.margin', code: 'ERR_FORBIDDEN', detail: '@allowClients(ids: ["ops-internal"])', path: 'orders.margin' }],
    });
    await server.stop();
  });

  it('runs a mutation the rules deny (no refusal) and logs it', async () => {
    const { calls, lines, ask, server } = setup('dry-run');
    await server.start();
    const { result } = await ask('mutation { cancel(number: "A-1") }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ cancel: true });
    expect(calls.cancel).toBe(1);
    expect(lines.map((line) => line.message)).toEqual(['allow-clients: dry run, access would be denied']);
    await server.stop();
  });

  it('logs nothing for an operation nothing would deny', async () => {
    const { lines, ask, server } = setup('dry-run');
    await server.start();
    expect((await ask('{ orders { number } }')).result.data).toEqual({ orders: [{ number: 'A-1' }] });
    expect(lines).toEqual([]);
    await server.stop();
  });

  it('differs from filter, which denies the same field without running it', async () => {
    const { calls, lines, ask, server } = setup('filter');
    await server.start();
    const { result } = await ask('{ orders { number margin } }');
    expect(result.data).toEqual({ orders: [{ number: 'A-1', margin: null }] });
    expect(calls.margin).toBe(0);
    expect(lines[0]?.message).toBe('allow-clients: access denied');
    await server.stop();
  });

  it('refuses an unknown mode, naming the option', () => {
    expect(() => applyAllowClients(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs] }), { mode: 'audit' as 'filter' })).toThrow(
      new TypeError('"mode" must be "filter", "reject" or "dry-run"'),
    );
  });
});
