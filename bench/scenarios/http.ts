/**
 * Scenarios 5 and 6, over HTTP on loopback. The reference server (src/server, configured from the
 * environment like `npm start`) runs in its own process pinned to core 1; autocannon runs in
 * another pinned to core 0; the token issuer (a real JWKS on loopback) runs in this process.
 *
 * 5. 1,000 distinct valid tokens, one picked at random per request, against the same server with no
 *    authentication (the floor: same edge, Apollo settings, schema and resolvers, but neither the
 *    library's authorization nor a token to read or verify). For diagnosis, also the same server
 *    with authorization on but no authentication (anonymous access, default policy `public`), and
 *    the reference server with its per-client rate limiter on at an allowance the load never uses
 *    up (what counting costs; every other server runs with rate limiting off).
 *    Same query, same expected body everywhere.
 * 6. The same server, 2×C connections: in the flood run, C of them send a token with a fresh random
 *    `kid` on every request; in the no-flood run, all 2×C send valid tokens. The ratio is the
 *    throughput of the C valid connections with the flood over without it. Also the C valid
 *    connections alone (for information) and the JWKS fetches the flood caused.
 * Scenario 5 rotates the order of its contenders every round, scenario 6 rotates its three runs;
 * ratios are the median of per-round ratios.
 */
import { VERIFIER_DEFAULTS } from '../../src/index.js';
import { startTestIssuer } from '../../test/helpers/testIssuer.js';
import type { TestIssuer } from '../../test/helpers/testIssuer.js';
import { startWorker } from '../http/child.js';
import type { Worker } from '../http/child.js';
import type { GroupResult, LoadGroup, LoadSpec } from '../http/loadWorker.js';
import { roundOrder } from '../lib/interleave.js';
import { fmt, ratio } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import type { Sizes } from '../lib/sizes.js';

const QUERY = JSON.stringify({ query: 'query Catalog { products(first: 5) { id sku name } }' });
const CLIENTS = ['partner-a', 'partner-b', 'partner-c', 'partner-d', 'partner-e', 'partner-f', 'partner-g', 'partner-h'];

interface Servers {
  readonly issuer: TestIssuer;
  readonly load: Worker;
  readonly auth: { worker: Worker; url: string };
  readonly floor: { worker: Worker; url: string };
  readonly authzOnly: { worker: Worker; url: string };
  /** The reference server with the rate limiter on (an allowance the load never exhausts). */
  readonly limited: { worker: Worker; url: string };
  readonly tokens: string[];
  readonly expectedBody: string;
  /** The environment the floor server was started with. */
  readonly floorEnv: Record<string, string>;
}

async function post(url: string, token: string | null): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: QUERY, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

async function startServers(sizes: Sizes, track: (worker: Worker) => void): Promise<Servers> {
  const issuer = await startTestIssuer();
  const tokens: string[] = [];
  for (let index = 0; index < sizes.distinctTokens; index += 1) {
    const client = CLIENTS[index % CLIENTS.length] as string;
    tokens.push(issuer.sign({ sub: `${client}@clients`, azp: client, jti: `bench-${index}`, scope: 'catalog:read' }, { expiresIn: 6 * 3600 }));
  }
  const baseEnv = { NODE_ENV: 'production', AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_URI: issuer.jwksUri };
  const started = await Promise.allSettled([
    startWorker('loadWorker.ts', 0),
    startWorker('serverWorker.ts', 1),
    startWorker('serverWorker.ts', 1),
    startWorker('serverWorker.ts', 1),
    startWorker('serverWorker.ts', 1),
  ]);
  for (const outcome of started) if (outcome.status === 'fulfilled') track(outcome.value);
  const failure = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const [load, authWorker, floorWorker, authzWorker, limitedWorker] = started.map((outcome) => (outcome as PromiseFulfilledResult<Worker>).value) as [
    Worker,
    Worker,
    Worker,
    Worker,
    Worker,
  ];
  const anonymous = { ...baseEnv, AUTH_ALLOW_ANONYMOUS: 'true' };
  const auth = await authWorker.call<{ url: string }>({ type: 'start', env: baseEnv }, 30_000);
  const floor = await floorWorker.call<{ url: string }>({ type: 'start', env: anonymous, bare: true }, 30_000);
  const authzOnly = await authzWorker.call<{ url: string }>({ type: 'start', env: { ...anonymous, AUTHZ_DEFAULT_POLICY: 'public' } }, 30_000);
  // 10,000,000 requests per minute per client: counted on every request, never refused here.
  const limited = await limitedWorker.call<{ url: string }>({ type: 'start', env: { ...baseEnv, RATE_LIMIT_REQUESTS: '10000000' } }, 30_000);
  // Every server must give the same answer, and the reference server must refuse a missing token.
  const viaAuth = await post(auth.url, tokens[0] as string);
  const refused = await post(auth.url, null);
  if (viaAuth.status !== 200 || !viaAuth.body.includes('"products":[{')) throw new Error(`reference server answered ${viaAuth.status}: ${viaAuth.body.slice(0, 300)}`);
  if (refused.status !== 401) throw new Error(`reference server answered ${refused.status} without a token`);
  for (const [name, url] of [['floor', floor.url], ['authorization-only', authzOnly.url]] as const) {
    const answer = await post(url, null);
    if (answer.status !== 200 || answer.body !== viaAuth.body) throw new Error(`the ${name} server answered differently (${answer.status}): ${answer.body.slice(0, 300)}`);
  }
  const viaLimited = await fetch(limited.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0] as string}` },
    body: QUERY,
    signal: AbortSignal.timeout(10_000),
  });
  const limitedBody = await viaLimited.text();
  if (viaLimited.status !== 200 || limitedBody !== viaAuth.body || viaLimited.headers.get('ratelimit') === null) {
    throw new Error(`the rate-limited server answered ${viaLimited.status} (RateLimit: ${String(viaLimited.headers.get('ratelimit'))}): ${limitedBody.slice(0, 300)}`);
  }
  return {
    issuer,
    load,
    auth: { worker: authWorker, url: auth.url },
    floor: { worker: floorWorker, url: floor.url },
    authzOnly: { worker: authzWorker, url: authzOnly.url },
    limited: { worker: limitedWorker, url: limited.url },
    tokens,
    expectedBody: viaAuth.body,
    floorEnv: anonymous,
  };
}

/** One load run (also used by the NestJS scenario): what each group saw, and the server process's CPU time during the run. */
export interface LoadRun {
  readonly results: GroupResult[];
  /** Server CPU µs (user + system) over the run. */
  readonly cpuMicros: number;
  /** Responses of every group. */
  readonly responses: number;
}

export async function runLoad(servers: Pick<Servers, 'load'>, server: Worker, url: string, durationSec: number, groups: LoadGroup[]): Promise<LoadRun> {
  const spec: LoadSpec = { url, durationSec, groups };
  const before = await server.call<{ micros: number }>({ type: 'cpu' }, 10_000);
  const reply = await servers.load.call<{ results: GroupResult[] }>({ type: 'load', spec }, (durationSec + 30) * 1000);
  const after = await server.call<{ micros: number }>({ type: 'cpu' }, 10_000);
  const responses = reply.results.reduce((sum, result) => sum + result.responses, 0);
  return { results: reply.results, cpuMicros: after.micros - before.micros, responses };
}

/** Accumulates per-round figures of one contender and its body checks. */
export class Series {
  readonly rps: number[] = [];
  readonly p99: number[] = [];
  /** Server CPU µs per response (every group of the run), per measured round. */
  readonly cpu: number[] = [];
  checked = 0;
  failure: string | null = null;
  constructor(readonly name: string) {}
  addCpu(run: LoadRun): void {
    if (run.responses > 0) this.cpu.push(run.cpuMicros / run.responses);
  }
  add(result: GroupResult, measured: boolean): void {
    this.checked += result.checked;
    if (result.wrong > 0 && this.failure === null) this.failure = `${result.wrong} wrong responses of ${result.checked}; first: ${result.firstWrong}`;
    if (result.errors > 0 && this.failure === null) this.failure = `${result.errors} connection errors (${result.timeouts} timeouts)`;
    if (result.responses === 0 && this.failure === null) this.failure = 'no responses';
    if (measured) {
      this.rps.push(result.rps);
      this.p99.push(result.p99Ms);
    }
  }
  measurements(): Measurement[] {
    const list: Measurement[] = [
      { name: `${this.name}: requests/s`, unit: 'req/s', summary: summarize(this.rps), checks: this.checked, failure: this.failure },
      { name: `${this.name}: p99 latency`, unit: 'ms', summary: summarize(this.p99), checks: this.checked, failure: this.failure },
    ];
    if (this.cpu.length > 0) {
      list.push({ name: `${this.name}: server CPU per response`, unit: 'µs', summary: summarize(this.cpu), checks: this.checked, failure: this.failure });
    }
    return list;
  }
}

/** Says whether the load generator, rather than the server, may have set the floor's pace. */
function ceilingNote(ceiling: Series, floor: Series): string[] {
  if (ceiling.rps.length === 0 || floor.rps.length === 0) return [];
  const max = ceiling.rps[0] as number;
  const floorMedian = summarize(floor.rps).median;
  const share = floorMedian / max;
  return [
    `Load generator ceiling: ${fmt(max)} req/s against a trivial server on the server core; the floor reached ${fmt(share * 100)}% of it` +
      (share > 0.8 ? ' — **the load generator may limit the floor, so the ratio may flatter the reference server**.' : ', so the server, not the load generator, set the pace.'),
  ];
}

/** Runs scenarios 5 and 6 on one set of servers; returns both results. */
export async function httpScenarios(sizes: Sizes, track: (worker: Worker) => void): Promise<[ScenarioResult, ScenarioResult]> {
  const started = performance.now();
  const servers = await startServers(sizes, track);
  try {
    const valid = (name: string, tokens: readonly string[]): LoadGroup => ({
      name,
      connections: sizes.connections,
      kind: 'valid',
      tokens,
      body: QUERY,
      expectStatus: 200,
      expectBody: servers.expectedBody,
    });
    const flood: LoadGroup = {
      name: 'flood',
      connections: sizes.connections,
      kind: 'flood',
      floodTemplate: servers.tokens[0] as string,
      body: QUERY,
      expectStatus: 401,
    };
    const authGroup = valid('auth', servers.tokens);
    const floorGroup = valid('floor', []);

    // Scenario 5: warm every server, then rotate the order of the three each round.
    type Which = 'auth' | 'floor' | 'authz' | 'limited';
    const urlOf: Record<Which, string> = { auth: servers.auth.url, floor: servers.floor.url, authz: servers.authzOnly.url, limited: servers.limited.url };
    const workerOf: Record<Which, Worker> = {
      auth: servers.auth.worker,
      floor: servers.floor.worker,
      authz: servers.authzOnly.worker,
      limited: servers.limited.worker,
    };
    const groupOf = (which: Which): LoadGroup => (which === 'auth' || which === 'limited' ? authGroup : floorGroup);
    for (const which of ['auth', 'floor', 'authz', 'limited'] as const) await runLoad(servers, workerOf[which], urlOf[which], sizes.httpWarmupSec, [groupOf(which)]);
    // The load generator's ceiling: a trivial server on the same core answering the same body.
    const ceiling = new Series('load generator ceiling (trivial node:http server, same body; information)');
    const trivial = await servers.floor.worker.call<{ url: string }>({ type: 'stop' }, 10_000).then(async () => {
      const started = await servers.floor.worker.call<{ url: string }>({ type: 'start-trivial', body: servers.expectedBody }, 10_000);
      return started.url;
    });
    const ceilingRun = await runLoad(servers, servers.floor.worker, trivial, sizes.httpRoundSec, [authGroup]);
    ceiling.add(ceilingRun.results[0] as GroupResult, true);
    await servers.floor.worker.call({ type: 'stop' }, 10_000);
    const restarted = await servers.floor.worker.call<{ url: string }>({ type: 'start', env: servers.floorEnv, bare: true }, 30_000);
    urlOf.floor = restarted.url;
    await runLoad(servers, servers.floor.worker, urlOf.floor, sizes.httpWarmupSec, [floorGroup]);
    const auth = new Series(`reference server, ${sizes.distinctTokens.toLocaleString('en-US')} distinct tokens`);
    const floor = new Series('same server, no authentication (floor)');
    const authz = new Series('same server, authorization only (anonymous, policy public; information)');
    const limited = new Series('reference server with the per-client rate limiter on (allowance never used up; information)');
    const seriesOf: Record<Which, Series> = { auth, floor, authz, limited };
    const contenders: readonly Which[] = ['auth', 'floor', 'authz', 'limited'];
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      for (const index of roundOrder(contenders.length, round)) {
        const which = contenders[index] as Which;
        const run = await runLoad(servers, workerOf[which], urlOf[which], sizes.httpRoundSec, [groupOf(which)]);
        seriesOf[which].add(run.results[0] as GroupResult, true);
        seriesOf[which].addCpu(run);
      }
    }
    const m5 = [...auth.measurements(), ...floor.measurements(), ...authz.measurements(), ...limited.measurements(), ceiling.measurements()[0] as Measurement];
    const r5: Ratio[] = [];
    const rpsRatio = ratio(m5, `${auth.name}: requests/s`, `${floor.name}: requests/s`, 'requests/s: reference server / floor');
    if (rpsRatio !== null) r5.push(rpsRatio);
    for (const value of [
      ratio(m5, `${authz.name}: requests/s`, `${floor.name}: requests/s`, 'requests/s: authorization only / floor'),
      ratio(m5, `${auth.name}: requests/s`, `${authz.name}: requests/s`, 'requests/s: reference server / authorization only'),
      ratio(m5, `${auth.name}: server CPU per response`, `${floor.name}: server CPU per response`, 'server CPU per response: reference server / floor (information; robust to other load)'),
      ratio(m5, `${authz.name}: server CPU per response`, `${floor.name}: server CPU per response`, 'server CPU per response: authorization only / floor (information)'),
      ratio(m5, `${limited.name}: requests/s`, `${auth.name}: requests/s`, 'requests/s: rate limiter on / off (information)'),
      ratio(m5, `${limited.name}: server CPU per response`, `${auth.name}: server CPU per response`, 'server CPU per response: rate limiter on / off (information)'),
    ]) {
      if (value !== null) r5.push(value);
    }
    const p99Delta = auth.failure === null && floor.failure === null ? summarize(auth.p99.map((value, index) => value - (floor.p99[index] as number))) : null;
    const t5: Target[] = [
      rpsRatio === null
        ? { scenario: '5', text: '≥ 0.95× the floor’s requests/s', figure: 'not measured', pass: null, note: auth.failure ?? floor.failure ?? undefined }
        : { scenario: '5', text: '≥ 0.95× the floor’s requests/s', figure: `${fmt(rpsRatio.summary.median)}×`, pass: rpsRatio.summary.median >= 0.95 },
      p99Delta === null
        ? { scenario: '5', text: 'p99 within +1 ms of the floor', figure: 'not measured', pass: null }
        : { scenario: '5', text: 'p99 within +1 ms of the floor', figure: `${p99Delta.median >= 0 ? '+' : ''}${fmt(p99Delta.median)} ms (median of per-round differences)`, pass: p99Delta.median <= 1 },
    ];
    const s5: ScenarioResult = {
      id: '5',
      title: `HTTP, ${sizes.distinctTokens.toLocaleString('en-US')} distinct valid tokens`,
      method:
        `autocannon, ${sizes.connections} connections, ${sizes.httpRoundSec} s per round, ${sizes.httpRounds} measured rounds after ${sizes.httpWarmupSec} s of warm-up per server; ` +
        'every request picks one of the tokens at random (so the claim cache sees them all in rotation); every response is checked (HTTP 200 and the exact expected body). ' +
        'The floor is the same reference server (same HTTP edge, Apollo settings, schema and resolvers) without the library\'s authorization, with anonymous access on and no Authorization header: ' +
        'nothing of authentication or authorization runs. "Authorization only" keeps the library\'s authorization (default policy `public`) without a token, to split the cost between the two. ' +
        'Every server runs with rate limiting off (RATE_LIMIT_REQUESTS=0) except the one marked "rate limiter on", which counts every request at an allowance of 10,000,000 per minute per client (never refused; its answers are checked like the others). ' +
        'Contenders run in an order that rotates every round. ' +
        `Query: \`${JSON.parse(QUERY).query}\`.`,
      measurements: m5,
      ratios: r5,
      targets: t5,
      notes: [
        ...(p99Delta === null ? [] : [`p99 difference per round (reference − floor): ${p99Delta.samples.map((value) => fmt(value)).join(', ')} ms.`]),
        ...ceilingNote(ceiling, floor),
      ],
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };

    // Scenario 6: the valid connections alone, and with as many flood connections beside them.
    const started6 = performance.now();
    const jwksPath = new URL(servers.issuer.jwksUri).pathname;
    const fetchesBefore = servers.issuer.hitCount(jwksPath);
    const alone = new Series('C valid connections alone (information)');
    const noFlood = new Series('C valid connections beside C more valid ones (no flood)');
    const beside = new Series('C valid connections beside C flood connections');
    const floodSeries = new Series('C flood connections (random kid, expect 401)');
    let floodSeconds = 0;
    let floodResponses = 0;
    const floodStarted = performance.now();
    const twin: LoadGroup = { ...authGroup, name: 'twin' };
    const floodRuns: { run: LoadRun; valid: number; flood: number }[] = [];
    type Run6 = 'alone' | 'noFlood' | 'flood';
    const orders6: Run6[][] = [['noFlood', 'flood', 'alone'], ['alone', 'flood', 'noFlood'], ['flood', 'noFlood', 'alone']];
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      for (const which of orders6[round % orders6.length] as Run6[]) {
        if (which === 'alone') {
          const run = await runLoad(servers, servers.auth.worker, servers.auth.url, sizes.httpRoundSec, [authGroup]);
          alone.add(run.results[0] as GroupResult, true);
          alone.addCpu(run);
        } else if (which === 'noFlood') {
          const run = await runLoad(servers, servers.auth.worker, servers.auth.url, sizes.httpRoundSec, [authGroup, twin]);
          noFlood.add(run.results[0] as GroupResult, true);
          noFlood.add(run.results[1] as GroupResult, false);
          noFlood.addCpu(run);
        } else {
          const run = await runLoad(servers, servers.auth.worker, servers.auth.url, sizes.httpRoundSec, [authGroup, flood]);
          const [validResult, floodResult] = run.results as [GroupResult, GroupResult];
          beside.add(validResult, true);
          floodSeries.add(floodResult, true);
          beside.addCpu(run);
          floodRuns.push({ run, valid: validResult.responses, flood: floodResult.responses });
          floodSeconds += sizes.httpRoundSec;
          floodResponses += (floodResult as GroupResult).responses;
        }
      }
    }
    const elapsedSec = (performance.now() - floodStarted) / 1000;
    const fetches = servers.issuer.hitCount(jwksPath) - fetchesBefore;
    const cooldownSec = VERIFIER_DEFAULTS.jwksCooldown;
    // With at least one cooldown between fetches, T seconds hold at most floor(T / cooldown) + 1 of them.
    const allowedFetches = Math.floor(elapsedSec / cooldownSec) + 1;
    const m6 = [...noFlood.measurements(), ...beside.measurements(), floodSeries.measurements()[0] as Measurement, ...alone.measurements()];
    // Server CPU per flood request, from the flood runs' CPU minus the valid requests at their no-flood cost.
    if (noFlood.cpu.length > 0 && floodRuns.length > 0) {
      const perValid = summarize(noFlood.cpu).median;
      const perFlood = floodRuns.filter((entry) => entry.flood > 0).map((entry) => (entry.run.cpuMicros - entry.valid * perValid) / entry.flood);
      m6.push({
        name: 'server CPU per flood request (derived: flood-run CPU minus the valid requests at their no-flood cost)',
        unit: 'µs',
        summary: summarize(perFlood),
        checks: floodSeries.checked,
        failure: floodSeries.failure,
      });
    }
    const floodRatio = ratio(m6, `${beside.name}: requests/s`, `${noFlood.name}: requests/s`, 'C valid connections\' requests/s: with the flood / without (2×C valid)');
    const aloneRatio = ratio(m6, `${beside.name}: requests/s`, `${alone.name}: requests/s`, 'C valid connections\' requests/s: with the flood / alone (information)');
    const r6: Ratio[] = [floodRatio, aloneRatio].filter((value): value is Ratio => value !== null);
    const t6: Target[] = [
      floodRatio === null
        ? { scenario: '6', text: 'valid throughput under the flood ≥ 0.90× the no-flood run', figure: 'not measured', pass: null, note: beside.failure ?? noFlood.failure ?? floodSeries.failure ?? undefined }
        : { scenario: '6', text: 'valid throughput under the flood ≥ 0.90× the no-flood run', figure: `${fmt(floodRatio.summary.median)}×`, pass: floodRatio.summary.median >= 0.9 },
      {
        scenario: '6',
        text: 'at most one JWKS fetch per cooldown',
        figure: `${fetches} fetches for ${floodResponses.toLocaleString('en-US')} random kids over ${fmt(elapsedSec)} s (cooldown ${cooldownSec} s: at most ${allowedFetches})`,
        pass: floodSeries.failure === null && floodResponses > 0 ? fetches <= allowedFetches : null,
      },
    ];
    const s6: ScenarioResult = {
      id: '6',
      title: 'HTTP, random-kid flood',
      method:
        `The reference server of scenario 5, C = ${sizes.connections}. Flood run: C connections with valid tokens (random among the ${sizes.distinctTokens.toLocaleString('en-US')}) and C connections ` +
        'whose every request carries a token with a fresh random `kid` (each must get 401). No-flood run: the same 2×C connections, all with valid tokens. ' +
        'The target compares the first C connections\' requests/s between the two runs (the server is saturated in both: the question is whether a random-kid request costs more than a valid one). ' +
        'For information, the C valid connections alone as well. Rounds rotate the order of the three runs. JWKS fetches are counted by the issuer from the end of scenario 5 to the end of this one.',
      measurements: m6,
      ratios: r6,
      targets: t6,
      notes: [
        `Flood requests: ${floodResponses.toLocaleString('en-US')} in ${floodSeconds} s of flood rounds (${fmt(floodResponses / Math.max(floodSeconds, 1e-9))} req/s).`,
      ],
      skipped: null,
      seconds: (performance.now() - started6) / 1000,
    };
    return [s5, s6];
  } finally {
    const serverWorkers = [servers.auth.worker, servers.floor.worker, servers.authzOnly.worker];
    await Promise.allSettled(serverWorkers.map((worker) => worker.call({ type: 'stop' }, 10_000)));
    await Promise.allSettled([servers.load.close(), ...serverWorkers.map((worker) => worker.close())]);
    await servers.issuer.close();
  }
}
