/**
 * Scenarios 9 and 10: allow-clients inside a NestJS application (AllowClientsModule, the Apollo
 * driver, schema-first with a Nest resolver), against the same Nest application without any
 * authorization (the Nest floor), in the same run.
 *
 * 9. The large list of scenario 1 in process (`executeOperation` on the app's Apollo Server, a fresh
 *    context per operation): allowed and denied client, ours in filter and reject modes.
 * 10. HTTP on loopback: the Nest app in its own process pinned to core 1, autocannon on core 0, the
 *    distinct valid tokens of scenario 5 (verified by the module) against the floor without a token;
 *    `items(first: 5)`, the same body expected from both; contenders alternate every round.
 */
import { startTestIssuer } from '../../test/helpers/testIssuer.js';
import { ALLOWED_CLIENT, ItemStore, allowedPrincipal, deniedPrincipal, expectAllowedList, expectDeniedList, largeListQuery } from '../fixtures/largeList.js';
import { startWorker } from '../http/child.js';
import type { Worker } from '../http/child.js';
import type { GroupResult, LoadGroup } from '../http/loadWorker.js';
import type { ApolloOutcome } from '../lib/apollo.js';
import { roundOrder, runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { startNestLargeList } from '../lib/nest.js';
import type { NestLargeList } from '../lib/nest.js';
import { fmt, measurementsFrom, ratio } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { runLoad, Series } from './http.js';
import type { Principal } from '../../src/index.js';

const N_FLOOR = 'Nest: floor (no authorization)';
const N_FILTER = 'Nest: AllowClientsModule, filter mode';
const N_REJECT = 'Nest: AllowClientsModule, reject mode';

/** Scenario 9: the large list through NestJS, in process. */
export async function nestLargeList(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const store = new ItemStore();
  const length = sizes.listLength;
  const query = largeListQuery(length);
  // The module needs an issuer to start; the in-process operations carry their principal in the context.
  const issuer = await startTestIssuer();
  const apps: NestLargeList[] = [];
  try {
    const auth = (mode: 'filter' | 'reject') => ({ issuer: issuer.url, audience: issuer.audience, mode });
    const floor = await startNestLargeList(store, null, false);
    apps.push(floor);
    const filter = await startNestLargeList(store, auth('filter'), false);
    apps.push(filter);
    const reject = await startNestLargeList(store, auth('reject'), false);
    apps.push(reject);

    interface Observed extends ApolloOutcome {
      readonly resolverCalls: number;
    }
    const via = (app: NestLargeList, principal: Principal) => async (): Promise<Observed> => {
      const before = store.calls;
      const outcome = await app.execute(query, principal);
      return { ...outcome, resolverCalls: store.calls - before };
    };
    const allowedCheck = (observed: unknown): void => {
      const { status, result } = observed as Observed;
      if (status !== 200) throw new Error(`allowed client got HTTP ${status}`);
      expectAllowedList(result, length);
    };
    const deniedCheck = (observed: unknown): void => {
      const { status, result } = observed as Observed;
      if (status !== 200) throw new Error(`denied client in filter mode got HTTP ${status}`);
      expectDeniedList(result, length, 'FORBIDDEN');
    };
    const rejectedCheck = (observed: unknown): void => {
      const { status, result, resolverCalls } = observed as Observed;
      if (status !== 403) throw new Error(`denied client in reject mode got HTTP ${status}, expected 403`);
      if (result.data !== undefined && result.data !== null) throw new Error('reject mode returned data');
      if (resolverCalls !== 0) throw new Error(`reject mode ran the list resolver ${resolverCalls} times`);
    };
    const options = { rounds: sizes.floorRounds, warmupRounds: sizes.warmupRounds, minBatchMs: sizes.floorBatchMs, warmupPerBatch: 1 };
    const measurements: Measurement[] = [];
    const ratios: Ratio[] = [];
    for (const [who, principal, allowed] of [['allowed client', allowedPrincipal, true], ['denied client', deniedPrincipal, false]] as const) {
      const variants: Variant[] = [
        { name: N_FLOOR, run: via(floor, principal), check: allowed ? allowedCheck : () => undefined },
        { name: N_FILTER, run: via(filter, principal), check: allowed ? allowedCheck : deniedCheck },
        { name: N_REJECT, run: via(reject, principal), check: allowed ? allowedCheck : rejectedCheck },
      ];
      const list = measurementsFrom(await runInterleaved(variants, options), 'ms').map((m) => ({ ...m, name: `${who} — ${m.name}` }));
      if (!allowed) for (const m of list) if (m.name.endsWith('(no authorization)')) (m as { note?: string }).note = 'no check: returns every value';
      measurements.push(...list);
      for (const [mine, label] of [[N_FILTER, 'filter'], [N_REJECT, 'reject']] as const) {
        const value = ratio(list, `${who} — ${mine}`, `${who} — ${N_FLOOR}`, `${who}: Nest + ours ${label} / Nest floor`);
        if (value !== null) ratios.push(value);
      }
    }
    const targets: Target[] = (['filter', 'reject'] as const).map((label) => {
      const value = ratios.find((candidate) => candidate.name === `allowed client: Nest + ours ${label} / Nest floor`);
      const text = `NestJS: allowed client ≤ 1.05× the Nest floor (ours, ${label})`;
      return value === undefined
        ? { scenario: '9', text, figure: 'not measured', pass: null }
        : { scenario: '9', text, figure: `${fmt(value.summary.median)}×`, pass: value.summary.median <= 1.05 };
    });
    return {
      id: '9',
      title: `NestJS: large list (${length.toLocaleString('en-US')} items × id + 3 protected fields)`,
      method:
        'In process, interleaved rounds; ms per operation. Three Nest applications (Express platform, @nestjs/graphql schema-first with a Nest @Resolver for ' +
        '`Query.items`, the Apollo driver): the floor without any authorization, and AllowClientsModule with `apolloOptions()` in filter and reject modes. ' +
        "`executeOperation` on each app's Apollo Server with a fresh context per operation (the principal in it, as scenario 1). " +
        'Same SDL, data and resolvers; ids and protected values checked for the allowed client, nulls and one FORBIDDEN error per field (or 403 with no resolver run) for the denied one.',
      measurements,
      ratios,
      targets,
      notes: [],
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const app of apps) await app.stop();
    await issuer.close();
  }
}

const HTTP_QUERY = JSON.stringify({ query: 'query Few { items(first: 5) { id wholesalePrice margin stock } }' });

/** Scenario 10: requests/s through NestJS over HTTP, with the module (real tokens) and without authorization. */
export async function nestHttp(sizes: Sizes, track: (worker: Worker) => void): Promise<ScenarioResult> {
  const started = performance.now();
  const issuer = await startTestIssuer();
  const workers: Worker[] = [];
  try {
    const tokens = Array.from({ length: sizes.distinctTokens }, (_, index) =>
      issuer.sign({ sub: `${ALLOWED_CLIENT}@clients`, azp: ALLOWED_CLIENT, gty: 'client-credentials', jti: `nest-bench-${index}`, scope: 'catalog:read' }, { expiresIn: 6 * 3600 }),
    );
    const env = { AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_URI: issuer.jwksUri };
    for (const [script, core] of [['loadWorker.ts', 0], ['nestServerWorker.ts', 1], ['nestServerWorker.ts', 1]] as const) {
      const worker = await startWorker(script, core);
      workers.push(worker);
      track(worker);
    }
    const [load, authWorker, floorWorker] = workers as [Worker, Worker, Worker];
    const auth = await authWorker.call<{ url: string }>({ type: 'start', env, auth: true }, 60_000);
    const floor = await floorWorker.call<{ url: string }>({ type: 'start', env, auth: false }, 60_000);
    const post = async (url: string, token: string | null): Promise<{ status: number; body: string }> => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
        body: HTTP_QUERY,
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: await response.text() };
    };
    const viaAuth = await post(auth.url, tokens[0] as string);
    const viaFloor = await post(floor.url, null);
    const refused = await post(auth.url, null);
    if (viaAuth.status !== 200 || !viaAuth.body.includes('"wholesalePrice":')) throw new Error(`Nest + module answered ${viaAuth.status}: ${viaAuth.body.slice(0, 300)}`);
    if (viaFloor.status !== 200 || viaFloor.body !== viaAuth.body) throw new Error(`the Nest floor answered differently (${viaFloor.status}): ${viaFloor.body.slice(0, 300)}`);
    if (refused.status !== 401) throw new Error(`Nest + module answered ${refused.status} without a token`);

    const group = (name: string, groupTokens: readonly string[]): LoadGroup => ({
      name,
      connections: sizes.connections,
      kind: 'valid',
      tokens: groupTokens,
      body: HTTP_QUERY,
      expectStatus: 200,
      expectBody: viaAuth.body,
    });
    const contenders = [
      { series: new Series(`Nest + AllowClientsModule, ${sizes.distinctTokens.toLocaleString('en-US')} distinct tokens`), worker: authWorker, url: auth.url, group: group('auth', tokens) },
      { series: new Series('same Nest app, no authorization (Nest floor)'), worker: floorWorker, url: floor.url, group: group('floor', []) },
    ];
    // Every token verified once before measuring, as a running server has: at a few hundred requests
    // per second the warm-up alone would not meet all of them, and first verifications would be timed.
    for (let index = 0; index < tokens.length; index += sizes.connections) {
      const answers = await Promise.all(tokens.slice(index, index + sizes.connections).map((token) => post(auth.url, token)));
      const wrong = answers.find((answer) => answer.status !== 200 || answer.body !== viaAuth.body);
      if (wrong !== undefined) throw new Error(`Nest + module answered ${wrong.status} while warming the claim cache: ${wrong.body.slice(0, 300)}`);
    }
    const servers = { load };
    for (const contender of contenders) await runLoad(servers, contender.worker, contender.url, sizes.httpWarmupSec, [contender.group]);
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      for (const index of roundOrder(contenders.length, round)) {
        const contender = contenders[index] as (typeof contenders)[number];
        const run = await runLoad(servers, contender.worker, contender.url, sizes.httpRoundSec, [contender.group]);
        contender.series.add(run.results[0] as GroupResult, true);
        contender.series.addCpu(run);
      }
    }
    const [ours, bare] = contenders.map((contender) => contender.series) as [Series, Series];
    const measurements = [...ours.measurements(), ...bare.measurements()];
    const ratios: Ratio[] = [];
    const rps = ratio(measurements, `${ours.name}: requests/s`, `${bare.name}: requests/s`, 'requests/s: Nest + module / Nest floor');
    if (rps !== null) ratios.push(rps);
    const cpu = ratio(measurements, `${ours.name}: server CPU per response`, `${bare.name}: server CPU per response`, 'server CPU per response: Nest + module / Nest floor (information)');
    if (cpu !== null) ratios.push(cpu);
    const text = 'NestJS over HTTP: ≥ 0.95× the Nest floor’s requests/s';
    const targets: Target[] = [
      rps === null
        ? { scenario: '10', text, figure: 'not measured', pass: null, note: ours.failure ?? bare.failure ?? undefined }
        : { scenario: '10', text, figure: `${fmt(rps.summary.median)}×`, pass: rps.summary.median >= 0.95 },
    ];
    return {
      id: '10',
      title: `NestJS over HTTP, ${sizes.distinctTokens.toLocaleString('en-US')} distinct valid tokens`,
      method:
        `autocannon, ${sizes.connections} connections, ${sizes.httpRoundSec} s per round, ${sizes.httpRounds} measured rounds after ${sizes.httpWarmupSec} s of warm-up per server, ` +
        'contenders alternating; each token sent once before the warm-up (its verification cached, as in a running server). The Nest app of scenario 9 (NODE_ENV=production) in its own process: with AllowClientsModule (every request picks one of the tokens at random; ' +
        'the module verifies it, builds the context and decides the operation) and without any authorization (no token sent). Every response is checked (200 and the exact body). ' +
        `Query: \`${JSON.parse(HTTP_QUERY).query}\`.`,
      measurements,
      ratios,
      targets,
      notes: [],
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.allSettled(workers.slice(1).map((worker) => worker.call({ type: 'stop' }, 10_000)));
    await Promise.allSettled(workers.map((worker) => worker.close()));
    await issuer.close();
  }
}
