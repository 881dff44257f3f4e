/**
 * The soak's server side, in its own process so that its memory is measured alone: a test issuer
 * (JWKS over loopback), the real reference server trusting it, and pools of valid and invalid
 * tokens for the load generator. Talks to soak/run.ts over the IPC channel.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { claimsFor, startSecurityTarget } from '../test/security/support/securityTarget.js';

/** Messages to the parent. */
export type ServerMessage =
  | {
      readonly type: 'ready';
      readonly url: string;
      readonly valid: string[];
      readonly invalid: { kind: string; token: string }[];
      /** A token of the bronze partner (initech-bronze, default limits), for the attacker phase. */
      readonly attacker: string;
    }
  | { readonly type: 'memory'; readonly rss: number; readonly heapUsed: number; readonly heapTotal: number; readonly external: number };

/** Messages from the parent. */
export type ParentMessage = { readonly type: 'memory' } | { readonly type: 'gc' } | { readonly type: 'close' };

const validCount = Number(process.env['SOAK_VALID_TOKENS'] ?? 1000);
const invalidPerKind = Number(process.env['SOAK_INVALID_PER_KIND'] ?? 400);

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

// The soak measures authentication under sustained load from a few clients: the rate limit would turn it into 429s.
const target = await startSecurityTarget({ env: { RATE_LIMIT_REQUESTS: '0' } });
const issuer = target.issuer;
const attackerKey = await issuer.addKey({ publish: false, current: false });
const realKid = issuer.currentKey.kid;
const now = Math.floor(Date.now() / 1000);

// Distinct valid tokens (a jti each), spread over the demo clients: the verifier's cache sees many keys.
const valid: string[] = [];
for (let index = 0; index < validCount; index += 1) {
  const caller = target.callers[index % target.callers.length];
  if (caller === undefined) break;
  valid.push(target.tokenFor(caller.client, { jti: randomUUID() }));
}

const gold = target.caller('acme-gold').client;
const invalid: { kind: string; token: string }[] = [];
const fakeSignature = (): string => randomBytes(256).toString('base64url');
for (let index = 0; index < invalidPerKind; index += 1) {
  const claims = { ...claimsFor(gold), jti: randomUUID() };
  invalid.push({ kind: 'expired', token: issuer.sign(claims, { now: now - 7200, expiresIn: 3600 }) });
  invalid.push({ kind: 'wrong-key', token: issuer.sign(claims, { key: attackerKey, kid: realKid }) });
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomUUID() })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ ...issuer.defaultClaims(now), ...claims })).toString('base64url');
  invalid.push({ kind: 'random-kid', token: `${header}.${payload}.${fakeSignature()}` });
  invalid.push({ kind: 'garbage', token: randomBytes(24 + (index % 200)).toString('base64url') });
  invalid.push({ kind: 'alg-none', token: issuer.signRaw({ alg: index % 2 === 0 ? 'none' : 'nOnE', typ: 'JWT' }, { ...issuer.defaultClaims(now), ...claims }, 'none') });
}
// Interleave the kinds in a shuffled order.
for (let index = invalid.length - 1; index > 0; index -= 1) {
  const other = Math.floor(Math.random() * (index + 1));
  [invalid[index], invalid[other]] = [invalid[other] as (typeof invalid)[number], invalid[index] as (typeof invalid)[number]];
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'memory') {
    const usage = process.memoryUsage();
    send({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external });
  } else if (message.type === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
  } else if (message.type === 'close') {
    void target.close().then(() => process.exit(0));
  }
});

send({ type: 'ready', url: target.url, valid, invalid, attacker: target.tokenFor(target.caller('initech-bronze').client, { jti: randomUUID() }) });
