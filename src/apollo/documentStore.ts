import type { DocumentStore } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Apollo Server's cache of parsed and validated documents, with a budget in bytes that counts what
 * an entry really keeps: a parsed document holds its whole query text (`loc.source`), so a
 * document padded to 1 MB with whitespace weighs 1 MB, not the ~150 bytes of its printed form
 * (Apollo's default store counts the latter, and a 256 MB heap died after ~240 padded documents).
 */

/** The default budget of {@link createDocumentStore}: 16 MiB. */
export const DEFAULT_DOCUMENT_STORE_BYTES = 16 * 1024 * 1024;

/** Options of {@link createDocumentStore}. */
export interface DocumentStoreOptions {
  /** The budget in bytes (default {@link DEFAULT_DOCUMENT_STORE_BYTES}); least recently used evicted. */
  readonly maxBytes?: number;
}

/**
 * Creates a document store for Apollo Server's `documentStore` option. An entry counts twice its
 * query text (its source string and the tokens and nodes parsed from it) plus a fixed 1 KiB; one
 * larger than an eighth of the budget is not kept.
 *
 * @throws TypeError when `maxBytes` is not an integer >= 64 KiB
 * @example
 * ```ts
 * new ApolloServer<AuthContext>({ schema, documentStore: createDocumentStore({ maxBytes: 32 * 1024 * 1024 }) });
 * ```
 */
export function createDocumentStore(options: DocumentStoreOptions = {}): DocumentStore {
  const maxBytes = options.maxBytes ?? DEFAULT_DOCUMENT_STORE_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 64 * 1024) {
    throw new TypeError('"maxBytes" must be an integer >= 65536');
  }
  const cache = new LRUCache<string, DocumentNode>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 8),
    sizeCalculation: documentBytes,
  });
  return {
    get: async (key) => cache.get(key),
    set: async (key, value) => {
      cache.set(key, value);
    },
    delete: async (key) => cache.delete(key),
  };
}

/** What a parsed document keeps alive: its source text (at most 2 bytes a character) and what was parsed from it. */
function documentBytes(document: DocumentNode): number {
  const source = document.loc?.source.body.length ?? 0;
  const end = document.loc?.end ?? 0;
  return 1024 + 2 * source + 2 * end;
}
