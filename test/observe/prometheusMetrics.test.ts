import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { OperationDecision, Principal } from '../../src/index.js';
import { createPrometheusMetrics, METRIC_NAMES } from '../../src/prometheus/index.js';
import { parseMetrics, sampleValue } from '../server/support/prometheusText.js';

const machine = (id: string): Principal => ({ kind: 'machine', client: { id, name: null, metadata: null }, scopes: [], claims: {}, accessKey: id });

describe('createPrometheusMetrics', () => {
  it('registers in the application\'s own registry, beside its metrics', async () => {
    const registry = new Registry();
    registry.registerMetric(new (await import('prom-client')).Counter({ name: 'app_jobs_total', help: 'jobs', registers: [] }));
    const metrics = createPrometheusMetrics({ registry });
    expect(metrics.registry).toBe(registry);
    metrics.requestFinished({ principal: machine('acme'), outcome: 'served', operationType: null, seconds: 0.01 });
    const samples = parseMetrics(await registry.metrics());
    expect(sampleValue(samples, METRIC_NAMES.requests, { client_id: 'acme', outcome: 'served' })).toBe(1);
    expect(samples.some((sample) => sample.name === 'app_jobs_total')).toBe(true);
    // The same names twice in one registry are refused by prom-client, loudly.
    expect(() => createPrometheusMetrics({ registry })).toThrow(/already been registered/);
  });

  it('folds client ids past maxClientIds into "other", keeping the listed partners', async () => {
    const metrics = createPrometheusMetrics({ maxClientIds: 2, clientIds: ['acme'] });
    for (const id of ['c1', 'c2', 'c3', 'acme', 'x'.repeat(200)]) {
      metrics.requestFinished({ principal: machine(id), outcome: 'refused', operationType: null, seconds: 0 });
    }
    metrics.requestFinished({ principal: null, outcome: 'unauthenticated', operationType: null, seconds: 0 });
    const samples = parseMetrics(await metrics.registry.metrics()).filter((sample) => sample.name === METRIC_NAMES.requests);
    expect(samples.map((sample) => `${sample.labels['client_id']}=${sample.value}`).sort()).toEqual(['acme=1', 'anonymous=1', 'c1=1', 'other=3']);
  });

  it('labels denials with the decision\'s schema coordinates only', async () => {
    const metrics = createPrometheusMetrics();
    const decision = { deniedCoordinates: [{ coordinate: 'Order.margin', code: 'ERR_FORBIDDEN', detail: undefined, selections: 3, path: 'a.b' }] } as unknown as OperationDecision;
    metrics.operationDenied({ principal: machine('acme'), decision, context: {} });
    const samples = parseMetrics(await metrics.registry.metrics());
    expect(sampleValue(samples, METRIC_NAMES.denials, { client_id: 'acme', coordinate: 'Order.margin' })).toBe(1);
  });

  it.each([
    [{ maxClientIds: -1 }, '"maxClientIds" must be an integer from 0 to 100000'],
    [{ clientIds: ['a', 'b'], maxClientIds: 1 }, '"clientIds" must not list more ids than "maxClientIds"'],
    [{ buckets: [1, 0.5] }, '"buckets" must be a non-empty array of increasing positive numbers'],
    [{ registry: {} }, '"registry" must be a prom-client Registry'],
    [{ prefix: 'x_' }, '"prefix" is not an option of createPrometheusMetrics'],
  ])('refuses %o with a TypeError naming the option', (options, message) => {
    expect(() => createPrometheusMetrics(options as never)).toThrow(new TypeError(message));
  });
});
