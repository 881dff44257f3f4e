/**
 * Authorization fuzzing: random operations generated from the reference schema (fields, aliases,
 * named and inline fragments, abstract types, mutations) sent by each demo client to the real
 * reference server. No response may carry data of a field that the independent oracle
 * (support/sdlOracle.ts, a reading of the SDL directives) denies to that client.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { deniedInOperation, findLeaks } from '../support/leakCheck.js';
import { operationArbitrary, printOperation } from '../support/operationArbitrary.js';
import type { GeneratedOperation } from '../support/operationArbitrary.js';
import { createSdlOracle } from '../support/sdlOracle.js';
import type { SdlOracle } from '../support/sdlOracle.js';
import { postGraphQL } from '../support/securityTarget.js';
import type { DemoCaller, SecurityTarget } from '../support/securityTarget.js';

/** Counts of the run. */
export interface AuthorizationFuzzStats {
  operations: number;
  /** Responses per HTTP status. */
  statuses: Record<string, number>;
  /** Denied field selections met in responses (all empty, or the run fails). */
  deniedFieldsSeen: number;
  /** Allowed fields that came back with data. */
  allowedFieldsWithData: number;
  /** Distinct denied coordinates exercised, per client. */
  deniedCoordinates: Record<string, string[]>;
  /** Operations refused by a limit (400, not counted as leaks or coverage). */
  refusedByLimits: number;
  /** Operations that reach a denied field, and were refused (in part or whole) as the oracle expects. */
  refusedOperations: number;
  /** Operations allowed in full by the oracle, and run without a refusal. */
  allowedOperations: number;
}

/** The reference schema (SDL only, built by graphql-js) and the independent oracle. */
export function loadReferenceModel(): { schema: GraphQLSchema; oracle: SdlOracle } {
  const api = readFileSync(new URL('../../../schema/api.graphql', import.meta.url), 'utf8');
  const directives = readFileSync(new URL('../../../schema/directives.graphql', import.meta.url), 'utf8');
  return { schema: buildSchema(`${directives}\n${api}`), oracle: createSdlOracle(api) };
}

/** Ids of the reference data, read through the API by the internal client (so generated arguments hit real objects). */
export async function discoverIds(target: SecurityTarget): Promise<string[]> {
  const internal = await postGraphQL(target.url, target.caller('ops-internal').token, {
    query: '{ products { id category { id } } categories { id } allOrders { id } }',
  });
  // Partner offers are for gold partners: ask as one, so that offer ids are in the pool too.
  const gold = await postGraphQL(target.url, target.caller('acme-gold').token, { query: '{ search(text: "e") { ... on Node { id } } }' });
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'id' && typeof inner === 'string') ids.add(inner);
        else visit(inner);
      }
    }
  };
  visit(internal.json?.['data']);
  visit(gold.json?.['data']);
  return [...ids];
}

/** The property: for a random demo caller and operation, no denied data in the answer. */
export function authorizationProperty(
  target: SecurityTarget,
  model: { schema: GraphQLSchema; oracle: SdlOracle },
  ids: readonly string[],
  stats: AuthorizationFuzzStats,
): fc.IAsyncPropertyWithHooks<[DemoCaller, GeneratedOperation]> {
  const operations = operationArbitrary(model.schema, { ids: ids.length > 0 ? ids : ['none'] });
  return fc.asyncProperty(fc.constantFrom(...target.callers), operations, async (caller, generated) => {
    const text = printOperation(generated);
    const response = await postGraphQL(target.url, caller.token, { query: text });
    stats.operations += 1;
    stats.statuses[String(response.status)] = (stats.statuses[String(response.status)] ?? 0) + 1;
    if (response.status >= 500) throw new Error(`server error ${response.status} for ${caller.client.id}: ${text}\n${response.text.slice(0, 300)}`);
    const codes = ((response.json?.['errors'] as { extensions?: { code?: string } }[] | undefined) ?? []).map((error) => error.extensions?.code);
    const refusedByLimit =
      response.status === 400 && codes.some((code) => ['QUERY_TOO_DEEP', 'TOO_MANY_ALIASES', 'TOO_MANY_TOKENS', 'QUERY_TOO_COSTLY'].includes(code ?? ''));
    if (refusedByLimit) stats.refusedByLimits += 1;
    const report = findLeaks(model.schema, model.oracle, caller.oracle, text, response.json?.['data']);
    if (report.leaks.length > 0) {
      throw new Error(`denied data returned to ${caller.client.id}:\n${report.leaks.join('\n')}\noperation: ${text}`);
    }
    // Completeness: an operation the oracle allows in full runs without a refusal (nothing is
    // denied that the rules allow); a denied field met in the data, or a mutation reaching a denied
    // field, comes with a refusal (FORBIDDEN error, or 403 for the whole mutation). A denied field
    // under an empty list or a null parent may go without an error: the implementation reports
    // denials where the operation reaches them at run time.
    if (!refusedByLimit) {
      const denied = deniedInOperation(model.schema, model.oracle, caller.oracle, text);
      const refusals = codes.filter((code) => code === 'FORBIDDEN' || code === 'UNAUTHENTICATED').length;
      if (denied.size === 0 && (refusals > 0 || response.status !== 200)) {
        throw new Error(`operation allowed by the rules was refused for ${caller.client.id} (${response.status}): ${text}\n${response.text.slice(0, 300)}`);
      }
      const mustRefuse = report.deniedSeen > 0 || (generated.operation === 'mutation' && denied.size > 0);
      if (mustRefuse && refusals === 0) {
        throw new Error(`operation reaching ${[...denied].join(', ')} was not refused for ${caller.client.id} (${response.status}): ${text}\n${response.text.slice(0, 300)}`);
      }
      if (generated.operation === 'mutation' && denied.size > 0 && (response.status !== 403 || response.json?.['data'] !== undefined)) {
        throw new Error(`mutation reaching ${[...denied].join(', ')} was not refused whole for ${caller.client.id} (${response.status}): ${text}\n${response.text.slice(0, 300)}`);
      }
      if (denied.size > 0) stats.refusedOperations += 1;
      else stats.allowedOperations += 1;
    }
    stats.deniedFieldsSeen += report.deniedSeen;
    stats.allowedFieldsWithData += report.allowedWithData;
    const seen = new Set(stats.deniedCoordinates[caller.client.id] ?? []);
    for (const coordinate of report.deniedCoordinates) seen.add(coordinate);
    stats.deniedCoordinates[caller.client.id] = [...seen].sort();
  });
}

/** A fresh stats object. */
export function emptyAuthorizationStats(): AuthorizationFuzzStats {
  return { operations: 0, statuses: {}, deniedFieldsSeen: 0, allowedFieldsWithData: 0, deniedCoordinates: {}, refusedByLimits: 0, refusedOperations: 0, allowedOperations: 0 };
}
