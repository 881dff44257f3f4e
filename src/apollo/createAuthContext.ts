import type { IncomingMessage } from 'node:http';
import { assertRealm, toGraphQLError } from '../http/challenge.js';
import { createAuthenticator } from '../auth/authenticate.js';
import type { AuthRequest, AuthenticatorOptions } from '../auth/authenticate.js';
import type { AuthContext } from '../auth/context.js';
import type { Verifier } from '../auth/verifier.js';

/** Options of {@link createAuthContext}: the authenticator's, plus the challenge realm. */
export interface AuthContextOptions extends AuthenticatorOptions {
  /** The `realm` of `WWW-Authenticate` challenges. Default `'api'`. */
  readonly realm?: string;
}

/** What an Apollo Server integration passes to its context function (standalone, Express, ...). */
export interface ContextFunctionArgument {
  readonly req: IncomingMessage & { readonly body?: unknown };
}

/** An Apollo-compatible context function, with the server-agnostic parts it is made of. */
export interface AuthContextFunction {
  /** The typed context of a request; a refusal is thrown as a GraphQL error carrying its HTTP status and headers. */
  (argument: ContextFunctionArgument): Promise<AuthContext>;
  /** The same, for any server: throws the coded errors themselves. */
  readonly authenticate: (request: AuthRequest) => Promise<AuthContext>;
  readonly verifier: Verifier;
}

/**
 * Creates the context function that gives Apollo Server its typed {@link AuthContext}.
 * Options are checked here, once.
 *
 * @throws TypeError naming a wrong option
 * @example
 * ```ts
 * const server = new ApolloServer<AuthContext>({ typeDefs, resolvers });
 * const context = createAuthContext({ issuer: 'https://tenant.auth0.com/', audience: 'https://api.example.com' });
 * await startStandaloneServer(server, { context });
 * ```
 */
export function createAuthContext(options: AuthContextOptions): AuthContextFunction {
  const realm = assertRealm(options.realm ?? 'api', 'realm');
  const { authenticate, verifier } = createAuthenticator(options, new Set(['realm']));
  const context = async ({ req }: ContextFunctionArgument): Promise<AuthContext> => {
    try {
      return await authenticate({ headers: req.headersDistinct, url: req.url, body: req.body });
    } catch (error) {
      throw toGraphQLError(error, { realm });
    }
  };
  return Object.assign(context, { authenticate, verifier });
}
