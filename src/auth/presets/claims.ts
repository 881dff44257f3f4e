import { AuthError } from '../../errors.js';

/**
 * Readers that turn `unknown` token claims into typed values, or refuse the token with
 * `ERR_CLAIM_INVALID` naming the claim. Presets use only these.
 */

/** Verified claims, not yet trusted for their types. */
export type Claims = Readonly<Record<string, unknown>>;

/** Throws the error of a claim of the wrong type or value. */
export function invalidClaim(name: string, why = 'wrong type'): never {
  throw new AuthError('ERR_CLAIM_INVALID', { detail: `${name}: ${why}` });
}

/** A non-empty string claim, or undefined when absent. */
export function optionalString(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) invalidClaim(name, 'not a non-empty string');
  return value;
}

/** A non-empty string claim that must be present. */
export function requiredString(claims: Claims, name: string): string {
  const value = optionalString(claims, name);
  if (value === undefined) invalidClaim(name, 'missing');
  return value;
}

/** An array-of-strings claim, or an empty array when absent. */
export function stringArray(claims: Claims, name: string): readonly string[] {
  return stringArrayValue(claims[name], name);
}

/** An array of strings found anywhere (e.g. nested `realm_access.roles`), empty when undefined. */
export function stringArrayValue(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item: unknown) => typeof item === 'string')) invalidClaim(name, 'not an array of strings');
  return value as readonly string[];
}

/** A space-delimited scope string (RFC 6749 §3.3), empty when absent. */
export function scopeString(claims: Claims, name: string): readonly string[] {
  const value = claims[name];
  if (value === undefined) return [];
  if (typeof value !== 'string') invalidClaim(name, 'not a string');
  return value.split(' ').filter((scope) => scope.length > 0);
}

/** A plain JSON object claim, or undefined when absent. */
export function optionalObject(value: unknown, name: string): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalidClaim(name, 'not an object');
  return value as Readonly<Record<string, unknown>>;
}
