import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../auth/principal.js';
import { assertLogger, type Logger } from '../logger.js';
import type { CompiledRules } from './compileRules.js';
import { decideOperation, type EnforcementMode, type FragmentLookup, type OperationDecision } from './decideOperation.js';

/** The state that enforces one prepared schema's rules: compiled rules, mode, log and decision cache. */
export interface Enforcement {
  readonly schema: GraphQLSchema;
  readonly rules: CompiledRules;
  readonly mode: EnforcementMode;
  readonly logger: Logger;
  /** The decision for (operation, caller's access key), from the cache when it was made before. */
  decide(operation: OperationDefinitionNode, fragments: FragmentLookup, principal: Principal | null): OperationDecision;
}

/** Options that shape enforcement, checked once. */
export interface EnforcementOptions {
  /** `filter` (default): denied fields are null with one error per selection; `reject`: the operation is refused. */
  readonly mode?: EnforcementMode;
  /** Where denials are logged (client id, coordinate, operation name). Default: nowhere. */
  readonly logger?: Logger;
  /** How many (operation, access key) decisions are kept (default 10,000). */
  readonly cacheSize?: number;
}

const registry = new WeakMap<GraphQLSchema, Enforcement>();
const operationIds = new WeakMap<OperationDefinitionNode, number>();
let nextOperationId = 0;
const ANONYMOUS_KEY = '\u0000anonymous';

/**
 * Checks the enforcement options once and fills in the defaults.
 *
 * @throws TypeError naming the option
 */
export function assertEnforcementOptions(options: EnforcementOptions): Required<EnforcementOptions> {
  const mode = options.mode ?? 'filter';
  if (mode !== 'filter' && mode !== 'reject') throw new TypeError('"mode" must be "filter" or "reject"');
  const logger = assertLogger(options.logger, 'logger');
  const cacheSize = options.cacheSize ?? 10_000;
  if (typeof cacheSize !== 'number' || !Number.isSafeInteger(cacheSize) || cacheSize < 1) {
    throw new TypeError('"cacheSize" must be a positive integer');
  }
  return { mode, logger, cacheSize };
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
  const { mode, logger, cacheSize } = assertEnforcementOptions(options);
  // Keyed by the operation node's identity (servers reuse parsed documents) and the access key: two
  // principals with one access key are decided alike by construction (see Principal.accessKey).
  const cache = new LRUCache<string, OperationDecision>({ max: cacheSize });
  const enforcement: Enforcement = {
    schema,
    rules,
    mode,
    logger,
    decide(operation, fragments, principal) {
      let id = operationIds.get(operation);
      if (id === undefined) {
        id = nextOperationId++;
        operationIds.set(operation, id);
      }
      const key = `${id}\u0000${principal === null ? ANONYMOUS_KEY : principal.accessKey}`;
      let decision = cache.get(key);
      if (decision === undefined || !sameFragments(decision, fragments)) {
        decision = decideOperation(rules, schema, operation, fragments, principal, mode);
        cache.set(key, decision);
      }
      return decision;
    },
  };
  registry.set(schema, enforcement);
  return enforcement;
}

/** The cached decision read these fragments; a document that pairs the operation with others is decided anew. */
function sameFragments(decision: OperationDecision, fragments: FragmentLookup): boolean {
  for (const [name, fragment] of decision.fragments) if (fragments(name) !== fragment) return false;
  return true;
}
