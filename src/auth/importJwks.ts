import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { keyUnfitness } from './algorithms.js';

/**
 * A fetched JWKS turned into `KeyObject`s once, each with the allowed algorithms it can verify.
 * Keys that cannot be used (short RSA, wrong type, invalid, ambiguous kid) are kept with the
 * reason, so a token naming them is refused as unsuitable rather than sent refetching.
 */

/** One JWK as imported. */
export interface KeyEntry {
  readonly kid: string | undefined;
  /** The public key, or null when the JWK is unusable. */
  readonly key: KeyObject | null;
  /** The allowed algorithms this key can verify (empty when unusable). */
  readonly algorithms: ReadonlySet<string>;
  /** Why the key is unusable, for the log. */
  readonly reason: string | null;
}

/** The keys of one JWKS: by kid, and the usable ones (for tokens without kid). */
export interface KeySet {
  readonly byKid: ReadonlyMap<string, KeyEntry>;
  readonly usable: readonly KeyEntry[];
}

/** Imports a fetched JWKS `keys` member; throws when it is not an array or holds no usable key. */
export function importJwks(jwks: unknown, algorithms: readonly string[]): KeySet {
  if (!Array.isArray(jwks)) throw new Error('the JWKS has no "keys" array');
  const byKid = new Map<string, KeyEntry>();
  const usable: KeyEntry[] = [];
  const duplicates = new Set<string>();
  for (const jwk of jwks as unknown[]) {
    const entry = importKey(jwk, algorithms);
    if (entry === undefined) continue;
    if (entry.kid !== undefined) {
      if (byKid.has(entry.kid)) duplicates.add(entry.kid);
      byKid.set(entry.kid, entry);
    }
    if (entry.algorithms.size > 0) usable.push(entry);
  }
  // Two keys under one kid: refuse both rather than guess.
  for (const kid of duplicates) {
    byKid.set(kid, { kid, key: null, algorithms: new Set(), reason: 'several keys share this kid' });
  }
  const finalUsable = usable.filter((entry) => entry.kid === undefined || !duplicates.has(entry.kid));
  if (finalUsable.length === 0) throw new Error('the JWKS holds no usable signing key');
  return { byKid, usable: finalUsable };
}

/** Imports one JWK; undefined for keys that are not for signatures (encryption keys, symmetric keys). */
function importKey(jwk: unknown, algorithms: readonly string[]): KeyEntry | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const record = jwk as Record<string, unknown>;
  const kid = typeof record.kid === 'string' && record.kid.length > 0 ? record.kid : undefined;
  if (record.use !== undefined && record.use !== 'sig') return undefined;
  if (record.key_ops !== undefined && !(Array.isArray(record.key_ops) && record.key_ops.includes('verify'))) return undefined;
  if (record.kty !== 'RSA' && record.kty !== 'EC') {
    return { kid, key: null, algorithms: new Set(), reason: `key type ${JSON.stringify(record.kty)} is not RSA or EC` };
  }
  let key: KeyObject;
  try {
    // Only the public members: a JWK that leaks private parts still yields just the public key.
    const publicJwk =
      record.kty === 'RSA' ? { kty: 'RSA', n: record.n, e: record.e } : { kty: 'EC', crv: record.crv, x: record.x, y: record.y };
    key = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    return { kid, key: null, algorithms: new Set(), reason: `not a valid public key (${messageOf(cause)})` };
  }
  const jwkAlg = typeof record.alg === 'string' ? record.alg : undefined;
  const fitting = new Set<string>();
  let reason: string | null = null;
  for (const algorithm of algorithms) {
    if (jwkAlg !== undefined && jwkAlg !== algorithm) continue;
    const unfit = keyUnfitness(key, algorithm);
    if (unfit === null) fitting.add(algorithm);
    else reason = unfit;
  }
  if (fitting.size === 0) {
    return { kid, key: null, algorithms: fitting, reason: reason ?? `the JWK is for ${String(jwkAlg)}, which is not allowed` };
  }
  return { kid, key, algorithms: fitting, reason: null };
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
