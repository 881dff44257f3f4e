/**
 * The caller's view of the schema, for every demo client of dev/clients.json, checked against an
 * independent reading of schema/api.graphql: the SDL's directives are read here from the parsed
 * document (not through compileRules), each field is decided by this file's own small evaluator, and
 * what the view must keep is what stays reachable from the root types.
 */
import { describe, expect, it } from 'vitest';
import {
  graphql,
  Kind,
  parse,
  validate,
  validateSchema,
  type ConstDirectiveNode,
  type ConstValueNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type TypeNode,
} from 'graphql';
import type { Principal } from '../../src/auth/principal.js';
import { assertEnforcementOptions, enforcementOf } from '../../src/directives/enforcement.js';
import { apiTypeDefs, buildReferenceSchema } from '../../src/server/schema.js';
import { loadDevClients } from '../../src/server/devClients.js';
import { createLogger } from '../../src/server/logger.js';
import { principal } from './fixtures.js';

const document = parse(apiTypeDefs);
type Composite = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode;
const composites = new Map<string, Composite>();
const unions = new Map<string, string[]>();
const inputs = new Map<string, string[]>();
for (const definition of document.definitions) {
  if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION) composites.set(definition.name.value, definition);
  if (definition.kind === Kind.UNION_TYPE_DEFINITION) unions.set(definition.name.value, (definition.types ?? []).map((type) => type.name.value));
  if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) inputs.set(definition.name.value, (definition.fields ?? []).map((field) => namedOf(field.type)));
}

function namedOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedOf(type.type);
}

function literal(value: ConstValueNode): unknown {
  switch (value.kind) {
    case Kind.LIST:
      return value.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(value.fields.map((field) => [field.name.value, literal(field.value)]));
    case Kind.STRING:
    case Kind.ENUM:
      return value.value;
    case Kind.BOOLEAN:
      return value.value;
    default:
      return null;
  }
}

function argument(directive: ConstDirectiveNode, name: string): unknown {
  const found = directive.arguments?.find((arg) => arg.name.value === name);
  return found === undefined ? undefined : literal(found.value);
}

/** One directive read by this test alone: does it admit the caller? */
function admits(directive: ConstDirectiveNode, caller: Principal): boolean {
  switch (directive.name.value) {
    case 'requireScopes':
      return (argument(directive, 'anyOf') as string[][]).some((set) => set.every((scope) => caller.scopes.includes(scope)));
    case 'allowClients': {
      if (caller.kind === 'user' && argument(directive, 'users') !== true) return false;
      const ids = argument(directive, 'ids') as string[] | undefined;
      const metadata = argument(directive, 'metadata') as { key: string; in: string[] }[] | undefined;
      if (ids?.includes(caller.client.id) === true) return true;
      return metadata !== undefined && metadata.every((match) => match.in.includes(String(caller.client.metadata?.[match.key])));
    }
    default:
      return true; // @authenticated, @public: every demo caller is verified
  }
}

/** A field is visible when its directives, its type's and its return type's all admit the caller. */
function fieldVisible(type: Composite, field: FieldDefinitionNode, caller: Principal): boolean {
  const returned = composites.get(namedOf(field.type));
  return [...(field.directives ?? []), ...(type.directives ?? []), ...(returned?.directives ?? [])].every((directive) => admits(directive, caller));
}

/** The coordinates (`Type.field`) and type names the caller should find in its view. */
function expectedView(caller: Principal): { fields: Set<string>; types: Set<string> } {
  const typeVisible = (name: string): boolean => (composites.get(name)?.directives ?? []).every((directive) => admits(directive, caller));
  const implementations = (name: string): string[] =>
    [...composites.values()].filter((type) => type.interfaces?.some((iface) => iface.name.value === name) === true).map((type) => type.name.value);
  const fields = new Set<string>();
  const types = new Set<string>();
  const queue = ['Query', 'Mutation'];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (types.has(name)) continue;
    if (unions.has(name)) {
      const members = (unions.get(name) ?? []).filter(typeVisible);
      if (members.length > 0) types.add(name);
      queue.push(...members);
      continue;
    }
    if (inputs.has(name)) {
      types.add(name);
      queue.push(...(inputs.get(name) ?? []));
      continue;
    }
    const type = composites.get(name);
    if (type === undefined) continue; // scalars and enums are not compared
    if (!typeVisible(name)) continue;
    const visible = (type.fields ?? []).filter((field) =>
      type.kind === Kind.INTERFACE_TYPE_DEFINITION
        ? implementations(name).some((impl) => {
            const implType = composites.get(impl) as Composite;
            const implField = implType.fields?.find((candidate) => candidate.name.value === field.name.value);
            return typeVisible(impl) && implField !== undefined && fieldVisible(implType, implField, caller);
          })
        : fieldVisible(type, field, caller),
    );
    if (visible.length === 0) continue;
    types.add(name);
    for (const field of visible) {
      fields.add(`${name}.${field.name.value}`);
      queue.push(namedOf(field.type), ...(field.arguments ?? []).map((arg) => namedOf(arg.type)));
    }
    if (type.kind === Kind.INTERFACE_TYPE_DEFINITION) queue.push(...implementations(name));
    queue.push(...(type.interfaces ?? []).map((iface) => iface.name.value));
  }
  return { fields, types };
}

const clients = loadDevClients();
const callers = clients.map((client) =>
  principal(client.kind === 'machine' ? 'machine' : 'user', client.id, {
    name: client.name,
    metadata: client.metadata as Record<string, string>,
    scopes: [...client.scopes],
  }),
);
const { schema } = buildReferenceSchema({ mode: 'filter', defaultPolicy: 'authenticated', schemaView: 'caller', logger: createLogger('silent') });
const enforcement = enforcementOf(schema);
if (enforcement === undefined) throw new Error('the reference schema is not prepared');

const INTROSPECT = `{ __schema { types { name kind fields { name args { name defaultValue type { name kind ofType { name } } } } possibleTypes { name } interfaces { name } } } }`;
interface IntrospectedType {
  name: string;
  kind: string;
  fields: { name: string; args: { name: string; defaultValue: string | null }[] }[] | null;
  possibleTypes: { name: string }[] | null;
  interfaces: { name: string }[] | null;
}

describe('schema view per demo client', () => {
  it.each(callers.map((caller) => [caller.client.id, caller] as const))('%s sees exactly the fields and types its rules admit', async (_id, caller) => {
    const view = enforcement.viewOf(caller);
    expect(validateSchema(view.schema)).toEqual([]);
    const expected = expectedView(caller);
    const result = await graphql({ schema: view.schema, source: INTROSPECT });
    expect(result.errors).toBeUndefined();
    const introspected = (result.data as { __schema: { types: IntrospectedType[] } }).__schema.types.filter((type) => !type.name.startsWith('__'));
    const composite = introspected.filter((type) => type.kind === 'OBJECT' || type.kind === 'INTERFACE');
    const seenFields = new Set(composite.flatMap((type) => (type.fields ?? []).map((field) => `${type.name}.${field.name}`)));
    expect([...seenFields].sort()).toEqual([...expected.fields].sort());
    const seenTypes = introspected.filter((type) => ['OBJECT', 'INTERFACE', 'UNION', 'INPUT_OBJECT'].includes(type.kind)).map((type) => type.name);
    // ClientMetadataMatch belongs to the directive definitions, present in every view.
    expect(seenTypes.filter((name) => name !== 'ClientMetadataMatch').sort()).toEqual([...expected.types].sort());
    // Union members and implementations are pruned consistently with the types kept.
    for (const type of introspected) {
      for (const possible of type.possibleTypes ?? []) expect(expected.types).toContain(possible.name);
      for (const iface of type.interfaces ?? []) expect(expected.types).toContain(iface.name);
    }
    // Arguments are kept as written.
    const products = composite.find((type) => type.name === 'Query')?.fields?.find((field) => field.name === 'products');
    expect(products?.args.map((arg) => [arg.name, arg.defaultValue])).toEqual([
      ['categoryId', null],
      ['first', '20'],
      ['after', null],
    ]);
  });

  it('answers __type for a hidden type with null and for a visible type without its hidden fields', async () => {
    const bronze = callers.find((caller) => caller.client.id === 'initech-bronze') as Principal;
    const gold = callers.find((caller) => caller.client.id === 'acme-gold') as Principal;
    const source = '{ offer: __type(name: "PartnerOffer") { name } product: __type(name: "Product") { fields { name } } }';
    const bronzeView = await graphql({ schema: enforcement.viewOf(bronze).schema, source });
    expect(bronzeView.data).toEqual({ offer: null, product: { fields: ['id', 'sku', 'name', 'description', 'category', 'listPrice'].map((name) => ({ name })) } });
    const goldView = await graphql({ schema: enforcement.viewOf(gold).schema, source });
    expect(goldView.data?.['offer']).toEqual({ name: 'PartnerOffer' });
  });

  it('words validation errors from the view: a hidden field is a field that does not exist, without suggestions naming it', () => {
    const bronze = enforcement.viewOf(callers.find((caller) => caller.client.id === 'initech-bronze') as Principal);
    const gold = enforcement.viewOf(callers.find((caller) => caller.client.id === 'acme-gold') as Principal);
    const messages = (view: typeof bronze, source: string) => validate(view.schema, parse(source)).map((error) => error.message);
    expect(messages(bronze, '{ product(id: "p") { stock } }')).toEqual(['Cannot query field "stock" on type "Product".']);
    expect(messages(bronze, '{ product(id: "p") { stok } }')).toEqual(['Cannot query field "stok" on type "Product".']);
    expect(messages(gold, '{ product(id: "p") { stok } }')).toEqual(['Cannot query field "stok" on type "Product". Did you mean "stock"?']);
    expect(messages(bronze, '{ search(text: "x") { ... on PartnerOffer { __typename } } }')).toEqual(['Unknown type "PartnerOffer".']);
  });

  it('builds each view once per projected access key', () => {
    const bronze = callers.find((caller) => caller.client.id === 'initech-bronze') as Principal;
    const otherBronze = principal('machine', 'another-bronze', { name: 'Other', metadata: { tier: 'bronze' }, scopes: ['catalog:read', 'orders:read'] });
    expect(enforcement.viewOf(otherBronze)).toBe(enforcement.viewOf(bronze));
  });

  it('refuses a bad schemaView or viewCacheBytes option, naming it', () => {
    const build = (extra: Record<string, unknown>) => () =>
      buildReferenceSchema({ mode: 'filter', defaultPolicy: 'authenticated', logger: createLogger('silent'), ...extra } as Parameters<typeof buildReferenceSchema>[0]);
    expect(build({ schemaView: 'partner' })).toThrow(new TypeError('"schemaView" must be "full" or "caller"'));
    expect(() => assertEnforcementOptions({ viewCacheBytes: 0 })).toThrow(new TypeError('"viewCacheBytes" must be a positive integer'));
  });
});

