import { AuthError } from '../../errors.js';
import { invalidClaim, requiredString, scopeString } from './claims.js';
import type { ClaimsPreset } from './preset.js';

const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/**
 * RFC 9068 JWT access tokens: header `typ` must be `at+jwt` (or `application/at+jwt`); the
 * client is `client_id`; `jti` and `iat` are required; a machine's token has `sub` equal to
 * `client_id`; scopes come from `scope`.
 */
export const rfc9068Preset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'rfc9068',
  hasAudience: true,
  map({ header, claims }) {
    const typ = header.typ;
    if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) {
      throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: `typ ${JSON.stringify(typ)} is not at+jwt` });
    }
    const sub = requiredString(claims, 'sub');
    const clientId = requiredString(claims, 'client_id');
    requiredString(claims, 'jti');
    if (typeof claims.iat !== 'number') invalidClaim('iat', 'missing');
    const machine = sub === clientId;
    return { kind: machine ? 'machine' : 'user', clientId, userId: machine ? undefined : sub, scopes: scopeString(claims, 'scope') };
  },
});
