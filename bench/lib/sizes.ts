/** Sizes of a full run and of the smoke run (CI: a few seconds, same code paths). */

export interface Sizes {
  readonly mode: 'full' | 'smoke';
  /** In-process timing. */
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly minBatchMs: number;
  /** Scenario 1. */
  readonly listLength: number;
  /** Rounds and batch length of the floor comparison of scenario 1 (the tightest target). */
  readonly floorRounds: number;
  readonly floorBatchMs: number;
  readonly denialLengths: readonly number[];
  /** Scenario 2. */
  readonly schemaTypes: number;
  readonly schemaFields: number;
  readonly schemaRounds: number;
  /** Unmeasured rounds first: a one-shot build of a few ms stays cold code for several rounds. */
  readonly schemaWarmupRounds: number;
  /** Scenario 4: fresh tokens per batch (each is verified once). */
  readonly freshTokensPerBatch: number;
  /** Scenarios 5 and 6. */
  readonly distinctTokens: number;
  readonly httpRounds: number;
  readonly httpWarmupSec: number;
  readonly httpRoundSec: number;
  readonly connections: number;
  /** Hard cap on the whole run; children are killed and the run fails past it. */
  readonly totalBudgetSec: number;
}

export const FULL: Sizes = {
  mode: 'full',
  // Many short rounds: the median of per-round ratios then shrugs off bursts of load from elsewhere.
  rounds: 21,
  warmupRounds: 3,
  minBatchMs: 20,
  listLength: 10_000,
  floorRounds: 31,
  floorBatchMs: 150,
  denialLengths: [10, 1_000, 10_000, 100_000],
  schemaTypes: 100,
  schemaFields: 50,
  // One build per contender per round, ~10 ms for ours: 7 rounds spread 0.04–0.23× between runs.
  schemaRounds: 15,
  schemaWarmupRounds: 3,
  freshTokensPerBatch: 300,
  distinctTokens: 1_000,
  httpRounds: 5,
  httpWarmupSec: 3,
  httpRoundSec: 5,
  connections: 16,
  totalBudgetSec: 13 * 60,
};

export const SMOKE: Sizes = {
  mode: 'smoke',
  rounds: 2,
  warmupRounds: 1,
  minBatchMs: 2,
  listLength: 100,
  floorRounds: 2,
  floorBatchMs: 2,
  denialLengths: [10, 100],
  schemaTypes: 4,
  schemaFields: 5,
  schemaRounds: 2,
  schemaWarmupRounds: 1,
  freshTokensPerBatch: 5,
  distinctTokens: 10,
  httpRounds: 1,
  httpWarmupSec: 0.2,
  httpRoundSec: 0.3,
  connections: 2,
  // Ten scenarios, two of them starting NestJS applications, on a shared 2-core machine.
  totalBudgetSec: 160,
};
