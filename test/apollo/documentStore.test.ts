import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createDocumentStore, DEFAULT_DOCUMENT_STORE_BYTES } from '../../src/apollo/index.js';

/** Apollo's document store with a byte budget that counts the query text a parsed document keeps (issue 10, finding 2). */
describe('createDocumentStore', () => {
  const padded = (index: number): string => `{ __typename }${' '.repeat(1_000_000)}# ${index}`;

  it('does not keep a document padded to 1 MB (its source counts, not its ~150 printed bytes)', async () => {
    const store = createDocumentStore();
    for (let index = 0; index < 20; index += 1) await store.set(`padded-${index}`, parse(padded(index)));
    for (let index = 0; index < 20; index += 1) expect(await store.get(`padded-${index}`)).toBeUndefined();
    const small = parse('{ __typename }');
    await store.set('small', small);
    expect(await store.get('small')).toBe(small);
  });

  it('keeps documents within the budget, least recently used evicted', async () => {
    // 64 KiB: an entry counts 1 KiB plus twice its text, twice again for what was parsed from it.
    const store = createDocumentStore({ maxBytes: 64 * 1024 });
    const text = (index: number): string => `query Q${index} { __typename }${' '.repeat(1500)}`;
    for (let index = 0; index < 40; index += 1) await store.set(`q${index}`, parse(text(index)));
    const kept = (await Promise.all(Array.from({ length: 40 }, (_, index) => store.get(`q${index}`)))).filter((document) => document !== undefined);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(40);
    expect(await store.get('q39')).toBeDefined();
    expect(await store.get('q0')).toBeUndefined();
    await store.delete('q39');
    expect(await store.get('q39')).toBeUndefined();
  });

  it('checks its budget, naming it', () => {
    expect(DEFAULT_DOCUMENT_STORE_BYTES).toBe(16 * 1024 * 1024);
    expect(() => createDocumentStore({ maxBytes: 1000 })).toThrow(new TypeError('"maxBytes" must be an integer >= 65536'));
  });
});
