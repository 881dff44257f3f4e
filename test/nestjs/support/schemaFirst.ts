/**
 * Resolvers of the schema-first fixture (support/orders.graphql), with a call counter per resolver.
 */
import { Inject } from '@nestjs/common';
import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';

export const SCHEMA_FIRST_CALLS = Symbol('schema-first calls');
export type Calls = Record<string, number>;

interface OrderRow {
  readonly id: string;
  readonly total: number;
  readonly margin: number;
  readonly discountCode: string;
  readonly internalNote: string;
}

const ORDERS: readonly OrderRow[] = [
  { id: 'o-1', total: 100, margin: 31, discountCode: 'GOLD10', internalNote: 'call back' },
  { id: 'o-2', total: 50, margin: 12, discountCode: 'GOLD5', internalNote: 'fragile' },
];

function count(calls: Calls, coordinate: string): void {
  calls[coordinate] = (calls[coordinate] ?? 0) + 1;
}

@Resolver('Query')
export class QueryResolver {
  constructor(@Inject(SCHEMA_FIRST_CALLS) private readonly calls: Calls) {}

  @Query('orders')
  orders(): OrderRow[] {
    count(this.calls, 'Query.orders');
    return [...ORDERS];
  }

  @Query('health')
  health(): string {
    count(this.calls, 'Query.health');
    return 'ok';
  }
}

@Resolver('Order')
export class OrderResolver {
  constructor(@Inject(SCHEMA_FIRST_CALLS) private readonly calls: Calls) {}

  @ResolveField('margin')
  margin(@Parent() order: OrderRow): number {
    count(this.calls, 'Order.margin');
    return order.margin;
  }
}

@Resolver('Mutation')
export class MutationResolver {
  constructor(@Inject(SCHEMA_FIRST_CALLS) private readonly calls: Calls) {}

  @Mutation('cancelOrder')
  cancelOrder(@Args('id') id: string): OrderRow | null {
    count(this.calls, 'Mutation.cancelOrder');
    return ORDERS.find((order) => order.id === id) ?? null;
  }
}
