/**
 * Scenario 1, the large list (in process): `items(first: 10000)` with an id and three protected
 * fields per item, for an allowed and for a denied client. Two tiers, each with its own floor:
 * - Apollo Server (executeOperation): the floor (no authorization), ours with the plugin in
 *   `filter` and `reject` modes, and graphql-shield on the same server;
 * - graphql-js `execute` on a parsed, validated document: the floor, our schema transformer alone,
 *   graphql-shield, @envelop/generic-auth (envelop + execute) and the graphql-tools docs wrapper.
 * Then the denied client's decision at several list lengths (reject mode, and the uncached
 * pre-execution decision alone), which must not depend on the length.
 */
import { execute, parse, validate } from 'graphql';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import {
  ItemStore,
  allowedPrincipal,
  buildFloorSchema,
  deniedPrincipal,
  expectAllowedList,
  expectDeniedList,
  largeListEnvelopSdl,
  largeListQuery,
  PROTECTED_FIELDS,
} from '../fixtures/largeList.js';
import type { GraphQLResultLike } from '../fixtures/largeList.js';
import { envelopRunner } from '../peers/envelopAuth.js';
import { clientRule, shieldSchema } from '../peers/shield.js';
import { toolsDocsAuthDirective } from '../peers/toolsDirective.js';
import { startApollo } from '../lib/apollo.js';
import type { ApolloOutcome, InProcessApollo } from '../lib/apollo.js';
import { runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { fmt, measurementsFrom, ratio, usable } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { allowClientsPlugin, applyAllowClients, checkOperation } from '../lib/ours.js';
import type { Principal } from '../../src/index.js';

const A_FLOOR = 'Apollo: floor (no authorization)';
const A_FILTER = 'Apollo: ours, plugin, filter mode';
const A_REJECT = 'Apollo: ours, plugin, reject mode';
const A_SHIELD = 'Apollo: graphql-shield';
const G_FLOOR = 'graphql-js: floor (no authorization)';
const G_TRANSFORMER = 'graphql-js: ours, schema transformer';
const G_SHIELD = 'graphql-js: graphql-shield';
const G_ENVELOP = 'graphql-js: @envelop/generic-auth';
const G_TOOLS = 'graphql-js: graphql-tools docs wrapper (async)';

/** A result plus the number of calls of the list resolver during the operation. */
interface Observed {
  readonly status: number;
  readonly result: GraphQLResultLike;
  readonly resolverCalls: number;
}

export async function largeList(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const store = new ItemStore();
  const length = sizes.listLength;
  const query = largeListQuery(length);
  // Apollo Server instruments the resolvers of the schema it serves, in place: the graphql-js tier
  // gets schema objects of its own, so that it runs without Apollo's wrappers.
  const floorSchema = buildFloorSchema(store);
  const gqlFloorSchema = buildFloorSchema(store);
  const prepared = (mode: 'filter' | 'reject'): GraphQLSchema => applyAllowClients(buildFloorSchema(store), { mode, defaultPolicy: 'public' });
  const filterSchema = prepared('filter');
  const rejectSchema = prepared('reject');
  const rule = clientRule(['partner-allowed']);
  const gqlFilterSchema = prepared('filter');
  const shielded = shieldSchema(buildFloorSchema(store), { Item: { wholesalePrice: rule, margin: rule, stock: rule } });
  const gqlShielded = shieldSchema(buildFloorSchema(store), { Item: { wholesalePrice: rule, margin: rule, stock: rule } });
  const toolsSchema = toolsDocsAuthDirective()(buildFloorSchema(store));
  const envelop = envelopRunner(buildFloorSchema(store, largeListEnvelopSdl, ''));
  const servers: InProcessApollo[] = [];
  const apollo = async (schema: GraphQLSchema, withPlugin: boolean): Promise<InProcessApollo> => {
    const server = await startApollo(schema, withPlugin ? [allowClientsPlugin()] : []);
    servers.push(server);
    return server;
  };
  try {
    const apolloFloor = await apollo(floorSchema, false);
    const apolloFilter = await apollo(filterSchema, true);
    const apolloReject = await apollo(rejectSchema, true);
    const apolloShield = await apollo(shielded, false);
    const document = parse(query);
    const validationErrors = validate(gqlFloorSchema, document);
    if (validationErrors.length > 0) throw new Error(`bench bug: ${validationErrors[0]?.message}`);

    const observe = async (run: () => ApolloOutcome | Promise<ApolloOutcome> | ExecutionResult | Promise<ExecutionResult>): Promise<Observed> => {
      const before = store.calls;
      const outcome = await run();
      const resolverCalls = store.calls - before;
      if ('status' in outcome && 'result' in outcome) return { status: outcome.status, result: outcome.result, resolverCalls };
      return { status: 200, result: outcome as GraphQLResultLike, resolverCalls };
    };
    const gql = (schema: GraphQLSchema, principal: Principal) => () => observe(() => execute({ schema, document, contextValue: { principal } }) as ExecutionResult);
    const viaApollo = (server: InProcessApollo, principal: Principal) => () => observe(() => server.execute(query, principal));

    const allowedCheck = (observed: unknown): void => {
      const { status, result } = observed as Observed;
      if (status !== 200) throw new Error(`allowed client got HTTP ${status}`);
      expectAllowedList(result, length);
    };
    const deniedCheck = (code?: string) => (observed: unknown): void => {
      const { status, result } = observed as Observed;
      if (status !== 200) throw new Error(`denied client in filter mode got HTTP ${status}`);
      expectDeniedList(result, length, code);
    };
    const rejectedCheck = (observed: unknown): void => {
      const { status, result, resolverCalls } = observed as Observed;
      if (status !== 403) throw new Error(`denied client in reject mode got HTTP ${status}, expected 403`);
      if (result.data !== undefined && result.data !== null) throw new Error('reject mode returned data');
      if (result.errors?.[0]?.extensions?.code !== 'FORBIDDEN') throw new Error(`reject mode error code ${String(result.errors?.[0]?.extensions?.code)}`);
      if (resolverCalls !== 0) throw new Error(`reject mode ran the list resolver ${resolverCalls} times`);
    };

    const contenders = (principal: Principal, allowed: boolean): Record<string, Variant> => ({
      [A_FLOOR]: { name: A_FLOOR, run: viaApollo(apolloFloor, principal), check: allowed ? allowedCheck : () => undefined },
      [A_FILTER]: { name: A_FILTER, run: viaApollo(apolloFilter, principal), check: allowed ? allowedCheck : deniedCheck('FORBIDDEN') },
      [A_REJECT]: { name: A_REJECT, run: viaApollo(apolloReject, principal), check: allowed ? allowedCheck : rejectedCheck },
      [A_SHIELD]: { name: A_SHIELD, run: viaApollo(apolloShield, principal), check: allowed ? allowedCheck : deniedCheck() },
      [G_FLOOR]: { name: G_FLOOR, run: gql(gqlFloorSchema, principal), check: allowed ? allowedCheck : () => undefined },
      [G_TRANSFORMER]: { name: G_TRANSFORMER, run: gql(gqlFilterSchema, principal), check: allowed ? allowedCheck : deniedCheck('FORBIDDEN') },
      [G_SHIELD]: { name: G_SHIELD, run: gql(gqlShielded, principal), check: allowed ? allowedCheck : deniedCheck() },
      [G_ENVELOP]: { name: G_ENVELOP, run: () => observe(() => envelop(document, principal)), check: allowed ? allowedCheck : deniedCheck() },
      [G_TOOLS]: { name: G_TOOLS, run: gql(toolsSchema, principal), check: allowed ? allowedCheck : deniedCheck() },
    });
    // Two groups of interleaved rounds per client. The floor group holds the contenders that the
    // ≤ 1.05× targets compare (and envelop, as light as they are); the slow peers, which allocate a
    // promise or an error per item, run in their own rounds beside ours, so that their garbage never
    // lands in the floor comparison.
    const FLOOR_GROUP = [A_FLOOR, A_FILTER, A_REJECT, G_FLOOR, G_TRANSFORMER, G_ENVELOP];
    const PEER_GROUP = [A_FILTER, A_SHIELD, G_TRANSFORMER, G_SHIELD, G_TOOLS];
    const PEER_SUFFIX = ' [peer rounds]';
    const options = { rounds: sizes.rounds, warmupRounds: sizes.warmupRounds, minBatchMs: sizes.minBatchMs, warmupPerBatch: 1 };
    const runClient = async (who: 'allowed client' | 'denied client', principal: Principal): Promise<Measurement[]> => {
      const all = contenders(principal, who === 'allowed client');
      const floorSamples = await runInterleaved(FLOOR_GROUP.map((name) => all[name] as Variant), { ...options, rounds: sizes.floorRounds, minBatchMs: sizes.floorBatchMs });
      // The peers take up to seconds per denied operation (a promise or an error per item): fewer rounds, and a time cap.
      const peerSamples = await runInterleaved(
        PEER_GROUP.map((name) => all[name] as Variant),
        who === 'allowed client'
          ? { ...options, rounds: Math.min(options.rounds, 11), budgetMs: 60_000 }
          : { ...options, rounds: Math.min(options.rounds, 7), warmupRounds: 1, budgetMs: 90_000 },
      );
      const peerNames = new Set([A_SHIELD, G_SHIELD, G_TOOLS]);
      return [
        ...measurementsFrom(floorSamples, 'ms').map((m) => ({ ...m, name: `${who} — ${m.name}` })),
        ...measurementsFrom(peerSamples, 'ms').map((m) => ({ ...m, name: `${who} — ${m.name}${peerNames.has(m.name) ? '' : PEER_SUFFIX}` })),
      ];
    };
    const allowed = await runClient('allowed client', allowedPrincipal);
    const denied = await runClient('denied client', deniedPrincipal);
    // The floor answers the denied client with everything: its figure is the cost of the same list, not a check.
    for (const m of denied) if (m.name.endsWith('(no authorization)')) (m as { note?: string }).note = 'no check: returns every value';

    const ratios: Ratio[] = [];
    const push = (value: Ratio | null): void => {
      if (value !== null) ratios.push(value);
    };
    const measurements: Measurement[] = [...allowed, ...denied];
    for (const [who, list] of [['allowed client', allowed], ['denied client', denied]] as const) {
      const n = (name: string): string => `${who} — ${name}`;
      const p = (name: string): string => `${who} — ${name}${PEER_SUFFIX}`;
      push(ratio(list, n(A_FILTER), n(A_FLOOR), `${who}: ours filter / Apollo floor`));
      push(ratio(list, n(A_REJECT), n(A_FLOOR), `${who}: ours reject / Apollo floor`));
      push(ratio(list, n(G_TRANSFORMER), n(G_FLOOR), `${who}: ours transformer / graphql-js floor`));
      push(ratio(list, n(G_ENVELOP), n(G_TRANSFORMER), `${who}: @envelop/generic-auth / ours transformer`));
      push(ratio(list, n(G_ENVELOP), n(G_FLOOR), `${who}: @envelop/generic-auth / graphql-js floor`));
      push(ratio(list, n(A_SHIELD), p(A_FILTER), `${who}: graphql-shield / ours filter (Apollo): how many times faster ours is`));
      push(ratio(list, n(G_SHIELD), p(G_TRANSFORMER), `${who}: graphql-shield / ours transformer (graphql-js)`));
      push(ratio(list, n(G_TOOLS), p(G_TRANSFORMER), `${who}: graphql-tools wrapper / ours transformer`));
    }

    // The denied client's decision at several lengths.
    const decision = await decisionByLength(sizes, rejectSchema, apolloReject, observe, rejectedCheck);
    measurements.push(...decision.measurements);

    const targets: Target[] = [];
    const find = (name: string): Ratio | undefined => ratios.find((value) => value.name === name);
    for (const [label, name] of [
      ['filter', 'allowed client: ours filter / Apollo floor'],
      ['reject', 'allowed client: ours reject / Apollo floor'],
      ['transformer', 'allowed client: ours transformer / graphql-js floor'],
    ] as const) {
      const value = find(name);
      targets.push(value === undefined
        ? { scenario: '1', text: `allowed client ≤ 1.05× the floor (ours, ${label})`, figure: 'not measured', pass: null }
        : { scenario: '1', text: `allowed client ≤ 1.05× the floor (ours, ${label})`, figure: `${fmt(value.summary.median)}×`, pass: value.summary.median <= 1.05 });
    }
    for (const [label, name] of [
      ['filter, same Apollo server', 'allowed client: graphql-shield / ours filter (Apollo): how many times faster ours is'],
      ['transformer, same graphql-js execute', 'allowed client: graphql-shield / ours transformer (graphql-js)'],
    ] as const) {
      const value = find(name);
      targets.push(value === undefined
        ? { scenario: '1', text: `≥ 7× faster than graphql-shield (ours ${label})`, figure: 'not measured', pass: null }
        : { scenario: '1', text: `≥ 7× faster than graphql-shield (ours ${label})`, figure: `${fmt(value.summary.median)}×`, pass: value.summary.median >= 7 });
    }
    targets.push(decision.target);
    return {
      id: '1',
      title: `Large list (${length.toLocaleString('en-US')} items × id + 3 protected fields)`,
      method:
        'In process, interleaved rounds; ms per operation. Two groups of rounds per client: the floors with ours (and envelop), then the slow peers beside ours ' +
        '(rows marked [peer rounds]); each ratio is taken inside one group. Apollo tier: `executeOperation` with a fresh context per operation ' +
        '(Apollo parses and validates once, then caches the document). graphql-js tier: `execute` on a document parsed and validated once. ' +
        'All contenders use the same SDL, data and default resolvers; the ids and every protected value are checked for the allowed client, ' +
        'nulls (and our single FORBIDDEN error per field, or 403 with no resolver run in reject mode) for the denied one.',
      measurements,
      ratios,
      targets,
      notes: decision.notes,
      skipped: null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

/**
 * The denied client's decision at several list lengths: the whole operation in reject mode
 * through Apollo (refused before execution) and the uncached pre-execution decision alone
 * (checkOperation on a freshly parsed document each time).
 */
async function decisionByLength(
  sizes: Sizes,
  rejectSchema: GraphQLSchema,
  server: InProcessApollo,
  observe: (run: () => Promise<ApolloOutcome>) => Promise<Observed>,
  rejectedCheck: (observed: unknown) => void,
): Promise<{ measurements: Measurement[]; target: Target; notes: string[] }> {
  const batch = sizes.mode === 'smoke' ? 5 : 200;
  const variants: Variant[] = [];
  for (const length of sizes.denialLengths) {
    const query = largeListQuery(length);
    let queue: DocumentNode[] = [];
    variants.push({
      name: `denied decision, uncached (checkOperation on a fresh document), ${length.toLocaleString('en-US')} items`,
      prepare: () => {
        queue = Array.from({ length: batch + 1 }, () => parse(query));
      },
      run: () => {
        const document = queue.pop();
        if (document === undefined) throw new Error('bench bug: no fresh document left');
        return checkOperation({ schema: rejectSchema, document, principal: deniedPrincipal });
      },
      check: (decision) => {
        const refused = (decision as ReturnType<typeof checkOperation>)?.refusal;
        if (refused === null || refused === undefined) throw new Error('the denied client was not refused');
        const denied = (decision as NonNullable<ReturnType<typeof checkOperation>>).denials.length;
        if (denied !== PROTECTED_FIELDS.length) throw new Error(`${denied} denials, expected ${PROTECTED_FIELDS.length}`);
      },
    });
    variants.push({
      name: `denied operation, reject mode through Apollo, ${length.toLocaleString('en-US')} items`,
      run: () => observe(() => server.execute(query, deniedPrincipal)),
      check: rejectedCheck,
    });
  }
  const samples = await runInterleaved(variants, {
    rounds: sizes.rounds,
    warmupRounds: sizes.warmupRounds,
    minBatchMs: sizes.minBatchMs,
    minIterations: batch,
    maxIterations: batch,
  });
  const measurements = measurementsFrom(samples, 'µs');
  const uncached = measurements.filter((m) => m.name.startsWith('denied decision, uncached'));
  const whole = measurements.filter((m) => m.name.startsWith('denied operation'));
  const all = [...uncached, ...whole];
  const ok = all.every(usable);
  const worst = ok ? Math.max(...uncached.map((m) => m.summary.median)) : Number.NaN;
  const worstWhole = ok ? Math.max(...whole.map((m) => m.summary.median)) : Number.NaN;
  const spread = (list: Measurement[]): string => {
    const medians = list.map((m) => m.summary.median);
    return `${fmt(Math.min(...medians))}–${fmt(Math.max(...medians))} µs`;
  };
  const notes = ok
    ? [
        `Denied decision across lengths ${sizes.denialLengths.join(', ')}: uncached decision ${spread(uncached)}, whole refused operation through Apollo ${spread(whole)}; ` +
          `largest/smallest median ${fmt(Math.max(...uncached.map((m) => m.summary.median)) / Math.min(...uncached.map((m) => m.summary.median)))}× (uncached), ` +
          `${fmt(Math.max(...whole.map((m) => m.summary.median)) / Math.min(...whole.map((m) => m.summary.median)))}× (whole operation).`,
      ]
    : [];
  const target: Target = ok
    ? {
        scenario: '1',
        text: "denied client's decision < 1 ms at any list length",
        figure: `≤ ${fmt(worst)} µs uncached, ≤ ${fmt(worstWhole)} µs for the whole refused operation (lengths ${sizes.denialLengths.join(', ')})`,
        pass: worst < 1000 && worstWhole < 1000,
      }
    : { scenario: '1', text: "denied client's decision < 1 ms at any list length", figure: 'not measured', pass: null, note: all.find((m) => !usable(m))?.failure ?? undefined };
  return { measurements, target, notes };
}
