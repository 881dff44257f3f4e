/**
 * The Grafana dashboard in dashboards/ queries only series that allow-clients exports: every metric
 * name in its PromQL must be one `/metrics` really answers with, and every label it filters or
 * groups by must be one of that metric's labels.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPrometheusMetrics } from '../../src/prometheus/index.js';

const dashboard = JSON.parse(readFileSync(new URL('../../dashboards/allow-clients.json', import.meta.url), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
};

async function exported(): Promise<Map<string, Set<string>>> {
  const metrics = createPrometheusMetrics();
  const families = await metrics.registry.getMetricsAsJSON();
  const series = new Map<string, Set<string>>();
  for (const family of families) {
    // A histogram is queried by its _bucket, _sum and _count series (with `le` on the buckets).
    const names = String(family.type) === 'histogram' ? [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`] : [family.name];
    const labels = (metrics.registry.getSingleMetric(family.name) as unknown as { labelNames: string[] }).labelNames;
    for (const name of names) series.set(name, new Set([...labels, ...(name.endsWith('_bucket') ? ['le'] : [])]));
  }
  return series;
}

const queries = [
  ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
  ...dashboard.templating.list.flatMap((variable) => (typeof variable.query === 'string' && variable.query.includes('(') ? [variable.query] : [])),
];

describe('dashboards/allow-clients.json', () => {
  it('has the panels the issue asks for: requests and refusals per partner, limits hit, verification latency', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    expect(titles).toEqual(expect.arrayContaining(['Requests per partner', 'Limits hit', 'Token verification latency (p50, p99)']));
    expect(titles.some((title) => title.startsWith('Refusals per partner'))).toBe(true);
  });

  it.each(queries)('queries only exported series and labels: %s', async (query) => {
    const series = await exported();
    const names = [...query.matchAll(/\b(allow_clients_[a-z_]+)/g)].map((match) => match[1] as string);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(series.has(name), `${name} is not exported`).toBe(true);
      const labels = series.get(name) as Set<string>;
      const selector = new RegExp(`${name}\\{([^}]*)\\}`).exec(query)?.[1] ?? '';
      for (const label of [...selector.matchAll(/([a-z_]+)\s*(?:=~|!=|!~|=)/g)].map((match) => match[1] as string)) {
        expect(labels.has(label), `${name} has no label ${label}`).toBe(true);
      }
    }
    for (const group of [...query.matchAll(/by \(([^)]*)\)/g)].flatMap((match) => (match[1] as string).split(',').map((label) => label.trim()))) {
      expect(names.some((name) => series.get(name)?.has(group)), `no queried series has the label ${group}`).toBe(true);
    }
  });
});
