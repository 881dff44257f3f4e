import { requiredString, stringArray } from './claims.js';
import type { ClaimsPreset } from './preset.js';

/**
 * Okta access tokens: the client is `cid`, scopes are the `scp` array, and a machine's token
 * (client credentials) has `sub` equal to `cid`.
 */
export const oktaPreset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'okta',
  hasAudience: true,
  map({ claims }) {
    const sub = requiredString(claims, 'sub');
    const clientId = requiredString(claims, 'cid');
    const machine = sub === clientId;
    return { kind: machine ? 'machine' : 'user', clientId, userId: machine ? undefined : sub, scopes: stringArray(claims, 'scp') };
  },
});
