/**
 * allow-clients/prometheus: allow-clients' metrics with prom-client (an optional peer dependency;
 * the only entry that imports it).
 */
export { createPrometheusMetrics, METRIC_NAMES } from './createPrometheusMetrics.js';
export type { PrometheusMetrics, PrometheusMetricsOptions, RequestFinishedEvent } from './createPrometheusMetrics.js';
