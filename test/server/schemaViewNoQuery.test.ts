/**
 * A caller that may read no Query field has no schema view (a GraphQL schema needs a Query field):
 * through the real reference server with AUTHZ_SCHEMA_VIEW=caller, each of its requests is refused
 * with 403 FORBIDDEN in the project's error shape, never a 500, whatever it sends, and no resolver runs.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowClientsPlugin } from '../../src/apollo/index.js';
import { applyAllowClients, authDirectiveTypeDefs } from '../../src/index.js';
import type { AuthContext } from '../../src/index.js';
import { readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';

describe('a caller that may read no Query field, with AUTHZ_SCHEMA_VIEW=caller', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let calls = 0;
  /** What other plugins' didEncounterErrors see, per request. */
  const encountered: string[][] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', AUTHZ_SCHEMA_VIEW: 'caller', AUTH_ALLOW_ANONYMOUS: 'true' });
    expect(config.authz.schemaView).toBe('caller');
    const executable = makeExecutableSchema({
      typeDefs: [
        authDirectiveTypeDefs,
        `type Query { report: String @allowClients(ids: ["acme-gold"]), audit: String @requireScopes(anyOf: [["audit:read"]]) }
         type Mutation { ping: String }`,
      ],
      resolvers: {
        Query: { report: () => (calls += 1, 'the report'), audit: () => (calls += 1, 'the audit') },
        Mutation: { ping: () => (calls += 1, 'pong') },
      },
    });
    const schema = applyAllowClients(executable, { defaultPolicy: 'authenticated', schemaView: config.authz.schemaView });
    server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.url } } as ReferenceServerConfig, {
      logger: createLogger('silent'),
      schema: {
        schema,
        plugins: [
          allowClientsPlugin<AuthContext>(),
          {
            async requestDidStart() {
              return {
                async didEncounterErrors({ errors }) {
                  encountered.push(errors.map((error) => error.message));
                },
              };
            },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  async function ask(clientId: string | null, query: string): Promise<{ status: number; challenge: string | null; text: string; body: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (clientId !== null) headers['authorization'] = `Bearer ${issuer.sign({ sub: `${clientId}@clients`, azp: clientId })}`;
    const response = await fetch(server.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), text, body: JSON.parse(text) };
  }

  const REFUSED = {
    errors: [{ message: 'Not allowed for this client: Query', extensions: { code: 'FORBIDDEN', coordinate: 'Query', coordinates: ['Query'] } }],
  };

  it.each([
    ['a field it may not read', '{ report }'],
    ['__typename alone', '{ __typename }'],
    ['introspection', getIntrospectionQuery()],
    ['a field that does not exist', '{ reprot }'],
    ['a mutation field it may call', 'mutation { ping }'],
    ['a document that does not parse', '{ report'],
  ])('answers %s with 403 FORBIDDEN, not a 500, and runs nothing', async (_, query) => {
    const answer = await ask('nobody', query);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(REFUSED);
    expect(answer.challenge).toMatch(/^Bearer realm="allow-clients", error="insufficient_scope"/);
    // Nothing of the schema leaks: no field name, no suggestion.
    expect(answer.text).not.toMatch(/report|audit|ping|Did you mean/);
    expect(calls).toBe(0);
  });

  it("gives other plugins' didEncounterErrors the refusal, not the full schema's validation errors and suggestions", async () => {
    encountered.length = 0;
    const answer = await ask('nobody', '{ reprot }');
    expect(answer.status).toBe(403);
    expect(encountered).toEqual([['Not allowed for this client: Query']]);
    expect(JSON.stringify(encountered)).not.toMatch(/report|Did you mean/);
  });

  it('answers an anonymous caller (anonymous access on) with 401 UNAUTHENTICATED', async () => {
    const answer = await ask(null, '{ report }');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED', coordinate: 'Query', coordinates: ['Query'] } }],
    });
    expect(answer.challenge).toMatch(/^Bearer realm="allow-clients"/);
    expect(calls).toBe(0);
  });

  it('answers again the same, and serves a caller with a view from the same server', async () => {
    expect((await ask('nobody', '{ audit }')).body).toEqual(REFUSED);
    const gold = await ask('acme-gold', '{ report }');
    expect(gold.status).toBe(200);
    expect(gold.body).toEqual({ data: { report: 'the report' } });
    expect(calls).toBe(1);
    const hidden = await ask('acme-gold', '{ audit }');
    expect(hidden.status).toBe(400);
    expect(hidden.text).toContain('Cannot query field \\"audit\\" on type \\"Query\\".');
    expect(calls).toBe(1);
  });
});
