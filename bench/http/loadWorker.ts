/**
 * The load generator (runs in its own process, pinned to core 0): autocannon against a URL with
 * one or more groups of connections running at the same time. A `valid` group sends a token
 * picked at random from its list on every request; a `flood` group sends a token with a fresh
 * random `kid` on every request. Every response is checked (status and, for valid requests, the
 * exact body); latencies are recorded per response (float ms) so p99 is exact.
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { percentile } from '../lib/stats.js';
import { serveWorker } from './child.js';
import type { WorkerRequest } from './child.js';

/** A group of connections. */
export interface LoadGroup {
  readonly name: string;
  readonly connections: number;
  readonly kind: 'valid' | 'flood';
  /** valid: tokens to pick from at random (an empty list sends no Authorization header). */
  readonly tokens?: readonly string[];
  /** flood: a token whose payload and signature are reused under a random kid. */
  readonly floodTemplate?: string;
  readonly body: string;
  readonly expectStatus: number;
  /** valid: the exact body expected. */
  readonly expectBody?: string;
}

/** What to run. */
export interface LoadSpec {
  readonly url: string;
  readonly durationSec: number;
  readonly groups: readonly LoadGroup[];
}

/** What a group saw. */
export interface GroupResult {
  readonly name: string;
  readonly responses: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly statusCounts: Record<string, number>;
  readonly checked: number;
  readonly wrong: number;
  readonly firstWrong: string | null;
  readonly errors: number;
  readonly timeouts: number;
}

const b64 = (value: string): string => Buffer.from(value).toString('base64url');

async function runGroup(url: string, durationSec: number, group: LoadGroup): Promise<GroupResult> {
  const tokens = group.tokens ?? [];
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let checked = 0;
  let wrong = 0;
  let firstWrong: string | null = null;
  const flag = (reason: string): void => {
    wrong += 1;
    if (firstWrong === null) firstWrong = reason;
  };
  let floodParts: [string, string] | null = null;
  if (group.kind === 'flood') {
    const parts = (group.floodTemplate ?? '').split('.');
    if (parts.length !== 3) throw new Error('flood group needs a JWT template');
    floodParts = [parts[1] as string, parts[2] as string];
  }
  const authorization = (): string | null => {
    if (floodParts !== null) {
      const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomBytes(12).toString('hex') }));
      return `Bearer ${header}.${floodParts[0]}.${floodParts[1]}`;
    }
    if (tokens.length === 0) return null;
    return `Bearer ${tokens[Math.floor(Math.random() * tokens.length)] as string}`;
  };
  const baseHeaders = { 'content-type': 'application/json' };
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable.
  const instance = autocannon({
    url,
    connections: group.connections,
    duration: durationSec,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: new URL(url).pathname,
        headers: baseHeaders,
        body: group.body,
        setupRequest: (request) => {
          const value = authorization();
          return { ...request, headers: value === null ? baseHeaders : { ...baseHeaders, authorization: value } };
        },
        onResponse: (status: number, body: string) => {
          checked += 1;
          if (status !== group.expectStatus) flag(`status ${status}, expected ${group.expectStatus}: ${body.slice(0, 200)}`);
          else if (group.expectBody !== undefined && body !== group.expectBody) flag(`body ${body.slice(0, 200)}`);
        },
      },
    ],
  }) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const result = await instance;
  const responses = latencies.length;
  return {
    name: group.name,
    responses,
    rps: responses / durationSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statusCounts,
    checked,
    wrong,
    firstWrong,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

serveWorker(async (request: WorkerRequest) => {
  if (request.type !== 'load') throw new Error(`unknown request ${request.type}`);
  const spec = request.spec as LoadSpec;
  const results = await Promise.all(spec.groups.map((group) => runGroup(spec.url, spec.durationSec, group)));
  return { results };
});
