/**
 * A small code-first partner API, annotated with the allow-clients decorators, with a call counter
 * for each resolver so that tests can prove a denied resolver never ran. Protected fields are
 * nullable, so that in filter mode a denial nulls the field and not its parents. Explicit types everywhere
 * (`@Field(() => T)`, `@Args(..., { type })`, `@Inject(token)`): no decorator metadata is needed.
 */
import { Inject } from '@nestjs/common';
import { Args, Field, Float, ID, Mutation, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Client, Principal } from '../../../src/index.js';
import { AllowClients, CurrentClient, CurrentPrincipal, Public, RequireScopes } from '../../../src/nestjs/index.js';

export const CALLS = Symbol('calls');
export type Calls = Record<string, number>;

@ObjectType('Order')
export class Order {
  @Field(() => ID) id!: string;
  @Field(() => Float) total!: number;

  /** Partner-only. */
  @AllowClients({ ids: ['partner-gold'] })
  @Field(() => Float, { nullable: true })
  margin!: number;

  /** Tier-only. */
  @AllowClients({ metadata: [{ key: 'tier', in: ['gold', 'platinum'] }] })
  @Field(() => String, { nullable: true })
  discountCode!: string;

  /** Scope-guarded. */
  @RequireScopes('orders:internal')
  @Field(() => String, { nullable: true })
  internalNote!: string;

  /** First-party users only (and the frontend's own machine token). */
  @AllowClients({ ids: ['web-frontend'], users: true })
  @Field(() => String, { nullable: true })
  customerEmail!: string;
}

/** A type whose every field is for gold partners: the rule on the type. */
@AllowClients({ ids: ['partner-gold'] })
@ObjectType('Report')
export class Report {
  @Field(() => Float) revenue!: number;
}

const ORDERS: readonly Order[] = [
  { id: 'o-1', total: 100, margin: 31, discountCode: 'GOLD10', internalNote: 'call back', customerEmail: 'a@example.test' },
  { id: 'o-2', total: 50, margin: 12, discountCode: 'GOLD5', internalNote: 'fragile', customerEmail: 'b@example.test' },
];

@Resolver(() => Order)
export class OrdersResolver {
  constructor(@Inject(CALLS) private readonly calls: Calls) {}

  private count(coordinate: string): void {
    this.calls[coordinate] = (this.calls[coordinate] ?? 0) + 1;
  }

  @Query(() => [Order], { nullable: true })
  orders(): Order[] {
    this.count('Query.orders');
    return ORDERS.map((order) => ({ ...order }));
  }

  @Public()
  @Query(() => String)
  health(): string {
    this.count('Query.health');
    return 'ok';
  }

  @Query(() => String)
  whoami(@CurrentPrincipal() principal: Principal | null, @CurrentClient() client: Client | null): string {
    this.count('Query.whoami');
    return `${principal?.kind ?? 'anonymous'}:${client?.id ?? '-'}:${principal?.user?.id ?? '-'}`;
  }

  @AllowClients({ ids: ['partner-gold'] })
  @Query(() => Report, { nullable: true })
  report(): Report {
    this.count('Query.report');
    return { revenue: 1000 };
  }

  @ResolveField('margin', () => Float)
  margin(@Parent() order: Order): number {
    this.count('Order.margin');
    return order.margin;
  }

  @AllowClients({ ids: ['partner-gold'] })
  @RequireScopes('orders:write')
  @Mutation(() => Order)
  cancelOrder(@Args('id', { type: () => ID }) id: string): Order {
    this.count('Mutation.cancelOrder');
    const order = ORDERS.find((candidate) => candidate.id === id) ?? ORDERS[0];
    if (order === undefined) throw new Error('no orders');
    return { ...order };
  }
}
