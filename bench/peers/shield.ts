/**
 * graphql-shield (with graphql-middleware): the same rule as `@allowClients(ids)`, one rule per
 * protected field, `allow` for the rest, with the contextual cache its docs recommend (the rule is
 * evaluated once per operation; the per-field wrapper remains).
 */
import { applyMiddleware } from 'graphql-middleware';
import { allow, rule, shield } from 'graphql-shield';
import type { GraphQLSchema } from 'graphql';
import type { Principal } from '../../src/index.js';

interface Ctx {
  readonly principal: Principal | null;
}

/** A shield rule admitting the listed client ids. */
export function clientRule(ids: readonly string[]): ReturnType<ReturnType<typeof rule>> {
  const allowed = new Set(ids);
  return rule({ cache: 'contextual' })((_parent: unknown, _args: unknown, context: Ctx) => {
    const clientId = context.principal?.client.id;
    return clientId !== undefined && allowed.has(clientId);
  });
}

/** Applies shield with a rule tree `{ Type: { field: rule } }`. */
export function shieldSchema(schema: GraphQLSchema, ruleTree: Record<string, Record<string, ReturnType<typeof clientRule>>>): GraphQLSchema {
  const permissions = shield(ruleTree, { fallbackRule: allow, allowExternalErrors: false });
  return applyMiddleware(schema, permissions);
}
