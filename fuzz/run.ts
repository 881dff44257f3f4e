/**
 * `npm run fuzz`: the long fuzzing run (CI runs the same properties with a few thousand cases).
 *
 * - tokens: FUZZ_TOKEN_CASES mutated tokens (default 100,000) against the real verifier and a
 *   loopback JWKS;
 * - authorization: FUZZ_OPERATIONS random operations (default 10,000) from the reference schema,
 *   spread over the demo clients, against the real reference server, checked by the independent
 *   SDL oracle;
 * - transport: FUZZ_TRANSPORT_CASES random requests (default 5,000), plus a tenth of that with the
 *   issuer's JWKS down (503 allowed then).
 *
 * FUZZ_SEED makes a run repeatable. Prints a summary with counts; exits 1 on the first
 * counterexample (fast-check prints it, shrunk, with its seed and path).
 */
import fc from 'fast-check';
import { authorizationProperty, discoverIds, emptyAuthorizationStats, loadReferenceModel } from '../test/security/fuzz/authorizationFuzz.js';
import { runTokenFuzz } from '../test/security/fuzz/tokenFuzz.js';
import { transportProperty } from '../test/security/fuzz/transportFuzz.js';
import type { TransportFuzzStats } from '../test/security/fuzz/transportFuzz.js';
import { startSecurityTarget } from '../test/security/support/securityTarget.js';

const count = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return value;
};
const tokenCases = count('FUZZ_TOKEN_CASES', 100_000);
const operations = count('FUZZ_OPERATIONS', 10_000);
const transportCases = count('FUZZ_TRANSPORT_CASES', 5_000);
const seed = process.env['FUZZ_SEED'] === undefined ? Math.floor(Math.random() * 2 ** 31) : count('FUZZ_SEED', 0);
const OPERATIONS = ['{ apiInfo }', '{ viewer { client { id } } }', '{ products { id name wholesalePrice { amount } } }', 'mutation { addToWishlist(productId: "x") { id } }'];

const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);
const lines: string[] = [];

async function main(): Promise<void> {
  console.log(`fuzz: seed ${seed}; ${tokenCases} token cases, ${operations} operations, ${transportCases} transport cases`);

  let started = performance.now();
  const tokens = await runTokenFuzz(tokenCases, seed);
  const rejected = Object.values(tokens.rejected).reduce((sum, n) => sum + n, 0);
  lines.push(`| tokens | ${tokens.cases} mutated tokens (${tokens.unchanged} no-op mutations skipped) | ${rejected} refused with a coded AuthError ${JSON.stringify(tokens.rejected)}; ${tokens.acceptedIdentical} accepted with identical claims${tokens.acceptedExamples.length === 0 ? '' : ` (${tokens.acceptedExamples.join(', ')})`}; 0 other outcomes | ${seconds(started)} s |`);
  console.log(lines.at(-1));

  // Thousands of requests per client in seconds: the rate limit (tested in test/server/rateLimit.test.ts) would answer 429.
  // AUTHZ_SCHEMA_VIEW=full: the authorization fuzz checks the runtime enforcement behind the view (denied fields in real responses).
  const target = await startSecurityTarget({ env: { RATE_LIMIT_REQUESTS: '0', AUTHZ_SCHEMA_VIEW: 'full' } });
  try {
    started = performance.now();
    const model = loadReferenceModel();
    const ids = await discoverIds(target);
    const authz = emptyAuthorizationStats();
    await fc.assert(authorizationProperty(target, model, ids, authz), { numRuns: operations, seed });
    const coordinates = new Set(Object.values(authz.deniedCoordinates).flat());
    lines.push(
      `| authorization | ${authz.operations} operations × ${target.callers.length} demo clients (statuses ${JSON.stringify(authz.statuses)}; ${authz.refusedByLimits} refused by limits) | 0 leaks; ${authz.deniedFieldsSeen} denied field selections met in responses, all empty (${coordinates.size} distinct coordinates); ${authz.allowedFieldsWithData} allowed fields with data; ${authz.allowedOperations} operations allowed in full ran without a refusal, ${authz.refusedOperations} reaching a denied field were refused as expected | ${seconds(started)} s |`,
    );
    console.log(lines.at(-1));

    started = performance.now();
    const transport: TransportFuzzStats = { cases: 0, statuses: {}, slowestMs: 0 };
    await fc.assert(transportProperty(target, OPERATIONS, transport, { allow503: false }), { numRuns: transportCases, seed });
    const down: TransportFuzzStats = { cases: 0, statuses: {}, slowestMs: 0 };
    target.issuer.setMode('error');
    await fc.assert(transportProperty(target, OPERATIONS, down, { allow503: true }), { numRuns: Math.ceil(transportCases / 10), seed });
    target.issuer.setMode('ok');
    lines.push(
      `| transport | ${transport.cases} requests + ${down.cases} with the JWKS down | statuses ${JSON.stringify(transport.statuses)}; JWKS down ${JSON.stringify(down.statuses)}; 0 5xx (503 only with the JWKS down), 0 hangs, 0 internals; slowest ${Math.max(transport.slowestMs, down.slowestMs).toFixed(0)} ms | ${seconds(started)} s |`,
    );
    console.log(lines.at(-1));
  } finally {
    await target.close();
  }

  console.log(`\nfuzz summary (seed ${seed}, Node ${process.version}, ${new Date().toISOString()})`);
  console.log('| fuzzer | cases | outcome | time |');
  console.log('|---|---|---|---:|');
  for (const line of lines) console.log(line);
  console.log('\nfuzz: PASS');
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error('\nfuzz: FAIL');
  console.error(error instanceof Error ? error.message : error);
  if (error instanceof Error && error.cause !== undefined) console.error('cause:', error.cause instanceof Error ? error.cause.message : error.cause);
  for (const line of lines) console.error(line);
  process.exit(1);
}
