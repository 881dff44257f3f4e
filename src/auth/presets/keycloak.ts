import { AuthError } from '../../errors.js';
import { optionalObject, optionalString, requiredString, scopeString, stringArrayValue } from './claims.js';
import type { ClaimsPreset } from './preset.js';

/**
 * Keycloak access tokens: the client is `azp`; scopes are `scope`, the realm roles
 * (`realm_access.roles`) and every client role as `<client>:<role>` (`resource_access`); a
 * service-account token (client credentials) has `client_id`/`clientId` equal to `azp`. The
 * `preferred_username` is not used for that: a user may be able to choose `service-account-…`.
 * Keycloak's own `typ` claim, when present, must be `Bearer`: its ID and refresh tokens are
 * signed by the same keys and may carry the API's client id as `aud`.
 */
export const keycloakPreset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'keycloak',
  hasAudience: true,
  map({ claims }) {
    const typ = claims.typ;
    if (typ !== undefined && typ !== 'Bearer') {
      throw new AuthError('ERR_TOKEN_UNSUPPORTED', { detail: `typ ${JSON.stringify(typ)} is not Bearer` });
    }
    const sub = requiredString(claims, 'sub');
    const clientId = requiredString(claims, 'azp');
    const realmAccess = optionalObject(claims.realm_access, 'realm_access');
    const realmRoles = stringArrayValue(realmAccess?.roles, 'realm_access.roles');
    const resourceAccess = optionalObject(claims.resource_access, 'resource_access') ?? {};
    const clientRoles: string[] = [];
    for (const [resource, access] of Object.entries(resourceAccess)) {
      const roles = stringArrayValue(optionalObject(access, `resource_access.${resource}`)?.roles, `resource_access.${resource}.roles`);
      for (const role of roles) clientRoles.push(`${resource}:${role}`);
    }
    const serviceClient = optionalString(claims, 'client_id') ?? optionalString(claims, 'clientId');
    const machine = serviceClient === clientId;
    return {
      kind: machine ? 'machine' : 'user',
      clientId,
      userId: machine ? undefined : sub,
      scopes: [...scopeString(claims, 'scope'), ...realmRoles, ...clientRoles],
    };
  },
});
