/**
 * allow-clients without Apollo: a graphql-yoga server on node:http that authenticates with the
 * library's authenticator, enforces the schema's rules with the schema transformer
 * (`applyAllowClients`), refuses operations before execution with `checkOperation`, and gives the
 * result one error per denied selection with `completeResult`.
 *
 * Any graphql-js server can do the same: authenticate into `{ principal }`, prepare the schema once,
 * and check each operation before it runs.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLError } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { applyAllowClients, authDirectiveTypeDefs, checkOperation, completeResult, createAuthenticator, toGraphQLError } from '../../src/index.js';
import type { AuthContext, AuthenticatorOptions } from '../../src/index.js';

/** The schema of the example: one public field, one for gold partners, one mutation for partners with a scope. */
export const typeDefs = /* GraphQL */ `
  type Query {
    products: [Product!]!
    "Every catalog item through an interface, nullable items: a denied non-null field nulls the item."
    catalog: [Item]
  }
  interface Item {
    name: String!
    unitCost: Float! @allowClients(metadata: [{ key: "tier", in: ["gold"] }])
  }
  type Product implements Item {
    name: String!
    wholesalePrice: Float @allowClients(metadata: [{ key: "tier", in: ["gold"] }])
    unitCost: Float! @allowClients(metadata: [{ key: "tier", in: ["gold"] }])
  }
  type Mutation {
    placeOrder(name: String!): Boolean! @allowClients(metadata: [{ key: "tier", in: ["gold", "silver"] }]) @requireScopes(anyOf: [["orders:write"]])
  }
`;

/** Options of {@link startYogaServer}. */
export interface YogaServerOptions {
  /** How tokens are verified (issuer, audience, preset...). */
  readonly auth: AuthenticatorOptions;
  /** `filter` (default) or `reject`. */
  readonly mode?: 'filter' | 'reject';
  /** Called when the mutation resolver runs (to prove it never runs when denied). */
  readonly onOrder?: (name: string) => void;
  /** How many items `catalog` returns (default 3). */
  readonly catalogSize?: number;
}

type ServerContext = { req: IncomingMessage; res: ServerResponse };

const REALM = 'yoga-example';

/** The refusal of the library as a Yoga error: Yoga reads `extensions.http.headers` as a plain record. */
function yogaError(error: unknown): GraphQLError {
  return toGraphQLError(error, { realm: REALM, headers: 'record' });
}

/** Starts the example on 127.0.0.1 (ephemeral port unless `port`). */
export async function startYogaServer(options: YogaServerOptions, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const { authenticate } = createAuthenticator(options.auth);
  const schema = applyAllowClients(
    makeExecutableSchema({
      typeDefs: [authDirectiveTypeDefs, typeDefs],
      resolvers: {
        Query: {
          products: () => [
            { name: 'Cordless Drill', wholesalePrice: 92, unitCost: 61 },
            { name: 'Claw Hammer', wholesalePrice: 15, unitCost: 8 },
          ],
          catalog: () => Array.from({ length: options.catalogSize ?? 3 }, (_, index) => ({ name: `Item ${index}`, wholesalePrice: 10, unitCost: 6 })),
        },
        Item: { __resolveType: () => 'Product' },
        Mutation: {
          placeOrder: (_parent: unknown, args: { name: string }) => {
            options.onOrder?.(args.name);
            return true;
          },
        },
      },
    }),
    { mode: options.mode ?? 'filter', defaultPolicy: 'authenticated' },
  );

  // Before execution: refuse what must be refused as a whole (reject mode, denied mutations). After
  // it: the Apollo plugin's result, one error per denied selection however long the lists.
  const authorizeBeforeExecution: Plugin<AuthContext> = {
    onExecute({ args, setResultAndStopExecution }) {
      const contextValue = args.contextValue as AuthContext;
      const decision = checkOperation({ schema: args.schema, document: args.document, operationName: args.operationName, principal: contextValue.principal, contextValue });
      if (decision?.refusal) {
        setResultAndStopExecution({ errors: [yogaError(decision.refusal)] });
        return undefined;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return; // incremental delivery: not used here
          setResult(completeResult({ result, contextValue, realm: REALM, headers: 'record' }));
        },
      };
    },
  };

  const yoga = createYoga<ServerContext, AuthContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    maskedErrors: true,
    plugins: [authorizeBeforeExecution],
    context: async ({ req }) => {
      try {
        // headersDistinct keeps repeated Authorization headers apart (400 invalid_request). Yoga reads
        // the body itself, so an extra access_token body member is not detected here; the token is
        // read from the Authorization header only either way.
        return await authenticate({ headers: req.headersDistinct, url: req.url ?? '/' });
      } catch (error) {
        throw yogaError(error);
      }
    },
  });

  const server = createServer(yoga);
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen); // a port in use is an error to report, not a crash
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/graphql`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
