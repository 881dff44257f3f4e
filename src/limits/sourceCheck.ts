import { createHash } from 'node:crypto';
import { Kind, Lexer, Source, TokenKind, getOperationAST, parse } from 'graphql';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../auth/principal.js';
import { LimitError } from '../errors.js';
import { assertLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { LIMIT_MESSAGES } from './operationLimits.js';
import type { OperationLimits } from './operationLimits.js';

/**
 * The caller's own token, depth and alias limits, and the `__schema` selection limit, applied to the query text, before a server
 * validates it (issue 10, finding 4). The parser's token limit is the highest tier's, so without
 * this a caller with a lower limit makes the server fully validate documents up to the highest
 * tier's size before its own limit refuses them. Each verdict is remembered per document hash and
 * per limits, within a byte budget, so a repeated refusal costs one hash and one lookup.
 */

/** The default budget of the remembered verdicts: 1 MiB (about 4,000 documents). */
export const DEFAULT_SOURCE_CHECK_BYTES = 1024 * 1024;

/** Options of {@link createSourceCheck}. */
export interface SourceCheckOptions {
  /** Budget in bytes of the remembered verdicts (default {@link DEFAULT_SOURCE_CHECK_BYTES}; at least 16 KiB); least recently used evicted. */
  readonly maxBytes?: number;
  /** Told of each new refusal at `info` (a remembered one is not logged again). */
  readonly logger?: Logger;
}

/** What {@link SourceCheck.check} needs to know about a request. */
export interface SourceCheckRequest {
  /** The schema the document will be validated against (the depth and alias rules need one). */
  readonly schema: GraphQLSchema;
  /** The query text as sent. */
  readonly source: string;
  /** The operation to run, when the request names one. */
  readonly operationName?: string | null;
  /** The caller, or null for an anonymous one. */
  readonly principal: Principal | null;
}

/** Counters of a {@link SourceCheck}, for metrics and tests. */
export interface SourceCheckStats {
  /** Requests answered from a remembered verdict (refusals and passes). */
  readonly remembered: number;
  /** Refusals answered from a remembered verdict, without lexing or parsing. */
  readonly rememberedRefusals: number;
  /** Query texts lexed (and, within the token limit, parsed and measured). */
  readonly measured: number;
  /** Verdicts kept, and the bytes they count against the budget. */
  readonly entries: number;
  readonly bytes: number;
  readonly maxBytes: number;
}

/** Checks query texts against the caller's limits before validation; built by {@link createSourceCheck}. */
export interface SourceCheck {
  /**
   * Refuses a query text above the caller's token, depth or alias limit, or with more `__schema`
   * selections than `schemaIntrospections` allows. A text that does not parse passes (the server
   * answers its syntax error); so does one the check cannot measure.
   *
   * @throws LimitError `ERR_TOO_MANY_TOKENS`, `ERR_QUERY_TOO_DEEP`, `ERR_TOO_MANY_ALIASES` or
   * `ERR_TOO_MANY_INTROSPECTIONS` (400).
   */
  check(request: SourceCheckRequest): void;
  stats(): SourceCheckStats;
}

type Verdict = 'pass' | 'tokens' | 'depth' | 'aliases' | 'schemaIntrospections';
/** What one verdict keeps: its key (a 64-character hex digest, 2 bytes a character), the entry and the LRU's own nodes. */
const ENTRY_BYTES = 2 * 64 + 256;

/**
 * Creates the check for `limits`. Use it where the caller is known and before the server parses
 * and validates the document: the reference server calls it at its HTTP edge, after authentication
 * and the rate limit, before Apollo Server sees the request. Keep `operationLimitsPlugin` too: it
 * checks cost, and every limit again, after validation.
 *
 * @throws TypeError when `limits` does not come from `createOperationLimits` or `maxBytes` is wrong
 * @example
 * ```ts
 * const sourceCheck = createSourceCheck(limits);
 * sourceCheck.check({ schema, source: body.query, operationName: body.operationName, principal });
 * ```
 */
export function createSourceCheck(limits: OperationLimits, options: SourceCheckOptions = {}): SourceCheck {
  if (typeof limits !== 'object' || limits === null || typeof limits.limitsFor !== 'function') {
    throw new TypeError('"limits" must come from createOperationLimits');
  }
  const maxBytes = options.maxBytes ?? DEFAULT_SOURCE_CHECK_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 16 * 1024) {
    throw new TypeError('"maxBytes" must be an integer >= 16384');
  }
  const logger = assertLogger(options.logger);
  const verdicts = new LRUCache<string, Verdict>({ maxSize: maxBytes, sizeCalculation: () => ENTRY_BYTES });
  const counts = { remembered: 0, rememberedRefusals: 0, measured: 0 };

  const refusal = (verdict: Exclude<Verdict, 'pass'>): LimitError => {
    const { code, message } = LIMIT_MESSAGES[verdict];
    return new LimitError(code, message);
  };

  const measure = (request: SourceCheckRequest, tokens: number, depth: number, aliases: number): { verdict: Verdict; measured: number; limit: number } => {
    const scanned = scan(request.source, tokens);
    if (scanned.tokens > tokens) return { verdict: 'tokens', measured: scanned.tokens, limit: tokens };
    // Without fragment spreads, depth is at most the number of `{`, aliases the number of `:` and
    // `__schema` selections the number of `__schema` names (an alias inside one counts as another:
    // with any `:` beside a `__schema`, parse): within the limits, no parse is needed.
    const schemasBound = scanned.schemas === 0 || (scanned.colons === 0 && scanned.schemas <= limits.schemaIntrospections);
    if (scanned.spreads === 0 && scanned.braces <= depth && scanned.colons <= aliases && schemasBound) {
      return { verdict: 'pass', measured: 0, limit: 0 };
    }
    let document: DocumentNode;
    try {
      document = parse(request.source, { maxTokens: tokens, maxLexicalTokens: tokens, maxComments: tokens } as Parameters<typeof parse>[1]);
    } catch {
      return { verdict: 'pass', measured: 0, limit: 0 };
    }
    const chosen: OperationDefinitionNode | null | undefined = getOperationAST(document, request.operationName ?? undefined);
    const operations =
      chosen === null || chosen === undefined
        ? document.definitions.filter((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION)
        : [chosen];
    let measures;
    try {
      measures = limits.measure(request.schema, document);
    } catch {
      // A document the rules cannot measure: validation will say what is wrong with it.
      return { verdict: 'pass', measured: 0, limit: 0 };
    }
    for (const operation of operations) {
      const measured = measures.operations.get(operation);
      if (measured === undefined) continue;
      if (measured.depth > depth) return { verdict: 'depth', measured: measured.depth, limit: depth };
      if (measured.aliases > aliases) return { verdict: 'aliases', measured: measured.aliases, limit: aliases };
      if (measured.schemaIntrospections > limits.schemaIntrospections) {
        return { verdict: 'schemaIntrospections', measured: measured.schemaIntrospections, limit: limits.schemaIntrospections };
      }
    }
    return { verdict: 'pass', measured: 0, limit: 0 };
  };

  return {
    check(request) {
      const { tokens, depth, aliases } = limits.limitsFor(request.principal);
      // One digest of the limits, the operation name and the text: tiers with the same limits share verdicts.
      const key = createHash('sha256')
        .update(`${tokens},${depth},${aliases}\n`)
        .update(request.operationName ?? '')
        .update('\n')
        .update(request.source)
        .digest('hex');
      const known = verdicts.get(key);
      if (known !== undefined) {
        counts.remembered += 1;
        if (known === 'pass') return;
        counts.rememberedRefusals += 1;
        throw refusal(known);
      }
      counts.measured += 1;
      const { verdict, measured, limit } = measure(request, tokens, depth, aliases);
      verdicts.set(key, verdict);
      if (verdict === 'pass') return;
      logger.info(
        { code: LIMIT_MESSAGES[verdict].code, clientId: request.principal?.client.id ?? null, measured, limit, before: 'validation' },
        'operation refused by a limit',
      );
      throw refusal(verdict);
    },
    stats: () => ({ ...counts, entries: verdicts.size, bytes: verdicts.calculatedSize, maxBytes }),
  };
}

/**
 * Lexes a text, stopping once `stopAfter` tokens are exceeded (the work is bounded by the limit),
 * and counts what bounds depth and aliases. A lexical error ends the scan; what was counted stands.
 */
function scan(text: string, stopAfter: number): { tokens: number; braces: number; colons: number; spreads: number; schemas: number } {
  const lexer = new Lexer(new Source(text));
  const counted = { tokens: 0, braces: 0, colons: 0, spreads: 0, schemas: 0 };
  try {
    while (counted.tokens <= stopAfter) {
      const token = lexer.advance();
      const kind = token.kind;
      if (kind === TokenKind.EOF) break;
      counted.tokens += 1;
      if (kind === TokenKind.BRACE_L) counted.braces += 1;
      else if (kind === TokenKind.COLON) counted.colons += 1;
      else if (kind === TokenKind.SPREAD) counted.spreads += 1;
      else if (kind === TokenKind.NAME && token.value === '__schema') counted.schemas += 1;
    }
  } catch {
    // Not GraphQL past this point: the parser will say so.
  }
  return counted;
}
