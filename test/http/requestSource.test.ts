import { describe, expect, it } from 'vitest';
import { readRequestSource } from '../../src/index.js';

describe('readRequestSource', () => {
  it('reads a GET from its query string, whatever the parsed body (Express gives GET an empty object)', () => {
    const url = `/graphql?${new URLSearchParams({ query: '{ a }', operationName: 'A' }).toString()}`;
    expect(readRequestSource({ method: 'GET', url, body: { query: '{ b }' } })).toEqual({ query: '{ a }', operationName: 'A' });
    expect(readRequestSource({ method: 'GET', url: '/graphql', body: undefined })).toEqual({ query: null, operationName: null });
    expect(readRequestSource({ method: 'GET', url: '/graphql?query=%E0%A4%A', body: undefined }).query).toBe('\uFFFD%A');
  });

  it('reads a raw # in a GET target as URL parsers do (Apollo Server among them): the fragment is not the query', () => {
    for (const url of ['/graphql?query={ a { b { c } } }#{ d }', '/graphql?query={ a }&operationName=A#&query={ deep }', '/graphql#?query={ a }']) {
      const parsed = new URL(url, 'http://127.0.0.1').searchParams;
      expect(readRequestSource({ method: 'GET', url, body: undefined })).toEqual({ query: parsed.get('query'), operationName: parsed.get('operationName') });
    }
    expect(readRequestSource({ method: 'GET', url: '/graphql?query={ a }#x', body: undefined }).query).toBe('{ a }');
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
