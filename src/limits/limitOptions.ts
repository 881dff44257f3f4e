import { assertLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { checkClientTiers } from './clientTiers.js';
import type { CheckedTiers, ClientTiers } from './clientTiers.js';
import { DEFAULT_INTROSPECTION_COST } from './operationCost.js';
import type { CostModel } from './operationCost.js';
import { isRecord, optionsRecord } from './isRecord.js';

/**
 * The options of the operation limits and their checking, once, at construction.
 */

/** The four limits applied to one operation. */
export interface LimitValues {
  /** Deepest selection allowed (graphql-armor max-depth). */
  readonly depth: number;
  /** Aliases allowed in one operation, `__typename` aliases excepted (graphql-armor max-aliases). */
  readonly aliases: number;
  /** Lexical tokens allowed in one document (graphql's parser `maxLexicalTokens`). */
  readonly tokens: number;
  /** Highest estimated cost (graphql-armor cost-limit). */
  readonly cost: number;
}

/**
 * Higher (or lower) limits for chosen client tiers, read from the client metadata under `key`.
 *
 * @example
 * ```ts
 * { key: 'tier', values: { platinum: { depth: 15, cost: 20_000 } } }
 * ```
 */
export type LimitTiers = ClientTiers<LimitValues>;

/** Options of {@link createOperationLimits}. */
export interface OperationLimitsOptions {
  /** Limits of every caller without a configured tier (defaults: {@link DEFAULT_LIMITS}). */
  readonly default?: Partial<LimitValues>;
  /** Per-tier limits from client metadata. */
  readonly tiers?: LimitTiers;
  /**
   * The cost model (graphql-armor cost-limit defaults: object 2, scalar 1, depth factor 1.5), the
   * items counted for a list field without a size argument (`defaultListSize`, default 10), and the
   * fixed cost of each `__schema` or `__type` selection (`introspectionCost`, default 1,000).
   */
  readonly costModel?: Partial<CostModel>;
  /** A fragment spread does not add a level to depth and cost (default false). */
  readonly flattenFragments?: boolean;
  /**
   * Measure introspection by a fixed cost rather than by its selections (default true): `__schema`
   * selections are left out of depth (as graphql-armor; the standard introspection query nests 21
   * levels, bounded by graphql's own introspection depth rule), and each `__schema` or `__type`
   * selection costs `costModel.introspectionCost`, what is under it included. It is never free.
   * false: depth and cost count introspection as ordinary fields (the standard introspection query
   * then measures depth 21 and a cost of millions, so every tool's introspection is refused).
   */
  readonly ignoreIntrospection?: boolean;
  /**
   * `__schema` selections allowed in one operation, counted through aliases and fragment spreads
   * (default {@link DEFAULT_SCHEMA_INTROSPECTIONS}: the standard introspection query has one).
   * More is refused with `ERR_TOO_MANY_INTROSPECTIONS` (400 `TOO_MANY_INTROSPECTIONS`) before
   * execution, whatever the tier: aliased `__schema` selections only repeat the same answer.
   * 0 refuses every `__schema`.
   */
  readonly schemaIntrospections?: number;
  /** A pino-compatible logger; refusals are logged at `info` (client id, tier, limit, measured value). */
  readonly logger?: Logger;
}

/** The defaults: graphql-armor's for aliases, tokens and cost; depth 10 rather than 6, for real schemas. */
export const DEFAULT_LIMITS: LimitValues = Object.freeze({ depth: 10, aliases: 15, tokens: 1000, cost: 5000 });

/** `__schema` selections allowed in one operation, unless `schemaIntrospections` says otherwise. */
export const DEFAULT_SCHEMA_INTROSPECTIONS = 1;

const LIMIT_NAMES = ['depth', 'aliases', 'tokens', 'cost'] as const;
const COST_MODEL_NAMES = new Set(['objectCost', 'scalarCost', 'depthCostFactor', 'defaultListSize', 'introspectionCost']);
/** Items counted for a list field without a size argument, unless `costModel.defaultListSize` says otherwise. */
export const DEFAULT_LIST_SIZE = 10;
const OPTION_NAMES = new Set(['default', 'tiers', 'costModel', 'flattenFragments', 'ignoreIntrospection', 'schemaIntrospections', 'logger']);

/** Options after checking. */
export interface CheckedLimitOptions {
  readonly defaults: LimitValues;
  readonly tiers: CheckedTiers<LimitValues>;
  readonly costModel: CostModel;
  readonly flattenFragments: boolean;
  readonly ignoreIntrospection: boolean;
  readonly schemaIntrospections: number;
  readonly logger: Logger;
}

/**
 * Checks the options of {@link createOperationLimits}.
 *
 * @throws TypeError naming the option at fault.
 */
export function checkLimitOptions(options: unknown): CheckedLimitOptions {
  const checked = optionsRecord(options, OPTION_NAMES, 'the operation limits');
  const defaults = checkLimitValues(checked['default'], DEFAULT_LIMITS, 'default');
  const tiers = checkClientTiers(checked['tiers'], 'limits', (limits, _tier, option) => checkLimitValues(limits, defaults, option));
  const costOption = checked['costModel'] ?? {};
  if (!isRecord(costOption)) throw new TypeError('"costModel" must be an object');
  const costModel: CostModel = {
    objectCost: checkNumber(costOption['objectCost'], 2, 'costModel.objectCost'),
    scalarCost: checkNumber(costOption['scalarCost'], 1, 'costModel.scalarCost'),
    depthCostFactor: checkNumber(costOption['depthCostFactor'], 1.5, 'costModel.depthCostFactor'),
    defaultListSize: checkListSize(costOption['defaultListSize']),
    introspectionCost: checkNumber(costOption['introspectionCost'], DEFAULT_INTROSPECTION_COST, 'costModel.introspectionCost'),
  };
  for (const name of Object.keys(costOption)) {
    if (!COST_MODEL_NAMES.has(name)) {
      throw new TypeError(`"costModel.${name}" is not an option (objectCost, scalarCost, depthCostFactor, defaultListSize, introspectionCost)`);
    }
  }
  const schemaIntrospections = checked['schemaIntrospections'] ?? DEFAULT_SCHEMA_INTROSPECTIONS;
  if (typeof schemaIntrospections !== 'number' || !Number.isSafeInteger(schemaIntrospections) || schemaIntrospections < 0) {
    throw new TypeError('"schemaIntrospections" must be an integer >= 0');
  }
  const logger = assertLogger(checked['logger'], 'logger');
  return {
    defaults,
    tiers,
    costModel,
    flattenFragments: checkBoolean(checked['flattenFragments'], false, 'flattenFragments'),
    ignoreIntrospection: checkBoolean(checked['ignoreIntrospection'], true, 'ignoreIntrospection'),
    schemaIntrospections,
    logger,
  };
}

function checkLimitValues(value: unknown, fallback: LimitValues, option: string): LimitValues {
  if (value === undefined) return fallback;
  if (!isRecord(value)) throw new TypeError(`"${option}" must be an object of limits (depth, aliases, tokens, cost)`);
  for (const name of Object.keys(value)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(`"${option}.${name}" is not a limit (depth, aliases, tokens, cost)`);
    }
  }
  const result: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const limit = value[name];
    if (limit === undefined) {
      result[name] = fallback[name];
    } else if (typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= (name === 'aliases' ? 0 : 1)) {
      result[name] = limit;
    } else {
      throw new TypeError(`"${option}.${name}" must be an integer ${name === 'aliases' ? '>= 0' : '>= 1'}`);
    }
  }
  return Object.freeze(result as unknown as LimitValues);
}

function checkNumber(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`"${option}" must be a finite number >= 0`);
  }
  return value;
}

function checkListSize(value: unknown): number {
  if (value === undefined) return DEFAULT_LIST_SIZE;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new TypeError('"costModel.defaultListSize" must be an integer >= 1');
  return value;
}

function checkBoolean(value: unknown, fallback: boolean, option: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`"${option}" must be a boolean`);
  return value;
}
