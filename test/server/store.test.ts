/**
 * The reference store stays bounded whatever partners write (issue 10, finding 6).
 */
import { describe, expect, it } from 'vitest';
import { createStore, MAX_ORDERS_PER_PARTNER } from '../../src/server/data/store.js';

const LINE = [{ productId: 'prod-hammer', quantity: 1 }];

describe('reference store', () => {
  it('keeps at most maxOrdersPerPartner orders per partner, dropping that partner\'s oldest', () => {
    const store = createStore({ maxOrdersPerPartner: 3 });
    const before = store.orders().length;
    const placed = Array.from({ length: 5 }, () => store.placeOrder('globex-silver', LINE));
    expect(store.ordersOf('globex-silver').map((order) => order.id)).toEqual(placed.slice(2).map((order) => order.id));
    expect(store.node(placed[0]?.id ?? '')).toBeUndefined();
    expect(store.node(placed[4]?.id ?? '')).toBe(placed[4]);
    // The other partners keep theirs; the order book grew by what globex may keep beyond its demo orders.
    expect(store.ordersOf('acme-gold')).toHaveLength(3);
    expect(store.orders().length).toBe(before - 2 + 3);
  });

  it('bounds every partner by default', () => {
    expect(MAX_ORDERS_PER_PARTNER).toBe(1000);
    const store = createStore();
    for (let index = 0; index < MAX_ORDERS_PER_PARTNER + 50; index += 1) store.placeOrder('acme-gold', LINE);
    expect(store.ordersOf('acme-gold')).toHaveLength(MAX_ORDERS_PER_PARTNER);
  });

  it('keeps one line per product, adding the quantities of a product named twice', () => {
    const order = createStore().placeOrder('acme-gold', [
      { productId: 'prod-saw', quantity: 2 },
      { productId: 'prod-hammer', quantity: 1 },
      { productId: 'prod-saw', quantity: 3 },
    ]);
    expect(order.lines.map((line) => [line.productId, line.quantity])).toEqual([
      ['prod-saw', 5],
      ['prod-hammer', 1],
    ]);
    expect(() => createStore().placeOrder('acme-gold', [{ productId: 'prod-saw', quantity: 6000 }, { productId: 'prod-saw', quantity: 6000 }])).toThrow(
      new RangeError('Quantities are integers between 1 and 10000'),
    );
  });

  it('keeps at most maxWishlists wishlists, dropping the least recently changed', () => {
    const store = createStore({ maxWishlists: 2 });
    store.addToWishlist('ann', 'prod-saw');
    store.addToWishlist('bob', 'prod-saw');
    store.addToWishlist('ann', 'prod-drill');
    store.addToWishlist('cyd', 'prod-saw');
    // bob's was the least recently changed: it starts again empty.
    expect(store.addToWishlist('bob', 'prod-hose').map((item) => item.id)).toEqual(['prod-hose']);
    expect(store.addToWishlist('cyd', 'prod-hose').map((item) => item.id)).toEqual(['prod-saw', 'prod-hose']);
  });

  it('refuses bounds that are not positive integers', () => {
    expect(() => createStore({ maxOrdersPerPartner: 0 })).toThrow(new TypeError('"maxOrdersPerPartner" must be a positive integer'));
    expect(() => createStore({ maxWishlists: 1.5 })).toThrow(new TypeError('"maxWishlists" must be a positive integer'));
  });
});
