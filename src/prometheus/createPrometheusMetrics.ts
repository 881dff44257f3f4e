import type { OperationTypeNode } from 'graphql';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import type { MetricsHooks } from '../observe/metricsHooks.js';
import type { RequestOutcome } from '../observe/requestOutcome.js';

/**
 * allow-clients' metrics for Prometheus, with prom-client (an optional peer: only this entry
 * imports it). The names follow the Prometheus conventions (`_total` counters, `_seconds`
 * histograms, snake_case labels) and the label values are bounded: at most `maxClientIds` client
 * ids (the rest are `other`), coordinates only from the schema's decisions, codes only the library's.
 */

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The registry to register in (an application's own, or prom-client's global `register`). Default: a new one. */
  readonly registry?: Registry;
  /** Most distinct client ids that get their own label value; later ones count as `other`. Default 100. */
  readonly maxClientIds?: number;
  /** Client ids that always get their own label value (your partners), counted within `maxClientIds`. */
  readonly clientIds?: readonly string[];
  /** Buckets of the duration histograms, seconds. Default from 0.5 ms to 10 s. */
  readonly buckets?: readonly number[];
}

/** The end of one request, as the server that owns the HTTP edge saw it. */
export interface RequestFinishedEvent {
  /** The verified caller; null when anonymous or refused before verification. */
  readonly principal: Principal | null;
  readonly outcome: RequestOutcome;
  /** The operation's type, null when the request ended before one was resolved. */
  readonly operationType: OperationTypeNode | null;
  /** The request's duration, seconds. */
  readonly seconds: number;
}

/** allow-clients' metrics: hooks for the library's `metrics` options, plus the request counter the server feeds. */
export interface PrometheusMetrics extends Required<MetricsHooks> {
  /** The registry the metrics are registered in. */
  readonly registry: Registry;
  /** Counts one request by client id and outcome, and observes its duration by operation type. */
  requestFinished(event: RequestFinishedEvent): void;
}

/** The metric names, exported for dashboards and tests. */
export const METRIC_NAMES = Object.freeze({
  requests: 'allow_clients_requests_total',
  denials: 'allow_clients_denials_total',
  verifications: 'allow_clients_token_verifications_total',
  verificationDuration: 'allow_clients_token_verification_duration_seconds',
  jwksFetches: 'allow_clients_jwks_fetches_total',
  jwksFetchFailures: 'allow_clients_jwks_fetch_failures_total',
  operationDuration: 'allow_clients_operation_duration_seconds',
});

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Longer client ids are not label values (a verified id can be as long as the token). */
const MAX_CLIENT_ID_LABEL = 128;
const OPTION_NAMES: ReadonlySet<string> = new Set(['registry', 'maxClientIds', 'clientIds', 'buckets']);

/**
 * Creates allow-clients' metrics and registers them. Pass the result as the `metrics` option of
 * `createAuthenticator` and `applyAllowClients`, and call `requestFinished` at the end of each request.
 *
 * @throws TypeError naming the option; Error from prom-client when the registry already holds these names
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * const metrics = createPrometheusMetrics({ registry: register, clientIds: ['acme-gold'] });
 * const { authenticate } = createAuthenticator({ issuer, audience, metrics });
 * const schema = applyAllowClients(executable, { metrics });
 * ```
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new TypeError(`"${name}" is not an option of createPrometheusMetrics`);
  }
  const registry = options.registry ?? new Registry();
  if (typeof registry !== 'object' || registry === null || typeof (registry as Partial<Registry>).registerMetric !== 'function') {
    throw new TypeError('"registry" must be a prom-client Registry');
  }
  const maxClientIds = options.maxClientIds ?? 100;
  if (typeof maxClientIds !== 'number' || !Number.isSafeInteger(maxClientIds) || maxClientIds < 0 || maxClientIds > 100_000) {
    throw new TypeError('"maxClientIds" must be an integer from 0 to 100000');
  }
  const clientIds = options.clientIds ?? [];
  if (!Array.isArray(clientIds) || !clientIds.every((id: unknown) => typeof id === 'string' && id.length > 0 && id.length <= MAX_CLIENT_ID_LABEL)) {
    throw new TypeError(`"clientIds" must be an array of client ids (1 to ${MAX_CLIENT_ID_LABEL} characters)`);
  }
  if (clientIds.length > maxClientIds) throw new TypeError('"clientIds" must not list more ids than "maxClientIds"');
  const buckets = options.buckets ?? DEFAULT_BUCKETS;
  if (!Array.isArray(buckets) || buckets.length === 0 || !buckets.every((bound: unknown, index) => typeof bound === 'number' && bound > 0 && (index === 0 || bound > (buckets[index - 1] as number)))) {
    throw new TypeError('"buckets" must be a non-empty array of increasing positive numbers');
  }

  const registers = [registry];
  const requests = new Counter({ name: METRIC_NAMES.requests, help: 'GraphQL requests by client id and outcome', labelNames: ['client_id', 'outcome'], registers });
  const denials = new Counter({ name: METRIC_NAMES.denials, help: 'Denied field coordinates by client id (once per request and coordinate)', labelNames: ['client_id', 'coordinate'], registers });
  const verifications = new Counter({ name: METRIC_NAMES.verifications, help: 'Access token verifications by result (cached, verified, refused) and refusal code', labelNames: ['result', 'code'], registers });
  const verificationDuration = new Histogram({ name: METRIC_NAMES.verificationDuration, help: 'Time to verify an access token, seconds, by result', labelNames: ['result'], buckets: [...buckets], registers });
  const jwksFetches = new Counter({ name: METRIC_NAMES.jwksFetches, help: 'JWKS fetch attempts', registers });
  const jwksFetchFailures = new Counter({ name: METRIC_NAMES.jwksFetchFailures, help: 'JWKS fetch attempts that failed', registers });
  const operationDuration = new Histogram({ name: METRIC_NAMES.operationDuration, help: 'GraphQL request duration, seconds, by operation type', labelNames: ['operation_type'], buckets: [...buckets], registers });

  const labelled = new Set<string>(clientIds);
  const clientLabel = (principal: Principal | null): string => {
    if (principal === null) return 'anonymous';
    const id = principal.client.id;
    if (labelled.has(id)) return id;
    if (labelled.size < maxClientIds && id.length <= MAX_CLIENT_ID_LABEL) {
      labelled.add(id);
      return id;
    }
    return 'other';
  };

  return {
    registry,
    tokenVerified({ result, code, seconds }) {
      verifications.inc({ result, code: code ?? '' });
      verificationDuration.observe({ result }, seconds);
    },
    jwksFetched({ ok }) {
      jwksFetches.inc();
      if (!ok) jwksFetchFailures.inc();
    },
    operationDenied({ principal, decision }) {
      const client = clientLabel(principal);
      for (const { coordinate } of decision.deniedCoordinates) denials.inc({ client_id: client, coordinate });
    },
    requestFinished({ principal, outcome, operationType, seconds }) {
      requests.inc({ client_id: clientLabel(principal), outcome });
      operationDuration.observe({ operation_type: operationType ?? 'none' }, seconds);
    },
  };
}
