import { AuthError } from '../errors.js';

/**
 * The JOSE header of a compact JWS, read and checked before any key is looked up.
 *
 * Refused here: a JWE (five parts or `enc`), a nested token (`cty: JWT`), any `crit` extension,
 * and an algorithm outside the allow-list (`none` in every casing included). The header's `jku`,
 * `x5u`, `x5c` and `jwk` are never read: keys come from the configured JWKS only.
 */

/** The header members the verifier uses. */
export interface TokenHeader {
  readonly alg: string;
  /** Matched exactly against the JWKS and used for nothing else. */
  readonly kid: string | undefined;
  readonly typ: string | undefined;
  /** The whole decoded header (for presets that read more, e.g. RFC 9068 `typ`). */
  readonly members: Readonly<Record<string, unknown>>;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_KID_LENGTH = 256;
const MAX_HEADER_LENGTH = 2048;

/**
 * Decodes and checks the header of a compact JWS.
 *
 * @param token - the compact serialization
 * @param algorithms - the accepted `alg` values
 * @throws AuthError `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_UNSUPPORTED` or `ERR_ALGORITHM_NOT_ALLOWED`
 */
export function readTokenHeader(token: string, algorithms: ReadonlySet<string>): TokenHeader {
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  const thirdDot = secondDot === -1 ? -1 : token.indexOf('.', secondDot + 1);
  if (secondDot === -1 || thirdDot !== -1) {
    const parts = token.split('.').length;
    if (parts === 5) throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: 'JWE (five parts)' });
    throw new AuthError('ERR_TOKEN_MALFORMED', { detail: `${parts} parts` });
  }
  const segment = token.slice(0, firstDot);
  // Tokens of one issuer share a handful of headers: each is parsed and checked once.
  const known = checkedHeaders.get(segment);
  if (known !== undefined && known.algorithms === algorithms) return known.header;
  const header = parseHeader(segment, algorithms);
  if (checkedHeaders.size >= MAX_CHECKED_HEADERS) checkedHeaders.clear();
  checkedHeaders.set(segment, { header, algorithms });
  return header;
}

/** Headers that passed the checks, by their encoded form (bounded; cleared when full). */
const checkedHeaders = new Map<string, { readonly header: TokenHeader; readonly algorithms: ReadonlySet<string> }>();
const MAX_CHECKED_HEADERS = 256;

function parseHeader(segment: string, algorithms: ReadonlySet<string>): TokenHeader {
  if (segment.length > MAX_HEADER_LENGTH) throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'header too long' });
  if (!SEGMENT.test(segment)) throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'header is not base64url' });
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'header is not JSON', cause });
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'header is not a JSON object' });
  }
  const members = decoded as Record<string, unknown>;
  const { alg, kid, typ, cty } = members;
  if (members.enc !== undefined) throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: 'JWE (enc header)' });
  if (typeof alg !== 'string') throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'alg' });
  if (alg.toLowerCase() === 'none') throw new AuthError('ERR_ALGORITHM_NOT_ALLOWED', { detail: `alg ${JSON.stringify(alg)}` });
  if (!algorithms.has(alg)) throw new AuthError('ERR_ALGORITHM_NOT_ALLOWED', { detail: `alg ${JSON.stringify(alg.slice(0, 32))}` });
  if (members.crit !== undefined) throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: 'crit' });
  if (cty !== undefined) {
    if (typeof cty !== 'string') throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'cty' });
    const type = cty.toLowerCase();
    if (type === 'jwt' || type === 'application/jwt') throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: 'cty JWT (nested token)' });
  }
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)) {
    throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'kid' });
  }
  if (typ !== undefined && typeof typ !== 'string') throw new AuthError('ERR_TOKEN_MALFORMED', { detail: 'typ' });
  return Object.freeze({ alg, kid, typ, members: deepFreeze(members) });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** The kid of a token for the log, without checking anything; undefined when unreadable. */
export function peekKid(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 4096) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return undefined;
    const kid = (header as Record<string, unknown>).kid;
    return typeof kid === 'string' ? kid.slice(0, MAX_KID_LENGTH) : undefined;
  } catch {
    return undefined;
  }
}
