import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { DefaultPolicy } from '../../src/directives/compileRules.js';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';
import { callers, makeSchema, principal } from './fixtures.js';
import type { Principal } from '../../src/auth/principal.js';

const sdl = `
  type Query {
    plain: String
    open: String @public
    openButListed: String @public @allowClients(ids: ["listed"])
  }
`;

function run(defaultPolicy: DefaultPolicy, caller: Principal | null): { data: unknown; codes: unknown[]; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const resolver = (name: string) => () => {
    calls[name] = (calls[name] ?? 0) + 1;
    return `${name}-value`;
  };
  const schema = applyAllowClients(
    makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, sdl],
      resolvers: { Query: { plain: resolver('plain'), open: resolver('open'), openButListed: resolver('openButListed') } },
    }),
    { defaultPolicy },
  );
  const result = execute({ schema, document: parse('{ plain open openButListed }'), contextValue: { principal: caller } }) as ExecutionResult;
  return { data: result.data, codes: (result.errors ?? []).map((error) => [error.extensions['coordinate'], error.extensions['code']]), calls };
}

const listed = principal('machine', 'listed');
const other = principal('machine', 'other');

describe('default policy', () => {
  it('public: an unannotated field is open to everyone, anonymous callers included', () => {
    expect(run('public', null)).toEqual({
      data: { plain: 'plain-value', open: 'open-value', openButListed: null },
      codes: [['Query.openButListed', 'UNAUTHENTICATED']],
      calls: { plain: 1, open: 1 },
    });
  });

  it('authenticated: an unannotated field needs a verified caller, any caller', () => {
    expect(run('authenticated', null)).toEqual({
      data: { plain: null, open: 'open-value', openButListed: null },
      codes: [
        ['Query.plain', 'UNAUTHENTICATED'],
        ['Query.openButListed', 'UNAUTHENTICATED'],
      ],
      calls: { open: 1 },
    });
    expect(run('authenticated', other)).toEqual({
      data: { plain: 'plain-value', open: 'open-value', openButListed: null },
      codes: [['Query.openButListed', 'FORBIDDEN']],
      calls: { plain: 1, open: 1 },
    });
  });

  it('deny: an unannotated field is closed to everyone; @public opens it', () => {
    expect(run('deny', listed)).toEqual({
      data: { plain: null, open: 'open-value', openButListed: 'openButListed-value' },
      codes: [['Query.plain', 'FORBIDDEN']],
      calls: { open: 1, openButListed: 1 },
    });
  });

  it('@public does not override the other rules on the field', () => {
    expect(run('public', other).codes).toEqual([['Query.openButListed', 'FORBIDDEN']]);
  });
});

describe('request state', () => {
  it('works with a frozen context object (one error for the whole list)', () => {
    const calls: Record<string, number> = {};
    const schema = applyAllowClients(makeSchema(calls, { orderCount: 50 }));
    const contextValue = Object.freeze({ principal: callers.unlisted });
    const result = execute({ schema, document: parse('{ orders { id margin } }'), contextValue }) as ExecutionResult;
    expect(result.errors?.map((error) => error.extensions['coordinate'])).toEqual(['Order.margin']);
    expect(calls['Order.margin'] ?? 0).toBe(0);
  });

  it('stays correct when the decision cache holds a single entry', () => {
    const schema = applyAllowClients(makeSchema({}), { cacheSize: 1 });
    const document = parse('{ orders { id margin } }');
    for (let round = 0; round < 3; round += 1) {
      for (const [caller, denied] of [
        [callers.goldById, 0],
        [callers.unlisted, 1],
      ] as const) {
        const result = execute({ schema, document, contextValue: { principal: caller } }) as ExecutionResult;
        expect(result.errors?.length ?? 0).toBe(denied);
      }
    }
  });
});
