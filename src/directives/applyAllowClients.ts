import {
  defaultFieldResolver,
  defaultTypeResolver,
  GraphQLInterfaceType,
  GraphQLUnionType,
  isInterfaceType,
  type GraphQLAbstractType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { toGraphQLError } from '../http/challenge.js';
import { compileRules, type CompileRulesOptions } from './compileRules.js';
import { createEnforcement, enforcementOf, type Enforcement, type EnforcementOptions } from './enforcement.js';
import { denyField, principalOf, startRequest, stateOf, STATE, withholdObject, type RequestState } from './requestState.js';

/** Options of {@link applyAllowClients}. */
export interface ApplyAllowClientsOptions extends CompileRulesOptions, EnforcementOptions {}

type Resolver = GraphQLFieldResolver<unknown, unknown>;
type TypeResolver = GraphQLTypeResolver<unknown, unknown>;

/**
 * Compiles the schema's rules and returns a copy of the schema whose protected fields check them,
 * synchronously, from the caller's `context.principal` (an `AuthContext`).
 *
 * Design: the operation is decided once per request (a cached walk of the whole operation, the same
 * as {@link checkOperation}) and bound to the context object. Only fields that some caller may be
 * denied, plus the root fields, get a guard; a guard is one property load and two comparisons
 * before it calls the original resolver, and it never turns a sync resolver into an async one. Fields
 * that everyone may read are not wrapped at all. (Rewriting the document instead would drop the
 * response keys rather than null them, and could not give GraphQL's null propagation.)
 *
 * What it guarantees alone, with any graphql-js server, when every operation gets a context object:
 * - a denied field's resolver, and everything beneath it, never runs; the field is null with one
 *   FORBIDDEN (or UNAUTHENTICATED for an anonymous caller) error per denied selection;
 * - a mutation with any denied selection runs no mutation resolver: each root field is refused
 *   (mutation root fields run one after the other, and each checks the whole operation first);
 * - mode `reject`: every root field of an operation with a denial is refused, so no data is returned;
 *   the HTTP status stays the server's (200) — use the Apollo plugin or {@link checkOperation}
 *   before execution to answer 403 with `WWW-Authenticate`;
 * - subscriptions: a denied root field refuses in `subscribe`, so no event stream opens;
 * - an object whose type carries a rule the caller does not pass (`type PartnerOffer @allowClients(…)`),
 *   met through an interface or a union, is withheld whole, `__typename` included: null with one
 *   error per selection naming the field that returned it (`Query.search`), never the hidden type
 *   (the abstract type's `resolveType` is wrapped; with the Apollo plugin, mode `reject` refuses
 *   the whole response instead).
 * With the Apollo plugin (or `checkOperation` before execution), refusals happen before execution.
 *
 * Apply it last: the returned schema is the one the plugin and `checkOperation` recognize.
 *
 * @throws TypeError naming the coordinate or the option (see {@link compileRules})
 * @example
 * ```ts
 * const schema = applyAllowClients(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }), {
 *   defaultPolicy: 'authenticated',
 * });
 * ```
 */
export function applyAllowClients(schema: GraphQLSchema, options: ApplyAllowClientsOptions = {}): GraphQLSchema {
  if (enforcementOf(schema) !== undefined) throw new TypeError('applyAllowClients was already applied to this schema');
  const rules = compileRules(schema, options);
  const rootTypes = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => (type ? [type.name] : [])),
  );
  const subscriptionType = schema.getSubscriptionType()?.name;
  // The guards are made before the new schema exists; they read its enforcement through this box.
  const box: { current: Enforcement | null } = { current: null };
  const guarded = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const coordinate = `${typeName}.${fieldName}`;
      if (!rules.fields.has(coordinate) && !rootTypes.has(typeName)) return fieldConfig;
      const resolve = guard((fieldConfig.resolve ?? defaultFieldResolver) as Resolver, coordinate, box);
      if (typeName !== subscriptionType) return { ...fieldConfig, resolve };
      return { ...fieldConfig, resolve, subscribe: guard((fieldConfig.subscribe ?? defaultFieldResolver) as Resolver, coordinate, box) };
    },
  });
  // Abstract types that may resolve to a type with a type-level rule: their resolveType withholds it.
  const screened =
    rules.types.size === 0
      ? guarded
      : mapSchema(guarded, {
          [MapperKind.ABSTRACT_TYPE]: (type) => {
            if (!guarded.getPossibleTypes(type).some((possible) => rules.types.has(possible.name))) return type;
            const resolveType = screen((type.resolveType ?? defaultTypeResolver) as TypeResolver, box);
            return isInterfaceType(type)
              ? new GraphQLInterfaceType({ ...type.toConfig(), resolveType })
              : new GraphQLUnionType({ ...type.toConfig(), resolveType });
          },
        });
  box.current = createEnforcement(screened, rules, options);
  return screened;
}

function guard(resolve: Resolver, coordinate: string, box: { readonly current: Enforcement | null }): Resolver {
  return function allowClientsGuard(source, args, context, info) {
    const state = (context as { [STATE]?: RequestState } | null | undefined)?.[STATE];
    if (state !== undefined && state.clear && state.operation === info.operation) return resolve(source, args, context, info);
    return guardSlow(resolve, coordinate, box, source, args, context, info);
  };
}

/** Wraps an abstract type's resolveType: a resolved type the caller may not see is withheld. */
function screen(resolveType: TypeResolver, box: { readonly current: Enforcement | null }): TypeResolver {
  return function allowClientsTypeGuard(value, context, info, abstractType: GraphQLAbstractType) {
    const resolved = resolveType(value, context, info, abstractType);
    if (resolved !== null && typeof resolved === 'object' && typeof (resolved as PromiseLike<unknown>).then === 'function') {
      return (resolved as Promise<string | undefined>).then((name) => screenType(name, box, context, info));
    }
    return screenType(resolved as string | undefined, box, context, info);
  };
}

function screenType(name: string | undefined, box: { readonly current: Enforcement | null }, context: unknown, info: GraphQLResolveInfo): string | undefined {
  if (typeof name !== 'string') return name; // graphql-js reports a type resolver that gave no name
  const state = stateFor(box, context, info);
  const hidden = state.decision.withheld.get(name);
  if (hidden === undefined) return name;
  return withholdObject(state, hidden, info);
}

/** The request's state for this operation, decided now if the server did not decide it before execution. */
function stateFor(box: { readonly current: Enforcement | null }, context: unknown, info: GraphQLResolveInfo): RequestState {
  const enforcement = box.current as Enforcement;
  const state = stateOf(context);
  if (state !== undefined && state.operation === info.operation && state.enforcement === enforcement) return state;
  return startRequest(enforcement, context, info.operation, (name) => info.fragments[name], principalOf(context));
}

/** Everything but the common case: a context without a decision, or a decision with denials. */
function guardSlow(
  resolve: Resolver,
  coordinate: string,
  box: { readonly current: Enforcement | null },
  source: unknown,
  args: Record<string, unknown>,
  context: unknown,
  info: GraphQLResolveInfo,
): unknown {
  const state = stateFor(box, context, info);
  if (state.decision.refusal !== null) throw toGraphQLError(state.decision.refusal, { http: false });
  const error = state.decision.denied.get(coordinate);
  if (error === undefined) return resolve(source, args, context, info);
  return denyField(state, error, info);
}
