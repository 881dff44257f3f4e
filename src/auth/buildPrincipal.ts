import { readClientClaim } from './clientClaim.js';
import { accessKeyOf } from './principal.js';
import type { Client, Principal, PrincipalKind, User } from './principal.js';
import { invalidClaim } from './presets/claims.js';
import type { Claims } from './presets/claims.js';
import type { ClaimMapping } from './presets/preset.js';

/**
 * A principal built from verified claims. Frozen, because one principal is shared by every
 * request that presents the same token; its access key is computed on first use, since a
 * request that reaches no rule never needs it.
 */
class VerifiedPrincipal implements Principal {
  readonly kind: PrincipalKind;
  readonly client: Client;
  declare readonly user?: User;
  readonly scopes: readonly string[];
  readonly claims: Claims;
  #accessKey: string | undefined;

  constructor(kind: PrincipalKind, client: Client, user: User | undefined, scopes: readonly string[], claims: Claims) {
    this.kind = kind;
    this.client = client;
    if (user !== undefined) this.user = user;
    this.scopes = scopes;
    this.claims = claims;
    Object.freeze(this);
  }

  get accessKey(): string {
    this.#accessKey ??= accessKeyOf(this);
    return this.#accessKey;
  }

  /** JSON keeps the access key (a getter on the prototype would otherwise be left out). */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { kind: this.kind, client: this.client };
    if (this.user !== undefined) json.user = this.user;
    return { ...json, scopes: this.scopes, claims: this.claims, accessKey: this.accessKey };
  }
}

/**
 * Builds the (frozen) principal from a preset's mapping, the client claim and the claims.
 *
 * @throws AuthError `ERR_CLAIM_INVALID` for a client claim of the wrong shape or client
 */
export function buildPrincipal(mapping: ClaimMapping, claims: Claims, clientClaim: string): Principal {
  const { name, metadata } = readClientClaim(claims[clientClaim], mapping.clientId, clientClaim);
  const client: Client = Object.freeze({ id: mapping.clientId, name, metadata });
  const scopes = Object.freeze(dedupe(mapping.scopes));
  const user = mapping.kind === 'user' ? Object.freeze({ id: mapping.userId ?? invalidClaim('sub', 'missing for a user token') }) : undefined;
  deepFreeze(claims);
  return new VerifiedPrincipal(mapping.kind, client, user, scopes, claims);
}

function dedupe(scopes: readonly string[]): string[] {
  if (scopes.length > 16) return [...new Set(scopes)];
  const unique: string[] = [];
  for (const scope of scopes) if (!unique.includes(scope)) unique.push(scope);
  return unique;
}

function deepFreeze(value: unknown): void {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
}
