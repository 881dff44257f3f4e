import fc from 'fast-check';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildPrincipal } from '../../src/auth/buildPrincipal.js';
import { DEFAULT_CLIENT_CLAIM } from '../../src/auth/clientClaim.js';
import { accessKeyOf, type JsonValue, type Principal } from '../../src/auth/principal.js';
import { projectAccessKey } from '../../src/directives/accessProjection.js';
import { compileRules, type CompiledRules, type DefaultPolicy } from '../../src/directives/compileRules.js';
import { decideOperation, type OperationDecision } from '../../src/directives/decideOperation.js';
import { createEnforcement } from '../../src/directives/enforcement.js';
import { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';
import { callers, makeSchema, principal } from './fixtures.js';

// Small pools, so that random principals often agree on what the rules read and differ elsewhere.
const IDS = ['p1', 'p2', 'p3'];
const NAMES = ['Acme', 'Initech'];
const KEYS = ['tier', 'region'];
const VALUES = ['gold', 'silver', 'eu'];
const SCOPES = ['read', 'write', 'admin'];

const subset = <T>(pool: readonly T[]): fc.Arbitrary<T[]> => fc.subarray([...pool], { minLength: 1 });
const list = (values: readonly string[]): string => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;

const allowClientsArb: fc.Arbitrary<string> = fc
  .record(
    {
      ids: subset(IDS),
      names: subset(NAMES),
      metadata: fc.uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), in: subset(VALUES) }), {
        minLength: 1,
        maxLength: 2,
        selector: (match) => match.key,
      }),
      users: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .filter((args) => args.ids !== undefined || args.names !== undefined || args.metadata !== undefined)
  .map((args) => {
    const parts: string[] = [];
    if (args.ids) parts.push(`ids: ${list(args.ids)}`);
    if (args.names) parts.push(`names: ${list(args.names)}`);
    if (args.metadata) parts.push(`metadata: [${args.metadata.map((match) => `{ key: ${JSON.stringify(match.key)}, in: ${list(match.in)} }`).join(', ')}]`);
    if (args.users) parts.push('users: true');
    return `@allowClients(${parts.join(', ')})`;
  });
const requireScopesArb = fc
  .array(subset(SCOPES), { minLength: 1, maxLength: 2 })
  .map((sets) => `@requireScopes(anyOf: [${sets.map(list).join(', ')}])`);
const directiveArb = fc.oneof(allowClientsArb, requireScopesArb, fc.constant('@authenticated'), fc.constant('@public'));
const directivesArb = fc.uniqueArray(directiveArb, { maxLength: 2, selector: (text) => text.replace(/\(.*/, '') }).map((texts) => texts.join(' '));

/** A random rule set: a schema of queries, an object type and mutations, each field with 0-2 directives. */
interface RuleSet {
  readonly sdl: string;
  readonly defaultPolicy: DefaultPolicy;
}
const ruleSetArb: fc.Arbitrary<RuleSet> = fc
  .record({
    query: fc.array(directivesArb, { minLength: 4, maxLength: 4 }),
    item: fc.array(directivesArb, { minLength: 3, maxLength: 3 }),
    itemType: directivesArb,
    mutation: fc.array(directivesArb, { minLength: 2, maxLength: 2 }),
    offerType: directivesArb,
    defaultPolicy: fc.constantFrom<DefaultPolicy>('public', 'authenticated', 'deny'),
  })
  .map(({ query, item, itemType, mutation, offerType, defaultPolicy }) => ({
    defaultPolicy,
    sdl: `
      type Query {
        q0: String ${query[0]}
        q1: String ${query[1]}
        q2: Item ${query[2]}
        q3: [Item] ${query[3]}
        "abstract: the member types' own rules apply to what comes back"
        search: [Hit]
        node: Node
      }
      interface Node {
        id: ID
      }
      union Hit = Item | Offer
      type Item implements Node ${itemType} {
        id: ID
        i0: String ${item[0]}
        i1: String ${item[1]}
        i2: Item ${item[2]}
      }
      type Offer implements Node ${offerType} {
        id: ID
        title: String
      }
      type Mutation {
        m0: String ${mutation[0]}
        m1: Item ${mutation[1]}
      }
    `,
  }));

const itemSelection = fc.subarray(['i0', 'i1', 'i2 { i0 }', '__typename'], { minLength: 1 }).map((fields) => `{ ${fields.join(' ')} }`);
const operationArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({ fields: fc.subarray(['q0', 'q1', 'q2', 'q3'], { minLength: 1 }), items: itemSelection, alias: fc.boolean() })
    .map(({ fields, items, alias }) => `{ ${fields.map((field) => (field.startsWith('q2') || field.startsWith('q3') ? `${field} ${items}` : field)).join(' ')}${alias ? ` again: q0` : ''} }`),
  fc
    .record({ fields: fc.subarray(['m0', 'm1'], { minLength: 1 }), items: itemSelection })
    .map(({ fields, items }) => `mutation { ${fields.map((field) => (field === 'm1' ? `m1 ${items}` : field)).join(' ')} }`),
  itemSelection.map((items) => `query WithFragment { q2 { ...F } } fragment F on Item ${items}`),
  itemSelection.map((items) => `{ search { __typename ... on Item ${items} ... on Offer { title } } node { id ... on Offer { title } } }`),
);

const metadataValueArb: fc.Arbitrary<JsonValue> = fc.oneof(fc.constantFrom<JsonValue>(...VALUES, 'bronze', 1, true, null), fc.constant(['gold']));
const principalArb: fc.Arbitrary<Principal> = fc
  .record({
    kind: fc.constantFrom<'machine' | 'user'>('machine', 'user'),
    id: fc.constantFrom(...IDS, 'stranger-1', 'stranger-2'),
    name: fc.constantFrom<string | null>(...NAMES, 'Other', null),
    metadata: fc.option(fc.dictionary(fc.constantFrom(...KEYS, 'plan'), metadataValueArb, { maxKeys: 3 }), { nil: null }),
    scopes: fc.subarray([...SCOPES, 'unused', 'read']),
  })
  .map(({ kind, id, name, metadata, scopes }) => makePrincipal(kind, { id, name, metadata }, scopes));

function makePrincipal(kind: Principal['kind'], client: Principal['client'], scopes: readonly string[]): Principal {
  return { kind, client, ...(kind === 'user' ? { user: { id: 'u' } } : {}), scopes, claims: {}, accessKey: accessKeyOf({ kind, client, scopes }) };
}

/** Principals plus siblings, each a copy of one of them with one part redrawn (read by a rule or not). */
const principalsArb: fc.Arbitrary<Principal[]> = fc
  .tuple(fc.array(principalArb, { minLength: 2, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), principalArb, fc.constantFrom('kind', 'id', 'name', 'metadata', 'scopes')), { maxLength: 6 }))
  .map(([bases, changes]) => [
    ...bases,
    ...changes.map(([index, drawn, part]) => {
      const base = bases[index % bases.length] as Principal;
      const client = { ...base.client, ...(part === 'id' ? { id: drawn.client.id } : part === 'name' ? { name: drawn.client.name } : part === 'metadata' ? { metadata: drawn.client.metadata } : {}) };
      return makePrincipal(part === 'kind' ? drawn.kind : base.kind, client, part === 'scopes' ? drawn.scopes : base.scopes);
    }),
  ]);

/** What a caller sees of a decision: every denial with its error, and the refusal. */
function comparable(decision: OperationDecision): unknown {
  const error = (value: OperationDecision['refusal']): unknown =>
    value === null ? null : { code: value.code, coordinate: value.coordinate, detail: value.detail, requiredScopes: value.requiredScopes };
  return {
    type: decision.operationType,
    denials: decision.denials.map((denial) => ({ coordinate: denial.coordinate, path: denial.path, error: error(denial.error) })),
    refusal: error(decision.refusal),
    withheld: [...decision.withheld].map(([type, reason]) => [type, error(reason)]),
    logged: decision.deniedCoordinates,
  };
}

function decide(rules: CompiledRules, document: DocumentNode, caller: Principal | null): unknown {
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operation === undefined) throw new Error('no operation');
  const fragments = (name: string): FragmentDefinitionNode | undefined =>
    document.definitions.find((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name);
  return comparable(decideOperation(rules, rules.schema, operation, fragments, caller, 'filter').decision);
}

interface Stats {
  equalKeys: number;
  mergedPartners: number;
  /** Merged pairs whose shared decision denies something: the rules were not all open. */
  mergedWithDenials: number;
}

type KeyOf = (rules: CompiledRules, caller: Principal | null) => string;

/** The property: for random rules, principals and operations, equal projected keys ⇒ equal decisions. */
function equivalence(keyOf: KeyOf, stats: Stats): fc.IPropertyWithHooks<[RuleSet, Principal[], string[]]> {
  return fc.property(ruleSetArb, principalsArb, fc.array(operationArb, { minLength: 1, maxLength: 4 }), (ruleSet, principals, operations) => {
    const schema = makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, ruleSet.sdl] });
    const rules = compileRules(schema, { defaultPolicy: ruleSet.defaultPolicy });
    const documents = operations.map((text) => parse(text));
    const callersOf = [null, ...principals];
    for (const [index, a] of callersOf.entries()) {
      for (const b of callersOf.slice(index + 1)) {
        if (keyOf(rules, a) !== keyOf(rules, b)) continue;
        stats.equalKeys += 1;
        if (a !== null && b !== null && a.accessKey !== b.accessKey) stats.mergedPartners += 1;
        for (const document of documents) {
          const decision = decide(rules, document, a);
          expect(decide(rules, document, b), `${print(a)} and ${print(b)} share a key`).toEqual(decision);
          if (a !== null && a.accessKey !== b?.accessKey && (decision as { denials: unknown[] }).denials.length > 0) stats.mergedWithDenials += 1;
        }
      }
    }
  });
}

const print = (caller: Principal | null): string => (caller === null ? 'anonymous' : caller.accessKey);

describe('projectAccessKey', () => {
  it('gives equal decisions for every operation to principals with equal projected keys (random rules and principals)', () => {
    const stats = { equalKeys: 0, mergedPartners: 0, mergedWithDenials: 0 };
    fc.assert(equivalence(projectAccessKey, stats), { numRuns: 400 });
    // The property was exercised: many pairs shared a projected key though their full keys differ.
    expect(stats.mergedPartners).toBeGreaterThan(200);
    expect(stats.mergedWithDenials).toBeGreaterThan(100);
  });

  it('catches a projection that drops something a rule reads (the property can fail)', () => {
    const forgetsScopes: KeyOf = (rules, caller) => projectAccessKey(rules, caller === null ? null : { ...caller, scopes: [] });
    const forgetsKind: KeyOf = (rules, caller) => projectAccessKey(rules, caller === null ? null : { ...caller, kind: 'machine' });
    for (const broken of [forgetsScopes, forgetsKind]) {
      let failure: unknown = null;
      try {
        fc.assert(equivalence(broken, { equalKeys: 0, mergedPartners: 0, mergedWithDenials: 0 }), { numRuns: 400, seed: 7 });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(Error);
      expect(String((failure as Error).cause instanceof Error ? ((failure as Error).cause as Error).message : '')).toMatch(/share a key/);
    }
  });

  it('keeps what a rule reads: a listed id, a listed name, a matched metadata value, a required scope, the kind', () => {
    const rules = compileRules(makeSchema({}));
    const base = callers.goldById;
    const key = projectAccessKey(rules, base);
    expect(projectAccessKey(rules, principal('machine', 'partner-gold', { name: 'Gold Partner', metadata: { tier: 'gold' }, scopes: ['orders:read'] }))).toBe(key);
    expect(projectAccessKey(rules, principal('machine', 'partner-x', { name: 'Gold Partner', metadata: { tier: 'gold' }, scopes: ['orders:read'] }))).not.toBe(key);
    expect(projectAccessKey(rules, principal('machine', 'partner-gold', { name: 'Acme Silver', metadata: { tier: 'gold' }, scopes: ['orders:read'] }))).not.toBe(key);
    expect(projectAccessKey(rules, principal('machine', 'partner-gold', { name: 'Gold Partner', metadata: { tier: 'platinum' }, scopes: ['orders:read'] }))).not.toBe(key);
    expect(projectAccessKey(rules, principal('machine', 'partner-gold', { name: 'Gold Partner', metadata: { tier: 'gold' } }))).not.toBe(key);
    expect(projectAccessKey(rules, principal('user', 'partner-gold', { name: 'Gold Partner', metadata: { tier: 'gold' }, scopes: ['orders:read'] }))).not.toBe(key);
    expect(projectAccessKey(rules, null)).not.toBe(key);
  });

  it('drops what no rule reads: unlisted ids and names, other metadata, unmentioned scopes, the user id', () => {
    const rules = compileRules(makeSchema({}));
    const partner = (id: string, extra: Record<string, JsonValue>, scopes: string[]): Principal =>
      principal('machine', id, { name: `Name of ${id}`, metadata: { tier: 'silver', ...extra }, scopes });
    const key = projectAccessKey(rules, partner('partner-a', {}, []));
    expect(projectAccessKey(rules, partner('partner-b', { region: 'eu', contract: { id: 7 } }, ['orders:write', 'x']))).toBe(key);
    // A metadata value no rule accepts reads as "no match", like no value at all.
    expect(projectAccessKey(rules, principal('machine', 'partner-c', { metadata: { tier: 'bronze' } }))).toBe(
      projectAccessKey(rules, principal('machine', 'partner-d', { metadata: { tier: ['gold'] } })),
    );
    expect(projectAccessKey(rules, principal('machine', 'partner-c'))).toBe(projectAccessKey(rules, principal('machine', 'partner-e', { metadata: { tier: 'bronze' } })));
    // Its size follows the rules, not the token: 100 KB of metadata projects to a short key.
    const bulky = principal('machine', 'partner-f', { metadata: { tier: 'silver', blob: 'x'.repeat(100_000) } });
    expect(projectAccessKey(rules, bulky).length).toBeLessThan(200);
  });

  it('lets 1,000 partners of one tier share one cached decision per operation', () => {
    const schema = makeSchema({});
    const rules = compileRules(schema);
    const enforcement = createEnforcement(schema, rules, { cacheSize: 10 });
    const document = parse('{ orders { id wholesale margin } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    const noFragments = (): undefined => undefined;
    const first = enforcement.decide(operation, noFragments, principal('machine', 'tier-partner-0', { metadata: { tier: 'gold' } }));
    for (let index = 1; index < 1000; index += 1) {
      expect(enforcement.decide(operation, noFragments, principal('machine', `tier-partner-${index}`, { metadata: { tier: 'gold' } }))).toBe(first);
    }
    expect(first.denials.map((denial) => denial.coordinate)).toEqual(['Order.margin']);
    const silver = enforcement.decide(operation, noFragments, principal('machine', 'tier-partner-s', { metadata: { tier: 'silver' } }));
    expect(silver).not.toBe(first);
    expect(silver.denials.map((denial) => denial.coordinate)).toEqual(['Order.wholesale', 'Order.margin']);
  });

  it('keeps a verified principal\'s projection per rule set: rules compiled again or other rules never read a stale key', () => {
    const verified = (id: string): Principal =>
      buildPrincipal({ kind: 'machine', clientId: id, userId: undefined, scopes: ['read'] }, { sub: id, [DEFAULT_CLIENT_CLAIM]: { id, name: 'Acme', metadata: { tier: 'gold' } } }, DEFAULT_CLIENT_CLAIM);
    const rulesOf = (field: string): CompiledRules => compileRules(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, `type Query { a: Int ${field} }`] }));
    const byId = rulesOf('@allowClients(ids: ["p1"])');
    const byTier = rulesOf('@allowClients(metadata: [{ key: "tier", in: ["gold"] }])');
    const byIdAgain = rulesOf('@allowClients(ids: ["p2"])');
    const p1 = verified('p1');
    // The same parts as a plain object (not built by the verifier): projected without any slot.
    const plain = (rules: CompiledRules): string => projectAccessKey(rules, principal('machine', 'p1', { name: 'Acme', metadata: { tier: 'gold' }, scopes: ['read'] }));
    const first = projectAccessKey(byId, p1);
    expect(first).toBe(plain(byId));
    expect(first).toContain('"p1"');
    // Another rule set: its own key, not the one held for the first rules.
    expect(projectAccessKey(byTier, p1)).toBe(plain(byTier));
    expect(projectAccessKey(byTier, p1)).not.toContain('"p1"');
    expect(projectAccessKey(byIdAgain, p1)).toBe(plain(byIdAgain));
    expect(projectAccessKey(byIdAgain, p1)).not.toContain('"p1"');
    // Back to the first rules, and a principal first seen by the other rules.
    expect(projectAccessKey(byId, p1)).toBe(first);
    const p1b = verified('p1');
    expect(projectAccessKey(byTier, p1b)).toBe(plain(byTier));
    expect(projectAccessKey(byId, p1b)).toBe(first);
    // The principal stays frozen and shows nothing new.
    expect(Object.isFrozen(p1)).toBe(true);
    expect(Reflect.ownKeys(p1)).toEqual(['kind', 'client', 'scopes', 'claims']);
    expect(JSON.parse(JSON.stringify(p1))).toEqual({ kind: 'machine', client: { id: 'p1', name: 'Acme', metadata: { tier: 'gold' } }, scopes: ['read'], claims: { sub: 'p1', [DEFAULT_CLIENT_CLAIM]: { id: 'p1', name: 'Acme', metadata: { tier: 'gold' } } }, accessKey: p1.accessKey });
  });

  it('decides verified principals as plain ones with the same parts (the held projection agrees with the equivalence property)', () => {
    const schema = makeSchema({});
    const rules = compileRules(schema);
    const enforcement = createEnforcement(schema, rules, {});
    const operation = parse('{ orders { id wholesale margin } }').definitions[0] as OperationDefinitionNode;
    const noFragments = (): undefined => undefined;
    for (const tier of ['gold', 'silver', 'bronze']) {
      const id = `verified-${tier}`;
      const claims = { sub: id, [DEFAULT_CLIENT_CLAIM]: { id, name: null, metadata: { tier } } };
      const verified = buildPrincipal({ kind: 'machine', clientId: id, userId: undefined, scopes: [] }, claims, DEFAULT_CLIENT_CLAIM);
      const plain = principal('machine', id, { metadata: { tier } });
      expect(projectAccessKey(rules, verified)).toBe(projectAccessKey(rules, plain));
      expect(enforcement.decide(operation, noFragments, verified)).toBe(enforcement.decide(operation, noFragments, plain));
    }
  });
});
