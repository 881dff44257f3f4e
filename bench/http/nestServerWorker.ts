/**
 * The NestJS server under load (its own process, pinned to core 1): the large-list Nest app of
 * bench/lib/nest.ts, with allow-clients (`auth: true`, trusting the issuer in `env`) or without any
 * authorization (the Nest floor). One server per process; `stop` closes it.
 */
import { ItemStore } from '../fixtures/largeList.js';
import { startNestLargeList, type NestLargeList } from '../lib/nest.js';
import { serveWorker } from './child.js';
import type { WorkerRequest } from './child.js';

let server: NestLargeList | null = null;

serveWorker(async (request: WorkerRequest) => {
  if (request.type === 'cpu') {
    const usage = process.cpuUsage();
    return { micros: usage.user + usage.system };
  }
  if (request.type === 'start') {
    if (server !== null) throw new Error('server already started');
    process.env['NODE_ENV'] = 'production';
    const env = request.env as Record<string, string>;
    const auth = request['auth'] === true ? { issuer: env['AUTH_ISSUER'] ?? '', audience: env['AUTH_AUDIENCE'] ?? '', jwksUri: env['AUTH_JWKS_URI'] ?? '', mode: 'filter' as const } : null;
    server = await startNestLargeList(new ItemStore(), auth, true);
    return { url: server.url };
  }
  if (request.type === 'stop') {
    await server?.stop();
    server = null;
    return {};
  }
  throw new Error(`unknown request ${request.type}`);
});
