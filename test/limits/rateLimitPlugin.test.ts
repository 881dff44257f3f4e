/**
 * rateLimitPlugin in a real Apollo Server (standalone, real HTTP on loopback) with createAuthContext
 * and real tokens: the allowance per client, the 429 before any resolver, the RateLimit fields, and
 * anonymous callers counted by the address the context carries.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthContext, rateLimitPlugin } from '../../src/apollo/index.js';
import { createRateLimiter } from '../../src/index.js';
import type { AuthContext } from '../../src/index.js';
import { postGraphQL } from '../helpers/postGraphQL.js';
import type { GraphQLAnswer } from '../helpers/postGraphQL.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

interface Context extends AuthContext {
  readonly address: string | null;
}

describe('rateLimitPlugin with Apollo Server', () => {
  let issuer: TestIssuer;
  let apollo: ApolloServer<Context>;
  let url: string;
  let resolverCalls = 0;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    apollo = new ApolloServer<Context>({
      typeDefs: 'type Query { whoami: String }',
      resolvers: {
        Query: {
          whoami: (_: unknown, __: unknown, context: Context) => {
            resolverCalls += 1;
            return context.principal?.client.id ?? 'anonymous';
          },
        },
      },
      plugins: [rateLimitPlugin<Context>(createRateLimiter({ default: { requests: 2, window: 60 } }), { address: (context) => context.address })],
    });
    const auth = createAuthContext({ issuer: issuer.url, audience: issuer.audience, realm: 'orders-api', allowAnonymous: true });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async (argument) => ({ ...(await auth(argument)), address: argument.req.socket.remoteAddress ?? null }),
    }));
  });
  afterAll(async () => {
    await apollo.stop();
    await issuer.close();
  });

  /** A POST of `{ whoami }`; `localAddress` picks the loopback address it comes from. */
  function ask(token: string | null, localAddress = '127.0.0.1'): Promise<GraphQLAnswer<{ whoami?: string | null }>> {
    return postGraphQL(url, '{ whoami }', { localAddress, ...(token === null ? {} : { token }) });
  }

  it('serves a client its allowance with the RateLimit fields, then answers 429 before any resolver runs', async () => {
    const token = issuer.sign({ sub: 'acme@clients', azp: 'acme' });
    const first = await ask(token);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ data: { whoami: 'acme' } });
    expect(first.headers['ratelimit-policy']).toBe('"default";q=2;w=60');
    expect(first.headers['ratelimit']).toMatch(/^"default";r=1;t=\d+$/);
    expect((await ask(token)).status).toBe(200);
    const before = resolverCalls;
    const refused = await ask(issuer.sign({ sub: 'acme@clients', azp: 'acme', jti: 'another-token' }));
    expect(refused.status).toBe(429);
    expect(refused.json.data).toBeUndefined();
    expect(refused.json.errors).toEqual([
      { message: 'Too many requests: retry after the time given in Retry-After', extensions: { code: 'RATE_LIMITED' } },
    ]);
    const retryAfter = refused.headers['retry-after'];
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    expect(refused.headers['ratelimit']).toBe(`"default";r=0;t=${String(retryAfter)}`);
    expect(JSON.stringify(refused.json)).not.toMatch(/acme|stack|at \S+ \(/);
    expect(resolverCalls).toBe(before);
  });

  it('keeps serving another client', async () => {
    const other = await ask(issuer.sign({ sub: 'globex@clients', azp: 'globex' }));
    expect(other.status).toBe(200);
    expect(other.json).toEqual({ data: { whoami: 'globex' } });
  });

  it('counts anonymous callers by the address the context gives', async () => {
    expect((await ask(null)).status).toBe(200);
    expect((await ask(null)).status).toBe(200);
    const refused = await ask(null);
    expect(refused.status).toBe(429);
    expect(refused.headers['ratelimit-policy']).toBe('"anonymous";q=2;w=60');
    // Another address has its own allowance.
    const elsewhere = await ask(null, '127.0.0.2');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.json).toEqual({ data: { whoami: 'anonymous' } });
    expect(elsewhere.headers['ratelimit']).toMatch(/^"anonymous";r=1;t=\d+$/);
  });

  it('checks its options at construction', () => {
    expect(() => rateLimitPlugin({} as never)).toThrow(new TypeError('"limiter" must come from createRateLimiter'));
    expect(() => rateLimitPlugin(createRateLimiter(), { address: 'x' as never })).toThrow(new TypeError('"address" must be a function of the context'));
    expect(() => rateLimitPlugin(createRateLimiter(), { realm: 'api' } as never)).toThrow(
      new TypeError('"realm" is given once, to createAuthContext, no longer to rateLimitPlugin'),
    );
  });
});
