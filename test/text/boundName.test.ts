import { describe, expect, it } from 'vitest';
import { boundName, MAX_NAME_BYTES } from '../../src/index.js';

describe('boundName', () => {
  it('keeps a name that fits as it is', () => {
    expect(boundName('PartnerOrders')).toBe('PartnerOrders');
    expect(boundName('x'.repeat(MAX_NAME_BYTES))).toBe('x'.repeat(MAX_NAME_BYTES));
  });

  it('keeps the beginning of a longer name, an ellipsis and its length, within the byte bound', () => {
    const bounded = boundName('a'.repeat(1_048_576));
    expect(bounded).toMatch(/^a+…\(1048576 chars\)$/);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeGreaterThan(MAX_NAME_BYTES - 4);
    expect(boundName('b'.repeat(1000), 64)).toMatch(/^b+…\(1000 chars\)$/);
    expect(Buffer.byteLength(boundName('b'.repeat(1000), 64), 'utf8')).toBeLessThanOrEqual(64);
  });

  it('counts UTF-8 bytes and never cuts a character in two', () => {
    const name = '日本'.repeat(100); // 600 bytes
    const bounded = boundName(name);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(bounded).toMatch(/^(日本)+日?…\(200 chars\)$/);
    expect(boundName('😀'.repeat(100), 40)).toMatch(/^(😀)+…\(200 chars\)$/);
    // 43 three-byte characters are 129 bytes: just over.
    expect(Buffer.byteLength(boundName('日'.repeat(43)), 'utf8')).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(boundName('日'.repeat(42))).toBe('日'.repeat(42));
  });

  it('gives a bound of at least 32 bytes whatever is asked', () => {
    expect(Buffer.byteLength(boundName('c'.repeat(100), 1), 'utf8')).toBeLessThanOrEqual(32);
    expect(boundName('c'.repeat(100), 1)).toMatch(/^c+…\(100 chars\)$/);
  });
});
