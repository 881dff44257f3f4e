/**
 * Who is calling: the application (always), the user (for user tokens), and what was granted.
 *
 * Built from verified claims by a claim-mapping preset (`src/auth/presets/`); the rest of the
 * library reads only this, never raw claims.
 */

/** JSON as it may appear in client metadata. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The calling application, as the token (and its client claim) describe it. */
export interface Client {
  /** The OAuth 2.0 client id: the authoritative identity of the application. */
  readonly id: string;
  /** The application's display name from the client claim, or null without one. Not unique. */
  readonly name: string | null;
  /** The application's metadata from the client claim (e.g. `{ tier: 'gold' }`), or null. */
  readonly metadata: Readonly<Record<string, JsonValue>> | null;
}

/** The end user of a user token. */
export interface User {
  /** The token's `sub`. */
  readonly id: string;
}

/** `machine` for a client-credentials (M2M) token, `user` for a token issued to a user. */
export type PrincipalKind = 'machine' | 'user';

/**
 * A verified caller.
 *
 * @example
 * ```ts
 * if (principal.kind === 'machine' && principal.client.metadata?.tier === 'gold') { ... }
 * ```
 */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly client: Client;
  /** Present exactly when `kind` is `user`. */
  readonly user?: User;
  /** Granted scopes (OAuth `scope` plus preset-specific sources such as Auth0 RBAC `permissions`), deduplicated. */
  readonly scopes: readonly string[];
  /** The verified token claims, for application code that needs more. Never used for access decisions. */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * A string equal for two principals with the same kind, client id, name, metadata and scopes (not
   * the user id or token): equal keys are decided alike by every rule. Decisions are cached under
   * its projection on a schema's rules (`projectAccessKey`), which drops what no rule reads.
   */
  readonly accessKey: string;
}

/** Computes {@link Principal.accessKey} from the parts that rules can read. */
export function accessKeyOf(parts: Pick<Principal, 'kind' | 'client' | 'scopes'>): string {
  return JSON.stringify([
    parts.kind,
    parts.client.id,
    parts.client.name,
    canonicalJson(parts.client.metadata),
    [...parts.scopes].sort(),
  ]);
}

/** JSON with object keys sorted, so that equal metadata gives an equal key. */
function canonicalJson(value: JsonValue | Readonly<Record<string, JsonValue>> | null): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item: JsonValue) => canonicalJson(item)).join(',')}]`;
  const record = value as Readonly<Record<string, JsonValue>>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key] ?? null)}`).join(',')}}`;
}
