/**
 * Issue 10, finding 4: the caller's own token, depth and alias limits apply at the reference
 * server's edge, before Apollo Server parses and validates the document. Real dev-issuer tokens,
 * real HTTP on loopback; a plugin on the real schema counts every validation Apollo starts.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/index.js';
import { countSourceTokens } from '../../src/limits/documentMeter.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { buildReferenceSchema } from '../../src/server/schema.js';
import { startDevCallers } from '../helpers/devCallers.js';
import type { DevCallers } from '../helpers/devCallers.js';
import { postGraphQL } from '../helpers/postGraphQL.js';

/**
 * `{ t0: __typename … t<n-1>: __typename apiInfo }`: 3n + 3 lexical tokens, valid, with no alias
 * counted (`__typename` aliases are not) and no overlapping fields to merge.
 */
const document = (aliases: number, last = 'apiInfo'): string => `{ ${Array.from({ length: aliases }, (_, index) => `t${index}: __typename`).join(' ')} ${last} }`;
/** 1,500 tokens: over bronze's 1,000, within gold's 3,000. */
const DOCUMENT_1500 = document(499);
const TOKENS_REFUSAL = { errors: [{ message: 'The operation has too many tokens', extensions: { code: 'TOO_MANY_TOKENS' } }] };

describe('the caller’s own limits before validation (reference server)', () => {
  let callers: DevCallers;
  let server: ReferenceServer;
  const logged: Record<string, unknown>[] = [];
  let validations = 0;
  const countValidations: ApolloServerPlugin<AuthContext> = {
    requestDidStart: async () => ({
      validationDidStart: async () => {
        validations += 1;
      },
    }),
  };

  beforeAll(async () => {
    callers = await startDevCallers();
    const config = callers.configFor({ RATE_LIMIT_REQUESTS: '100000' });
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
    const reference = buildReferenceSchema({ mode: config.authz.mode, defaultPolicy: config.authz.defaultPolicy, logger });
    server = await createReferenceServer(config, { logger, schema: { schema: reference.schema, plugins: [...reference.plugins, countValidations] } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await callers?.close();
  });

  it('refuses a bronze partner’s 1,500-token document with its own limit, and Apollo never validates it', async () => {
    expect(countSourceTokens(DOCUMENT_1500, 5000)).toBe(1500);
    validations = 0;
    const refused = await postGraphQL(server.url, DOCUMENT_1500, { token: callers.tokens['initech-bronze'] });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual(TOKENS_REFUSAL);
    expect(validations).toBe(0);
    expect(JSON.stringify(refused.json)).not.toMatch(/stack|1500|1000/);
    expect(logged.filter((line) => (line['level'] as number) >= 50)).toEqual([]);
  });

  it('lets gold’s same document past the token check, into validation and execution', async () => {
    validations = 0;
    const admitted = await postGraphQL(server.url, DOCUMENT_1500, { token: callers.tokens['acme-gold'] });
    expect(admitted.status).toBe(200);
    expect((admitted.json as { errors?: unknown }).errors).toBeUndefined();
    expect(typeof (admitted.json as { data: { apiInfo: unknown } }).data.apiInfo).toBe('string');
    expect(validations).toBe(1);
  });

  it('answers a repeated refusal from the remembered verdicts, without lexing it again', async () => {
    const text = document(400, 'viewer { __typename }');
    const before = server.sourceCheck.stats();
    for (let index = 0; index < 5; index += 1) {
      const refused = await postGraphQL(server.url, text, { token: callers.tokens['initech-bronze'] });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual(TOKENS_REFUSAL);
    }
    const after = server.sourceCheck.stats();
    expect(after.measured - before.measured).toBe(1);
    expect(after.rememberedRefusals - before.rememberedRefusals).toBe(4);
  });

  it('refuses depth and aliases above the bronze limits before validation, at 400 with their codes', async () => {
    validations = 0;
    const deep = await postGraphQL(server.url, `{ ${'products { category { '.repeat(6)}id${' } }'.repeat(6)} }`, { token: callers.tokens['initech-bronze'] });
    expect(deep.status).toBe(400);
    expect(deep.json).toEqual({ errors: [{ message: 'The operation is nested too deeply', extensions: { code: 'QUERY_TOO_DEEP' } }] });
    const aliased = await postGraphQL(server.url, `{ ${Array.from({ length: 16 }, (_, index) => `a${index}: apiInfo`).join(' ')} }`, {
      token: callers.tokens['initech-bronze'],
    });
    expect(aliased.status).toBe(400);
    expect(aliased.json).toEqual({ errors: [{ message: 'The operation has too many aliases', extensions: { code: 'TOO_MANY_ALIASES' } }] });
    expect(validations).toBe(0);
  });
});
