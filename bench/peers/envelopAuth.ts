/**
 * @envelop/generic-auth in `protect-granular` mode over envelop + graphql-js: its
 * `@requiresScopes` directive with the client id as a scope (`client:<id>`), checked by its
 * extended-validation rule before execution. `rejectUnauthenticated: false` keeps the allowed part
 * of the operation (like our filter mode); the denied fields are removed from the document and
 * reported as errors.
 */
import { envelop, useEngine, useSchema } from '@envelop/core';
import { useGenericAuth } from '@envelop/generic-auth';
import { execute, parse, specifiedRules, subscribe, validate } from 'graphql';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import type { Principal } from '../../src/index.js';

/** Executes a parsed, validated document for a principal through envelop with generic-auth. */
export type EnvelopRunner = (document: DocumentNode, principal: Principal | null) => Promise<ExecutionResult>;

/** Builds the envelop orchestrator; returns a runner. */
export function envelopRunner(schema: GraphQLSchema): EnvelopRunner {
  const getEnveloped = envelop({
    plugins: [
      useEngine({ parse, validate, specifiedRules, execute, subscribe }),
      useSchema(schema),
      useGenericAuth<Principal, Record<string, unknown>>({
        mode: 'protect-granular',
        resolveUserFn: (context) => (context as { principal?: Principal | null }).principal ?? null,
        extractScopes: (principal) => [`client:${principal.client.id}`, ...principal.scopes],
        rejectUnauthenticated: false,
      }),
    ],
  });
  return async (document, principal) => {
    const { contextFactory, execute: run, schema: envelopedSchema } = getEnveloped({ principal });
    const contextValue = await contextFactory({ principal });
    return (await run({ schema: envelopedSchema, document, contextValue })) as ExecutionResult;
  };
}
