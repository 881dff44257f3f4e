import { describe, expect, it } from 'vitest';
import { AccessError, AuthError, LimitError, ServiceError, assertRealm, httpChallenge, toGraphQLError } from '../../src/index.js';

describe('httpChallenge (RFC 6750 at the edge)', () => {
  it('answers missing credentials with 401 and a bare Bearer challenge', () => {
    const c = httpChallenge(new AuthError('ERR_NO_CREDENTIALS'), 'api');
    expect(c).toEqual({ status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' }, code: 'UNAUTHENTICATED', message: 'Authentication required' });
  });

  it('answers duplicate credentials with 400 invalid_request', () => {
    const c = httpChallenge(new AuthError('ERR_INVALID_REQUEST'), 'api');
    expect(c.status).toBe(400);
    expect(c.code).toBe('BAD_REQUEST');
    expect(c.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request", error_description="[^"]+"$/);
  });

  it('answers an invalid token with 401 invalid_token and a fixed description, never the detail or cause', () => {
    const secret = 'kid=attacker-kid-123';
    const c = httpChallenge(new AuthError('ERR_SIGNATURE_INVALID', { detail: secret, cause: new Error('JsonWebTokenError: invalid signature') }), 'api');
    expect(c.status).toBe(401);
    expect(c.code).toBe('UNAUTHENTICATED');
    expect(c.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token signature is invalid"');
    expect(JSON.stringify(c)).not.toContain('attacker');
    expect(JSON.stringify(c)).not.toContain('JsonWebTokenError');
  });

  it('answers a denial with 403 insufficient_scope and the first scope set that would admit', () => {
    const c = httpChallenge(new AccessError('ERR_FORBIDDEN', { coordinate: 'Order.margin', requiredScopes: [['orders:read', 'margins:read'], ['admin']] }), 'api');
    expect(c.status).toBe(403);
    expect(c.code).toBe('FORBIDDEN');
    expect(c.message).toBe('Not allowed for this client: Order.margin');
    expect(c.headers['www-authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:read margins:read"');
  });

  it('answers an anonymous caller on a protected field with 401 UNAUTHENTICATED, not FORBIDDEN', () => {
    const c = httpChallenge(new AccessError('ERR_UNAUTHENTICATED', { coordinate: 'Order.margin' }), 'api');
    expect(c).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', headers: { 'www-authenticate': 'Bearer realm="api"' } });
  });

  it('answers an unreachable JWKS with 503 and Retry-After, without a challenge', () => {
    const c = httpChallenge(new ServiceError('ERR_JWKS_UNAVAILABLE', 29.2), 'api');
    expect(c).toEqual({ status: 503, headers: { 'retry-after': '30' }, code: 'SERVICE_UNAVAILABLE', message: 'The authorization service is temporarily unavailable' });
  });

  it('answers an oversized body with 413', () => {
    expect(httpChallenge(new LimitError('ERR_BODY_TOO_LARGE', 'Request body too large'), 'api')).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('toGraphQLError', () => {
  it('keeps the code, the coordinate and the HTTP answer for Apollo', () => {
    const e = toGraphQLError(new AccessError('ERR_FORBIDDEN', { coordinate: 'Order.margin' }), { realm: 'api' });
    expect(e.message).toBe('Not allowed for this client: Order.margin');
    expect(e.extensions['code']).toBe('FORBIDDEN');
    expect(e.extensions['coordinate']).toBe('Order.margin');
    const http = e.extensions['http'] as unknown as { status: number; headers: Map<string, string> };
    expect(http.status).toBe(403);
    expect(http.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('masks anything unexpected as INTERNAL_SERVER_ERROR without its message or stack', () => {
    const e = toGraphQLError(new Error('ECONNREFUSED /home/app/src/secret.ts:12'), { realm: 'api' });
    expect(e.message).toBe('Internal server error');
    expect(e.extensions['code']).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(e.toJSON())).not.toMatch(/ECONNREFUSED|secret\.ts/);
  });

  it('leaves extensions.http out when asked (for errors inside a result)', () => {
    const e = toGraphQLError(new AuthError('ERR_TOKEN_EXPIRED'), { realm: 'api', http: false });
    expect(e.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('assertRealm', () => {
  it.each(['', 'a"b', 'a\\b', 'line\nbreak', 42])('refuses %j with a TypeError naming the option', (realm) => {
    expect(() => assertRealm(realm, 'realm')).toThrow(new TypeError('"realm" must be a non-empty printable ASCII string without quotes or backslashes'));
  });

  it('accepts a printable realm', () => {
    expect(assertRealm('partner-api')).toBe('partner-api');
  });
});
