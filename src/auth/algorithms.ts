import type { KeyObject } from 'node:crypto';

/**
 * The signature algorithms a token may use, and which keys fit each.
 *
 * Only asymmetric algorithms exist here: an API verifies with public keys, so an HMAC algorithm
 * (verified with a "secret" that is in fact the public key) can never be accepted.
 */

/** Every algorithm the verifier can be configured to accept. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

/** An algorithm of {@link ASYMMETRIC_ALGORITHMS}. */
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;

const CURVES: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/**
 * Says why a key cannot verify a given algorithm, or returns null when it can.
 *
 * @param key - a public key
 * @param algorithm - a JWS `alg`
 */
export function keyUnfitness(key: KeyObject, algorithm: string): string | null {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (algorithm.startsWith('RS') || algorithm.startsWith('PS')) {
    const rsa = type === 'rsa' || (type === 'rsa-pss' && algorithm.startsWith('PS'));
    if (!rsa) return `${String(type)} key cannot verify ${algorithm}`;
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `RSA key of ${bits} bits (at least ${MIN_RSA_BITS} required)`;
    return null;
  }
  const curve = CURVES[algorithm];
  if (curve !== undefined) {
    if (type !== 'ec') return `${String(type)} key cannot verify ${algorithm}`;
    if (details?.namedCurve !== curve) return `curve ${String(details?.namedCurve)} cannot verify ${algorithm}`;
    return null;
  }
  return `${algorithm} is not an asymmetric algorithm`;
}
