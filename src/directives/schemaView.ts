import type {
  GraphQLSchema} from 'graphql';
import {
  GraphQLInterfaceType,
  GraphQLObjectType,
  isInterfaceType,
  isObjectType,
  printSchema,
  validateSchema,
  type GraphQLNamedType,
} from 'graphql';
import { MapperKind, mapSchema, pruneSchema } from '@graphql-tools/utils';
import type { Principal } from '../auth/principal.js';
import { AccessError } from '../errors.js';
import type { CompiledRules } from './compileRules.js';
import { evaluateRule } from './evaluateRule.js';

/** What the API looks like to one caller: the schema without what its rules deny. */
export interface SchemaView {
  /** The caller's schema: a valid GraphQL schema, or the full schema itself when nothing is hidden. */
  readonly schema: GraphQLSchema;
  /** Nothing is hidden from the caller: `schema` is the full schema. */
  readonly full: boolean;
  /** Named types of the full schema the view does not have. */
  readonly hiddenTypes: ReadonlySet<string>;
  /**
   * Some field the caller's rules admit is gone all the same (it returned a type that lost every
   * field): a document's decision alone cannot tell that it touches the hidden part of the schema.
   */
  readonly prunedAdmitted: boolean;
  /** Estimated bytes the view keeps (for the cache's byte budget). */
  readonly bytes: number;
}

/**
 * Builds the view of `schema` for `principal`: every object field its rules deny removed, every
 * object type whose type-level rule refuses it removed, an interface field kept only while some
 * visible implementation keeps it, an implementation that lost a field of an interface no longer
 * declared as implementing it, then every type the caller can no longer reach pruned (unions lose
 * hidden members, empty root types other than Query disappear). Arguments, enum values and
 * descriptions are kept as written. Resolvers are kept, so the view can execute.
 *
 * A caller that may read no field of `Query` has no view (a GraphQL schema needs one Query field):
 * it is refused as a whole, with the `AccessError` every query of it would get, `coordinate: 'Query'`.
 *
 * @throws AccessError `ERR_FORBIDDEN` (`ERR_UNAUTHENTICATED` for an anonymous caller) when the caller may read no Query field
 * @throws Error when the result is not a valid schema (a bug: the full schema is never served instead)
 */
export function buildSchemaView(rules: CompiledRules, schema: GraphQLSchema, principal: Principal | null): SchemaView {
  const scopes = new Set(principal?.scopes ?? []);
  const denies = (coordinate: string, map: CompiledRules['fields']): boolean => {
    const rule = map.get(coordinate);
    return rule !== undefined && evaluateRule(rule, principal, scopes) !== null;
  };
  const hiddenFields = new Set<string>();
  const hiddenTypes = new Set<string>();
  const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));
  for (const type of types) {
    if (!isObjectType(type)) continue;
    if (denies(type.name, rules.types)) hiddenTypes.add(type.name);
    for (const name of Object.keys(type.getFields())) {
      const coordinate = `${type.name}.${name}`;
      if (denies(coordinate, rules.fields)) hiddenFields.add(coordinate);
    }
  }
  // An interface field stays while some visible implementation keeps it.
  for (const type of types) {
    if (!isInterfaceType(type)) continue;
    const implementations = schema.getPossibleTypes(type).filter((possible) => !hiddenTypes.has(possible.name));
    for (const name of Object.keys(type.getFields())) {
      const kept = implementations.some((possible) => !hiddenFields.has(`${possible.name}.${name}`));
      if (!kept) hiddenFields.add(`${type.name}.${name}`);
    }
  }
  const queryName = schema.getQueryType()?.name;
  if (queryName !== undefined && (hiddenTypes.has(queryName) || Object.keys(schema.getQueryType()?.getFields() ?? {}).every((name) => hiddenFields.has(`${queryName}.${name}`)))) {
    throw new AccessError(principal === null ? 'ERR_UNAUTHENTICATED' : 'ERR_FORBIDDEN', { coordinate: queryName, detail: 'the caller may read no Query field' });
  }
  if (hiddenFields.size === 0 && hiddenTypes.size === 0) {
    return { schema, full: true, hiddenTypes: new Set(), prunedAdmitted: false, bytes: 64 };
  }
  const keepsAll = (type: GraphQLObjectType | GraphQLInterfaceType, iface: GraphQLInterfaceType): boolean =>
    Object.keys(iface.getFields()).every(
      (name) => hiddenFields.has(`${iface.name}.${name}`) || !hiddenFields.has(`${type.name}.${name}`),
    );
  const mapped = mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      if (hiddenTypes.has(type.name)) return null;
      const interfaces = type.getInterfaces();
      const kept = interfaces.filter((iface) => keepsAll(type, iface));
      return kept.length === interfaces.length ? type : new GraphQLObjectType({ ...type.toConfig(), interfaces: kept });
    },
    [MapperKind.INTERFACE_TYPE]: (type) => {
      const interfaces = type.getInterfaces();
      const kept = interfaces.filter((iface) => keepsAll(type, iface));
      return kept.length === interfaces.length ? type : new GraphQLInterfaceType({ ...type.toConfig(), interfaces: kept });
    },
    [MapperKind.COMPOSITE_FIELD]: (field, name, typeName) => (hiddenFields.has(`${typeName}.${name}`) ? null : field),
  });
  const view = pruneSchema(mapped);
  const errors = validateSchema(view);
  if (errors.length > 0) throw new Error(`allow-clients: the schema view is not a valid schema: ${errors.map((error) => error.message).join('; ')}`);
  const viewTypes = view.getTypeMap();
  const missing = new Set(types.filter((type) => viewTypes[type.name] === undefined).map((type: GraphQLNamedType) => type.name));
  let prunedAdmitted = false;
  for (const type of types) {
    if (!isObjectType(type) || missing.has(type.name)) continue;
    const viewType = viewTypes[type.name];
    const viewFields = isObjectType(viewType) ? viewType.getFields() : {};
    for (const name of Object.keys(type.getFields())) {
      if (!hiddenFields.has(`${type.name}.${name}`) && viewFields[name] === undefined) prunedAdmitted = true;
    }
  }
  // The printed SDL in UTF-16, twice over for the schema objects behind it: an estimate, on purpose generous.
  const bytes = printSchema(view).length * 4 + 1024;
  return { schema: view, full: false, hiddenTypes: missing, prunedAdmitted, bytes };
}
