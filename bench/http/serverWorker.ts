/**
 * The server under load (runs in its own process, pinned to core 1): the reference server from
 * src/server, configured from environment variables exactly as `npm start` would be, with a silent
 * logger. One server per process; `stop` closes it.
 *
 * `bare: true` serves the same schema and resolvers through the same edge and Apollo settings, but
 * without the library's authorization (no guards, no plugin); with anonymous access on and no token
 * sent, nothing of authentication runs either: the floor.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { authDirectiveTypeDefs } from '../../src/index.js';
import { createStore } from '../../src/server/data/store.js';
import { createResolvers } from '../../src/server/resolvers.js';
import { apiTypeDefs } from '../../src/server/schema.js';
import { serveWorker } from './child.js';
import type { WorkerRequest } from './child.js';

let server: RunningServer | null = null;
/** What the benchmark needs of a server (the trivial one has no metrics). */
type RunningServer = Pick<ReferenceServer, 'url' | 'port' | 'close'>;

/** A plain node:http server answering `body` to everything: the load generator's ceiling. */
async function startTrivial(body: string): Promise<RunningServer> {
  const trivial = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => trivial.listen(0, '127.0.0.1', () => resolve()));
  const { port } = trivial.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        trivial.close(() => resolve());
        trivial.closeAllConnections();
      }),
  };
}

serveWorker(async (request: WorkerRequest) => {
  if (request.type === 'cpu') {
    // CPU time of this process (µs): per-request server cost, robust to other processes' load.
    const usage = process.cpuUsage();
    return { micros: usage.user + usage.system };
  }
  if (request.type === 'start-trivial') {
    if (server !== null) throw new Error('server already started');
    server = await startTrivial(String(request.body));
    return { url: server.url };
  }
  if (request.type === 'start') {
    if (server !== null) throw new Error('server already started');
    // Rate limiting off on every contender: one load generator is one address and a handful of
    // clients, which the default per-client limit would answer with 429s, not the work measured here.
    const env = { RATE_LIMIT_REQUESTS: '0', ...(request.env as Record<string, string>), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
    const config = readConfig(env);
    if (config.auth.issuer === null) throw new Error('bench server needs AUTH_ISSUER');
    const logger = createLogger('silent');
    if (request.bare === true) {
      const schema = makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, apiTypeDefs], resolvers: createResolvers(createStore()) as IResolvers });
      server = await createReferenceServer(config as ReferenceServerConfig, { logger, schema: { schema, plugins: [] } });
    } else {
      server = await createReferenceServer(config as ReferenceServerConfig, { logger });
    }
    return { url: server.url };
  }
  if (request.type === 'stop') {
    await server?.close();
    server = null;
    return {};
  }
  throw new Error(`unknown request ${request.type}`);
});
