/**
 * Scenario 8, in process: authorization decisions as the number of partners grows. 50 distinct
 * operations over a schema whose rules read the partner tier (3 tiers) and one scope; per request
 * `checkOperation` on a random operation for a random partner, with 10 partners against 10,000
 * (distinct client ids, names and metadata beyond the tier). With the access key projected on the
 * rules, both share 3 × 50 cached decisions, so the per-request cost and the cache stay flat.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse } from 'graphql';
import type { DocumentNode } from 'graphql';
import { buildPrincipal } from '../../src/auth/buildPrincipal.js';
import { DEFAULT_CLIENT_CLAIM } from '../../src/auth/clientClaim.js';
import type { OperationDecision, Principal } from '../../src/index.js';
import { runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { byName, fmt, measurementsFrom, ratio, usable } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { summarize } from '../lib/stats.js';
import { applyAllowClients, authDirectiveTypeDefs, checkOperation } from '../lib/ours.js';

const TIERS = ['gold', 'silver', 'bronze'] as const;
const OPERATIONS = 50;
const FEW = 10;
const MANY = 10_000;

const sdl = `
  type Query {
    ${Array.from({ length: OPERATIONS }, (_, index) => `r${index}: Report`).join('\n    ')}
  }
  type Report {
    id: ID!
    title: String
    revenue: Float @allowClients(metadata: [{ key: "tier", in: ["gold"] }])
    volume: Int @allowClients(metadata: [{ key: "tier", in: ["gold", "silver"] }])
    notes: String @requireScopes(anyOf: [["reports:read"]])
  }
`;

/**
 * A partner's principal as the verifier builds it from a verified token (frozen, its client claim
 * read), so that the scenario measures the principals a server holds, not hand-made objects.
 */
function partner(index: number): Principal {
  const tier = TIERS[index % TIERS.length] as string;
  const id = `partner-${index}`;
  const claims = {
    sub: `${id}@clients`,
    azp: id,
    [DEFAULT_CLIENT_CLAIM]: { id, name: `Partner ${index}`, metadata: { tier, region: `r${index % 7}`, contract: `c-${index}` } },
  };
  return buildPrincipal({ kind: 'machine', clientId: id, userId: undefined, scopes: ['reports:read', `extra:${index % 5}`] }, claims, DEFAULT_CLIENT_CLAIM);
}

export async function manyPartners(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const schema = applyAllowClients(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, sdl] }), { defaultPolicy: 'authenticated' });
  // Servers keep parsed documents; each operation selects its own root field and every protected field.
  const documents: DocumentNode[] = Array.from({ length: OPERATIONS }, (_, index) => parse(`query Op${index} { r${index} { id title revenue volume notes } }`));
  const many = Array.from({ length: MANY }, (_, index) => partner(index));
  const few = many.slice(0, FEW);
  const expectedDenials = (principal: Principal): number => ({ gold: 0, silver: 1, bronze: 2 })[principal.client.metadata?.['tier'] as 'gold' | 'silver' | 'bronze'];
  let next = 0x9e3779b9;
  const random = (bound: number): number => {
    // xorshift: the same sequence every run, cheap beside what is measured.
    next ^= next << 13;
    next ^= next >>> 17;
    next ^= next << 5;
    return (next >>> 0) % bound;
  };
  // What the request has done with its principal before authorization runs (the verifier's cache
  // returned it, the rate limiter read its client id and tier): reading it. Timed on its own too, so
  // that the authorization figure is what checkOperation adds, not the cost of reaching one random
  // partner's objects among 10,000 in memory, which every request pays before authorization anyway.
  let sink = 0;
  const touch = (principal: Principal): void => {
    sink += principal.kind.length + principal.client.id.length + (principal.client.name?.length ?? 0) + principal.scopes.length + principal.accessKey.length;
    const tier = principal.client.metadata?.['tier'];
    if (typeof tier === 'string') sink += tier.length;
  };
  const request = (partners: readonly Principal[]): { decision: OperationDecision | null; principal: Principal } => {
    const principal = partners[random(partners.length)] as Principal;
    const document = documents[random(OPERATIONS)] as DocumentNode;
    touch(principal);
    return { decision: checkOperation({ schema, document, principal }), principal };
  };
  const readOnly = (partners: readonly Principal[]): Principal => {
    const principal = partners[random(partners.length)] as Principal;
    random(OPERATIONS);
    touch(principal);
    return principal;
  };
  const check = (outcome: unknown): void => {
    const { decision, principal } = outcome as ReturnType<typeof request>;
    if (decision === null) throw new Error('no decision');
    if (decision.denials.length !== expectedDenials(principal)) throw new Error(`${principal.client.id}: ${decision.denials.length} denials`);
  };
  const checkRead = (outcome: unknown): void => {
    if (typeof (outcome as Principal).client.id !== 'string' || sink <= 0) throw new Error('no principal read');
  };
  const FEW_NAME = `${FEW} partners: read the principal + checkOperation`;
  const MANY_NAME = `${MANY.toLocaleString('en-US')} partners: read the principal + checkOperation`;
  const FEW_READ = `${FEW} partners: read the principal only`;
  const MANY_READ = `${MANY.toLocaleString('en-US')} partners: read the principal only`;
  // Every partner once before timing: the first request of each fills the projection memo.
  for (const principal of many) for (const document of documents.slice(0, 1)) checkOperation({ schema, document, principal });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const variants: Variant[] = [
    { name: FEW_NAME, run: () => request(few), check },
    { name: MANY_NAME, run: () => request(many), check },
    { name: FEW_READ, run: () => readOnly(few), check: checkRead },
    { name: MANY_READ, run: () => readOnly(many), check: checkRead },
  ];
  // Sub-microsecond figures on a shared machine: more and longer rounds than the other in-process scenarios.
  const samples = await runInterleaved(variants, {
    rounds: sizes.mode === 'smoke' ? sizes.rounds : 41,
    warmupRounds: sizes.warmupRounds,
    minBatchMs: sizes.mode === 'smoke' ? sizes.minBatchMs : 100,
    maxIterations: sizes.mode === 'smoke' ? 50 : 200_000,
    // The calibration call is a cold one: without a floor, batches would last a few ms only.
    minIterations: sizes.mode === 'smoke' ? 1 : 20_000,
    gc: false,
  });
  // Every (partner, operation) pair once more: 500,000 requests' worth of distinct callers.
  const pairs = sizes.mode === 'smoke' ? 1_000 : MANY * OPERATIONS;
  for (let index = 0; index < pairs; index += 1) checkOperation({ schema, document: documents[index % OPERATIONS] as DocumentNode, principal: many[Math.floor(index / OPERATIONS) % MANY] as Principal });
  gc?.();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const measurements: Measurement[] = measurementsFrom(samples, 'µs');
  // Authorization per request, per round: (read + checkOperation) − (read only).
  const authorization = (withCheck: string, read: string, name: string): Measurement => {
    const a = byName(measurements, withCheck);
    const b = byName(measurements, read);
    const values = a.summary.samples.map((value, index) => value - (b.summary.samples[index] as number));
    return { name, unit: 'µs', summary: summarize(values), checks: a.checks, failure: a.failure ?? b.failure };
  };
  const FEW_AUTH = `${FEW} partners: authorization per request (derived, per round)`;
  const MANY_AUTH = `${MANY.toLocaleString('en-US')} partners: authorization per request (derived, per round)`;
  measurements.push(authorization(FEW_NAME, FEW_READ, FEW_AUTH), authorization(MANY_NAME, MANY_READ, MANY_AUTH));
  measurements.push({
    name: `heap growth over ${pairs.toLocaleString('en-US')} distinct (partner, operation) requests after the timed rounds (after GC)`,
    unit: 'bytes',
    summary: summarize([heapGrowth]),
    checks: pairs,
    failure: null,
  });
  const scaling = ratio(measurements, MANY_AUTH, FEW_AUTH, `per-request authorization: ${MANY.toLocaleString('en-US')} / ${FEW} partners`);
  const whole = ratio(measurements, MANY_NAME, FEW_NAME, `read + checkOperation: ${MANY.toLocaleString('en-US')} / ${FEW} partners (information: includes reaching a random partner in memory)`);
  const manyMeasurement = byName(measurements, MANY_AUTH);
  const targets: Target[] = [
    scaling === null
      ? { scenario: '8', text: `per-request authorization cost at ${MANY.toLocaleString('en-US')} partners within 1.2× of ${FEW}`, figure: 'not measured', pass: null, note: manyMeasurement.failure ?? undefined }
      : { scenario: '8', text: `per-request authorization cost at ${MANY.toLocaleString('en-US')} partners within 1.2× of ${FEW}`, figure: `${fmt(scaling.summary.median)}×`, pass: scaling.summary.median <= 1.2 },
    {
      scenario: '8',
      text: 'decision cache memory bounded (heap growth over every (partner, operation) pair < 1 MB)',
      figure: `${fmt(heapGrowth / 1024)} KiB`,
      pass: usable(manyMeasurement) ? heapGrowth < 1024 * 1024 : null,
    },
  ];
  return {
    id: '8',
    title: 'Decisions for many partners',
    method:
      `In process, interleaved rounds; µs per request. Each request is checkOperation (the decision, cached per operation and projected access key) for a random one of ${OPERATIONS} parsed operations ` +
      `and a random partner: ${FEW} against ${MANY.toLocaleString('en-US')} partners, all of 3 tiers, each with its own client id, name, metadata and an unruled scope. Every sampled decision is checked (gold 0, silver 1, bronze 2 denials). ` +
      'Each request first reads its principal (what the verifier and the rate limiter have done with it before authorization runs); the same reads are timed alone, and the authorization figure is the per-round difference, ' +
      'so it leaves out the cost of reaching one random partner among 10,000 in memory, which a request pays before authorization whatever the library. ' +
      'Heap: measured after GC before the timed rounds (every partner already seen once) and after every (partner, operation) pair was decided once more.',
    measurements,
    ratios: [scaling, whole].filter((value): value is Ratio => value !== null),
    targets,
    notes: [`Cached decisions needed: ${TIERS.length} tiers × ${OPERATIONS} operations = ${TIERS.length * OPERATIONS}, whatever the number of partners (the default cacheSize is 10,000).`],
    skipped: null,
    seconds: (performance.now() - started) / 1000,
  };
}
