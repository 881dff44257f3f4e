/**
 * The GraphQL-over-HTTP server audits of the `graphql-http` package, run against the real reference
 * server over loopback with a partner's real token (every request carries its Authorization header).
 */
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityTarget } from '../security/support/securityTarget.js';
import type { SecurityTarget } from '../security/support/securityTarget.js';

/**
 * The warnings accepted, deliberately (README, "Errors"): a parse (572B), validation (FDE2) or
 * variable-coercion (7B9B) failure is answered 400 for every client, `application/json` ones
 * included, where the spec says SHOULD 200 for those. The per-tier limits (depth, aliases, tokens,
 * cost) are validation failures: a 200 would count them as served in every proxy, log and dashboard.
 * Apollo Client, graphql-request and urql read the errors of a 400 like those of a 200.
 */
const ACCEPTED_WARNINGS = ['572B', 'FDE2', '7B9B'];

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  let target: SecurityTarget;

  beforeAll(async () => {
    target = await startSecurityTarget();
  });
  afterAll(async () => {
    await target.close();
  });

  it('passes 58 of the 61 audits with a partner token; the 3 warnings are the accepted ones, no error or notice', async () => {
    const { token } = target.caller('globex-silver');
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(input, { ...init, headers, signal: AbortSignal.timeout(10_000) });
    };
    const results = await Promise.all(serverAudits({ url: target.url, fetchFn }).map((audit) => audit.fn()));
    const failed = results.filter((result) => result.status === 'error').map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failed).toEqual([]);
    const warnings = results.filter((result) => result.status === 'warn').map((result) => result.id);
    expect(warnings.sort()).toEqual([...ACCEPTED_WARNINGS].sort());
    expect(results.filter((result) => result.status === 'notice')).toEqual([]);
    expect(results.filter((result) => result.status === 'ok')).toHaveLength(58);
    expect(results).toHaveLength(61);
  });

  it('answers parse, validation and coercion failures with 400 to application/json and application/graphql-response+json clients alike, in the media type asked for', async () => {
    const token = target.caller('globex-silver').token;
    const failures = [
      { body: { query: '{ products {' }, code: 'GRAPHQL_PARSE_FAILED' },
      { body: { query: '{ nothingHere }' }, code: 'GRAPHQL_VALIDATION_FAILED' },
      { body: { query: 'query ($n: Int!) { products(first: $n) { id } }', variables: { n: 'many' } }, code: 'BAD_USER_INPUT' },
    ];
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      for (const { body, code } of failures) {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const document = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
        expect({ accept, code, status: response.status, type: response.headers.get('content-type') }).toEqual({ accept, code, status: 400, type: `${accept}; charset=utf-8` });
        expect(document.errors.map((error) => error.extensions.code)).toEqual([code]);
        expect(document.data).toBeUndefined();
      }
    }
  });
});
