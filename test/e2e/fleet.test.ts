/**
 * Two reference server processes sharing one real redis-server, as replicas behind a load balancer:
 * a partner spread over both gets exactly its allowance in total and its daily quota is counted once;
 * Redis absent at start, killed mid-run and restarted gives the documented answers (fail open: served
 * from a per-process allowance; fail closed: 503 with Retry-After), never a 5xx otherwise, never a hang.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { postGraphQL } from '../helpers/postGraphQL.js';
import type { GraphQLAnswer } from '../helpers/postGraphQL.js';
import { hasRedis, REDIS_SKIP_REASON, startRedis } from '../helpers/redisServer.js';
import type { RedisServer } from '../helpers/redisServer.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUDIENCE = 'https://api.fleet.test/graphql';
const QUERY = '{ apiInfo }';

interface Replica {
  readonly base: string;
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts `npm start`'s entry point with `env` and waits until it is ready. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port), METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica not ready in time:\n${output}`)), 30_000);
    const check = (): void => {
      if (output.includes('Reference API ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${String(code)}:\n${output}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: `${base}/graphql`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.json() };
}

/** Polls until `probe` holds (bounded: 15 s). */
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `r` of one policy's item in the RateLimit field. */
function remainingOf(answer: GraphQLAnswer, policy: string): number | null {
  const field = String(answer.headers['ratelimit'] ?? '');
  const match = new RegExp(`"${policy.replace('.', '\\.')}";r=(\\d+);t=\\d+`).exec(field);
  return match === null ? null : Number(match[1]);
}

describe.skipIf(!hasRedis)(`replicas sharing one Redis ${hasRedis ? '' : REDIS_SKIP_REASON}`, () => {
  let issuer: TestIssuer;
  let redis: RedisServer | null = null;
  let redisPort: number;
  let open: Replica;
  let closed: Replica;

  const env = (onFailure: 'open' | 'closed'): Record<string, string> => ({
    AUTH_ISSUER: issuer.url,
    AUTH_AUDIENCE: AUDIENCE,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    REDIS_KEY_PREFIX: 'fleet-test:',
    RATE_LIMIT_ON_STORE_FAILURE: onFailure,
    RATE_LIMIT_REQUESTS: '100',
    RATE_LIMIT_WINDOW: '600',
    RATE_LIMIT_DAILY: '12',
  });
  const token = (clientId: string): string => issuer.sign({ sub: `${clientId}@clients`, azp: clientId });

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    redisPort = await freePort();
    // The fail-closed replica starts while Redis is absent.
    closed = await startReplica(env('closed'));
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([open?.stop(), closed?.stop()]);
    await redis?.stop();
    await issuer.close();
  }, 30_000);

  it('with Redis absent at start, a fail-closed replica answers 503 with Retry-After (and is alive but not ready)', async () => {
    const started = Date.now();
    const refused = await postGraphQL(closed.url, QUERY, { token: token('early-partner') });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json).toEqual({ errors: [{ message: 'The rate-limit service is temporarily unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    expect((await getJson(`${closed.base}/healthz`)).status).toBe(200);
    expect(await getJson(`${closed.base}/readyz`)).toEqual({ status: 503, body: { status: 'not ready', jwks: 'usable', redis: 'unusable' } });
    expect(closed.output()).toContain('limit store unusable: refusing counted requests with 503');
  });

  it('gives a partner spread over both replicas exactly its allowance in total, its daily quota counted once', async () => {
    redis = await startRedis(redisPort);
    open = await startReplica(env('open'));
    await until(async () => (await getJson(`${closed.base}/readyz`)).status === 200, 'the fail-closed replica to see Redis');
    expect(await getJson(`${open.base}/readyz`)).toEqual({ status: 200, body: { status: 'ready', jwks: 'usable', redis: 'usable' } });

    const partner = token('spread-partner');
    const answers: GraphQLAnswer[] = [];
    for (let index = 0; index < 16; index += 1) answers.push(await postGraphQL(index % 2 === 0 ? open.url : closed.url, QUERY, { token: partner }));
    const served = answers.filter((answer) => answer.status === 200);
    expect(served).toHaveLength(12);
    expect(answers.slice(12).map((answer) => answer.status)).toEqual([429, 429, 429, 429]);
    // One count for both: the daily remaining goes 11 … 0 across the two processes, each value once.
    expect(served.map((answer) => remainingOf(answer, 'default.day'))).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(served.map((answer) => remainingOf(answer, 'default'))).toEqual([99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 88]);
    const refused = answers[12] as GraphQLAnswer;
    expect(refused.json).toEqual({ errors: [{ message: 'Too many requests: retry after the time given in Retry-After', extensions: { code: 'RATE_LIMITED' } }] });
    expect(refused.headers['ratelimit']).toBe(`"default.day";r=0;t=${String(refused.headers['retry-after'])}`);
    expect(served.every((answer) => JSON.stringify(answer.json).includes('apiInfo'))).toBe(true);
  });

  it('when Redis is killed mid-run: the fail-open replica serves from its own allowance, the fail-closed one answers 503; no hang; shared again after a restart', async () => {
    const partner = token('outage-partner');
    expect((await postGraphQL(open.url, QUERY, { token: partner })).status).toBe(200);
    await redis?.kill();
    const started = Date.now();
    const duringOpen = await Promise.all(Array.from({ length: 3 }, () => postGraphQL(open.url, QUERY, { token: partner })));
    const duringClosed = await Promise.all(Array.from({ length: 3 }, () => postGraphQL(closed.url, QUERY, { token: partner })));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(duringOpen.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // Counted in the process now: a fresh per-process quota of 12.
    expect(duringOpen.map((answer) => remainingOf(answer, 'default.day') ?? -1).sort((a, b) => a - b)).toEqual([9, 10, 11]);
    expect(duringClosed.map((answer) => [answer.status, answer.headers['retry-after']])).toEqual([
      [503, '5'],
      [503, '5'],
      [503, '5'],
    ]);
    // Failing open, the replica stays ready (it serves); /readyz answers are reused for a second.
    await until(async () => ((await getJson(`${open.base}/readyz`)).body as { redis: string }).redis === 'unusable', '/readyz to report Redis down');
    expect(await getJson(`${open.base}/readyz`)).toEqual({ status: 200, body: { status: 'ready', jwks: 'usable', redis: 'unusable' } });
    expect(open.output()).toContain('limit store unusable: counting in this process until it is back');

    await redis?.restart();
    await until(async () => ((await getJson(`${open.base}/readyz`)).body as { redis: string }).redis === 'usable', 'the fail-open replica to see Redis again');
    await until(async () => (await getJson(`${closed.base}/readyz`)).status === 200, 'the fail-closed replica to see Redis again');
    // Redis restarted empty (no persistence): one shared count again, across both processes.
    const after = [await postGraphQL(open.url, QUERY, { token: partner }), await postGraphQL(closed.url, QUERY, { token: partner })];
    expect(after.map((answer) => answer.status)).toEqual([200, 200]);
    expect(after.map((answer) => remainingOf(answer, 'default.day'))).toEqual([11, 10]);
    expect(open.output()).toContain('limit store usable again');
    expect([...duringOpen, ...duringClosed, ...after].every((answer) => answer.status !== 500)).toBe(true);
  }, 60_000);
});
