/**
 * Scenario 7, over HTTP on loopback: the reference server counting on a shared Redis (`REDIS_URL`,
 * a real redis-server started here) against the same server counting in memory, 1,000 distinct
 * tokens over 100 partners. Both count every request against a request window and a daily quota
 * (allowances the load never uses up), so the Redis side runs rate-limiter-flexible's
 * RateLimiterRedis and the quota script on every request. Server processes pinned to core 1,
 * autocannon to core 0; the order of the two rotates every round.
 */
import { hasRedis, REDIS_SKIP_REASON, startRedis } from '../../test/helpers/redisServer.js';
import type { RedisServer } from '../../test/helpers/redisServer.js';
import { startTestIssuer } from '../../test/helpers/testIssuer.js';
import type { TestIssuer } from '../../test/helpers/testIssuer.js';
import { startWorker } from '../http/child.js';
import type { Worker } from '../http/child.js';
import type { GroupResult, LoadGroup } from '../http/loadWorker.js';
import { roundOrder } from '../lib/interleave.js';
import { fmt, ratio } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { summarize } from '../lib/stats.js';

const QUERY = JSON.stringify({ query: 'query Catalog { products(first: 5) { id sku name } }' });
const PARTNERS = 100;
const TITLE = 'HTTP, rate limits on a shared Redis';

export async function sharedStore(sizes: Sizes, track: (worker: Worker) => void): Promise<ScenarioResult> {
  const started = performance.now();
  if (!hasRedis) {
    return { id: '7', title: TITLE, method: '', measurements: [], ratios: [], targets: [], notes: [], skipped: REDIS_SKIP_REASON, seconds: 0 };
  }
  const workers: Worker[] = [];
  let issuer: TestIssuer | null = null;
  let redis: RedisServer | null = null;
  try {
    issuer = await startTestIssuer();
    redis = await startRedis();
    const tokens: string[] = [];
    for (let index = 0; index < sizes.distinctTokens; index += 1) {
      const client = `partner-${index % PARTNERS}`;
      tokens.push(issuer.sign({ sub: `${client}@clients`, azp: client, jti: `shared-${index}`, scope: 'catalog:read' }, { expiresIn: 6 * 3600 }));
    }
    const limits = { RATE_LIMIT_REQUESTS: '10000000', RATE_LIMIT_WINDOW: '60', RATE_LIMIT_DAILY: '100000000' };
    const baseEnv = { NODE_ENV: 'production', AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_URI: issuer.jwksUri, ...limits };
    const [load, memoryWorker, redisWorker] = await Promise.all([startWorker('loadWorker.ts', 0), startWorker('serverWorker.ts', 1), startWorker('serverWorker.ts', 1)]);
    for (const worker of [load, memoryWorker, redisWorker]) {
      workers.push(worker);
      track(worker);
    }
    const memory = await memoryWorker.call<{ url: string }>({ type: 'start', env: baseEnv }, 30_000);
    const shared = await redisWorker.call<{ url: string }>({ type: 'start', env: { ...baseEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'bench:' } }, 30_000);
    // Both must answer alike, and both must count: the Redis one on Redis (its daily item is there).
    const answers = await Promise.all(
      [memory.url, shared.url].map(async (url) => {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0] as string}` }, body: QUERY, signal: AbortSignal.timeout(10_000) });
        return { status: response.status, body: await response.text(), ratelimit: response.headers.get('ratelimit') ?? '' };
      }),
    );
    const [viaMemory, viaRedis] = answers as [(typeof answers)[number], (typeof answers)[number]];
    if (viaMemory.status !== 200 || viaRedis.status !== 200 || viaMemory.body !== viaRedis.body || !viaMemory.body.includes('"products":[{')) {
      throw new Error(`the two servers answered differently: ${viaMemory.status} ${viaMemory.body.slice(0, 200)} / ${viaRedis.status} ${viaRedis.body.slice(0, 200)}`);
    }
    if (!viaRedis.ratelimit.includes('"default.day"') || !viaMemory.ratelimit.includes('"default.day"')) throw new Error(`no daily quota counted: ${viaRedis.ratelimit}`);
    const keys = await redisKeyCount(redis.url);
    if (keys === 0) throw new Error('the Redis server counted nothing on Redis');

    const group: LoadGroup = { name: 'partners', connections: sizes.connections, kind: 'valid', tokens, body: QUERY, expectStatus: 200, expectBody: viaMemory.body };
    const run = async (url: string, durationSec: number): Promise<GroupResult> => {
      const reply = await load.call<{ results: GroupResult[] }>({ type: 'load', spec: { url, durationSec, groups: [group] } }, (durationSec + 30) * 1000);
      return reply.results[0] as GroupResult;
    };
    await run(memory.url, sizes.httpWarmupSec);
    await run(shared.url, sizes.httpWarmupSec);
    const series = {
      memory: { name: 'reference server, counters in memory', rps: [] as number[], p99: [] as number[], checked: 0, failure: null as string | null },
      redis: { name: 'reference server, counters on Redis (REDIS_URL)', rps: [] as number[], p99: [] as number[], checked: 0, failure: null as string | null },
    };
    const contenders = [
      ['memory', memory.url],
      ['redis', shared.url],
    ] as const;
    const commandsBefore = await redisCommands(redis.url);
    let redisResponses = 0;
    for (let round = 0; round < sizes.httpRounds; round += 1) {
      for (const index of roundOrder(contenders.length, round)) {
        const [which, url] = contenders[index] as (typeof contenders)[number];
        const result = await run(url, sizes.httpRoundSec);
        const entry = series[which];
        entry.checked += result.checked;
        if (entry.failure === null && (result.wrong > 0 || result.errors > 0 || result.responses === 0)) {
          entry.failure = `${result.wrong} wrong, ${result.errors} errors of ${result.responses}; first: ${String(result.firstWrong)}`;
        }
        entry.rps.push(result.rps);
        entry.p99.push(result.p99Ms);
        if (which === 'redis') redisResponses += result.responses;
      }
    }
    // The Redis side must really have counted on Redis (not in its fail-open fallback): two calls per request at least.
    const commands = (await redisCommands(redis.url)) - commandsBefore;
    if (commands < 2 * redisResponses && series.redis.failure === null) series.redis.failure = `only ${commands} Redis commands for ${redisResponses} responses: counted in memory (fail open), not on Redis`;
    const measurements: Measurement[] = Object.values(series).flatMap((entry) => [
      { name: `${entry.name}: requests/s`, unit: 'req/s', summary: summarize(entry.rps), checks: entry.checked, failure: entry.failure },
      { name: `${entry.name}: p99 latency`, unit: 'ms', summary: summarize(entry.p99), checks: entry.checked, failure: entry.failure },
    ]);
    const rps = ratio(measurements, `${series.redis.name}: requests/s`, `${series.memory.name}: requests/s`, 'requests/s: Redis / memory');
    const p99Delta = series.redis.failure === null && series.memory.failure === null ? summarize(series.redis.p99.map((value, index) => value - (series.memory.p99[index] as number))) : null;
    const targets: Target[] = [
      rps === null
        ? { scenario: '7', text: 'Redis store ≥ 0.90× the in-memory requests/s', figure: 'not measured', pass: null, note: series.redis.failure ?? series.memory.failure ?? undefined }
        : { scenario: '7', text: 'Redis store ≥ 0.90× the in-memory requests/s', figure: `${fmt(rps.summary.median)}×`, pass: rps.summary.median >= 0.9 },
      p99Delta === null
        ? { scenario: '7', text: 'Redis store p99 within +1 ms of in-memory', figure: 'not measured', pass: null }
        : { scenario: '7', text: 'Redis store p99 within +1 ms of in-memory', figure: `${p99Delta.median >= 0 ? '+' : ''}${fmt(p99Delta.median)} ms (median of per-round differences)`, pass: p99Delta.median <= 1 },
    ];
    return {
      id: '7',
      title: TITLE,
      method:
        `autocannon, ${sizes.connections} connections, ${sizes.httpRoundSec} s per round, ${sizes.httpRounds} measured rounds after ${sizes.httpWarmupSec} s of warm-up per server; ` +
        `${sizes.distinctTokens.toLocaleString('en-US')} distinct tokens over ${PARTNERS} partners, one at random per request; every response checked (200 and the exact body). ` +
        'Both servers count every request against RATE_LIMIT_REQUESTS=10,000,000 per 60 s and RATE_LIMIT_DAILY=100,000,000 (never used up); one counts in memory, the other on a local redis-server ' +
        '(persistence off, same machine, not pinned) through REDIS_URL: per request one RateLimiterRedis call and one quota script. Order rotates every round.',
      measurements,
      ratios: [rps].filter((value): value is Ratio => value !== null),
      targets,
      notes: [
        ...(p99Delta === null ? [] : [`p99 difference per round (Redis − memory): ${p99Delta.samples.map((value) => fmt(value)).join(', ')} ms.`]),
        `Redis commands processed during the measured rounds: ${commands.toLocaleString('en-US')} for ${redisResponses.toLocaleString('en-US')} responses of the Redis server (checked: at least 2 per response, so none was counted in the fail-open fallback).`,
      ],
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.allSettled(workers.slice(1).map((worker) => worker.call({ type: 'stop' }, 10_000)));
    await Promise.allSettled(workers.map((worker) => worker.close()));
    await redis?.stop();
    await issuer?.close();
  }
}

/** Commands the Redis server has processed so far (INFO stats). */
async function redisCommands(url: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const info = await client.info('stats');
    return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

/** Keys on the Redis (a check that the Redis side really counted there). */
async function redisKeyCount(url: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}
