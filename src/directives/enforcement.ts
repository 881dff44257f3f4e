import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
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
  /**
   * How many decisions are kept per operation, one per caller access key (default 10,000). Decisions
   * are held only while the server holds the parsed operation (Apollo Server's document cache), and
   * are freed with it.
   */
  readonly cacheSize?: number;
}

const registry = new WeakMap<GraphQLSchema, Enforcement>();
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
  // Keyed by the operation node's identity (servers reuse parsed documents), then by access key: two
  // principals with one access key are decided alike by construction (see Principal.accessKey). A
  // decision can only be found again through its operation node, so it lives exactly as long as that
  // node: a WeakMap, and not an LRU of all decisions, which would keep every document it saw (each
  // decision refers to its operation and fragments) long after the server dropped it.
  const decisions = new WeakMap<OperationDefinitionNode, Map<string, OperationDecision>>();
  const enforcement: Enforcement = {
    schema,
    rules,
    mode,
    logger,
    decide(operation, fragments, principal) {
      let byAccessKey = decisions.get(operation);
      if (byAccessKey === undefined) {
        byAccessKey = new Map();
        decisions.set(operation, byAccessKey);
      }
      const key = principal === null ? ANONYMOUS_KEY : principal.accessKey;
      let decision = byAccessKey.get(key);
      if (decision === undefined || !sameFragments(decision, fragments)) {
        decision = decideOperation(rules, schema, operation, fragments, principal, mode);
        // Oldest first out once full (a Map iterates in insertion order).
        if (byAccessKey.size >= cacheSize && !byAccessKey.has(key)) byAccessKey.delete(byAccessKey.keys().next().value as string);
        byAccessKey.set(key, decision);
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
