/**
 * A caller whose rules allow no field of Query has no view to be shown (a Query type needs a
 * field): through the real reference server it is refused whole, 403 FORBIDDEN with
 * `insufficient_scope` whatever the document, never a 500, and nothing of the schema is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { applyAllowClients, authDirectiveTypeDefs } from '../../src/index.js';
import { allowClientsPlugin } from '../../src/apollo/index.js';
import type { AuthContext } from '../../src/index.js';
import { startSecurityTarget } from '../security/support/securityTarget.js';
import type { SecurityTarget } from '../security/support/securityTarget.js';

const TYPE_DEFS = `
  type Query {
    internalLedger: Ledger @allowClients(ids: ["ops-internal"])
    partnerSecret: String @allowClients(metadata: [{ key: "tier", in: ["gold"] }])
  }
  type Ledger { total: Int }
`;

describe('a caller that may read no Query field, with per-caller views (the default)', () => {
  let target: SecurityTarget;
  let resolved = 0;

  beforeAll(async () => {
    const executable = makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, TYPE_DEFS],
      resolvers: {
        Query: {
          internalLedger: () => (resolved++, { total: 42 }),
          partnerSecret: () => (resolved++, 'secret'),
        },
      },
    });
    const schema = applyAllowClients(executable, { schemaView: 'caller' });
    target = await startSecurityTarget({ schema: { schema, plugins: [allowClientsPlugin<AuthContext>()] } });
  });
  afterAll(async () => {
    await target.close();
  });

  async function ask(caller: string, query: string): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.caller(caller).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it.each([
    ['a denied field', '{ internalLedger { total } }'],
    ['a field that does not exist', '{ nothingHere }'],
    ['a misspelt hidden field (no suggestion)', '{ internalLedgr { total } }'],
    ['introspection', '{ __schema { queryType { fields { name } } } }'],
    ['only __typename', '{ __typename }'],
  ])('refuses initech-bronze 403 FORBIDDEN for %s, naming nothing of the schema', async (_what, query) => {
    const answer = await ask('initech-bronze', query);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: 'Not allowed for this client', extensions: { code: 'FORBIDDEN' } }] });
    for (const name of ['internalLedger', 'partnerSecret', 'Ledger']) expect(answer.text).not.toContain(name);
    expect(resolved).toBe(0);
  });

  it('still serves a caller that may read a Query field its own view', async () => {
    const answer = await ask('ops-internal', '{ internalLedger { total } __schema { queryType { fields { name } } } }');
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as { data: { internalLedger: unknown; __schema: { queryType: { fields: { name: string }[] } } } };
    expect(body.data.internalLedger).toEqual({ total: 42 });
    expect(body.data.__schema.queryType.fields.map((field) => field.name)).toEqual(['internalLedger']);
  });
});
