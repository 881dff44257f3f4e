/**
 * What the reference server records of each GraphQL request: the Prometheus metrics
 * (allow-clients/prometheus) and, for every request that is not served in full, one audit event
 * (the library's `createAuditEvent`) through the logger.
 *
 * A request gets a record at the HTTP edge; the edge fills in the caller, the Apollo plugin below the
 * operation and the outcome of the response, the library's `operationDenied` hook the decision, and
 * the record is closed once, when the response is finished.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationTypeNode } from 'graphql';
import type { Logger } from 'pino';
import { AllowClientsError, createAuditEvent, outcomeOfError, outcomeOfResponse } from '../index.js';
import type { AuthContext, MetricsHooks, OperationDecision, Principal, RequestOutcome } from '../index.js';
import { createPrometheusMetrics } from '../prometheus/index.js';
import type { PrometheusMetrics } from '../prometheus/index.js';

/** One GraphQL request, as far as it got. */
export interface RequestRecord {
  readonly requestId: string;
  /** `performance.now()` at the start. */
  readonly started: number;
  principal: Principal | null;
  query: string | null;
  operationName: string | null;
  operationType: OperationTypeNode | null;
  decision: OperationDecision | null;
  /** Set when the outcome is known before the response is written (a refusal at the edge, Apollo's response). */
  outcome: RequestOutcome | null;
  /** The most precise code known: the library's, else the GraphQL `extensions.code`. */
  code: string | null;
}

/** The reference server's observer. */
export interface RequestObserver {
  readonly metrics: PrometheusMetrics;
  /** For `createAuthenticator` and `applyAllowClients`: the metrics, and the decision kept on the request's record. */
  readonly hooks: MetricsHooks;
  /** Fills in the operation and the outcome of the response from Apollo Server. */
  readonly plugin: ApolloServerPlugin<AuthContext>;
  /** A record for a GraphQL request; its id is sent as `x-request-id`, and it is closed when the response finishes. */
  start(req: IncomingMessage, res: ServerResponse): RequestRecord;
  /** The context to hand to Apollo Server: the auth context, carrying its record. */
  contextFor(record: RequestRecord, context: AuthContext): AuthContext;
  /** A request refused by a thrown error at the edge. */
  refused(record: RequestRecord, error: unknown): void;
}

// Apollo Server copies the context object for each operation (own enumerable properties, symbols
// included): the record travels as one of them, so every copy finds it.
const RECORD: unique symbol = Symbol('reference request record');

function recordOf(context: unknown): RequestRecord | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  return (context as { [RECORD]?: RequestRecord })[RECORD];
}

// A caller's own request id is kept when it is a short token; anything else gets a fresh one.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Options of {@link createRequestObserver}. */
export interface RequestObserverOptions {
  readonly logger: Logger;
  /** Client ids that always get their own metric label (the demo clients, your partners). */
  readonly clientIds?: readonly string[];
  readonly maxClientIds?: number;
}

/** Creates the observer: a fresh registry with allow-clients' metrics, and the audit log. */
export function createRequestObserver(options: RequestObserverOptions): RequestObserver {
  const metrics = createPrometheusMetrics({
    ...(options.clientIds === undefined ? {} : { clientIds: options.clientIds }),
    ...(options.maxClientIds === undefined ? {} : { maxClientIds: options.maxClientIds }),
  });
  const audit = options.logger.child({ component: 'audit' });

  const close = (record: RequestRecord, status: number): void => {
    const outcome = record.outcome ?? outcomeOfResponse(status, []);
    metrics.requestFinished({ principal: record.principal, outcome, operationType: record.operationType, seconds: (performance.now() - record.started) / 1000 });
    if (outcome === 'served') return;
    const event = createAuditEvent({
      requestId: record.requestId,
      outcome,
      status,
      code: record.code ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
      principal: record.principal,
      operationName: record.operationName,
      query: record.query,
      decision: record.decision,
    });
    audit.info({ audit: event }, 'allow-clients audit: request refused');
  };

  const plugin: ApolloServerPlugin<AuthContext> = {
    async requestDidStart({ contextValue }) {
      const record = recordOf(contextValue);
      if (record === undefined) return;
      return {
        // Read here rather than in didResolveOperation: a plugin that refuses there (limits, authorization) skips the later ones.
        async willSendResponse({ response, operation }) {
          if (operation !== undefined) {
            record.operationType = operation.operation;
            record.operationName = operation.name?.value ?? null;
          }
          const status = response.http.status ?? 200;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.flatMap((error) => (typeof error.extensions?.['code'] === 'string' ? [error.extensions['code']] : []));
          record.outcome = outcomeOfResponse(status, codes);
          if (record.outcome === 'served') return;
          const refusal = record.decision?.refusal ?? record.decision?.denials[0]?.error;
          record.code = refusal?.code ?? codes[0] ?? null;
        },
      };
    },
  };

  return {
    metrics,
    hooks: {
      tokenVerified: metrics.tokenVerified,
      jwksFetched: metrics.jwksFetched,
      operationDenied(event) {
        metrics.operationDenied(event);
        const record = recordOf(event.context);
        if (record !== undefined) record.decision = event.decision;
      },
    },
    plugin,
    start(req, res) {
      const offered = req.headers['x-request-id'];
      const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
      const record: RequestRecord = {
        requestId,
        started: performance.now(),
        principal: null,
        query: null,
        operationName: null,
        operationType: null,
        decision: null,
        outcome: null,
        code: null,
      };
      res.setHeader('x-request-id', requestId);
      res.once('finish', () => close(record, res.statusCode));
      return record;
    },
    contextFor(record, context) {
      return { ...context, [RECORD]: record } as AuthContext;
    },
    refused(record, error) {
      record.outcome = outcomeOfError(error);
      record.code = error instanceof AllowClientsError ? error.code : null;
    },
  };
}
