import { makeExecutableSchema } from '@graphql-tools/schema';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { readFileSync } from 'node:fs';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';
import { compileRules, type CompiledRules } from '../../src/directives/compileRules.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';

function schemaOf(sdl: string): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, sdl] });
}

function compile(sdl: string, defaultPolicy?: 'public' | 'authenticated' | 'deny'): CompiledRules {
  return compileRules(schemaOf(sdl), defaultPolicy === undefined ? {} : { defaultPolicy });
}

/** The rule of a coordinate as the SDL texts of its checks, or 'public'. */
function ruleOf(rules: CompiledRules, coordinate: string): string[] | 'public' {
  const rule = rules.fields.get(coordinate);
  return rule === undefined ? 'public' : rule.checks.map((check) => check.text);
}

/** A schema whose Order.margin carries directives given as code-first extensions (any shape at all). */
function withExtensionDirectives(directives: Record<string, unknown>): GraphQLSchema {
  return mapSchema(schemaOf('type Query { order: Order } type Order { margin: Float }'), {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) =>
      typeName === 'Order' && fieldName === 'margin' ? { ...config, extensions: { directives } } : config,
  });
}

describe('authDirectiveTypeDefs', () => {
  it('is the text of schema/directives.graphql, the one source for runtime and codegen', () => {
    const file = readFileSync(new URL('../../schema/directives.graphql', import.meta.url), 'utf8');
    expect(authDirectiveTypeDefs).toBe(file);
    expect(authDirectiveTypeDefs).toContain('directive @allowClients(');
  });
});

describe('compileRules: what applies to a field', () => {
  const sdl = `
    type Query { order: Order  stats: Stats  info: String @public  open: Open }
    type Order {
      id: ID!
      margin: Float @allowClients(ids: ["b", "a"]) @requireScopes(anyOf: [["x", "y"], ["admin"]])
      stats: Stats
    }
    type Stats @allowClients(metadata: [{ key: "tier", in: ["gold"] }]) { revenue: Float  extra: Int @authenticated }
    type Open @public { name: String  guarded: String @authenticated }
  `;

  it('ANDs the directives of the field, its type and its return type', () => {
    const rules = compile(sdl);
    expect(ruleOf(rules, 'Order.margin')).toEqual([
      '@allowClients(ids: ["a", "b"])',
      '@requireScopes(anyOf: [["admin"], ["x", "y"]])',
    ]);
    expect(ruleOf(rules, 'Stats.extra')).toEqual(['@authenticated', '@allowClients(metadata: [{ key: "tier", in: ["gold"] }])']);
  });

  it('applies a type-level directive to every field of the type', () => {
    expect(ruleOf(compile(sdl), 'Stats.revenue')).toEqual(['@allowClients(metadata: [{ key: "tier", in: ["gold"] }])']);
  });

  it('applies a type-level directive to every field returning the type', () => {
    const rules = compile(sdl);
    expect(ruleOf(rules, 'Query.stats')).toEqual(['@allowClients(metadata: [{ key: "tier", in: ["gold"] }])']);
    expect(ruleOf(rules, 'Order.stats')).toEqual(['@allowClients(metadata: [{ key: "tier", in: ["gold"] }])']);
  });

  it('gives unannotated fields the default policy: authenticated unless told otherwise', () => {
    expect(ruleOf(compile(sdl), 'Order.id')).toEqual(['@authenticated']);
    expect(ruleOf(compile(sdl, 'public'), 'Order.id')).toBe('public');
    expect(ruleOf(compile(sdl, 'deny'), 'Order.id')).toEqual(['(default policy "deny")']);
  });

  it('lets @public opt a field (or every field of a type) out of the default policy only', () => {
    const rules = compile(sdl, 'deny');
    expect(ruleOf(rules, 'Query.info')).toBe('public');
    expect(ruleOf(rules, 'Open.name')).toBe('public');
    expect(ruleOf(rules, 'Open.guarded')).toEqual(['@authenticated']);
  });

  it('does not let @public on a type open the fields that return it (Order.margin: Money stays closed)', () => {
    const rules = compile(sdl, 'deny');
    expect(ruleOf(rules, 'Query.open')).toEqual(['(default policy "deny")']);
    const money = compile('type Query { order: Order @public } type Order @public { id: ID! margin: Money } type Money @public { amount: Float }', 'deny');
    expect(ruleOf(money, 'Order.id')).toBe('public');
    expect(ruleOf(money, 'Money.amount')).toBe('public');
    expect(ruleOf(money, 'Order.margin')).toBe('public');
    const closed = compile('type Query { order: Order @public } type Order { id: ID! @public margin: Money } type Money @public { amount: Float }', 'deny');
    expect(ruleOf(closed, 'Order.margin')).toEqual(['(default policy "deny")']);
  });

  it('refuses an unknown default policy, naming the option', () => {
    expect(() => compileRules(schemaOf(sdl), { defaultPolicy: 'open' as never })).toThrow(
      new TypeError('"defaultPolicy" must be one of "public", "authenticated", "deny"'),
    );
  });
});

describe('compileRules: interfaces', () => {
  it('refuses an implementation that weakens its interface field', () => {
    const sdl = `
      type Query { node: Priced }
      interface Priced { wholesale: Float @allowClients(metadata: [{ key: "tier", in: ["gold"] }]) }
      type Product implements Priced { wholesale: Float }
    `;
    expect(() => compile(sdl)).toThrow(
      new TypeError(
        'Product.wholesale: weakens Priced.wholesale, it lacks @allowClients(metadata: [{ key: "tier", in: ["gold"] }]) ' +
          '(an implementing field must carry every rule of its interface field, on itself, its type or its return type)',
      ),
    );
  });

  it('refuses an implementation whose rule differs from its interface field rule (a different client list)', () => {
    const sdl = `
      type Query { node: Priced }
      interface Priced { wholesale: Float @allowClients(ids: ["a"]) }
      type Product implements Priced { wholesale: Float @allowClients(ids: ["a", "b"]) }
    `;
    expect(() => compile(sdl)).toThrow('Product.wholesale: weakens Priced.wholesale, it lacks @allowClients(ids: ["a"])');
  });

  it('counts an interface type-level directive as written on each interface field', () => {
    const weak = `
      type Query { node: Node }
      interface Node @authenticated { id: ID! }
      type Product implements Node @public { id: ID! }
    `;
    expect(() => compile(weak, 'public')).toThrow('Product.id: weakens Node.id, it lacks @authenticated');
  });

  it('accepts an implementation that carries the rule on its type, and adds more', () => {
    const sdl = `
      type Query { node: Node }
      interface Node { id: ID! @requireScopes(anyOf: [["read"]]) }
      type Product implements Node @requireScopes(anyOf: [["read"]]) { id: ID! @authenticated }
    `;
    expect(ruleOf(compile(sdl, 'public'), 'Product.id')).toEqual(['@authenticated', '@requireScopes(anyOf: [["read"]])']);
  });

  it('checks interfaces that implement interfaces', () => {
    const sdl = `
      type Query { node: Node }
      interface Node { id: ID! @allowClients(ids: ["a"]) }
      interface Entity implements Node { id: ID! }
      type Product implements Entity & Node { id: ID! @allowClients(ids: ["a"]) }
    `;
    expect(() => compile(sdl)).toThrow('Entity.id: weakens Node.id, it lacks @allowClients(ids: ["a"])');
  });
});

describe('compileRules: wrong annotations fail the build, naming the coordinate', () => {
  const cases: [string, string, string][] = [
    ['@allowClients without arguments', 'margin: Float @allowClients', 'Order.margin: @allowClients needs at least one of ids, names, metadata'],
    ['@allowClients with only users', 'margin: Float @allowClients(users: true)', 'Order.margin: @allowClients needs at least one of ids, names, metadata'],
    ['an empty ids list', 'margin: Float @allowClients(ids: [])', 'Order.margin: @allowClients(ids:) must be a non-empty list of non-empty strings'],
    ['an empty client id', 'margin: Float @allowClients(ids: [""])', 'Order.margin: @allowClients(ids:) must be a non-empty list of non-empty strings'],
    ['an empty names list', 'margin: Float @allowClients(names: [])', 'Order.margin: @allowClients(names:) must be a non-empty list of non-empty strings'],
    ['an empty metadata list', 'margin: Float @allowClients(metadata: [])', 'Order.margin: @allowClients(metadata:) must be a non-empty list of { key, in } matchers'],
    [
      'a metadata matcher with an empty "in"',
      'margin: Float @allowClients(metadata: [{ key: "tier", in: [] }])',
      'Order.margin: @allowClients(metadata:) "in" of "tier" must be a non-empty list of non-empty strings',
    ],
    [
      'a metadata matcher with an empty key',
      'margin: Float @allowClients(metadata: [{ key: "", in: ["gold"] }])',
      'Order.margin: @allowClients(metadata:) entries need a non-empty "key"',
    ],
    [
      'a metadata key named twice',
      'margin: Float @allowClients(metadata: [{ key: "tier", in: ["gold"] }, { key: "tier", in: ["silver"] }])',
      'Order.margin: @allowClients(metadata:) names the key "tier" twice',
    ],
    [
      'an empty anyOf',
      'margin: Float @requireScopes(anyOf: [])',
      'Order.margin: @requireScopes(anyOf:) must be a non-empty list of non-empty lists of non-empty strings',
    ],
    [
      'an empty scope set',
      'margin: Float @requireScopes(anyOf: [["a"], []])',
      'Order.margin: @requireScopes(anyOf:) must be a non-empty list of non-empty lists of non-empty strings',
    ],
  ];
  for (const [what, field, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => compile(`type Query { order: Order } type Order { id: ID  ${field} }`)).toThrow(new TypeError(message));
    });
  }

  it('names the type for a type-level annotation', () => {
    expect(() => compile('type Query { s: Stats } type Stats @allowClients(names: []) { n: Int }')).toThrow(
      new TypeError('Stats: @allowClients(names:) must be a non-empty list of non-empty strings'),
    );
  });

  it('refuses an unknown argument', () => {
    expect(() => applyAllowClients(withExtensionDirectives({ allowClients: [{ idz: ['a'] }] }))).toThrow(
      new TypeError('Order.margin: @allowClients has an unknown argument "idz"'),
    );
    expect(() => applyAllowClients(withExtensionDirectives({ authenticated: [{ strict: true }] }))).toThrow(
      new TypeError('Order.margin: @authenticated has an unknown argument "strict"'),
    );
  });

  it('refuses metadata matchers of the wrong shape', () => {
    expect(() => applyAllowClients(withExtensionDirectives({ allowClients: [{ metadata: [{ key: 'tier', values: ['gold'] }] }] }))).toThrow(
      new TypeError('Order.margin: @allowClients(metadata:) entries must be { key, in }, not "values"'),
    );
    expect(() => applyAllowClients(withExtensionDirectives({ allowClients: [{ metadata: [{ key: 'tier', in: 'gold' }] }] }))).toThrow(
      new TypeError('Order.margin: @allowClients(metadata:) "in" of "tier" must be a non-empty list of non-empty strings'),
    );
    expect(() => applyAllowClients(withExtensionDirectives({ allowClients: [{ metadata: ['tier=gold'] }] }))).toThrow(
      new TypeError('Order.margin: @allowClients(metadata:) entries must be { key: String!, in: [String!]! }'),
    );
    expect(() => applyAllowClients(withExtensionDirectives({ allowClients: [{ ids: ['a'], users: 'yes' }] }))).toThrow(
      new TypeError('Order.margin: @allowClients(users:) must be a boolean'),
    );
  });

  it('refuses a schema that does not declare the directives', () => {
    const schema = makeExecutableSchema({ typeDefs: 'type Query { a: Int }' });
    expect(() => applyAllowClients(schema)).toThrow(
      new TypeError('The schema does not declare @allowClients: add authDirectiveTypeDefs to its type definitions'),
    );
  });

  it('refuses a schema that declares a directive differently', () => {
    const own = authDirectiveTypeDefs.replace('ids: [ID!]', 'ids: [String]');
    const schema = makeExecutableSchema({ typeDefs: [own, 'type Query { a: Int @allowClients(ids: ["x"]) }'] });
    expect(() => applyAllowClients(schema)).toThrow(new TypeError('The schema declares @allowClients differently from authDirectiveTypeDefs'));
  });

  it('accepts the declarations with their arguments in another order (a lexicographically sorted schema)', () => {
    const sorted = lexicographicSortSchema(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, 'type Query { a: Int @allowClients(names: ["n"], ids: ["x"]) }'] }));
    expect(sorted.getDirective('allowClients')?.args.map((arg) => arg.name)).toEqual(['ids', 'metadata', 'names', 'users']);
    expect(compileRules(sorted).fields.get('Query.a')?.checks.map((check) => check.text)).toEqual(['@allowClients(ids: ["x"], names: ["n"])']);
  });
});
