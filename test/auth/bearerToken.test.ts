import { describe, expect, it } from 'vitest';
import { readBearerToken } from '../../src/auth/bearerToken.js';
import { AuthError } from '../../src/errors.js';
import type { AuthErrorCode } from '../../src/errors.js';

function refusalOf(read: () => string): { code: AuthErrorCode; detail: string | undefined } {
  let caught: unknown;
  try {
    read();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthError);
  const error = caught as AuthError;
  return { code: error.code, detail: error.detail };
}

describe('readBearerToken (RFC 6750)', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('reads the token whatever the case of the scheme: %s', (scheme) => {
    expect(readBearerToken({ authorization: [`${scheme} abc.def.ghi`] })).toBe('abc.def.ghi');
  });

  it('tolerates surrounding and repeated spaces', () => {
    expect(readBearerToken({ authorization: ['  Bearer   abc.def.ghi  '] })).toBe('abc.def.ghi');
  });

  it('refuses a request without Authorization as no credentials', () => {
    expect(refusalOf(() => readBearerToken({ authorization: [] })).code).toBe('ERR_NO_CREDENTIALS');
  });

  it('treats a token only in the query string as no credentials', () => {
    expect(refusalOf(() => readBearerToken({ authorization: [], queryHasToken: true })).code).toBe('ERR_NO_CREDENTIALS');
  });

  it('treats a token only in the body as no credentials', () => {
    expect(refusalOf(() => readBearerToken({ authorization: [], bodyHasToken: true })).code).toBe('ERR_NO_CREDENTIALS');
  });

  it('refuses two Authorization headers as an invalid request', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer a.b.c', 'Bearer d.e.f'] })).code).toBe('ERR_INVALID_REQUEST');
  });

  it('refuses the header plus an access_token query parameter', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer a.b.c'], queryHasToken: true })).code).toBe('ERR_INVALID_REQUEST');
  });

  it('refuses the header plus an access_token body parameter', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer a.b.c'], bodyHasToken: true })).code).toBe('ERR_INVALID_REQUEST');
  });

  it('refuses "Bearer" without a token', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer'] })).code).toBe('ERR_INVALID_REQUEST');
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer    '] })).code).toBe('ERR_INVALID_REQUEST');
  });

  it('treats another scheme as no bearer credentials', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Basic dXNlcjpwYXNz'] }))).toEqual({ code: 'ERR_NO_CREDENTIALS', detail: 'scheme' });
  });

  it('refuses characters a bearer token cannot hold', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer a.b.c, Bearer d.e.f'] })).code).toBe('ERR_TOKEN_MALFORMED');
  });

  it('accepts a token of exactly 8 KiB and refuses one byte more', () => {
    expect(readBearerToken({ authorization: [`Bearer ${'a'.repeat(8192)}`] })).toHaveLength(8192);
    expect(refusalOf(() => readBearerToken({ authorization: [`Bearer ${'a'.repeat(8193)}`] })).code).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('refuses a huge header before looking at it', () => {
    expect(refusalOf(() => readBearerToken({ authorization: [`${' '.repeat(100_000)}Bearer x`] })).code).toBe('ERR_TOKEN_TOO_LARGE');
  });

  it('honours a configured maximum length', () => {
    expect(refusalOf(() => readBearerToken({ authorization: ['Bearer abcdef'] }, 5)).code).toBe('ERR_TOKEN_TOO_LARGE');
  });
});
