/**
 * The reference API's stored shapes. GraphQL types map onto these (codegen `mappers`), so resolvers
 * receive records and compute the rest (totals, margins) from them.
 */

/** An amount of money in a currency's main unit. */
export interface MoneyRecord {
  readonly amount: number;
  readonly currency: string;
}

export interface CategoryRecord {
  readonly __typename: 'Category';
  readonly id: string;
  readonly name: string;
}

export interface ProductRecord {
  readonly __typename: 'Product';
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly categoryId: string;
  readonly listPrice: number;
  readonly wholesalePrice: number;
  /** What the product costs us: only ever shown as part of an order's margin. */
  readonly unitCost: number;
  readonly stock: number;
}

export interface BundleRecord {
  readonly __typename: 'Bundle';
  readonly id: string;
  readonly name: string;
  readonly productIds: readonly string[];
  readonly listPrice: number;
  readonly wholesalePrice: number;
}

export interface OfferRecord {
  readonly __typename: 'PartnerOffer';
  readonly id: string;
  readonly title: string;
  readonly productId: string;
  readonly discountPercent: number;
  readonly validUntil: string;
}

export interface OrderLineRecord {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

export type OrderStatusValue = 'PLACED' | 'SHIPPED' | 'DELIVERED';

export interface OrderRecord {
  readonly __typename: 'Order';
  readonly id: string;
  readonly number: string;
  readonly status: OrderStatusValue;
  readonly placedAt: string;
  readonly clientId: string;
  readonly lines: readonly OrderLineRecord[];
}

export interface ReportRecord {
  readonly period: string;
  readonly clientId: string;
  readonly orders: readonly OrderRecord[];
}

/** The one currency of the demo catalog. */
export const CURRENCY = 'EUR';
