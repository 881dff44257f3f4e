import { readFileSync } from 'node:fs';

/**
 * The SDL of the allow-clients directives (`@allowClients`, `@authenticated`, `@requireScopes`,
 * `@public` and the `ClientMetadataMatch` input), read from `schema/directives.graphql`: one source
 * for the runtime, for codegen and for the documentation.
 *
 * @example
 * ```ts
 * const schema = makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers });
 * ```
 */
// Relative to this module, so that it resolves alike from src/directives/ and dist/directives/.
export const authDirectiveTypeDefs: string = readFileSync(
  new URL('../../schema/directives.graphql', import.meta.url),
  'utf8',
);
