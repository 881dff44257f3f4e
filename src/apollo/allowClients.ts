import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { AuthContext } from '../auth/context.js';
import { allowClientsPlugin } from './allowClientsPlugin.js';
import { refuseRealmOption } from './realm.js';
import { applyAllowClients, type ApplyAllowClientsOptions } from '../directives/applyAllowClients.js';
import { assertDefaultPolicy } from '../directives/compileRules.js';
import { assertEnforcementOptions } from '../directives/enforcement.js';
import { authDirectiveTypeDefs } from '../directives/typeDefs.js';

/** Options of {@link allowClients}: those of `applyAllowClients` (the realm goes to `createAuthContext`). */
export type AllowClientsOptions = ApplyAllowClientsOptions;

/** The three parts of allow-clients authorization, sharing one set of options. */
export interface AllowClients<TContext extends AuthContext = AuthContext> {
  /** The directive definitions to add to the schema's type definitions. */
  readonly typeDefs: string;
  /** Compiles the rules and guards the protected fields (see `applyAllowClients`). Apply it last. */
  transformer(schema: GraphQLSchema): GraphQLSchema;
  /** Decides each operation before execution (see `allowClientsPlugin`). */
  readonly plugin: ApolloServerPlugin<TContext>;
}

/**
 * One factory for Apollo Server, in the shape of the graphql-tools "Enforcing access permissions"
 * example: `typeDefs`, a schema `transformer`, and the `plugin` that checks operations before execution.
 *
 * @throws TypeError naming the option, at once
 * @example
 * ```ts
 * const auth = allowClients({ defaultPolicy: 'authenticated', mode: 'filter', logger });
 * const schema = auth.transformer(makeExecutableSchema({ typeDefs: [auth.typeDefs, typeDefs], resolvers }));
 * const server = new ApolloServer<AuthContext>({ schema, plugins: [auth.plugin] });
 * ```
 */
export function allowClients<TContext extends AuthContext = AuthContext>(options: AllowClientsOptions = {}): AllowClients<TContext> {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" must be an object');
  refuseRealmOption(options, 'allowClients');
  assertDefaultPolicy(options.defaultPolicy);
  assertEnforcementOptions(options);
  const settings: ApplyAllowClientsOptions = {
    defaultPolicy: options.defaultPolicy,
    mode: options.mode,
    logger: options.logger,
    cacheSize: options.cacheSize,
    schemaView: options.schemaView,
    viewCacheBytes: options.viewCacheBytes,
    cacheBytes: options.cacheBytes,
  };
  return {
    typeDefs: authDirectiveTypeDefs,
    transformer: (schema) => applyAllowClients(schema, settings),
    plugin: allowClientsPlugin<TContext>(),
  };
}
