import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { Kind, Lexer, Source, TokenKind, print, validate } from 'graphql';
import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, ValidationRule } from 'graphql';
import { coerceVariables, computeOperationCost, countSchemaSelections } from './operationCost.js';
import type { CostSettings } from './operationCost.js';

/**
 * The size of an operation: depth and aliases as the graphql-armor rules measure them, cost by
 * {@link computeOperationCost} (graphql-armor's model, sizes read from variables and defaults).
 *
 * The rules run once per document with an infinite limit and report what they found; the
 * comparison with a caller's limits happens afterwards, so one measurement serves every tier.
 */

/** What one operation measures. */
export interface OperationMeasures {
  /** Selection depth (graphql-armor max-depth). */
  readonly depth: number;
  /** Aliases, `__typename` aliases excepted (graphql-armor max-aliases). */
  readonly aliases: number;
  /**
   * Estimated cost before variables are known: sizes given by variables count their defaults (or
   * the list default). The cost of a request is {@link OperationLimits.costOf}.
   */
  readonly cost: number;
  /** `__schema` selections, counted through aliases and fragment spreads. */
  readonly schemaIntrospections: number;
}

/** What one document measures: its lexical tokens and each of its operations. */
export interface DocumentMeasures {
  /** Lexical tokens, counted as graphql's parser counts them (comments and EOF excluded). */
  readonly tokens: number;
  readonly operations: ReadonlyMap<OperationDefinitionNode, OperationMeasures>;
  /** The document's fragments by name (what the cost of a request with variables needs). */
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

/** Settings of the measurement, shared by every tier. */
export type MeasureSettings = CostSettings;

/** A measuring function with a per-document cache. */
export type MeasureDocument = (schema: GraphQLSchema, document: DocumentNode) => DocumentMeasures;

/**
 * Makes a measuring function. Results are cached per document object (a `WeakMap`), so servers
 * that cache parsed documents (Apollo Server does) measure each distinct operation once.
 */
export function createDocumentMeter(settings: MeasureSettings): MeasureDocument {
  const cache = new WeakMap<DocumentNode, DocumentMeasures>();
  return (schema, document) => {
    const cached = cache.get(document);
    if (cached !== undefined) return cached;
    const measured = measureDocument(schema, document, settings);
    cache.set(document, measured);
    return measured;
  };
}

function measureDocument(schema: GraphQLSchema, document: DocumentNode, settings: MeasureSettings): DocumentMeasures {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  // Each rule reports once per operation, in document order.
  const depths: number[] = [];
  const aliases: number[] = [];
  const record =
    (into: number[]) =>
    (_context: unknown, details: unknown): void => {
      const n = (details as { n?: unknown } | null)?.n;
      into.push(typeof n === 'number' ? n : Number.POSITIVE_INFINITY);
    };
  const rules: ValidationRule[] = [
    maxDepthRule({
      n: Number.POSITIVE_INFINITY,
      flattenFragments: settings.flattenFragments,
      ignoreIntrospection: settings.ignoreIntrospection,
      onAccept: [record(depths)],
      propagateOnRejection: false,
    }),
    maxAliasesRule({
      n: Number.POSITIVE_INFINITY,
      onAccept: [record(aliases)],
      propagateOnRejection: false,
    }),
  ];
  validate(schema, document, rules);
  const fragments = fragmentsOf(document);
  const byOperation = new Map<OperationDefinitionNode, OperationMeasures>();
  operations.forEach((operation, index) => {
    byOperation.set(operation, {
      // A missing report means the rule could not measure: count it as over any limit (fail closed).
      depth: depths[index] ?? Number.POSITIVE_INFINITY,
      aliases: aliases[index] ?? Number.POSITIVE_INFINITY,
      cost: computeOperationCost(schema, operation, fragments, coerceVariables(schema, operation, null) ?? {}, settings),
      schemaIntrospections: countSchemaSelections(operation, fragments),
    });
  });
  return { tokens: countDocumentTokens(document), operations: byOperation, fragments };
}

/** The fragment definitions of a document, by name (the first of a name, as graphql-js keeps). */
export function fragmentsOf(document: DocumentNode): ReadonlyMap<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Counts a parsed document's lexical tokens from the token chain that graphql's parser keeps
 * in `loc`; a document parsed without locations is printed and lexed again.
 */
export function countDocumentTokens(document: DocumentNode): number {
  const start = document.loc?.startToken;
  if (start === undefined) return countSourceTokens(print(document), Number.POSITIVE_INFINITY);
  let count = 0;
  for (let token = start.next; token !== null && token.kind !== TokenKind.EOF; token = token.next) {
    if (token.kind !== TokenKind.COMMENT) count += 1;
  }
  return count;
}

/**
 * Counts the lexical tokens of a source text, stopping once `stopAfter` is exceeded (so the
 * work is bounded by the limit, not by the text). A lexical error ends the count.
 */
export function countSourceTokens(source: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= stopAfter && lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // A lexical error: the text is not GraphQL past this point; what was counted stands.
  }
  return count;
}
