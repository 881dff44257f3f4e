/**
 * Interleaved in-process timing: every round runs each variant once (a batch of iterations),
 * in an order that rotates between rounds (see {@link roundOrder}), so that drift in machine load and
 * position effects affect every variant alike and ratios can be taken per round. Warm-up rounds are
 * discarded.
 *
 * Each batch is timed with process.hrtime.bigint around `iterations` calls; the per-operation time
 * of the round is total / iterations. The result of the first and the last call of every batch is
 * checked (outside the timed region): a wrong answer marks the variant failed and it is not
 * reported as a timing.
 */
import { performance } from 'node:perf_hooks';

/** One thing to time. */
export interface Variant<R = unknown> {
  readonly name: string;
  /** Runs one operation. May be async. */
  readonly run: () => R | Promise<R>;
  /** Throws when a result is wrong. Called on sampled results, outside the timed region. */
  readonly check: (result: R) => void;
  /** Runs before every batch, outside the timed region (e.g. a fresh input for a one-shot build). */
  readonly prepare?: () => void | Promise<void>;
}

/** Options of {@link runInterleaved}. */
export interface InterleaveOptions {
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Each batch runs at least this long (iterations are calibrated in the first warm-up round). */
  readonly minBatchMs: number;
  /** Upper bound of iterations per batch. */
  readonly maxIterations?: number;
  /** Lower bound of iterations per batch. */
  readonly minIterations?: number;
  /** Stop adding rounds once this much time has passed (the remaining rounds are skipped). */
  readonly budgetMs?: number;
  /**
   * Force a full GC before every batch (default true, when `--expose-gc` is on). Off for
   * microsecond operations: a forced full GC leaves V8's young generation small, and the next batch
   * of a contender that allocates and retains (a verifier filling its claim cache) pays for it, which
   * a long-running server never does.
   */
  readonly gc?: boolean;
  /**
   * Untimed calls of the same contender right before each timed batch (default 0): the heap and the
   * caches then belong to the contender being timed, not to the one that ran before it (a peer that
   * allocates a promise or an error per item leaves a heap that slows whoever comes next).
   */
  readonly warmupPerBatch?: number;
}

/** What happened to one variant. */
export interface VariantSamples {
  readonly name: string;
  /** Per measured round, nanoseconds per operation. */
  readonly nsPerOp: number[];
  iterations: number;
  /** Results checked (sampled). */
  checks: number;
  /** The first wrong answer, if any; the variant's timings are then void. */
  failure: string | null;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** Whether `--expose-gc` is on (GC runs between batches). */
export const gcExposed = typeof gc === 'function';

async function timeBatch<R>(variant: Variant<R>, iterations: number): Promise<{ ns: number; first: R; last: R }> {
  let first: R | undefined;
  let last: R | undefined;
  const start = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) {
    let result = variant.run();
    if (result instanceof Promise) result = await result;
    if (index === 0) first = result as R;
    last = result as R;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { ns, first: first as R, last: last as R };
}

/**
 * The order of the contenders in a round: a rotation that moves by one each round, reversed every
 * other pair of rounds (A B C, B C A, C A B, then C B A, B A C, A C B …). Each contender takes every
 * position and follows every other one equally often, so effects of position (what ran just before,
 * the heap it left) spread over all contenders instead of biasing one.
 */
export function roundOrder(count: number, round: number): number[] {
  const shift = round % count;
  const order = Array.from({ length: count }, (_, index) => (index + shift) % count);
  if (Math.floor(round / count) % 2 === 1) order.reverse();
  return order;
}

/** Runs interleaved rounds and returns per-variant samples (measured rounds only). */
export async function runInterleaved(variants: readonly Variant<never>[] | readonly Variant[], options: InterleaveOptions): Promise<VariantSamples[]> {
  const list = variants as readonly Variant[];
  const maxIterations = options.maxIterations ?? 1_000_000;
  const minIterations = options.minIterations ?? 1;
  const samples: VariantSamples[] = list.map((variant) => ({ name: variant.name, nsPerOp: [], iterations: 1, checks: 0, failure: null }));
  const started = performance.now();
  const totalRounds = options.warmupRounds + options.rounds;
  for (let round = 0; round < totalRounds; round += 1) {
    const measured = round >= options.warmupRounds;
    if (measured && options.budgetMs !== undefined && round > options.warmupRounds + 2 && performance.now() - started > options.budgetMs) break;
    const order = roundOrder(list.length, round);
    for (const index of order) {
      const variant = list[index] as Variant;
      const sample = samples[index] as VariantSamples;
      if (sample.failure !== null) continue;
      if (round === 0) {
        // Calibrate: one call, then enough iterations to last minBatchMs.
        let probe: { ns: number; first: unknown };
        try {
          await variant.prepare?.();
          probe = await timeBatch(variant, 1);
        } catch (error) {
          sample.failure = `threw: ${error instanceof Error ? error.message : String(error)}`;
          continue;
        }
        try {
          variant.check(probe.first);
          sample.checks += 1;
        } catch (error) {
          sample.failure = error instanceof Error ? error.message : String(error);
          continue;
        }
        const perOpMs = Math.max(probe.ns / 1e6, 1e-6);
        sample.iterations = Math.min(maxIterations, Math.max(minIterations, Math.ceil(options.minBatchMs / perOpMs)));
      }
      let batch: { ns: number; first: unknown; last: unknown };
      try {
        await variant.prepare?.();
        if (options.gc ?? true) gc?.();
        if ((options.warmupPerBatch ?? 0) > 0) await timeBatch(variant, options.warmupPerBatch ?? 0);
        batch = await timeBatch(variant, sample.iterations);
      } catch (error) {
        sample.failure = `threw: ${error instanceof Error ? error.message : String(error)}`;
        continue;
      }
      try {
        variant.check(batch.first);
        variant.check(batch.last);
        sample.checks += 2;
      } catch (error) {
        sample.failure = error instanceof Error ? error.message : String(error);
        continue;
      }
      if (measured) sample.nsPerOp.push(batch.ns / sample.iterations);
    }
  }
  return samples;
}
