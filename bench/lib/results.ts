/**
 * The shape of a benchmark run: scenarios with their timings, ratios and targets, written both as
 * JSON (for the smoke test and for tooling) and as the Markdown of bench/RESULTS.md.
 */
import { ratioOf, summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { VariantSamples } from './interleave.js';

/** One measured figure of a scenario. */
export interface Measurement {
  readonly name: string;
  /** Unit of `summary` values: 'ms', 'µs', 'ns', 'req/s', 'count'. */
  readonly unit: string;
  readonly summary: Summary;
  /** Number of sampled results whose bodies were checked. */
  readonly checks: number;
  /** The first wrong answer; when set, the figure is void. */
  readonly failure: string | null;
  readonly note?: string;
}

/** A per-round ratio between two measurements of the same run. */
export interface Ratio {
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly summary: Summary;
}

/** A target from the issue, with the figure that decides it. */
export interface Target {
  readonly scenario: string;
  readonly text: string;
  readonly figure: string;
  /** null: not measured in this run (say why in `note`). */
  readonly pass: boolean | null;
  readonly note?: string;
}

/** One scenario's outcome. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** What exactly is compared, in a sentence or two. */
  readonly method: string;
  readonly measurements: Measurement[];
  readonly ratios: Ratio[];
  readonly targets: Target[];
  readonly notes: string[];
  /** Set when the scenario could not run at all (e.g. a library API missing). */
  readonly skipped: string | null;
  readonly seconds: number;
}

/** A whole run. */
export interface RunResult {
  readonly mode: 'full' | 'smoke';
  readonly date: string;
  readonly machine: Record<string, string>;
  readonly scenarios: ScenarioResult[];
  readonly totalSeconds: number;
}

/** Turns interleaved samples (ns per op) into measurements in the given unit. */
export function measurementsFrom(samples: readonly VariantSamples[], unit: 'ms' | 'µs' | 'ns'): Measurement[] {
  const divisor = unit === 'ms' ? 1e6 : unit === 'µs' ? 1e3 : 1;
  return samples.map((sample) => ({
    name: sample.name,
    unit,
    summary: summarize(sample.nsPerOp.map((ns) => ns / divisor)),
    checks: sample.checks,
    failure: sample.failure,
  }));
}

/** Finds a measurement by name or throws (a bench bug, not a result). */
export function byName(measurements: readonly Measurement[], name: string): Measurement {
  const found = measurements.find((measurement) => measurement.name === name);
  if (found === undefined) throw new Error(`bench bug: no measurement named ${name}`);
  return found;
}

/** Whether a measurement has valid samples. */
export function usable(measurement: Measurement): boolean {
  return measurement.failure === null && measurement.summary.samples.length > 0;
}

/** The per-round ratio numerator / denominator, or null when either is missing or has no valid samples. */
export function ratio(measurements: readonly Measurement[], numerator: string, denominator: string, name?: string): Ratio | null {
  const a = measurements.find((measurement) => measurement.name === numerator);
  const b = measurements.find((measurement) => measurement.name === denominator);
  if (a === undefined || b === undefined || !usable(a) || !usable(b)) return null;
  return { name: name ?? `${numerator} / ${denominator}`, numerator, denominator, summary: ratioOf(a.summary.samples, b.summary.samples) };
}

/** Formats a number with a sensible number of significant digits. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  return Number(value.toPrecision(digits)).toString();
}
