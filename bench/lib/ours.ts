/**
 * Our side of every scenario, through the library's public API only (src/index.ts), so that the
 * benchmark measures what a user gets.
 */
import type { GraphQLSchema } from 'graphql';
import { createVerifier } from '../../src/index.js';
import type { Principal } from '../../src/index.js';
import { applyAllowClients } from '../../src/directives/applyAllowClients.js';

export { compileRules } from '../../src/directives/compileRules.js';
export { authDirectiveTypeDefs } from '../../src/directives/typeDefs.js';

/** A token verifier as the scenarios use it. */
export interface OurVerifier {
  verify(token: string): Promise<Principal>;
  /** JWKS fetch attempts so far. */
  jwksFetches(): number;
}

/** Creates our verifier for a test issuer (default options otherwise). */
export async function createOurVerifier(options: { issuer: string; audience: string; jwksUri: string }): Promise<OurVerifier> {
  const verifier = createVerifier({ issuer: options.issuer, audience: options.audience, jwksUri: options.jwksUri });
  return {
    verify: (token) => verifier.verify(token),
    jwksFetches: () => verifier.stats.jwks.fetches,
  };
}

export { allowClientsPlugin } from '../../src/directives/allowClientsPlugin.js';
export { checkOperation } from '../../src/directives/checkOperation.js';
export { applyAllowClients } from '../../src/directives/applyAllowClients.js';

/** Our schema transformer (synchronous resolver-level checks), mode filter, default policy authenticated. */
export function ourSchemaTransformer(schema: GraphQLSchema): GraphQLSchema {
  return applyAllowClients(schema, { defaultPolicy: 'authenticated' });
}
