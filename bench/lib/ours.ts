/**
 * Our side of every scenario, through the library's public entries only (src/index.ts, src/apollo/index.ts), so that the
 * benchmark measures what a user gets.
 */
import type { GraphQLSchema } from 'graphql';
import { applyAllowClients, createVerifier } from '../../src/index.js';
import type { Principal } from '../../src/index.js';

export { applyAllowClients, authDirectiveTypeDefs, checkOperation, compileRules } from '../../src/index.js';
export { allowClientsPlugin } from '../../src/apollo/index.js';

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

/** Our schema transformer (synchronous resolver-level checks), mode filter, default policy authenticated. */
export function ourSchemaTransformer(schema: GraphQLSchema): GraphQLSchema {
  return applyAllowClients(schema, { defaultPolicy: 'authenticated' });
}
