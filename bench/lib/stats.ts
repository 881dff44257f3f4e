/** Small statistics over per-round samples: medians, ranges, exact percentiles. */

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median, min and max of a sample list. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** Summarises samples. */
export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    min: samples.length === 0 ? Number.NaN : Math.min(...samples),
    max: samples.length === 0 ? Number.NaN : Math.max(...samples),
    samples: [...samples],
  };
}

/** Per-round ratios a[i] / b[i] of two interleaved sample lists, summarised. */
export function ratioOf(a: readonly number[], b: readonly number[]): Summary {
  const count = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let index = 0; index < count; index += 1) ratios.push((a[index] as number) / (b[index] as number));
  return summarize(ratios);
}
