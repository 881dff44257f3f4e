/**
 * The reference server: Apollo Server 5 behind a plain node:http edge that we own.
 *
 * A request goes: body read with a cap → authenticated by the library from the headers (any refusal
 * mapped once, by `httpChallenge`) → body JSON-parsed → counted by the rate limiter (429 past the client's allowance) →
 * Apollo Server (CSRF prevention, no batching, abuse limits, authorization before execution) → response.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { BEARER_CSRF_HEADERS, createAuthContext, createDocumentStore } from '../apollo/index.js';
import { AllowClientsError, LimitError, httpChallenge, mergeRateLimitField, rateLimitFields, readRequestSource } from '../index.js';
import type { AuthContext, SourceCheck } from '../index.js';
import { createAbuseLimits } from './abuseLimits.js';
import type { ReferenceServerConfig } from './config.js';
import { createExplorer } from './explorer.js';
import type { Explorer, ExplorerDevIssuer } from './explorer.js';
import { createFormatError } from './formatError.js';
import { listen } from './listen.js';
import type { Bound } from './listen.js';
import { readBody } from './readBody.js';
import { refuseSubscriptionsPlugin } from './refuseSubscriptions.js';
import { createRequestObserver } from './requestObserver.js';
import type { RequestObserver, RequestRecord } from './requestObserver.js';
import type { PrometheusMetrics } from '../prometheus/index.js';
import { buildReferenceSchema } from './schema.js';
import type { ReferenceSchema } from './schema.js';
import type { Store } from './data/store.js';

/** The `realm` of every `WWW-Authenticate` challenge the reference server sends. */
export const REALM = 'allow-clients';

/** A running reference server. */
export interface ReferenceServer {
  /** `http://host:port/graphql`. */
  readonly url: string;
  readonly port: number;
  /** allow-clients' metrics of this server (its prom-client registry is `metrics.registry`), served by `startMetricsServer`. */
  readonly metrics: PrometheusMetrics;
  /** The counters of the check of the caller's own limits before validation (remembered verdicts, measured texts, bytes kept). */
  readonly sourceCheck: Pick<SourceCheck, 'stats'>;
  /** Stops accepting requests, ends open connections and stops Apollo Server. */
  close(): Promise<void>;
}

/** Dependencies a caller may provide (tests). */
export interface ReferenceServerDependencies {
  readonly logger: Logger;
  /** The schema and its resolvers; default the reference API over a fresh store. */
  readonly schema?: ReferenceSchema;
  /** The data of the default reference API; default a fresh store with the demo data. */
  readonly store?: Store;
  /** The embedded dev issuer and its demo clients, for the explorer's caller picker; absent with a real issuer. */
  readonly devIssuer?: ExplorerDevIssuer;
  /** Client ids that always get their own metric label (the demo clients). */
  readonly metricsClientIds?: readonly string[];
}

const JSON_TYPE = 'application/json; charset=utf-8';

// The caller's address on its context (own symbol properties survive Apollo's per-operation copy).
const PEER_ADDRESS: unique symbol = Symbol('reference peer address');

/** The body of `/readyz` (200 when ready, else 503). */
interface Readiness {
  readonly status: 'ready' | 'not ready';
  readonly jwks: 'usable' | 'unusable';
  readonly redis: 'usable' | 'unusable' | 'not configured';
}

/**
 * Starts the reference server on `config.host:config.port` (port 0 for an ephemeral port).
 *
 * @throws TypeError from the library when the auth options are wrong (naming the option)
 */
export async function createReferenceServer(config: ReferenceServerConfig, dependencies: ReferenceServerDependencies): Promise<ReferenceServer> {
  const { logger } = dependencies;
  const explorer = config.explorer ? createExplorer({ path: '/graphql', devIssuer: dependencies.devIssuer ?? null }) : null;
  const observer = createRequestObserver({ logger, ...(dependencies.metricsClientIds === undefined ? {} : { clientIds: dependencies.metricsClientIds }) });
  // The realm is given here once: the contexts carry it to the authorization plugin's 403s; the
  // refusals before Apollo (401, 413, 429) are written at this server's edge below, with the same REALM.
  const { authenticate, checkBody, verifier } = createAuthContext({
    realm: REALM,
    issuer: config.auth.issuer,
    ...(config.auth.audience === null ? {} : { audience: config.auth.audience }),
    preset: config.auth.preset,
    algorithms: config.auth.algorithms,
    allowAnonymous: config.auth.allowAnonymous,
    logger: logger.child({ component: 'auth' }),
    metrics: observer.hooks,
    ...(config.auth.jwksUri === null ? {} : { jwksUri: config.auth.jwksUri }),
    ...(config.auth.clientClaim === null ? {} : { clientClaim: config.auth.clientClaim }),
    ...(config.auth.allowedClientIds === null ? {} : { allowedClientIds: config.auth.allowedClientIds }),
  });

  const reference =
    dependencies.schema ??
    buildReferenceSchema({
      mode: config.authz.mode,
      defaultPolicy: config.authz.defaultPolicy,
      schemaView: config.authz.schemaView,
      logger,
      metrics: observer.hooks,
      ...(dependencies.store === undefined ? {} : { store: dependencies.store }),
    });
  // The caller's address, for the counts made inside Apollo Server (mutation fields). It travels on
  // the context itself: Apollo Server copies the context for each operation, so a map keyed by the
  // context object would miss and charge those points to the shared "unknown" key.
  const limits = createAbuseLimits(config, logger, (context) => (context as { [PEER_ADDRESS]?: string | null })[PEER_ADDRESS] ?? null);
  const apollo = new ApolloServer<AuthContext>({
    schema: reference.schema,
    // CSRF prevention with `authorization` among its headers: this API takes its credentials from
    // that header alone, so GET with a bearer token is served while a cookie-less simple request is
    // still refused (see BEARER_CSRF_HEADERS). GET never runs a mutation (Apollo answers 405).
    csrfPrevention: { requestHeaders: [...BEARER_CSRF_HEADERS] },
    // main.ts owns SIGINT/SIGTERM and stops everything in order.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries off: Apollo's APQ cache is one for all callers, so a partner could
    // learn whether another sent a query by sending its hash alone (see SECURITY.md).
    persistedQueries: false,
    // Parsed documents within a byte budget that counts their query text (Apollo's own store
    // counts the printed document: 1 MB of padding weighed ~150 bytes).
    documentStore: createDocumentStore(),
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: !config.introspection,
    includeStacktraceInErrorResponses: false,
    validationRules: [...limits.validationRules],
    parseOptions: limits.parseOptions,
    plugins: [ApolloServerPluginLandingPageDisabled(), refuseSubscriptionsPlugin(), ...limits.plugins, ...reference.plugins, observer.plugin],
    formatError: createFormatError(
      (error, formatted) => {
        logger.error({ err: error, code: formatted.extensions?.['code'], path: formatted.path }, 'Internal error masked');
      },
      { hideSuggestions: !config.introspection },
    ),
    logger: logger.child({ component: 'apollo' }),
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse, address: string | null, record: RequestRecord | null): Promise<void> => {
    // Origin-form targets only: `//x` would parse as a host and throw, an absolute-form target is a proxy's.
    const target = req.url ?? '/';
    if (!target.startsWith('/')) {
      sendErrors(res, 400, 'BAD_REQUEST', 'The request target must be a path');
      return;
    }
    const url = new URL(`http://reference.invalid${target}`);
    if (url.pathname === '/healthz') {
      send(res, req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, { status: 'ok' });
      return;
    }
    if (url.pathname === '/readyz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, { status: 'method not allowed' });
        return;
      }
      const readiness = await ready();
      send(res, readiness.status === 'ready' ? 200 : 503, readiness);
      return;
    }
    if (explorer !== null && (await explorer.handle(req, res, url, address))) return;
    if (url.pathname !== '/graphql') {
      sendErrors(res, 404, 'NOT_FOUND', 'Not found: the API is served at /graphql');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      sendErrors(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET or POST');
      return;
    }
    if (explorer !== null && explorer.wantsPage(req, url)) {
      explorer.page(req, res);
      return;
    }

    // Credentials first, from the headers alone: a stranger's large body is read (within the cap)
    // but never parsed. The body is checked for an access_token member once it is parsed, below.
    const raw = req.method === 'POST' ? await readBody(req, config.maxBodyBytes) : null;
    const authContext = await authenticate({ headers: req.headersDistinct, url: req.url ?? '/' });
    let body: unknown;
    if (raw !== null) {
      const contentType = req.headers['content-type'] ?? '';
      if (/^application\/(graphql-response\+)?json\b/i.test(contentType) || /\+json\b/i.test(contentType)) {
        try {
          body = raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
        } catch {
          sendErrors(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
          return;
        }
      } else {
        // Apollo refuses other content types (and CSRF prevention needs to see them).
        body = raw.toString('utf8');
      }
      // Batching multiplies the work of one request past every per-operation limit.
      if (Array.isArray(body)) throw new LimitError('ERR_BATCH_NOT_ALLOWED', 'Batched requests are not allowed: send one operation per request');
      // A token in the header and one in the body is an invalid request (RFC 6750 §2).
      checkBody({ headers: req.headersDistinct, body });
    }

    // Set after authentication: a request refused there is recorded without its (unparsed) query.
    const { query: source, operationName } = readRequestSource({ method: req.method, url: target, body });
    if (record !== null) record.query = source;
    if (record !== null) record.principal = authContext.principal;
    const observed = record === null ? authContext : observer.contextFor(record, authContext);
    const context = { ...observed, [PEER_ADDRESS]: address } as AuthContext;
    if (limits.rateLimiter !== null) {
      // Past the allowance this throws RateLimitError (429): Apollo Server never sees the request.
      const state = await limits.rateLimiter.consume({ principal: context.principal, address });
      for (const [name, value] of Object.entries(rateLimitFields(state.policies))) res.setHeader(name, value);
    }
    // The caller's own token, depth and alias limits before Apollo Server parses and validates the
    // document (the parser's limit is the highest tier's); a repeated refusal is one lookup.
    if (source !== null) limits.sourceCheck.check({ schema: reference.schema, source, operationName, principal: context.principal });

    const headers = new HeaderMap();
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (values !== undefined) headers.set(name, values.join(', '));
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method, headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => Promise.resolve(context) });

    for (const [name, value] of result.headers) {
      // The cost budget's RateLimit items join the request policies' set above.
      const counted = name === 'ratelimit' || name === 'ratelimit-policy' ? res.getHeader(name) : undefined;
      res.setHeader(name, typeof counted === 'string' ? mergeRateLimitField(counted, value) : value);
    }
    res.setHeader('cache-control', 'no-store');
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };

  // Readiness: the issuer's keys can be had, and the shared limit store answers. Probes come
  // unauthenticated, so one answer serves every probe for a second (one JWKS fetch per cooldown at most).
  let readiness: { at: number; answer: Promise<Readiness> } | null = null;
  const ready = (): Promise<Readiness> => {
    const at = Date.now();
    if (readiness !== null && at - readiness.at < 1000) return readiness.answer;
    const answer = (async (): Promise<Readiness> => {
      const [jwks, store] = await Promise.all([verifier.keysUsable(), limits.rateLimiter?.health() ?? Promise.resolve(null)]);
      const redis = store === null || store.store === 'memory' ? 'not configured' : store.usable ? 'usable' : 'unusable';
      // Failing open, the API serves without Redis: it stays ready (the log says Redis is down).
      const redisBlocks = redis === 'unusable' && config.rateLimit?.store.onFailure === 'closed';
      return { status: jwks && !redisBlocks ? 'ready' : 'not ready', jwks: jwks ? 'usable' : 'unusable', redis };
    })();
    readiness = { at, answer };
    return answer;
  };

  const accessLog = logger.isLevelEnabled('debug');
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('x-content-type-options', 'nosniff');
    if (accessLog) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        // The path only: a query string may carry a token.
        const path = (req.url ?? '').split('?', 1)[0];
        logger.debug({ method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'Request');
      });
    }
    const address = peerAddresses.get(req.socket) ?? req.socket.remoteAddress ?? null;
    const record = startRecord(observer, explorer, req, res);
    handle(req, res, address, record).catch((error: unknown) => {
      if (record !== null) observer.refused(record, error);
      if (error instanceof AllowClientsError) {
        const challenge = httpChallenge(error, REALM);
        for (const [name, value] of Object.entries(challenge.headers)) res.setHeader(name, value);
        if (challenge.status === 413) res.setHeader('connection', 'close');
        sendErrors(res, challenge.status, challenge.code, challenge.message);
        return;
      }
      logger.error({ err: error }, 'Unexpected error at the HTTP edge');
      sendErrors(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    });
  };
  const server = createServer(
    {
      headersTimeout: config.timeouts.headersMs,
      requestTimeout: config.timeouts.requestMs,
      // How often node:http looks for connections past those deadlines (every 30 s by default, which
      // would let a slow client hold its connection up to 30 s past HEADERS_TIMEOUT).
      connectionsCheckingInterval: Math.min(1000, config.timeouts.headersMs),
    },
    onRequest,
  );
  if (config.maxConnections > 0) server.maxConnections = config.maxConnections;

  const sockets = new Set<Socket>();
  // The peer's address, read as the connection is accepted: once a connection is reset, node:net
  // can no longer tell it, and a caller that resets right after sending its request must still be
  // counted under its own address by the rate limiter, not under the shared "unknown" one.
  const peerAddresses = new WeakMap<Socket, string>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    if (address !== undefined) peerAddresses.set(socket, address);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let bound: Bound;
  try {
    bound = await listen(server, config.port, config.host);
  } catch (error) {
    await apollo.stop();
    throw error;
  }
  const { port, hostInUrl } = bound;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}/graphql`,
    port,
    metrics: observer.metrics,
    sourceCheck: { stats: () => limits.sourceCheck.stats() },
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeIdleConnections();
          // In-flight requests get a moment to finish; then their connections are ended.
          setTimeout(() => {
            for (const socket of sockets) socket.destroy();
          }, 2000).unref();
        });
        await apollo.stop();
        await limits.rateLimiter?.close();
      })();
      return closing;
    },
  };
}

/** A record for each request to the GraphQL path (the only one counted and audited). */
function startRecord(observer: RequestObserver, explorer: Explorer | null, req: IncomingMessage, res: ServerResponse): RequestRecord | null {
  const target = req.url ?? '';
  if (target.split('?', 1)[0] !== '/graphql') return null;
  // The explorer's page is not a GraphQL request.
  if (explorer !== null && target.startsWith('/') && explorer.wantsPage(req, new URL(`http://reference.invalid${target}`))) return null;
  return observer.start(req, res);
}

function send(res: ServerResponse, status: number, document: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(document));
}

function sendErrors(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { errors: [{ message, extensions: { code } }] });
}
