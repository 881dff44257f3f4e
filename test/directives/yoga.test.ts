import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { checkOperation } from '../../src/directives/checkOperation.js';
import { toGraphQLError } from '../../src/http/challenge.js';
import type { AuthContext } from '../../src/auth/context.js';
import { callers, makeSchema, SECRET, type CallerName, type Calls } from './fixtures.js';

/**
 * graphql-yoga (envelop) without Apollo: the transformer guards the fields, and checkOperation in
 * onExecute refuses before execution. Real HTTP on loopback; the context maps a test header to a
 * principal built in the test (token verification is tested in test/auth).
 */
function allowClientsEnvelopPlugin(): Plugin<AuthContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const contextValue = args.contextValue as AuthContext;
      const decision = checkOperation({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        principal: contextValue.principal,
        contextValue,
      });
      if (decision?.refusal) setResultAndStopExecution({ errors: [toGraphQLError(decision.refusal, { realm: 'yoga', headers: 'record' })] });
    },
  };
}

describe('checkOperation with graphql-yoga', () => {
  const calls: Calls = {};
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const yoga = createYoga<{ req: unknown }, AuthContext>({
      schema: applyAllowClients(makeSchema(calls)),
      context: ({ request }) => ({ principal: callers[(request.headers.get('x-test-caller') as CallerName | null) ?? 'anonymous'] ?? null }),
      plugins: [allowClientsEnvelopPlugin()],
      maskedErrors: false,
      logging: false,
    });
    server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function post(caller: CallerName, query: string): Promise<{ status: number; challenge: string | null; body: { data?: unknown; errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] } }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-caller': caller },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
  }

  it('filters a denied field with one error, and never runs its resolver', async () => {
    for (const key of Object.keys(calls)) delete calls[key];
    const { status, body } = await post('unlisted', '{ orders { id margin } }');
    expect(status).toBe(200);
    expect(body.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate'], error.path])).toEqual([
      ['FORBIDDEN', 'Order.margin', ['orders', 0, 'margin']],
    ]);
    expect(JSON.stringify(body)).not.toContain(String(SECRET.margin));
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('refuses a mutation with a denial before any resolver runs', async () => {
    for (const key of Object.keys(calls)) delete calls[key];
    const { status, challenge, body } = await post('silverByName', 'mutation { touch placeOrder { id } }');
    expect(status).toBe(403);
    expect(challenge).toBe('Bearer realm="yoga", error="insufficient_scope", error_description="Not allowed for this client"');
    expect(body.errors?.map((error) => [error.message, error.extensions?.['code'], error.extensions?.['coordinate']])).toEqual([
      ['Not allowed for this client: Mutation.placeOrder', 'FORBIDDEN', 'Mutation.placeOrder'],
    ]);
    expect(calls['Mutation.touch'] ?? 0).toBe(0);
    expect(calls['Mutation.placeOrder'] ?? 0).toBe(0);
  });

  it('admits a listed client', async () => {
    const { status, body } = await post('goldById', '{ orders { id margin } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(JSON.stringify(body)).toContain(String(SECRET.margin));
  });
});
