/**
 * Scenarios 5 and 6, over HTTP on loopback. The reference server (src/server, configured from the
 * environment like `npm start`) runs in its own process pinned to core 1; autocannon runs in
 * another pinned to core 0; the token issuer (a real JWKS on loopback) runs in this process.
 *
 * 5. 1,000 distinct valid tokens, one picked at random per request, against the same server with no
 *    authentication (anonymous access on, default policy `public`, no Authorization header): the
 *    same code path minus reading and verifying the token. Same query, same expected body.
 * 6. The same server with half the connections sending a token with a fresh random `kid` on every
 *    request: the valid connections' throughput against a run without those flood connections,
 *    and the JWKS fetches the flood caused.
 * Rounds alternate (A, B, then B, A); ratios are the median of per-round ratios.
 */
import { VERIFIER_DEFAULTS } from '../../src/index.js';
import { startTestIssuer } from '../../test/helpers/testIssuer.js';
import type { TestIssuer } from '../../test/helpers/testIssuer.js';
import { startWorker } from '../http/child.js';
import type { Worker } from '../http/child.js';
import type { GroupResult, LoadGroup, LoadSpec } from '../http/loadWorker.js';
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
  readonly tokens: string[];
  readonly expectedBody: string;
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
  const load = await startWorker('loadWorker.ts', 0);
  track(load);
  const authWorker = await startWorker('serverWorker.ts', 1);
  track(authWorker);
  const floorWorker = await startWorker('serverWorker.ts', 1);
  track(floorWorker);
  const auth = await authWorker.call<{ url: string }>({ type: 'start', env: baseEnv }, 30_000);
  const floor = await floorWorker.call<{ url: string }>({ type: 'start', env: { ...baseEnv, AUTH_ALLOW_ANONYMOUS: 'true', AUTHZ_DEFAULT_POLICY: 'public' } }, 30_000);
  // The two servers must give the same answer, and the auth server must refuse a missing token.
  const viaAuth = await post(auth.url, tokens[0] as string);
  const viaFloor = await post(floor.url, null);
  const refused = await post(auth.url, null);
  if (viaAuth.status !== 200 || !viaAuth.body.includes('"products":[{')) throw new Error(`reference server answered ${viaAuth.status}: ${viaAuth.body.slice(0, 300)}`);
  if (viaFloor.status !== 200 || viaFloor.body !== viaAuth.body) throw new Error(`the floor server answered differently (${viaFloor.status}): ${viaFloor.body.slice(0, 300)}`);
  if (refused.status !== 401) throw new Error(`reference server answered ${refused.status} without a token`);
  return { issuer, load, auth: { worker: authWorker, url: auth.url }, floor: { worker: floorWorker, url: floor.url }, tokens, expectedBody: viaAuth.body };
}

async function runLoad(servers: Servers, url: string, durationSec: number, groups: LoadGroup[]): Promise<GroupResult[]> {
  const spec: LoadSpec = { url, durationSec, groups };
  const reply = await servers.load.call<{ results: GroupResult[] }>({ type: 'load', spec }, (durationSec + 30) * 1000);
  return reply.results;
}

/** Accumulates per-round figures of one contender and its body checks. */
class Series {
  readonly rps: number[] = [];
  readonly p99: number[] = [];
  checked = 0;
  failure: string | null = null;
  constructor(readonly name: string) {}
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
    return [
      { name: `${this.name}: requests/s`, unit: 'req/s', summary: summarize(this.rps), checks: this.checked, failure: this.failure },
      { name: `${this.name}: p99 latency`, unit: 'ms', summary: summarize(this.p99), checks: this.checked, failure: this.failure },
    ];
  }
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

    // Scenario 5: warm both servers, then alternate.
    await runLoad(servers, servers.auth.url, sizes.httpWarmupSec, [authGroup]);
    await runLoad(servers, servers.floor.url, sizes.httpWarmupSec, [floorGroup]);
    const auth = new Series(`reference server, ${sizes.distinctTokens.toLocaleString('en-US')} distinct tokens`);
    const floor = new Series('same server, no authentication (floor)');
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      const order: ['auth' | 'floor', 'auth' | 'floor'] = round % 2 === 0 ? ['auth', 'floor'] : ['floor', 'auth'];
      for (const which of order) {
        const [result] = await runLoad(servers, which === 'auth' ? servers.auth.url : servers.floor.url, sizes.httpRoundSec, [which === 'auth' ? authGroup : floorGroup]);
        (which === 'auth' ? auth : floor).add(result as GroupResult, true);
      }
    }
    const m5 = [...auth.measurements(), ...floor.measurements()];
    const r5: Ratio[] = [];
    const rpsRatio = ratio(m5, `${auth.name}: requests/s`, `${floor.name}: requests/s`, 'requests/s: reference server / floor');
    if (rpsRatio !== null) r5.push(rpsRatio);
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
        'The floor is the same reference server with anonymous access on, default policy `public` and no Authorization header: identical code minus reading and verifying the token. ' +
        `Query: \`${JSON.parse(QUERY).query}\`.`,
      measurements: m5,
      ratios: r5,
      targets: t5,
      notes: p99Delta === null ? [] : [`p99 difference per round (reference − floor): ${p99Delta.samples.map((value) => fmt(value)).join(', ')} ms.`],
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };

    // Scenario 6: the valid connections alone, and with as many flood connections beside them.
    const started6 = performance.now();
    const jwksPath = new URL(servers.issuer.jwksUri).pathname;
    const fetchesBefore = servers.issuer.hitCount(jwksPath);
    const alone = new Series('valid connections, no flood');
    const beside = new Series('valid connections, with the random-kid flood');
    const floodSeries = new Series('flood connections (random kid, expect 401)');
    let floodSeconds = 0;
    let floodResponses = 0;
    const floodStarted = performance.now();
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      const order: ['alone' | 'flood', 'alone' | 'flood'] = round % 2 === 0 ? ['alone', 'flood'] : ['flood', 'alone'];
      for (const which of order) {
        if (which === 'alone') {
          const [result] = await runLoad(servers, servers.auth.url, sizes.httpRoundSec, [authGroup]);
          alone.add(result as GroupResult, true);
        } else {
          const [validResult, floodResult] = await runLoad(servers, servers.auth.url, sizes.httpRoundSec, [authGroup, flood]);
          beside.add(validResult as GroupResult, true);
          floodSeries.add(floodResult as GroupResult, true);
          floodSeconds += sizes.httpRoundSec;
          floodResponses += (floodResult as GroupResult).responses;
        }
      }
    }
    const elapsedSec = (performance.now() - floodStarted) / 1000;
    const fetches = servers.issuer.hitCount(jwksPath) - fetchesBefore;
    const cooldownSec = VERIFIER_DEFAULTS.jwksCooldown / 1000;
    const allowedFetches = Math.ceil(elapsedSec / cooldownSec) + 1;
    const m6 = [...alone.measurements(), ...beside.measurements(), floodSeries.measurements()[0] as Measurement];
    const floodRatio = ratio(m6, `${beside.name}: requests/s`, `${alone.name}: requests/s`, 'valid requests/s: with flood / without');
    const r6: Ratio[] = floodRatio === null ? [] : [floodRatio];
    const t6: Target[] = [
      floodRatio === null
        ? { scenario: '6', text: 'valid throughput under the flood ≥ 0.90× the no-flood run', figure: 'not measured', pass: null, note: beside.failure ?? alone.failure ?? floodSeries.failure ?? undefined }
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
        `The reference server of scenario 5. Without flood: ${sizes.connections} connections with valid tokens. With flood: the same plus ${sizes.connections} connections ` +
        'whose every request carries a token with a fresh random `kid` (about half the requests; each must get 401). Rounds alternate; ' +
        'the ratio is the valid connections\' requests/s with the flood over without it. JWKS fetches are counted by the issuer over the whole scenario.',
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
    await Promise.allSettled([
      servers.auth.worker.call({ type: 'stop' }, 10_000),
      servers.floor.worker.call({ type: 'stop' }, 10_000),
    ]);
    await Promise.allSettled([servers.load.close(), servers.auth.worker.close(), servers.floor.worker.close()]);
    await servers.issuer.close();
  }
}
