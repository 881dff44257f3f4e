/**
 * The metrics endpoint on its own port (`METRICS_PORT`): `GET /metrics` in the Prometheus text
 * format, nothing else. Apart from the API so that it is never exposed with it.
 */
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { listen } from './listen.js';

/** A running metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
  readonly registry: Registry;
  readonly logger: Logger;
}

/** Starts the metrics endpoint. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, logger } = options;
  const server = createServer((req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Not found: metrics are served at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('allow', 'GET, HEAD');
      res.end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.setHeader('content-type', registry.contentType);
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Metrics could not be collected');
        res.statusCode = 500;
        res.end();
      },
    );
  });
  const { port, hostInUrl } = await listen(server, options.port, options.host);
  return {
    url: `http://${hostInUrl}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
