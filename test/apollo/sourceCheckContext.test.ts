/**
 * createAuthContext's `sourceCheck` in a real Apollo Server (standalone, real HTTP on loopback, real
 * tokens): the caller's own token, depth and alias limits apply to the query text in the context
 * function, before Apollo parses and validates the document (issue 10, finding 4, for any Apollo
 * server). A plugin counts every validation Apollo starts; a resolver counter proves nothing ran.
 */
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowClients, createAuthContext, operationLimitsPlugin, rateLimitPlugin } from '../../src/apollo/index.js';
import { createOperationLimits, createRateLimiter, createSourceCheck, DEFAULT_CLIENT_CLAIM } from '../../src/index.js';
import type { AuthContext } from '../../src/index.js';
import { postGraphQL } from '../helpers/postGraphQL.js';
import type { GraphQLAnswer } from '../helpers/postGraphQL.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

interface Context extends AuthContext {
  readonly address: string | null;
}

/** `{ t0: __typename … ping }`: 3n + 3 tokens, valid, no alias counted. */
const padded = (aliases: number, prefix = 't'): string => `{ ${Array.from({ length: aliases }, (_, index) => `${prefix}${index}: __typename`).join(' ')} ping }`;
const DEEP = `{ node { ${'child { '.repeat(6)}id${' }'.repeat(6)} } }`;
const ALIASED = `{ ${Array.from({ length: 5 }, (_, index) => `a${index}: ping`).join(' ')} }`;
const refusal = (message: string, code: string): GraphQLAnswer['json'] => ({ errors: [{ message, extensions: { code } }] });
const TOO_MANY_TOKENS = refusal('The operation has too many tokens', 'TOO_MANY_TOKENS');

describe('createAuthContext with sourceCheck, in Apollo Server', () => {
  let issuer: TestIssuer;
  let apollo: ApolloServer<Context>;
  let url: string;
  let validations = 0;
  let resolverCalls = 0;
  const limits = createOperationLimits({
    default: { depth: 4, aliases: 3, tokens: 300 },
    tiers: { key: 'tier', values: { gold: { depth: 10, aliases: 50, tokens: 1000 } } },
  });
  const check = createSourceCheck(limits);
  const limiter = createRateLimiter({ default: { requests: 4, window: 60 } });

  const token = (clientId: string, tier: string): string =>
    issuer.sign({ sub: `${clientId}@clients`, azp: clientId, gty: 'client-credentials', [DEFAULT_CLIENT_CLAIM]: { id: clientId, name: clientId, metadata: { tier } } });

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const auth = allowClients<Context>({ defaultPolicy: 'authenticated' });
    const schema = auth.transformer(
      makeExecutableSchema({
        typeDefs: [auth.typeDefs, 'type Query { ping: String, node: Node } type Node { id: ID, child: Node }'],
        resolvers: { Query: { ping: () => ((resolverCalls += 1), 'pong'), node: () => ((resolverCalls += 1), { id: '1' }) } },
      }),
    );
    const counter: ApolloServerPlugin<Context> = {
      async requestDidStart() {
        return {
          async validationDidStart() {
            validations += 1;
          },
        };
      },
    };
    apollo = new ApolloServer<Context>({
      schema,
      parseOptions: limits.parseOptions,
      includeStacktraceInErrorResponses: false,
      plugins: [auth.plugin, operationLimitsPlugin<Context>(limits), rateLimitPlugin<Context>(limiter, { address: (context) => context.address }), counter],
    });
    const context = createAuthContext({ issuer: issuer.url, audience: issuer.audience, sourceCheck: { check, schema, rateLimiter: limiter } });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async (argument) => ({ ...(await context(argument)), address: argument.req.socket.remoteAddress ?? null }),
    }));
  });
  afterAll(async () => {
    await apollo.stop();
    await issuer.close();
  });

  it('refuses a bronze partner over its own token, depth and alias limits before Apollo validates anything, and runs nothing', async () => {
    const bronze = token('bronze-app', 'bronze');
    const [validatedBefore, ranBefore] = [validations, resolverCalls];
    const tokens = await postGraphQL(url, padded(150), { token: bronze });
    expect(tokens.status).toBe(400);
    expect(tokens.json).toEqual(TOO_MANY_TOKENS);
    expect(tokens.text).not.toMatch(/Context creation failed|stack|453|300|LimitError|ERR_/);
    expect(tokens.headers['ratelimit']).toMatch(/^"default";r=3;t=\d+$/);
    expect((await postGraphQL(url, DEEP, { token: bronze })).json).toEqual(refusal('The operation is nested too deeply', 'QUERY_TOO_DEEP'));
    expect((await postGraphQL(url, ALIASED, { token: bronze })).json).toEqual(refusal('The operation has too many aliases', 'TOO_MANY_ALIASES'));
    expect(validations - validatedBefore).toBe(0);
    expect(resolverCalls - ranBefore).toBe(0);
    // Each refusal was counted: one request left, then 429 for anything, a valid query included.
    expect((await postGraphQL(url, padded(150, 'x'), { token: bronze })).status).toBe(400);
    const limited = await postGraphQL(url, '{ ping }', { token: bronze });
    expect(limited.status).toBe(429);
    expect(limited.json.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    expect(resolverCalls - ranBefore).toBe(0);
  });

  it("lets a gold partner's same document through, validated once and run", async () => {
    const [validatedBefore, ranBefore] = [validations, resolverCalls];
    const answer = await postGraphQL<{ ping: string }>(url, padded(150), { token: token('gold-app', 'gold') });
    expect(answer.status).toBe(200);
    expect(answer.json.data?.ping).toBe('pong');
    expect(validations - validatedBefore).toBe(1);
    expect(resolverCalls - ranBefore).toBe(1);
  });

  it('answers a repeated refusal from the remembered verdicts', async () => {
    const silver = token('silver-app', 'silver');
    const before = check.stats();
    for (let index = 0; index < 3; index += 1) expect((await postGraphQL(url, padded(120, 'r'), { token: silver })).json).toEqual(TOO_MANY_TOKENS);
    const after = check.stats();
    expect(after.measured - before.measured).toBe(1);
    expect(after.rememberedRefusals - before.rememberedRefusals).toBe(2);
  });

  it('checks its option once, naming it', () => {
    const base = { issuer: 'https://issuer.example/', audience: 'api' };
    const message = '"sourceCheck" must be { check: createSourceCheck(limits), schema, rateLimiter? }';
    expect(() => createAuthContext({ ...base, sourceCheck: {} as never })).toThrow(new TypeError(message));
    expect(() => createAuthContext({ ...base, sourceCheck: { check, schema: 'schema' } as never })).toThrow(new TypeError(message));
    expect(() => createAuthContext({ ...base, sourceCheck: { check, schema: () => null, rateLimiter: {} } as never })).toThrow(new TypeError(message));
  });
});
