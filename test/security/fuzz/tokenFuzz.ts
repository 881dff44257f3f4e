/**
 * Token mutation fuzzing: any change to a valid token's bytes is either refused with a coded
 * AuthError, or accepted with decoded claims identical to the original's (some base64 variants
 * decode alike, so the claims are compared, not the strings).
 *
 * Runs against the real verifier (createVerifier) and a real JWKS served over loopback by the
 * test issuer. Shared by the bounded CI test (test/security/tokenFuzz.test.ts) and `npm run fuzz`.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { AuthError, createVerifier, DEFAULT_CLIENT_CLAIM } from '../../../src/index.js';
import type { Principal, Verifier } from '../../../src/index.js';
import { startTestIssuer } from '../../helpers/testIssuer.js';
import type { TestIssuer } from '../../helpers/testIssuer.js';

/** One change to a token. */
export type TokenMutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'insert'; readonly at: number; readonly char: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'replace'; readonly at: number; readonly char: string }
  | { readonly op: 'swap'; readonly at: number; readonly with: number }
  | { readonly op: 'segments'; readonly order: readonly number[] }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'base64'; readonly variant: 'standard' | 'padded' | 'upper' }
  | { readonly op: 'header'; readonly member: string; readonly value: unknown }
  | { readonly op: 'payload'; readonly member: string; readonly value: unknown };

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ODD_CHARS = ['.', '=', '+', '/', ' ', '\n', '\u0000', '%', '"', '\u00e9', '\ud83d\ude00'];

const position = fc.nat({ max: 4096 });
const anyValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e21, '', 'none', 'HS256', 'RS384', 'ES256', 'x'.repeat(300)),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** The arbitrary of one mutation. */
export const mutationArbitrary: fc.Arbitrary<TokenMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: position, char: fc.oneof(fc.constantFrom(...BASE64URL), fc.constantFrom(...ODD_CHARS)) }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('replace' as const), at: position, char: fc.constantFrom(...BASE64URL) }),
  fc.record({ op: fc.constant('swap' as const), at: position, with: position }),
  fc.record({ op: fc.constant('segments' as const), order: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 6 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('base64' as const), variant: fc.constantFrom('standard' as const, 'padded' as const, 'upper' as const) }),
  fc.record({
    op: fc.constant('header' as const),
    member: fc.constantFrom('alg', 'kid', 'typ', 'crit', 'cty', 'jku', 'x5u', 'jwk', 'enc', 'b64', 'zip'),
    value: anyValue,
  }),
  fc.record({
    op: fc.constant('payload' as const),
    member: fc.constantFrom('iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'azp', 'gty', 'scope', 'permissions', DEFAULT_CLIENT_CLAIM, 'extra'),
    value: anyValue,
  }),
);

/** Applies a mutation to a compact token. */
export function applyMutation(token: string, mutation: TokenMutation): string {
  const at = (n: number): number => (token.length === 0 ? 0 : n % token.length);
  switch (mutation.op) {
    case 'flip': {
      const index = at(mutation.at);
      const code = token.charCodeAt(index) ^ (1 << mutation.bit);
      return token.slice(0, index) + String.fromCharCode(code) + token.slice(index + 1);
    }
    case 'insert': {
      const index = at(mutation.at);
      return token.slice(0, index) + mutation.char + token.slice(index);
    }
    case 'delete': {
      const index = at(mutation.at);
      return token.slice(0, index) + token.slice(index + mutation.length);
    }
    case 'replace': {
      const index = at(mutation.at);
      return token.slice(0, index) + mutation.char + token.slice(index + 1);
    }
    case 'swap': {
      const chars = [...token];
      const a = mutation.at % Math.max(1, chars.length);
      const b = mutation.with % Math.max(1, chars.length);
      [chars[a], chars[b]] = [chars[b] ?? '', chars[a] ?? ''];
      return chars.join('');
    }
    case 'segments': {
      const segments = token.split('.');
      return mutation.order.map((index) => segments[index] ?? '').join('.');
    }
    case 'truncate':
      return token.slice(0, at(mutation.at));
    case 'base64': {
      const segments = token.split('.').map((segment) => {
        if (mutation.variant === 'upper') return segment.toUpperCase();
        const standard = Buffer.from(segment, 'base64url').toString('base64');
        return mutation.variant === 'padded' ? standard : standard.replace(/=+$/, '');
      });
      return segments.join('.');
    }
    case 'header':
    case 'payload': {
      const segments = token.split('.');
      const index = mutation.op === 'header' ? 0 : 1;
      let decoded: Record<string, unknown>;
      try {
        decoded = JSON.parse(Buffer.from(segments[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return token;
      }
      if (typeof decoded !== 'object' || decoded === null) return token;
      decoded[mutation.member] = mutation.value;
      segments[index] = Buffer.from(JSON.stringify(decoded)).toString('base64url');
      return segments.join('.');
    }
  }
}

/** Counts of what the verifier did with the mutated tokens. */
export interface TokenFuzzStats {
  cases: number;
  /** Mutations that left the token string unchanged (skipped, not counted as cases). */
  unchanged: number;
  /** Refusals per AuthError code. */
  rejected: Record<string, number>;
  /** Changed tokens accepted with claims identical to the original's. */
  acceptedIdentical: number;
  /** The mutations of the first few accepted tokens (e.g. `replace`: a last base64 character whose unused bits changed). */
  acceptedExamples: string[];
}

/** A verifier and issuer ready for fuzzing. */
export interface TokenFuzzTarget {
  readonly issuer: TestIssuer;
  readonly verifier: Verifier;
  readonly token: string;
  readonly original: Principal;
  close(): Promise<void>;
}

/** Starts the issuer, signs the original token and verifies it once. */
export async function startTokenFuzzTarget(): Promise<TokenFuzzTarget> {
  const issuer = await startTestIssuer({ keys: 2 });
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri, jwksCooldown: 1 });
  const token = issuer.sign({
    sub: 'acme-gold@clients',
    azp: 'acme-gold',
    scope: 'catalog:read orders:read',
    [DEFAULT_CLIENT_CLAIM]: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold' } },
  });
  const original = await verifier.verify(token);
  return { issuer, verifier, token, original, close: () => issuer.close() };
}

/** The property: refused with a coded AuthError, or accepted with identical claims. */
export function tokenMutationProperty(target: TokenFuzzTarget, stats: TokenFuzzStats): fc.IAsyncPropertyWithHooks<[readonly TokenMutation[]]> {
  return fc.asyncProperty(fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }), async (mutations) => {
    const mutated = mutations.reduce(applyMutation, target.token);
    if (mutated === target.token) stats.unchanged += 1;
    // A mutation that gives the token back unchanged is no case: fast-check draws another.
    fc.pre(mutated !== target.token);
    stats.cases += 1;
    let principal: Principal;
    try {
      principal = await target.verifier.verify(mutated);
    } catch (error) {
      if (!(error instanceof AuthError) || error.code === 'ERR_NO_CREDENTIALS') {
        throw new Error(`mutated token refused without a coded AuthError: ${String(error)} (${JSON.stringify(mutated).slice(0, 200)})`);
      }
      stats.rejected[error.code] = (stats.rejected[error.code] ?? 0) + 1;
      return;
    }
    if (!isDeepStrictEqual(principal.claims, target.original.claims) || principal.accessKey !== target.original.accessKey) {
      throw new Error(`mutated token accepted with different claims: ${JSON.stringify(mutated)}`);
    }
    stats.acceptedIdentical += 1;
    if (stats.acceptedExamples.length < 5) stats.acceptedExamples.push(mutations.map((mutation) => mutation.op).join('+'));
  });
}

/** Runs the token fuzzer for `numRuns` cases and returns its counts (throws on the first counterexample). */
export async function runTokenFuzz(numRuns: number, seed?: number): Promise<TokenFuzzStats> {
  const target = await startTokenFuzzTarget();
  const stats: TokenFuzzStats = { cases: 0, unchanged: 0, rejected: {}, acceptedIdentical: 0, acceptedExamples: [] };
  try {
    await fc.assert(tokenMutationProperty(target, stats), { numRuns, ...(seed === undefined ? {} : { seed }) });
  } finally {
    await target.close();
  }
  return stats;
}
