import { AuthError } from '../../errors.js';
import { requiredString, scopeString } from './claims.js';
import type { ClaimsPreset } from './preset.js';

/**
 * Amazon Cognito access tokens: `token_use` must be `access`; the client is `client_id`; there is
 * no `aud`, so the verifier checks `client_id` against its `allowedClientIds` instead; a
 * machine's token (client credentials) has `sub` equal to `client_id`; scopes come from `scope`.
 */
export const cognitoPreset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'cognito',
  hasAudience: false,
  map({ claims }) {
    if (claims.token_use !== 'access') {
      throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: `token_use ${JSON.stringify(claims.token_use)} is not access` });
    }
    const sub = requiredString(claims, 'sub');
    const clientId = requiredString(claims, 'client_id');
    const machine = sub === clientId;
    return { kind: machine ? 'machine' : 'user', clientId, userId: machine ? undefined : sub, scopes: scopeString(claims, 'scope') };
  },
});
