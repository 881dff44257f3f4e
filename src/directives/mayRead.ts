import { isObjectType, type GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { enforcementOf } from './enforcement.js';
import { evaluateRule } from './evaluateRule.js';

/**
 * Whether a caller may read a field (`'PartnerOffer.title'`) or see the objects of a type
 * (`'PartnerOffer'`) under the schema's rules: for resolvers that search or filter, which must never
 * match on data the caller may not read (a match on a hidden title tells the title, one request at
 * a time). Evaluated from the compiled rules, as the enforcement decides the same coordinate.
 *
 * @param schema - a schema returned by `applyAllowClients` (`info.schema` in a resolver)
 * @param principal - the caller (`context.principal`), null for an anonymous one
 * @param coordinate - `Type.field` of an object type, or the name of an object type
 * @throws TypeError when the schema was not prepared by `applyAllowClients` or the coordinate names nothing in it
 * @example
 * ```ts
 * const offers = store.offers.filter((offer) => mayRead(info.schema, context.principal, 'PartnerOffer.title') && matches(offer.title));
 * ```
 */
export function mayRead(schema: GraphQLSchema, principal: Principal | null, coordinate: string): boolean {
  const enforcement = enforcementOf(schema);
  if (enforcement === undefined) throw new TypeError('"schema" must be a schema returned by applyAllowClients (apply it last)');
  const dot = coordinate.indexOf('.');
  const typeName = dot === -1 ? coordinate : coordinate.slice(0, dot);
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new TypeError(`"${coordinate}" is not an object type or a field of one in this schema`);
  if (dot !== -1 && type.getFields()[coordinate.slice(dot + 1)] === undefined) throw new TypeError(`"${coordinate}" is not a field of this schema`);
  const rule = dot === -1 ? enforcement.rules.types.get(coordinate) : enforcement.rules.fields.get(coordinate);
  return rule === undefined || evaluateRule(rule, principal, new Set(principal?.scopes ?? [])) === null;
}
