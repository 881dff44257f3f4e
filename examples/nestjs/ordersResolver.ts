import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Principal } from '../../src/index.js'; // allow-clients in your project
import { CurrentPrincipal, Public, RequireScopes } from '../../src/nestjs/index.js'; // allow-clients/nestjs in your project
import { Order, Viewer } from './order.js';
import { OrderStore } from './orderStore.js';

@Resolver(() => Order)
export class OrdersResolver {
  constructor(@Inject(OrderStore) private readonly store: OrderStore) {}

  @Query(() => [Order])
  orders(): Order[] {
    return this.store.list();
  }

  @Query(() => Order, { nullable: true })
  order(@Args('id', { type: () => ID }) id: string): Order | null {
    return this.store.find(id);
  }

  @Query(() => Viewer)
  viewer(@CurrentPrincipal() principal: Principal): Viewer {
    return { kind: principal.kind, clientId: principal.client.id, clientName: principal.client.name, scopes: [...principal.scopes] };
  }

  /** Open to everyone, anonymous callers included when `allowAnonymous` is on. */
  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }

  /** A write: refused whole (403) unless the caller holds orders:write; the resolver never runs then. */
  @RequireScopes('orders:write')
  @Mutation(() => Order, { nullable: true })
  cancelOrder(@Args('id', { type: () => ID }) id: string): Order | null {
    return this.store.cancel(id);
  }
}
