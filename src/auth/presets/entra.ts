import { invalidClaim, optionalString, requiredString, scopeString, stringArray } from './claims.js';
import type { ClaimsPreset } from './preset.js';

/**
 * Microsoft Entra ID access tokens: the client is `azp` (v2) or `appid` (v1); scopes are the
 * delegated `scp` (space-delimited) plus the app `roles`; the kind comes from `idtyp` (`app` or
 * `user`) when present, else an app-only token is one without `scp` whose `oid` equals `sub`.
 */
export const entraPreset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'entra',
  hasAudience: true,
  map({ claims }) {
    const sub = requiredString(claims, 'sub');
    const azp = optionalString(claims, 'azp');
    const appid = optionalString(claims, 'appid');
    if (azp !== undefined && appid !== undefined && azp !== appid) invalidClaim('appid', 'differs from azp');
    const clientId = azp ?? appid ?? invalidClaim('azp', 'missing (and no appid)');
    const idtyp = optionalString(claims, 'idtyp');
    const oid = optionalString(claims, 'oid');
    let machine: boolean;
    if (idtyp === 'app') machine = true;
    else if (idtyp === 'user') machine = false;
    else if (idtyp !== undefined) invalidClaim('idtyp', 'neither app nor user');
    else machine = claims.scp === undefined && (oid === undefined || oid === sub);
    return {
      kind: machine ? 'machine' : 'user',
      clientId,
      userId: machine ? undefined : sub,
      scopes: [...scopeString(claims, 'scp'), ...stringArray(claims, 'roles')],
    };
  },
});
