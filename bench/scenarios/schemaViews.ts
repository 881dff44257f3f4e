/**
 * Scenario 11, in process: per-client schema views (schemaView: 'caller'). Per request: validating a
 * parsed reference-API operation against the full schema, against the caller's cached view (the view
 * looked up by projected access key, then validated), and the plugin's check that decides whether an
 * ordinary document needs the view at all (cached decision + hidden-type scan).
 */
import { parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode } from 'graphql';
import { accessKeyOf } from '../../src/index.js';
import type { Principal } from '../../src/index.js';
import { touchesHiddenPart } from '../../src/directives/callerView.js';
import { enforcementOf } from '../../src/directives/enforcement.js';
import { buildReferenceSchema } from '../../src/server/schema.js';
import { createLogger } from '../../src/server/logger.js';
import { runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { byName, fmt, measurementsFrom, ratio } from '../lib/results.js';
import type { Measurement, Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';

const QUERY = `query Catalog($category: ID) {
  viewer { kind client { id name } scopes }
  products(categoryId: $category, first: 10) { id sku name description listPrice { amount currency } category { id name } }
  categories { id name products { id name } }
  myOrders { number status placedAt lines { quantity product { name } unitPrice { amount } } total { amount } }
}`;

export async function schemaViews(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const { schema } = buildReferenceSchema({ mode: 'filter', defaultPolicy: 'authenticated', schemaView: 'caller', logger: createLogger('silent') });
  const enforcement = enforcementOf(schema);
  if (enforcement === undefined) throw new Error('reference schema not prepared');
  const parts = { kind: 'machine' as const, client: { id: 'initech-bronze', name: 'Initech', metadata: { tier: 'bronze' } }, scopes: ['catalog:read', 'orders:read'] };
  const bronze: Principal = { ...parts, claims: {}, accessKey: accessKeyOf(parts) };
  const document: DocumentNode = parse(QUERY);
  const operation = document.definitions[0];
  if (operation === undefined || operation.kind !== 'OperationDefinition') throw new Error('no operation');
  enforcement.viewOf(bronze); // built once, before timing: the figure is the cached view
  const check = (outcome: unknown): void => {
    if (!Array.isArray(outcome) || outcome.length !== 0) throw new Error('the operation must validate');
  };
  const FULL = 'validate against the full schema';
  const VIEW = 'cached view lookup + validate against the view';
  const TOUCH = 'cached decision + does the document touch the hidden part (ordinary request)';
  const variants: Variant[] = [
    { name: FULL, run: () => validate(schema, document, specifiedRules), check },
    { name: VIEW, run: () => validate(enforcement.viewOf(bronze).schema, document, specifiedRules), check },
    {
      name: TOUCH,
      run: () => (touchesHiddenPart(enforcement.viewOf(bronze), document, enforcement.decide(operation, () => undefined, bronze)) ? [1] : []),
      check,
    },
  ];
  const samples = await runInterleaved(variants, {
    rounds: sizes.rounds,
    warmupRounds: sizes.warmupRounds,
    minBatchMs: sizes.minBatchMs,
    maxIterations: sizes.mode === 'smoke' ? 50 : 50_000,
    minIterations: sizes.mode === 'smoke' ? 1 : 200,
    gc: false,
  });
  const measurements: Measurement[] = measurementsFrom(samples, 'µs');
  const viewRatio = ratio(measurements, VIEW, FULL, 'cached view validation / full-schema validation');
  const touchRatio = ratio(measurements, TOUCH, FULL, 'ordinary-request view check / full-schema validation (information)');
  const targets: Target[] = [
    viewRatio === null
      ? { scenario: '11', text: 'a cached view costs ≤ 1.05× validating against the full schema', figure: 'not measured', pass: null, note: byName(measurements, VIEW).failure ?? undefined }
      : { scenario: '11', text: 'a cached view costs ≤ 1.05× validating against the full schema', figure: `${fmt(viewRatio.summary.median)}×`, pass: viewRatio.summary.median <= 1.05 },
  ];
  return {
    id: '11',
    title: 'Per-client schema views',
    method:
      'In process, interleaved rounds; µs per call. One parsed reference-API operation (4 root fields, 30 selections) validated with graphql-js specifiedRules against the full schema, ' +
      "and against a bronze partner's view looked up in the view cache by projected access key (built once before timing). " +
      'The third row is what the Apollo plugin adds to an ordinary request under schemaView caller: the cached decision and the hidden-type scan of the document (no second validation).',
    measurements,
    ratios: [viewRatio, touchRatio].filter((value): value is Ratio => value !== null),
    targets,
    notes: [],
    skipped: null,
    seconds: (performance.now() - started) / 1000,
  };
}
