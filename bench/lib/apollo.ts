/** Apollo Server in process (executeOperation), as the in-process scenarios run it. */
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { AuthContext, Principal } from '../../src/index.js';
import type { GraphQLResultLike } from '../fixtures/largeList.js';

/** One operation's outcome: the HTTP status Apollo would send and the result. */
export interface ApolloOutcome {
  readonly status: number;
  readonly result: GraphQLResultLike;
}

/** A started Apollo Server. */
export interface InProcessApollo {
  execute(query: string, principal: Principal | null): Promise<ApolloOutcome>;
  stop(): Promise<void>;
}

/** Starts Apollo Server with a schema and plugins; errors without stack traces, as in production. */
export async function startApollo(schema: GraphQLSchema, plugins: ApolloServerPlugin<AuthContext>[] = []): Promise<InProcessApollo> {
  const server = new ApolloServer<AuthContext>({ schema, plugins, includeStacktraceInErrorResponses: false });
  await server.start();
  return {
    execute: async (query, principal) => {
      // A fresh context object per operation, as a server makes one per request.
      const response = await server.executeOperation({ query }, { contextValue: { principal } });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return { status: response.http.status ?? 200, result: response.body.singleResult as GraphQLResultLike };
    },
    stop: () => server.stop(),
  };
}
