import type { JsonValue } from './principal.js';
import { invalidClaim } from './presets/claims.js';

/**
 * The custom client claim: `{ "id": ..., "name": ..., "metadata": { ... } }`, written by the
 * Auth0 Action (or any issuer) to describe the calling application.
 */

/** The default name of the client claim (a namespaced claim, as Auth0 requires). */
export const DEFAULT_CLIENT_CLAIM = 'https://allow-clients.dev/client';

/** The name and metadata the client claim gives the calling application. */
export interface ClientDescription {
  readonly name: string | null;
  readonly metadata: Readonly<Record<string, JsonValue>> | null;
}

const MAX_DEPTH = 16;

/**
 * Reads the client claim. Absent, it gives null name and metadata; present, its `id` must equal
 * the token's client id, `name` must be a string (or null/absent) and `metadata` a plain JSON
 * object (or null/absent).
 *
 * @param value - the claim's value, untrusted
 * @param clientId - the client id the preset read from the token
 * @param claimName - the claim's name, for the error detail
 * @throws AuthError `ERR_CLAIM_INVALID` naming the claim
 */
export function readClientClaim(value: unknown, clientId: string, claimName: string): ClientDescription {
  if (value === undefined) return { name: null, metadata: null };
  if (!isPlainObject(value)) invalidClaim(claimName, 'not an object');
  if (value.id !== clientId) invalidClaim(`${claimName}.id`, 'differs from the token client id');
  const name = value.name ?? null;
  if (name !== null && typeof name !== 'string') invalidClaim(`${claimName}.name`, 'not a string');
  const metadata = value.metadata ?? null;
  if (metadata !== null) {
    if (!isPlainObject(metadata)) invalidClaim(`${claimName}.metadata`, 'not an object');
    assertJson(metadata, `${claimName}.metadata`, 0);
  }
  return { name, metadata: metadata as Readonly<Record<string, JsonValue>> | null };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function assertJson(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) invalidClaim(path, 'nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalidClaim(path, 'not a finite number');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => assertJson(item, `${path}[${index}]`, depth + 1));
    return;
  }
  if (!isPlainObject(value)) invalidClaim(path, 'not JSON');
  for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`, depth + 1);
}
