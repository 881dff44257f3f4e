/**
 * Hostile callers, round two (issue 10, findings 2 and 3): the reference server, started as a child
 * process under `--max-old-space-size=256`, is sent streams of unique 1 MB documents (whitespace
 * padding, a 1 MB alias on a denied field, a 1 MB operation name) by a partner and anonymously. It
 * must answer every request as usual and keep its heap bounded: before the byte budgets, the same
 * streams killed a 256 MB heap after about 175 (names) and 240 (padding) requests.
 *
 * The heap is read from the server's own `/metrics` (prom-client's `nodejs_heap_size_used_bytes`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AUDIENCE = 'https://api.memory.test/graphql';
const MB = 1_000_000;
/** Requests per stream: past the count that exhausted the old server's 256 MB heap. */
const REQUESTS = 300;
/** The bound we state: the heap in use after every stream, with 256 MB available. */
const HEAP_BOUND = 128 * 1024 * 1024;

/** A name of about 1 MB, unique per `i`. */
const longName = (i: number): string => `n${i.toString(36)}_${'x'.repeat(MB - 16)}`;

const STREAMS = {
  padded: (i: number) => `#${i}\n{ apiInfo }${' '.repeat(MB - 30)}`,
  alias: (i: number) => `{ products(first: 1) { ${longName(i)}: wholesalePrice { amount } } }`,
  operationName: (i: number) => `query ${longName(i)} { products(first: 1) { wholesalePrice { amount } } }`,
};

describe('memory bounded in bytes under unique 1 MB documents (issue 10, findings 2 and 3)', () => {
  let issuer: TestIssuer;
  let child: ChildProcess;
  let output = '';
  let url = '';
  let metricsUrl = '';

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const [port, metricsPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', 'src/server/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        AUTH_ISSUER: issuer.url,
        AUTH_AUDIENCE: AUDIENCE,
        AUTH_ALLOW_ANONYMOUS: 'true',
        // The streams measure memory, not the rate limit.
        RATE_LIMIT_REQUESTS: '0',
        // The streams measure the decision cache and the denial log, which a denied field reaches only
        // in the full schema: with per-caller views it would stop at validation (400) first.
        AUTHZ_SCHEMA_VIEW: 'full',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Keep only the tail of the output: the denial log is part of what is measured.
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-64 * 1024));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server not ready in time:\n${output}`)), 30_000);
      child.stdout?.on('data', () => {
        if (output.includes('Reference API ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${String(code)}:\n${output}`));
      });
    });
    url = `http://127.0.0.1:${port}/graphql`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  });

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    await issuer?.close();
  });

  const heapUsed = async (): Promise<number> => {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
    const line = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
    if (line === null) throw new Error('no nodejs_heap_size_used_bytes in /metrics');
    return Number(line[1]);
  };

  /** Sends the stream, 4 at a time; returns how many answers had each status and first error code. */
  async function send(stream: (i: number) => string, token: string | null): Promise<Record<string, number>> {
    const outcomes: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ query: stream(i) }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const key = `${response.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return outcomes;
  }

  // A partner without a tier: wholesalePrice is denied to it, so the names go through the denial path.
  const partner = (): string => issuer.sign({ sub: 'memory-partner@clients', azp: 'memory-partner' });

  it(`answers ${REQUESTS} unique 1 MB whitespace-padded documents from a partner and from an anonymous caller`, async () => {
    expect(await send(STREAMS.padded, partner())).toEqual({ '200 ok': REQUESTS });
    expect(await send(STREAMS.padded, null)).toEqual({ '200 ok': REQUESTS });
    expect(await heapUsed()).toBeLessThan(HEAP_BOUND);
  }, 300_000);

  it(`answers ${REQUESTS} denied selections under unique 1 MB aliases, and ${REQUESTS} unique 1 MB operation names`, async () => {
    expect(await send(STREAMS.alias, partner())).toEqual({ '200 FORBIDDEN': REQUESTS });
    expect(await send(STREAMS.operationName, partner())).toEqual({ '200 FORBIDDEN': REQUESTS });
    expect(await heapUsed()).toBeLessThan(HEAP_BOUND);
    expect(child.exitCode).toBeNull();
    // The denial log keeps no name whole: every line it wrote is short.
    const longest = Math.max(...output.split('\n').map((line) => line.length));
    expect(longest).toBeLessThan(4096);
  }, 300_000);
});
