/**
 * The reference API's executable schema: schema/api.graphql with the library's directive
 * definitions, the typed resolvers, and the library's authorization applied last.
 */
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { allowClientsPlugin } from '../apollo/index.js';
import { applyAllowClients, authDirectiveTypeDefs } from '../index.js';
import type { AuthContext, MetricsHooks } from '../index.js';
import type { AuthzMode, DefaultPolicy, SchemaView } from './config.js';
import { createStore } from './data/store.js';
import type { Store } from './data/store.js';
import { createResolvers } from './resolvers.js';

/** The reference API's own SDL (the directive definitions come from the library). */
export const apiTypeDefs: string = readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8');

/** Options of {@link buildReferenceSchema}. */
export interface ReferenceSchemaOptions {
  readonly mode: AuthzMode;
  readonly defaultPolicy: DefaultPolicy;
  /** Which schema callers introspect and are validated against (default `caller`: each its own view; `full`: the whole schema). */
  readonly schemaView?: SchemaView;
  readonly logger: Logger;
  /** Default: a fresh store with the demo data. */
  readonly store?: Store;
  /** Told of every operation decided with a denial (metrics, audit). */
  readonly metrics?: MetricsHooks;
}

/** The schema to serve and the Apollo plugins that enforce it. */
export interface ReferenceSchema {
  readonly schema: GraphQLSchema;
  readonly plugins: readonly ApolloServerPlugin<AuthContext>[];
}

/**
 * Builds the reference API. Wrong annotations fail here, naming the field coordinate.
 *
 * @throws TypeError from the library for a wrong annotation or option
 */
export function buildReferenceSchema(options: ReferenceSchemaOptions): ReferenceSchema {
  const resolvers = createResolvers(options.store ?? createStore());
  const executable = makeExecutableSchema({
    typeDefs: [authDirectiveTypeDefs, apiTypeDefs],
    // The generated Resolvers type is stricter than graphql-tools' IResolvers; the shapes agree.
    resolvers: resolvers as IResolvers,
  });
  const schema = applyAllowClients(executable, {
    mode: options.mode,
    defaultPolicy: options.defaultPolicy,
    schemaView: options.schemaView ?? 'caller',
    logger: options.logger.child({ component: 'authz' }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  return { schema, plugins: [allowClientsPlugin<AuthContext>()] };
}
