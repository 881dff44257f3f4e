/** The example's data: a few orders in memory. */
export interface OrderRecord {
  id: string;
  status: 'open' | 'cancelled';
  total: number;
  margin: number;
  wholesaleDiscount: number;
  warehouseNote: string;
  customerEmail: string;
}

/** The orders, one store per application instance. */
export class OrderStore {
  readonly #orders = new Map<string, OrderRecord>([
    ['ord-1001', { id: 'ord-1001', status: 'open', total: 240, margin: 71.5, wholesaleDiscount: 0.12, warehouseNote: 'aisle 4', customerEmail: 'alice@example.test' }],
    ['ord-1002', { id: 'ord-1002', status: 'open', total: 99.9, margin: 18.2, wholesaleDiscount: 0.08, warehouseNote: 'back order', customerEmail: 'bob@example.test' }],
  ]);

  list(): OrderRecord[] {
    return [...this.#orders.values()].map((order) => ({ ...order }));
  }

  find(id: string): OrderRecord | null {
    const order = this.#orders.get(id);
    return order === undefined ? null : { ...order };
  }

  cancel(id: string): OrderRecord | null {
    const order = this.#orders.get(id);
    if (order === undefined) return null;
    order.status = 'cancelled';
    return { ...order };
  }

  revenue(): number {
    return [...this.#orders.values()].filter((order) => order.status === 'open').reduce((sum, order) => sum + order.total, 0);
  }
}
