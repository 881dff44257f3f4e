import type { PrincipalKind } from '../principal.js';
import type { Claims } from './claims.js';

/**
 * A claim-mapping preset: how one issuer's access tokens say which application and which user
 * is calling, and what was granted.
 */

/** The names of the presets allow-clients ships. */
export type PresetName = 'auth0' | 'rfc9068' | 'okta' | 'entra' | 'cognito' | 'keycloak';

/** What a preset reads from a verified token. */
export interface ClaimMapping {
  readonly kind: PrincipalKind;
  /** The OAuth 2.0 client id. */
  readonly clientId: string;
  /** The user id (the token's `sub`) for user tokens. */
  readonly userId: string | undefined;
  /** Granted scopes, possibly with duplicates. */
  readonly scopes: readonly string[];
}

/** A verified token as a preset sees it. */
export interface VerifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Claims;
}

/** A claim-mapping preset. */
export interface ClaimsPreset {
  readonly name: PresetName;
  /**
   * Whether the token carries `aud`: false for Cognito access tokens, whose `client_id` is
   * checked against a configured list instead.
   */
  readonly hasAudience: boolean;
  /**
   * Maps a verified token, or throws AuthError `ERR_CLAIM_INVALID` (or `ERR_TOKEN_UNSUPPORTED`
   * for a token of the wrong type).
   */
  map(token: VerifiedToken): ClaimMapping;
}
