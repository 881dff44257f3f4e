import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { AuthContext, Client, Principal } from '../index.js';

/** The auth context of each HTTP request that AllowClientsGuard admitted. */
const httpContexts = new WeakMap<object, AuthContext>();

/** Binds the caller to the request, for {@link CurrentPrincipal} on REST routes. */
export function bindHttpContext(request: object, context: AuthContext): void {
  httpContexts.set(request, context);
}

/**
 * The caller of the operation or route: the GraphQL context's `principal`, or on a REST route the
 * one AllowClientsGuard verified. Null for an anonymous caller.
 *
 * @throws Error (a 500 without details) on a route that AllowClientsGuard did not admit
 */
export function principalOf(context: ExecutionContext): Principal | null {
  if (context.getType<string>() === 'graphql') {
    const value: unknown = GqlExecutionContext.create(context).getContext();
    if (typeof value === 'object' && value !== null && 'principal' in value) return (value as AuthContext).principal;
  } else if (context.getType() === 'http') {
    const found = httpContexts.get(context.switchToHttp().getRequest<object>());
    if (found !== undefined) return found.principal;
  }
  throw new Error('No allow-clients caller here: use AllowClientsService.apolloOptions() for GraphQL and AllowClientsGuard for routes');
}

/**
 * The verified caller (`Principal`, or null when anonymous), for resolvers and route handlers.
 *
 * @example
 * ```ts
 * @Query(() => [Order])
 * myOrders(@CurrentPrincipal() principal: Principal | null): Order[] { ... }
 * ```
 */
export const CurrentPrincipal: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | null => principalOf(context),
);

/**
 * The calling application (`Client`: id, name, metadata), or null when anonymous.
 *
 * @example
 * ```ts
 * @Query(() => String)
 * whoami(@CurrentClient() client: Client | null): string { return client?.id ?? 'anonymous'; }
 * ```
 */
export const CurrentClient: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Client | null => principalOf(context)?.client ?? null,
);
