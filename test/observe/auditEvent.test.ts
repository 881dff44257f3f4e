import { describe, expect, it } from 'vitest';
import { AccessError, createAuditEvent, MAX_AUDIT_COORDINATES, MAX_AUDIT_EVENT_BYTES, operationHash } from '../../src/index.js';
import type { OperationDecision, Principal } from '../../src/index.js';

const user = (clientId: string, userId: string): Principal => ({
  kind: 'user',
  client: { id: clientId, name: null, metadata: null },
  user: { id: userId },
  scopes: [],
  claims: {},
  accessKey: 'k',
});

function decisionDenying(count: number, ruleLength = 40): OperationDecision {
  const coordinates = Array.from({ length: count }, (_, index) => `Type${index}.field${index}`);
  return {
    operationName: null,
    operationType: 'query' as OperationDecision['operationType'],
    denials: [],
    denied: new Map(coordinates.map((coordinate) => [coordinate, new AccessError('ERR_FORBIDDEN', { coordinate })])),
    refusal: null,
    deniedCoordinates: coordinates.slice(0, 50).map((coordinate) => ({ coordinate, code: 'ERR_FORBIDDEN', detail: `@allowClients(ids: ["${'x'.repeat(ruleLength)}"])`, selections: 1, path: 'a' })),
    withheld: new Map(),
  };
}

describe('createAuditEvent', () => {
  it('gives the documented shape, with the user id of a user token and the hash of the query', () => {
    const event = createAuditEvent({
      requestId: 'r-1',
      outcome: 'denied_in_part',
      status: 200,
      code: 'ERR_FORBIDDEN',
      principal: user('storefront-web', 'auth0|alice'),
      operationName: 'Cart',
      query: 'query Cart { me }',
      decision: decisionDenying(1),
    });
    expect(event).toEqual({
      event: 'allow_clients.refusal',
      version: 1,
      requestId: 'r-1',
      outcome: 'denied_in_part',
      status: 200,
      code: 'ERR_FORBIDDEN',
      clientId: 'storefront-web',
      kind: 'user',
      userId: 'auth0|alice',
      operationName: 'Cart',
      operationHash: operationHash('query Cart { me }'),
      coordinates: [{ coordinate: 'Type0.field0', code: 'ERR_FORBIDDEN', rule: `@allowClients(ids: ["${'x'.repeat(40)}"])`, selections: 1 }],
      omittedCoordinates: 0,
      truncated: false,
    });
    expect(event.operationHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stays within its byte bound whatever the request: huge names, control characters, many coordinates', () => {
    const hostile = '\u0000\u{1F600}'.repeat(5000);
    const event = createAuditEvent({
      requestId: 'r'.repeat(5000),
      outcome: 'refused',
      status: 403,
      code: 'E'.repeat(5000),
      principal: user(hostile, hostile),
      operationName: hostile,
      query: hostile,
      decision: decisionDenying(400, 180),
    });
    const bytes = Buffer.byteLength(JSON.stringify(event));
    expect(bytes).toBeLessThanOrEqual(MAX_AUDIT_EVENT_BYTES);
    expect(event.truncated).toBe(true);
    expect(event.clientId).toMatch(/…\(15000 chars\)$/);
    expect(event.coordinates.length).toBeLessThanOrEqual(MAX_AUDIT_COORDINATES);
    expect(event.coordinates.length + event.omittedCoordinates).toBe(400);
    // No lone surrogate from a cut in the middle of a pair.
    expect(JSON.stringify(event)).not.toMatch(/\\ud83d"/i);
  });

  it('fits even when every text is made of control characters (6 JSON bytes each)', () => {
    const control = '\u0001'.repeat(10_000);
    const event = createAuditEvent({ requestId: control, outcome: 'refused', status: 403, code: control, principal: user(control, control), operationName: control, decision: decisionDenying(30, 180) });
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_AUDIT_EVENT_BYTES);
    expect(event.truncated).toBe(true);
  });

  it('is anonymous, without user id or coordinates, for a refusal before verification', () => {
    const event = createAuditEvent({ requestId: 'r-2', outcome: 'unauthenticated', status: 401, code: 'ERR_TOKEN_EXPIRED', principal: null });
    expect(event).toMatchObject({ clientId: null, kind: 'anonymous', operationName: null, operationHash: null, coordinates: [], omittedCoordinates: 0 });
    expect('userId' in event).toBe(false);
  });
});
