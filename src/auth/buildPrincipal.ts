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
  // The access key projected on one compiled rule set (see projectAccessKey), kept in the principal
  // object itself (private fields stay writable in a frozen object): a request reads it with a load
  // on the object it has just read, where a table of 10,000 principals would miss the CPU cache.
  #projectedRules: object | null = null;
  #projectedKey = '';

  /** The key projected on `rules`, if this principal holds one for exactly that rule set. */
  static projectionOf(principal: Principal, rules: object): string | undefined {
    return #projectedRules in principal && principal.#projectedRules === rules ? principal.#projectedKey : undefined;
  }

  /** Keeps `key` as the projection on `rules`, if the principal holds none yet; false otherwise. */
  static keepProjection(principal: Principal, rules: object, key: string): boolean {
    if (!(#projectedRules in principal) || principal.#projectedRules !== null) return false;
    principal.#projectedRules = rules;
    principal.#projectedKey = key;
    return true;
  }

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
 * The access key a verified principal holds projected on `rules` (compared by identity, so a rule
 * set compiled again never reads a stale key), or undefined: another rule set's, none yet, or a
 * principal not built here.
 */
export const heldProjection: (principal: Principal, rules: object) => string | undefined = VerifiedPrincipal.projectionOf;

/**
 * Makes a verified principal hold `key` as its projection on `rules`; the first rule set projected
 * keeps the slot (false for any other, and for a principal not built here).
 */
export const holdProjection: (principal: Principal, rules: object, key: string) => boolean = VerifiedPrincipal.keepProjection;

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
