/**
 * Scenario 3, a small operation repeated (in process): what the per-operation check costs once the
 * decision is cached. checkOperation on the same document object and an equal principal (a cache
 * hit: the first call decided and cached), next to the uncached decision of the same operation, and
 * the whole operation through Apollo with our plugin against Apollo without it.
 */
import { parse } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { ItemStore, allowedPrincipal, buildFloorSchema, makeItem, smallQuery } from '../fixtures/largeList.js';
import type { GraphQLResultLike, Item } from '../fixtures/largeList.js';
import { startApollo } from '../lib/apollo.js';
import type { ApolloOutcome, InProcessApollo } from '../lib/apollo.js';
import { runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { byName, fmt, measurementsFrom, ratio, usable } from '../lib/results.js';
import type { Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { allowClientsPlugin, applyAllowClients, checkOperation } from '../lib/ours.js';

const CACHED = 'ours: checkOperation, cached decision';
const UNCACHED = 'ours: checkOperation, uncached (fresh document)';
const A_FLOOR = 'Apollo: small operation, no authorization (floor)';
const A_OURS = 'Apollo: small operation, ours (plugin, filter mode)';

export async function repeatedOperation(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const store = new ItemStore();
  const prepared: GraphQLSchema = applyAllowClients(buildFloorSchema(store), { mode: 'filter', defaultPolicy: 'public' });
  const document = parse(smallQuery);
  const servers: InProcessApollo[] = [];
  try {
    const floor = await startApollo(buildFloorSchema(store));
    servers.push(floor);
    const ours = await startApollo(applyAllowClients(buildFloorSchema(store), { mode: 'filter', defaultPolicy: 'public' }), [allowClientsPlugin()]);
    servers.push(ours);
    const batch = sizes.mode === 'smoke' ? 20 : 2_000;
    let queue: DocumentNode[] = [];
    const decisionCheck = (decision: unknown): void => {
      const value = decision as ReturnType<typeof checkOperation>;
      if (value === null) throw new Error('no decision');
      if (value.denials.length !== 0 || value.refusal !== null) throw new Error('the allowed client was denied');
    };
    const expected = makeItem(7);
    const outcomeCheck = (outcome: unknown): void => {
      const { status, result } = outcome as { status: number; result: GraphQLResultLike };
      const item = result.data?.item as Item | undefined;
      if (status !== 200 || result.errors !== undefined || item === undefined || item.margin !== expected.margin || item.stock !== expected.stock) {
        throw new Error(`small operation answered ${status} ${JSON.stringify(result).slice(0, 200)}`);
      }
    };
    const variants: Variant[] = [
      { name: CACHED, run: () => checkOperation({ schema: prepared, document, principal: allowedPrincipal }), check: decisionCheck },
      {
        name: UNCACHED,
        prepare: () => {
          queue = Array.from({ length: batch + 1 }, () => parse(smallQuery));
        },
        run: () => {
          const fresh = queue.pop();
          if (fresh === undefined) throw new Error('bench bug: no fresh document left');
          return checkOperation({ schema: prepared, document: fresh, principal: allowedPrincipal });
        },
        check: decisionCheck,
      },
      { name: A_FLOOR, run: (): Promise<ApolloOutcome> => floor.execute(smallQuery, allowedPrincipal), check: outcomeCheck },
      { name: A_OURS, run: (): Promise<ApolloOutcome> => ours.execute(smallQuery, allowedPrincipal), check: outcomeCheck },
    ];
    const samples = await runInterleaved(variants, {
      rounds: sizes.rounds,
      warmupRounds: sizes.warmupRounds,
      minBatchMs: sizes.minBatchMs,
      maxIterations: batch,
      gc: false,
    });
    const measurements = measurementsFrom(samples, 'µs');
    const cached = byName(measurements, CACHED);
    const ratios = [ratio(measurements, A_OURS, A_FLOOR, 'Apollo small operation: ours / floor'), ratio(measurements, CACHED, UNCACHED, 'cached / uncached decision')].filter(
      (value): value is Ratio => value !== null,
    );
    const apolloFloor = byName(measurements, A_FLOOR);
    const apolloOurs = byName(measurements, A_OURS);
    const notes: string[] = [];
    if (usable(apolloFloor) && usable(apolloOurs)) {
      const deltas = apolloOurs.summary.samples.map((value, index) => value - (apolloFloor.summary.samples[index] as number));
      deltas.sort((a, b) => a - b);
      notes.push(`Whole small operation through Apollo: ours − floor per round, median ${fmt(deltas[Math.floor(deltas.length / 2)] as number)} µs (includes the plugin's hooks and the field guards, not only the check).`);
    }
    const targets: Target[] = [
      usable(cached)
        ? { scenario: '3', text: 'cached check ≤ 10 µs per operation', figure: `${fmt(cached.summary.median)} µs`, pass: cached.summary.median <= 10 }
        : { scenario: '3', text: 'cached check ≤ 10 µs per operation', figure: 'not measured', pass: null, note: cached.failure ?? undefined },
    ];
    return {
      id: '3',
      title: 'Repeated small operation',
      method: `In process, interleaved rounds; µs per operation. Query: \`${smallQuery}\` (one item, three protected fields, allowed client).`,
      measurements,
      ratios,
      targets,
      notes,
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
