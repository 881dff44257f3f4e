import type { FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../auth/principal.js';
import { AccessError } from '../errors.js';
import { assertLogger, type Logger } from '../logger.js';
import { boundName } from '../text/boundName.js';
import { assertMetricsHooks, type MetricsHooks } from '../observe/metricsHooks.js';
import { projectAccessKey } from './accessProjection.js';
import type { CompiledRules } from './compileRules.js';
import { decideOperation, type EnforcementMode, type FragmentLookup, type OperationDecision } from './decideOperation.js';
import { buildSchemaView, type SchemaView } from './schemaView.js';

/** Which schema a caller sees: the whole schema, or only what its rules admit (see `SchemaView`). */
export type SchemaViewOption = 'full' | 'caller';

/** The state that enforces one prepared schema's rules: compiled rules, mode, log and decision cache. */
export interface Enforcement {
  readonly schema: GraphQLSchema;
  readonly rules: CompiledRules;
  readonly mode: EnforcementMode;
  readonly logger: Logger;
  /** Told of every operation decided with a denial (once per request). */
  readonly metrics: MetricsHooks | undefined;
  /** `caller`: introspection, validation and their errors use the caller's view of the schema. */
  readonly schemaView: SchemaViewOption;
  /**
   * The caller's view, built once per projected access key and kept within `viewCacheBytes`.
   *
   * @throws AccessError when the caller may read no Query field (see `buildSchemaView`), also kept
   */
  viewOf(principal: Principal | null): SchemaView;
  /** The decision for (operation, caller's projected access key), from the cache when it was made before. */
  decide(operation: OperationDefinitionNode, fragments: FragmentLookup, principal: Principal | null): OperationDecision;
}

/** Options that shape enforcement, checked once. */
export interface EnforcementOptions {
  /** `filter` (default): denied fields are null with one error per selection; `reject`: the operation is refused. */
  readonly mode?: EnforcementMode;
  /** Where denials are logged (client id, coordinate, operation name). Default: nowhere. */
  readonly logger?: Logger;
  /**
   * How many (operation, access key) decisions are kept, least recently used evicted (default
   * 10,000). The cache never keeps a parsed document alive.
   */
  readonly cacheSize?: number;
  /**
   * The decision cache's budget in bytes, denied selections included (default 16 MiB): decisions
   * are sized by what they hold (names are bounded by `boundName`), least recently used evicted; a
   * decision larger than 20 average shares (`20 × cacheBytes / cacheSize`, at least 16 KiB) is not cached.
   */
  readonly cacheBytes?: number;
  /** Told of every operation decided with a denial, once per request (metrics: denials by client and coordinate). Default: none. */
  readonly metrics?: MetricsHooks;
  /**
   * `full` (default): every caller introspects and is validated against the whole schema.
   * `caller`: each caller sees its own view: the fields and types its rules deny do not exist for it
   * (introspection, validation, error messages and their suggestions), so a hidden field answers
   * exactly as a field that does not exist. Needs the Apollo plugin.
   */
  readonly schemaView?: SchemaViewOption;
  /**
   * The byte budget of the cached views (one per projected access key, least recently used
   * evicted; default 16 MiB). A view larger than the budget is built for its request and not kept.
   */
  readonly viewCacheBytes?: number;
}

/** {@link EnforcementOptions} checked, defaults applied. */
export interface ResolvedEnforcementOptions {
  readonly mode: EnforcementMode;
  readonly logger: Logger;
  readonly cacheSize: number;
  readonly cacheBytes: number;
  readonly metrics: MetricsHooks | undefined;
  readonly schemaView: SchemaViewOption;
  readonly viewCacheBytes: number;
}

const DEFAULT_VIEW_CACHE_BYTES = 16 * 1024 * 1024;

/** The decision cache's default budget in bytes. */
export const DEFAULT_DECISION_CACHE_BYTES = 16 * 1024 * 1024;

const registry = new WeakMap<GraphQLSchema, Enforcement>();

/**
 * Checks the enforcement options once and fills in the defaults.
 *
 * @throws TypeError naming the option
 */
export function assertEnforcementOptions(options: EnforcementOptions): ResolvedEnforcementOptions {
  const schemaView = options.schemaView ?? 'full';
  if (schemaView !== 'full' && schemaView !== 'caller') throw new TypeError('"schemaView" must be "full" or "caller"');
  const viewCacheBytes = options.viewCacheBytes ?? DEFAULT_VIEW_CACHE_BYTES;
  if (typeof viewCacheBytes !== 'number' || !Number.isSafeInteger(viewCacheBytes) || viewCacheBytes < 1) {
    throw new TypeError('"viewCacheBytes" must be a positive integer');
  }
  const mode = options.mode ?? 'filter';
  if (mode !== 'filter' && mode !== 'reject' && mode !== 'dry-run') throw new TypeError('"mode" must be "filter", "reject" or "dry-run"');
  const logger = assertLogger(options.logger, 'logger');
  const cacheSize = options.cacheSize ?? 10_000;
  if (typeof cacheSize !== 'number' || !Number.isSafeInteger(cacheSize) || cacheSize < 1) {
    throw new TypeError('"cacheSize" must be a positive integer');
  }
  const cacheBytes = options.cacheBytes ?? DEFAULT_DECISION_CACHE_BYTES;
  if (typeof cacheBytes !== 'number' || !Number.isSafeInteger(cacheBytes) || cacheBytes < 1024) {
    throw new TypeError('"cacheBytes" must be an integer >= 1024');
  }
  return { mode, logger, cacheSize, cacheBytes, metrics: assertMetricsHooks(options.metrics), schemaView, viewCacheBytes };
}

/** The enforcement of a schema prepared by `applyAllowClients`, or undefined. */
export function enforcementOf(schema: GraphQLSchema): Enforcement | undefined {
  return registry.get(schema);
}

/**
 * Checks the options once and returns the enforcement for `schema`.
 *
 * @throws TypeError naming the option
 */
export function createEnforcement(schema: GraphQLSchema, rules: CompiledRules, options: EnforcementOptions): Enforcement {
  const { mode, logger, cacheSize, cacheBytes, metrics, schemaView, viewCacheBytes } = assertEnforcementOptions(options);
  // Views follow the projected keys, whose number follows the schema's rules, not the callers.
  // A caller without a view (no readable Query field) keeps its refusal, so it is not rebuilt per request.
  const views = new LRUCache<string, SchemaView | AccessError>({
    maxSize: viewCacheBytes,
    sizeCalculation: (view) => (view instanceof AccessError ? REFUSED_VIEW_BYTES : view.bytes),
  });
  // Keyed by the operation node's identity (servers reuse parsed documents) and the access key
  // projected on these rules: two principals with one projected key are decided alike by
  // construction (see projectAccessKey), so the entries follow the rules, not the partners. One
  // budget for every operation: at most cacheSize decisions and cacheBytes bytes, an entry sized by
  // what it holds, and none above SHARES_PER_ENTRY average shares. A decision holds no part of the
  // document (the fragments it read are kept as ids, names bounded), so the cache never keeps a
  // document alive after the server dropped it.
  const cache = new LRUCache<string, CachedDecision>({
    max: cacheSize,
    maxSize: cacheBytes,
    maxEntrySize: Math.min(cacheBytes, Math.max(MIN_ENTRY_BYTES, Math.floor((cacheBytes / cacheSize) * SHARES_PER_ENTRY))),
    sizeCalculation: (entry, key) => decisionBytes(entry, key),
  });
  const enforcement: Enforcement = {
    schema,
    rules,
    mode,
    logger,
    metrics,
    // Nothing is denied in a dry run, so nothing is hidden either.
    schemaView: mode === 'dry-run' ? 'full' : schemaView,
    viewOf(principal) {
      const key = projectAccessKey(rules, principal);
      let view = views.get(key);
      if (view === undefined) {
        try {
          view = buildSchemaView(rules, schema, principal);
        } catch (error) {
          if (!(error instanceof AccessError)) throw error;
          view = error;
        }
        if (view instanceof AccessError || view.bytes <= viewCacheBytes) views.set(key, view);
      }
      if (view instanceof AccessError) throw view;
      return view;
    },
    decide(operation, fragments, principal) {
      const key = `${idOf(operation)}\u0000${projectAccessKey(rules, principal)}`;
      const cached = cache.get(key);
      if (cached !== undefined && sameFragments(cached.fragmentIds, fragments)) return cached.decision;
      const { decision, fragmentsRead } = decideOperation(rules, schema, operation, fragments, principal, mode);
      const fragmentIds: [string, number][] = [];
      for (const [name, fragment] of fragmentsRead) {
        // A fragment is looked up by its full name: a name too long to keep makes the decision uncached.
        if (boundName(name) !== name) return decision;
        fragmentIds.push([name, fragment === undefined ? 0 : idOf(fragment)]);
      }
      cache.set(key, { decision, fragmentIds });
      return decision;
    },
  };
  registry.set(schema, enforcement);
  return enforcement;
}

/** What a kept refusal of a caller without a view counts against the views' budget (an estimate). */
const REFUSED_VIEW_BYTES = 512;

/** A cached decision and the ids of the fragments it read (0 for a name the document lacked). */
interface CachedDecision {
  readonly decision: OperationDecision;
  readonly fragmentIds: readonly (readonly [string, number])[];
}

/** The largest cached entry, in average shares of the byte budget (cacheBytes / cacheSize). */
const SHARES_PER_ENTRY = 20;
/** The largest cached entry is never held below this (within cacheBytes): a plain decision is about 1 KiB. */
const MIN_ENTRY_BYTES = 16 * 1024;

/** Bytes of an object, a map entry or an array slot, and of a string's header (V8, 64-bit, rounded up). */
const OBJECT_BYTES = 64;
const STRING_BYTES = 24;

/** An upper estimate of what a cached decision keeps: strings at 2 bytes a character, objects at a fixed size. */
function decisionBytes(entry: CachedDecision, key: string): number {
  const text = (value: string | null | undefined): number => (value === null || value === undefined ? 0 : STRING_BYTES + 2 * value.length);
  const { decision } = entry;
  let bytes = OBJECT_BYTES * 4 + text(key) + text(decision.operationName);
  for (const denial of decision.denials) {
    bytes += OBJECT_BYTES * 2 + text(denial.coordinate) + text(denial.error.detail);
    for (const part of denial.path) bytes += 8 + text(part);
  }
  for (const [coordinate] of decision.denied) bytes += OBJECT_BYTES * 2 + text(coordinate);
  for (const [type] of decision.withheld) bytes += OBJECT_BYTES * 2 + text(type);
  for (const summary of decision.deniedCoordinates) bytes += OBJECT_BYTES + text(summary.coordinate) + text(summary.detail) + text(summary.path);
  for (const [name] of entry.fragmentIds) bytes += OBJECT_BYTES + text(name);
  return bytes;
}

/** Ids of parsed nodes, by identity, without keeping the nodes alive. */
const nodeIds = new WeakMap<OperationDefinitionNode | FragmentDefinitionNode, number>();
let nextNodeId = 1;

function idOf(node: OperationDefinitionNode | FragmentDefinitionNode): number {
  let id = nodeIds.get(node);
  if (id === undefined) {
    id = nextNodeId++;
    nodeIds.set(node, id);
  }
  return id;
}

/** The cached decision read these fragments; a document that pairs the operation with others is decided anew. */
function sameFragments(fragmentIds: CachedDecision['fragmentIds'], fragments: FragmentLookup): boolean {
  for (const [name, id] of fragmentIds) {
    const fragment = fragments(name);
    if ((fragment === undefined ? 0 : nodeIds.get(fragment)) !== id) return false;
  }
  return true;
}
