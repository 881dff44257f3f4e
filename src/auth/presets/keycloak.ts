import { optionalObject, optionalString, requiredString, scopeString, stringArrayValue } from './claims.js';
import type { ClaimsPreset } from './preset.js';

/**
 * Keycloak access tokens: the client is `azp`; scopes are `scope`, the realm roles
 * (`realm_access.roles`) and every client role as `<client>:<role>` (`resource_access`); a
 * service-account token (client credentials) has `client_id`/`clientId` equal to `azp`, or a
 * `preferred_username` starting with `service-account-`.
 */
export const keycloakPreset: ClaimsPreset = Object.freeze<ClaimsPreset>({
  name: 'keycloak',
  hasAudience: true,
  map({ claims }) {
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
    const username = optionalString(claims, 'preferred_username');
    const machine = serviceClient === clientId || (username?.startsWith('service-account-') ?? false);
    return {
      kind: machine ? 'machine' : 'user',
      clientId,
      userId: machine ? undefined : sub,
      scopes: [...scopeString(claims, 'scope'), ...realmRoles, ...clientRoles],
    };
  },
});
