import { readClientClaim } from './clientClaim.js';
import { accessKeyOf } from './principal.js';
import type { Client, Principal } from './principal.js';
import type { ClaimMapping } from './presets/preset.js';
import { invalidClaim } from './presets/claims.js';
import type { Claims } from './presets/claims.js';

/**
 * Builds the (deeply frozen) principal from a preset's mapping, the client claim and the claims.
 * Frozen because one principal is shared by every request that presents the same token.
 *
 * @throws AuthError `ERR_CLAIM_INVALID` for a client claim of the wrong shape or client
 */
export function buildPrincipal(mapping: ClaimMapping, claims: Claims, clientClaim: string): Principal {
  const { name, metadata } = readClientClaim(claims[clientClaim], mapping.clientId, clientClaim);
  const client: Client = { id: mapping.clientId, name, metadata };
  const scopes = [...new Set(mapping.scopes)];
  const base = { kind: mapping.kind, client, scopes };
  let principal: Principal;
  if (mapping.kind === 'user') {
    const userId = mapping.userId ?? invalidClaim('sub', 'missing for a user token');
    principal = { ...base, user: { id: userId }, claims, accessKey: accessKeyOf(base) };
  } else {
    principal = { ...base, claims, accessKey: accessKeyOf(base) };
  }
  return deepFreeze(principal);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
