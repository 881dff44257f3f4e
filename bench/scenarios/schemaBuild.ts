/**
 * Scenario 2, schema build (in process): `types` × `fields` annotated fields. The floor is
 * makeExecutableSchema alone on the SDL; against it, the time to compile our rules on the built
 * schema (what our plugin and transformer do once at start), our schema transformer, and each
 * peer's setup on the same schema. Every contender gets a freshly built schema (built outside the
 * timed region), so nothing is reused from a previous round.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { isObjectType } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { envelopRunner } from '../peers/envelopAuth.js';
import { clientRule, shieldSchema } from '../peers/shield.js';
import { toolsDocsAuthDirective } from '../peers/toolsDirective.js';
import { wideCoordinates, wideEnvelopSdl, wideResolvers, wideSdl } from '../fixtures/wideSchema.js';
import { runInterleaved } from '../lib/interleave.js';
import type { Variant } from '../lib/interleave.js';
import { byName, fmt, measurementsFrom, ratio, usable } from '../lib/results.js';
import type { Ratio, ScenarioResult, Target } from '../lib/results.js';
import type { Sizes } from '../lib/sizes.js';
import { authDirectiveTypeDefs, compileRules, ourSchemaTransformer } from '../lib/ours.js';

const FLOOR = 'makeExecutableSchema alone (floor)';
const OURS = 'ours: compile rules';

export async function schemaBuild(sizes: Sizes): Promise<ScenarioResult> {
  const started = performance.now();
  const { schemaTypes: types, schemaFields: fields } = sizes;
  const sdl = wideSdl(types, fields);
  const envelopSdl = wideEnvelopSdl(types, fields);
  const resolvers = wideResolvers(types);
  const build = (): GraphQLSchema => makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, sdl], resolvers });
  const annotated = types * fields;
  const rules = [clientRule(['partner-0', 'partner-3']), clientRule(['partner-1']), clientRule(['partner-2'])];
  const ruleTree: Record<string, Record<string, ReturnType<typeof clientRule>>> = {};
  for (const { type, field, ruleIndex } of wideCoordinates(types, fields)) {
    ruleTree[type] ??= {};
    (ruleTree[type] as Record<string, ReturnType<typeof clientRule>>)[field] = rules[ruleIndex] as ReturnType<typeof clientRule>;
  }
  const wrapped = (schema: unknown): number => {
    // Counts fields whose resolver was replaced (the peers' setup must have wrapped them all).
    let count = 0;
    for (const type of Object.values((schema as GraphQLSchema).getTypeMap())) {
      if (!isObjectType(type) || !/^T\d+$/.test(type.name)) continue;
      for (const field of Object.values(type.getFields())) if (field.resolve !== undefined) count += 1;
    }
    return count;
  };
  let input: GraphQLSchema = build();
  let envelopInput: GraphQLSchema = input;
  const fresh = (): void => {
    input = build();
  };
  const variants: Variant[] = [
    {
      name: FLOOR,
      run: build,
      check: (schema) => {
        if (!isObjectType((schema as GraphQLSchema).getType('T0'))) throw new Error('schema without T0');
      },
    },
    {
      name: OURS,
      prepare: fresh,
      run: () => compileRules(input, { defaultPolicy: 'authenticated' }),
      check: (compiled) => {
        const size = (compiled as ReturnType<typeof compileRules>).fields.size;
        if (size < annotated) throw new Error(`compiled ${size} field rules for ${annotated} annotated fields`);
      },
    },
    {
      name: 'ours: schema transformer (compile + wrap)',
      prepare: fresh,
      run: () => ourSchemaTransformer(input),
      check: (schema) => {
        if (wrapped(schema) < annotated) throw new Error(`transformer wrapped ${wrapped(schema)} of ${annotated} fields`);
      },
    },
    {
      name: 'graphql-shield: shield() + applyMiddleware',
      prepare: fresh,
      run: () => shieldSchema(input, ruleTree),
      check: (schema) => {
        if (wrapped(schema) < annotated) throw new Error(`shield wrapped ${wrapped(schema)} of ${annotated} fields`);
      },
    },
    {
      name: 'graphql-tools docs directive: mapSchema transformer',
      prepare: fresh,
      run: () => toolsDocsAuthDirective()(input),
      check: (schema) => {
        if (wrapped(schema) < annotated) throw new Error(`transformer wrapped ${wrapped(schema)} of ${annotated} fields`);
      },
    },
    {
      name: '@envelop/generic-auth: envelop() setup',
      prepare: () => {
        envelopInput = makeExecutableSchema({ typeDefs: envelopSdl, resolvers });
      },
      run: () => envelopRunner(envelopInput),
      check: (runner) => {
        if (typeof runner !== 'function') throw new Error('no envelop runner');
      },
    },
  ];
  const samples = await runInterleaved(variants, { rounds: sizes.schemaRounds, warmupRounds: sizes.schemaWarmupRounds, minBatchMs: 0, maxIterations: 1 });
  const measurements = measurementsFrom(samples, 'ms');
  const ratios = variants
    .filter((variant) => variant.name !== FLOOR)
    .map((variant) => ratio(measurements, variant.name, FLOOR))
    .filter((value): value is Ratio => value !== null);
  const compileVsFloor = ratios.find((value) => value.numerator === OURS);
  const ours = byName(measurements, OURS);
  const targets: Target[] = [
    compileVsFloor !== undefined && usable(ours)
      ? { scenario: '2', text: 'rules compile ≤ 0.1× makeExecutableSchema', figure: `${fmt(compileVsFloor.summary.median)}× (${fmt(ours.summary.median)} ms)`, pass: compileVsFloor.summary.median <= 0.1 }
      : { scenario: '2', text: 'rules compile ≤ 0.1× makeExecutableSchema', figure: 'not measured', pass: null, note: ours.failure ?? undefined },
  ];
  return {
    id: '2',
    title: `Schema build (${types} types × ${fields} annotated fields)`,
    method:
      'In process, interleaved rounds, one build per round; ms per build. The floor builds the executable schema from SDL; ' +
      'the others start from an already built schema (made outside the timed region). @envelop/generic-auth reads its directives per operation, ' +
      'at validation time, so its setup is nearly free and its cost shows in scenario 1 instead.',
    measurements,
    ratios,
    targets,
    notes: [],
    skipped: null,
    seconds: (performance.now() - started) / 1000,
  };
}
