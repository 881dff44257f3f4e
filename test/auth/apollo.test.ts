import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/context.js';
import { allowClients } from '../../src/apollo/allowClients.js';
import { createAuthContext } from '../../src/apollo/createAuthContext.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const typeDefs = /* GraphQL */ `
  type Query {
    whoami: String
  }
`;

/** createAuthContext plugged into a real Apollo Server (standalone), as a user would. */
describe('createAuthContext with Apollo Server', () => {
  let issuer: TestIssuer;
  let apollo: ApolloServer<AuthContext>;
  let url: string;
  let resolverCalls = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    apollo = new ApolloServer<AuthContext>({
      typeDefs,
      resolvers: {
        Query: {
          whoami: (_: unknown, __: unknown, context: AuthContext) => {
            resolverCalls += 1;
            return context.principal?.client.id ?? null;
          },
        },
      },
      includeStacktraceInErrorResponses: false,
    });
    const context = createAuthContext({ issuer: issuer.url, audience: issuer.audience, realm: 'orders-api' });
    ({ url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' }, context }));
  });
  afterAll(async () => {
    await apollo.stop();
    await issuer.close();
  });

  const post = async (headers: Record<string, string>): Promise<{ status: number; challenge: string | null; body: string }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ whoami }' }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
  };

  it('runs the operation with the principal of a valid token', async () => {
    const answer = await post({ authorization: `Bearer ${issuer.sign()}` });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { whoami: 'clientA' } });
  });

  it('answers 401 with the bare challenge without credentials, and never runs the resolver', async () => {
    const before = resolverCalls;
    const answer = await post({});
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer realm="orders-api"');
    const body = JSON.parse(answer.body) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } });
    expect(resolverCalls).toBe(before);
  });

  it('answers 401 invalid_token to an expired token, without the reason, and never runs the resolver', async () => {
    const before = resolverCalls;
    const now = Math.floor(Date.now() / 1000);
    const answer = await post({ authorization: `Bearer ${issuer.sign({}, { now: now - 7200, expiresIn: 3600 })}` });
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer realm="orders-api", error="invalid_token", error_description="The access token expired"');
    expect(answer.body).not.toMatch(/Context creation failed|jwt expired|TokenExpiredError|stacktrace/);
    expect(resolverCalls).toBe(before);
  });
});

/**
 * The realm is given once, to createAuthContext: it names the 401s written there and, carried by the
 * context (also when the context is spread into a larger one), the 403s of allowClientsPlugin.
 */
describe('the realm of createAuthContext, on every challenge', () => {
  let issuer: TestIssuer;
  let apollo: ApolloServer<AuthContext & { readonly requestId: string }>;
  let url: string;
  let cancelled = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const auth = allowClients<AuthContext & { readonly requestId: string }>({ mode: 'filter' });
    const schema = auth.transformer(
      makeExecutableSchema({
        typeDefs: [
          auth.typeDefs,
          /* GraphQL */ `
            type Query { ping: String @authenticated }
            type Mutation { cancel: Boolean @requireScopes(anyOf: [["orders:write"]]) }
          `,
        ],
        resolvers: {
          Query: { ping: () => 'pong' },
          Mutation: {
            cancel: () => {
              cancelled += 1;
              return true;
            },
          },
        },
      }),
    );
    apollo = new ApolloServer({ schema, plugins: [auth.plugin], includeStacktraceInErrorResponses: false });
    const context = createAuthContext({ issuer: issuer.url, audience: issuer.audience, realm: 'orders-api' });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async (argument) => ({ ...(await context(argument)), requestId: 'r-1' }),
    }));
  });
  afterAll(async () => {
    await apollo.stop();
    await issuer.close();
  });

  const post = async (query: string, token: string | null): Promise<{ status: number; challenge: string | null; body: string }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }), signal: AbortSignal.timeout(10_000) });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
  };

  it('names the 403 of a refused mutation with it, and the mutation never runs', async () => {
    const answer = await post('mutation { cancel }', issuer.sign({ scope: 'orders:read' }));
    expect(answer.status).toBe(403);
    expect(answer.challenge).toBe('Bearer realm="orders-api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"');
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN', coordinates: ['Mutation.cancel'] } }] });
    expect(cancelled).toBe(0);
  });

  it('names the 401 without credentials with it', async () => {
    const answer = await post('{ ping }', null);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer realm="orders-api"');
  });

  it('lets an allowed operation run', async () => {
    const answer = await post('mutation { cancel }', issuer.sign({ scope: 'orders:write' }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { cancel: true } });
    expect(cancelled).toBe(1);
  });
});
