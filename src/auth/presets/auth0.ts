import { invalidClaim, optionalString, requiredString, scopeString, stringArray, stringArrayValue } from './claims.js';
import type { ClaimsPreset } from './preset.js';

const CLIENTS_SUFFIX = '@clients';

/**
 * Auth0 access tokens: the client id is `azp`, else `sub` without its `@clients` suffix; a token is
 * a machine's when `gty` is `client-credentials`, the grant Auth0 writes and no user can choose.
 * Auth0 also writes `sub` as `<client>@clients` in those tokens; a `sub` ending in `@clients` in a
 * token of any other grant is refused, since an issuer that lets users choose their `sub` (a
 * development login, an imported user id) would otherwise let a user pass as a machine client.
 * Scopes come from `scope` plus the RBAC `permissions` array.
 */
export const auth0Preset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'auth0',
  hasAudience: true,
  map({ claims }) {
    const sub = requiredString(claims, 'sub');
    const azp = optionalString(claims, 'azp');
    const gty = claims.gty;
    // Auth0 sends `gty` as a string, or as an array for some grants (refresh_token + password).
    const grants = typeof gty === 'string' ? [gty] : stringArrayValue(gty, 'gty');
    const subClient = sub.endsWith(CLIENTS_SUFFIX) ? sub.slice(0, -CLIENTS_SUFFIX.length) : undefined;
    if (subClient === '') invalidClaim('sub', 'empty client id before @clients');
    const clientId = azp ?? subClient ?? invalidClaim('azp', 'missing, and sub is not <client>@clients');
    if (subClient !== undefined && subClient !== clientId) invalidClaim('sub', 'names another client than azp');
    const machine = grants.includes('client-credentials');
    if (subClient !== undefined && !machine) invalidClaim('sub', '<client>@clients in a token whose gty is not client-credentials');
    return {
      kind: machine ? 'machine' : 'user',
      clientId,
      userId: machine ? undefined : sub,
      scopes: [...scopeString(claims, 'scope'), ...stringArray(claims, 'permissions')],
    };
  },
});
