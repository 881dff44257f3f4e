import { describe, expect, it } from 'vitest';
import { readRequestSource } from '../../src/index.js';

describe('readRequestSource', () => {
  it('reads a GET from its query string, whatever the parsed body (Express gives GET an empty object)', () => {
    const url = `/graphql?${new URLSearchParams({ query: '{ a }', operationName: 'A' }).toString()}`;
    expect(readRequestSource({ method: 'GET', url, body: { query: '{ b }' } })).toEqual({ query: '{ a }', operationName: 'A' });
    expect(readRequestSource({ method: 'GET', url: '/graphql', body: undefined })).toEqual({ query: null, operationName: null });
    expect(readRequestSource({ method: 'GET', url: '/graphql?query=%E0%A4%A', body: undefined }).query).toBe('\uFFFD%A');
  });

  it('reads a POST from its JSON body, never from its query string', () => {
    expect(readRequestSource({ method: 'POST', url: '/graphql?query=%7B%20x%20%7D', body: { query: '{ a }', operationName: 'A' } })).toEqual({ query: '{ a }', operationName: 'A' });
    expect(readRequestSource({ method: 'POST', url: '/graphql?query=%7B%20x%20%7D', body: '{ a }' })).toEqual({ query: null, operationName: null });
  });

  it('gives no source for a batch, a wrong type or no body, and drops a non-string operation name', () => {
    for (const body of [[{ query: '{ a }' }], { query: 5 }, { query: ['{ a }'] }, null, undefined, 7]) {
      expect(readRequestSource({ method: 'POST', url: '/graphql', body }).query).toBeNull();
    }
    expect(readRequestSource({ method: 'POST', body: { query: '{ a }', operationName: { name: 'A' } } })).toEqual({ query: '{ a }', operationName: null });
  });
});
