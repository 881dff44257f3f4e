import { getOperationAST, Kind } from 'graphql';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode, ParseOptions } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { LimitError } from '../errors.js';
import type { LimitErrorCode } from '../errors.js';
import { tierOf } from './clientTiers.js';
import { createDocumentMeter } from './documentMeter.js';
import { coerceVariables, computeOperationCost } from './operationCost.js';
import type { DocumentMeasures, OperationMeasures } from './documentMeter.js';
import { checkLimitOptions } from './limitOptions.js';
import type { LimitValues, OperationLimitsOptions } from './limitOptions.js';

/** Fixed texts for callers; the measured value and the limit go to the log only. */
export const LIMIT_MESSAGES: Readonly<Record<'depth' | 'aliases' | 'tokens' | 'cost' | 'schemaIntrospections', { code: Exclude<LimitErrorCode, 'ERR_RATE_LIMITED'>; message: string }>> = {
  tokens: { code: 'ERR_TOO_MANY_TOKENS', message: 'The operation has too many tokens' },
  depth: { code: 'ERR_QUERY_TOO_DEEP', message: 'The operation is nested too deeply' },
  aliases: { code: 'ERR_TOO_MANY_ALIASES', message: 'The operation has too many aliases' },
  cost: { code: 'ERR_QUERY_TOO_COSTLY', message: 'The operation is too costly' },
  schemaIntrospections: { code: 'ERR_TOO_MANY_INTROSPECTIONS', message: 'The operation has too many __schema selections' },
};

/** What {@link OperationLimits.check} needs to know about a request. */
export interface LimitCheckRequest {
  readonly schema: GraphQLSchema;
  /** The parsed document (keep it the same object for the same text: measures are cached per document). */
  readonly document: DocumentNode;
  /** The operation to run, if already resolved (Apollo's `requestContext.operation`). */
  readonly operation?: OperationDefinitionNode | null;
  /** The name of the operation to run; when neither is given or the name is ambiguous, every operation is checked. */
  readonly operationName?: string | null;
  /** The caller, or null for an anonymous one (default limits). */
  readonly principal: Principal | null;
  /**
   * The request's variables as sent (Apollo's `request.variables`): sizes given by variables
   * (`first: $n`) count their values. Without them, the variables' defaults count.
   */
  readonly variables?: Readonly<Record<string, unknown>> | null;
}

/** Operation limits per caller, built once by {@link createOperationLimits}. */
export interface OperationLimits {
  /**
   * Options for graphql's `parse` (Apollo Server's `parseOptions`): the highest token limit of
   * any tier, so that no document above every limit is ever fully parsed. Comments, which are not
   * tokens, are capped at the same number.
   */
  readonly parseOptions: Readonly<ParseOptions>;
  /** The highest token limit of any tier (what `parseOptions` enforces). */
  readonly maxTokens: number;
  /** The limits that apply to a caller (its tier's, else the defaults). */
  limitsFor(principal: Principal | null): LimitValues;
  /** `__schema` selections allowed in one operation, for every caller (option `schemaIntrospections`). */
  readonly schemaIntrospections: number;
  /** Measures a document (cached per document object). */
  measure(schema: GraphQLSchema, document: DocumentNode): DocumentMeasures;
  /**
   * The estimated cost of the operation a request runs, with its variables (sizes from
   * `first`/`last` as the resolver will see them, a list without a size as
   * `costModel.defaultListSize` items). When the operation is not chosen (no name, several
   * operations), the costliest. What a cost budget charges: the same number `check` compares.
   */
  costOf(request: Omit<LimitCheckRequest, 'principal'>): number;
  /**
   * Checks an operation against the caller's limits, and returns its cost ({@link OperationLimits.costOf}).
   *
   * @throws LimitError `ERR_TOO_MANY_TOKENS`, `ERR_QUERY_TOO_DEEP`, `ERR_TOO_MANY_ALIASES`,
   * `ERR_TOO_MANY_INTROSPECTIONS` or `ERR_QUERY_TOO_COSTLY`.
   */
  check(request: LimitCheckRequest): number;
}

/**
 * Creates the operation limits: depth, aliases, tokens and cost, measured by the graphql-armor
 * rules, with higher limits for chosen client tiers read from the client metadata, and the
 * `__schema` selections of one operation (one by default, for every tier).
 *
 * Use it with Apollo Server through {@link operationLimitsPlugin} and `parseOptions`, or with any
 * graphql-js server by calling `check` between validation and execution.
 *
 * @throws TypeError naming the option when an option is wrong.
 * @example
 * ```ts
 * const limits = createOperationLimits({
 *   default: { depth: 8, aliases: 10, tokens: 800, cost: 3000 },
 *   tiers: { key: 'tier', values: { platinum: { depth: 12, cost: 20_000 } } },
 * });
 * const server = new ApolloServer<AuthContext>({
 *   schema,
 *   parseOptions: limits.parseOptions,
 *   plugins: [operationLimitsPlugin(limits)],
 * });
 * ```
 */
export function createOperationLimits(options?: OperationLimitsOptions): OperationLimits {
  const checked = checkLimitOptions(options);
  const { defaults, tiers, logger, schemaIntrospections } = checked;
  const maxTokens = Math.max(defaults.tokens, ...[...tiers.values.values()].map((limits) => limits.tokens));
  const settings = { costModel: checked.costModel, flattenFragments: checked.flattenFragments, ignoreIntrospection: checked.ignoreIntrospection };
  const meter = createDocumentMeter(settings);

  const limitsFor = (principal: Principal | null): LimitValues => {
    const tier = tierOf(principal, tiers);
    return tier === null ? defaults : (tiers.values.get(tier) ?? defaults);
  };

  const refuse = (name: keyof typeof LIMIT_MESSAGES, measured: number, limit: number, principal: Principal | null): never => {
    const { code, message } = LIMIT_MESSAGES[name];
    const detail = `${name} ${measured} > ${limit}`;
    logger.info({ code, clientId: principal?.client.id ?? null, tier: tierOf(principal, tiers), measured, limit }, 'operation refused by a limit');
    throw new LimitError(code, message, { detail });
  };

  const operationsOf = (request: Omit<LimitCheckRequest, 'principal'>): readonly OperationDefinitionNode[] => {
    const chosen = request.operation ?? getOperationAST(request.document, request.operationName ?? undefined);
    if (chosen !== null && chosen !== undefined) return [chosen];
    return request.document.definitions.filter((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION);
  };

  const costWithVariables = (request: Omit<LimitCheckRequest, 'principal'>, operation: OperationDefinitionNode, measures: DocumentMeasures): number => {
    // An operation the meter did not see (a document rebuilt since): unbounded.
    const measured = measures.operations.get(operation);
    if (measured === undefined) return Number.POSITIVE_INFINITY;
    if ((operation.variableDefinitions ?? []).length === 0 || request.variables === undefined || request.variables === null) return measured.cost;
    // Variables that do not coerce: graphql refuses the operation before any resolver, so the defaults stand.
    const variables = coerceVariables(request.schema, operation, request.variables);
    return variables === null ? measured.cost : computeOperationCost(request.schema, operation, measures.fragments, variables, settings);
  };

  const costOf = (request: Omit<LimitCheckRequest, 'principal'>): number => {
    const measures = meter(request.schema, request.document);
    return Math.max(0, ...operationsOf(request).map((operation) => costWithVariables(request, operation, measures)));
  };

  const check = (request: LimitCheckRequest): number => {
    const limits = limitsFor(request.principal);
    const measures = meter(request.schema, request.document);
    if (measures.tokens > limits.tokens) refuse('tokens', measures.tokens, limits.tokens, request.principal);
    let highest = 0;
    for (const operation of operationsOf(request)) {
      const measured: OperationMeasures | undefined = measures.operations.get(operation);
      const { depth, aliases, schemaIntrospections: schemas } = measured ?? { depth: Infinity, aliases: Infinity, schemaIntrospections: Infinity };
      if (depth > limits.depth) refuse('depth', depth, limits.depth, request.principal);
      if (aliases > limits.aliases) refuse('aliases', aliases, limits.aliases, request.principal);
      if (schemas > schemaIntrospections) refuse('schemaIntrospections', schemas, schemaIntrospections, request.principal);
      const cost = costWithVariables(request, operation, measures);
      if (cost > limits.cost) refuse('cost', cost, limits.cost, request.principal);
      highest = Math.max(highest, cost);
    }
    return highest;
  };

  return {
    // maxTokens is graphql's older name for maxLexicalTokens: set both so no 16.x parser ignores the limit.
    parseOptions: Object.freeze({ maxLexicalTokens: maxTokens, maxTokens, maxComments: maxTokens }),
    maxTokens,
    limitsFor,
    schemaIntrospections,
    measure: (schema, document) => meter(schema, document),
    costOf,
    check,
  };
}
