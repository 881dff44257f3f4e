/**
 * Issue 10, attack F4, through the reference server: a partner's standard introspection (GraphiQL,
 * codegen) still answers, aliased `__schema` selections are refused before anything executes, and
 * a cost budget charges introspection its cost. Real dev-issuer tokens, real HTTP on loopback; a
 * plugin on the real schema counts every execution Apollo starts.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/index.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { buildReferenceSchema } from '../../src/server/schema.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCallers } from '../helpers/devCallers.js';
import { postGraphQL } from '../helpers/postGraphQL.js';

const REFUSAL = { errors: [{ message: 'The operation has too many __schema selections', extensions: { code: 'TOO_MANY_INTROSPECTIONS' } }] };
/** The attack's document: 24 aliased `__schema` selections, within gold's token, depth and alias limits. */
const ALIASED_24 = `{ ${Array.from({ length: 24 }, (_, index) => `s${index}: __schema { types { name kind fields { name } } }`).join(' ')} }`;
const ALIASED_7 = ALIASED_24.replace(/ s7: .*/, ' }');
/** Within every depth and alias limit and without a spread: the source check's scan counts its two `__schema` names. */
const ALIASED_2 = '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }';

describe('introspection against the limits and the cost budget (reference server)', () => {
  let callers: DevCallers;
  let server: ReferenceServer;
  let budgeted: ReferenceServer;
  let executions = 0;
  const countExecutions: ApolloServerPlugin<AuthContext> = {
    requestDidStart: async () => ({
      executionDidStart: async () => {
        executions += 1;
      },
    }),
  };

  beforeAll(async () => {
    callers = await startDevCallers();
    const start = async (env: Record<string, string>): Promise<ReferenceServer> => {
      const config = callers.configFor({ RATE_LIMIT_REQUESTS: '100000', ...env });
      const logger = createLogger('silent');
      const reference = buildReferenceSchema({ mode: config.authz.mode, defaultPolicy: config.authz.defaultPolicy, logger });
      return createReferenceServer(config, { logger, schema: { schema: reference.schema, plugins: [...reference.plugins, countExecutions] } });
    };
    server = await start({});
    budgeted = await start({ COST_BUDGET: '10000', COST_BUDGET_WINDOW: '3600' });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await budgeted?.close();
    await callers?.close();
  });

  it('answers a bronze partner’s getIntrospectionQuery() (every option too) with its __schema, and gold’s, and the storefront user’s', async () => {
    const queries = [
      getIntrospectionQuery(),
      getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }),
    ];
    for (const caller of ['initech-bronze', 'globex-silver', 'acme-gold', 'alice'] as const) {
      for (const query of queries) {
        const answer = await postGraphQL<{ __schema: { queryType: { name: string }; types: { name: string }[] } }>(server.url, query, { token: callers.tokens[caller] });
        expect(answer.status, caller).toBe(200);
        expect(answer.json.errors, caller).toBeUndefined();
        expect(answer.json.data?.__schema.queryType.name).toBe('Query');
        expect(answer.json.data?.__schema.types.some((type) => type.name === 'Product')).toBe(true);
      }
    }
  });

  it('refuses 24 aliased __schema selections from gold, and 7 from bronze, with 400 TOO_MANY_INTROSPECTIONS before anything executes', async () => {
    executions = 0;
    const gold = await postGraphQL(server.url, ALIASED_24, { token: callers.tokens['acme-gold'] });
    expect(gold.status).toBe(400);
    expect(gold.json).toEqual(REFUSAL);
    expect(gold.json.data).toBeUndefined();
    const bronze = await postGraphQL(server.url, ALIASED_7, { token: callers.tokens['initech-bronze'] });
    expect(ALIASED_7.match(/__schema/g)).toHaveLength(7);
    expect(bronze.status).toBe(400);
    expect(bronze.json).toEqual(REFUSAL);
    const short = await postGraphQL(server.url, ALIASED_2, { token: callers.tokens['acme-gold'] });
    expect(short.status).toBe(400);
    expect(short.json).toEqual(REFUSAL);
    expect(executions).toBe(0);
  });

  it('charges one introspection its cost (1,000) against the cost budget, in extensions.cost.requested', async () => {
    const answer = await postGraphQL(budgeted.url, getIntrospectionQuery(), { token: callers.tokens['initech-bronze'] });
    expect(answer.status).toBe(200);
    expect((answer.json.data as { __schema?: unknown } | undefined)?.__schema).toBeDefined();
    const cost = (answer.json as { extensions?: { cost?: { requested: number; remaining: number } } }).extensions?.cost;
    expect(cost?.requested).toBe(1000);
    expect(cost?.remaining).toBe(10_000 - 1000);
    // The next one is charged again: introspection is not free after the first.
    const again = await postGraphQL(budgeted.url, '{ __type(name: "Product") { name } }', { token: callers.tokens['initech-bronze'] });
    expect(again.status).toBe(200);
    expect((again.json as { extensions?: { cost?: { requested: number; remaining: number } } }).extensions?.cost).toMatchObject({ requested: 1000, remaining: 8000 });
  });
});
