import type { IncomingMessage } from 'node:http';
import { DEFAULT_REALM, assertRealm, toGraphQLError } from '../http/challenge.js';
import { bindRealm } from './realm.js';
import { createAuthenticator } from '../auth/authenticate.js';
import type { AuthRequest, AuthenticatorOptions } from '../auth/authenticate.js';
import type { AuthContext } from '../auth/context.js';
import type { Verifier } from '../auth/verifier.js';
import { assertContextSourceCheck, checkContextSource } from './sourceCheckContext.js';
import type { ContextSourceCheck } from './sourceCheckContext.js';

/** Options of {@link createAuthContext}: the authenticator's, plus the challenge realm. */
export interface AuthContextOptions extends AuthenticatorOptions {
  /**
   * The `realm` of every `WWW-Authenticate` challenge of the request: the 401s written here and the
   * 403s of `allowClientsPlugin`, which reads it from the context. Given here only. Default `'api'`.
   */
  readonly realm?: string;
  /**
   * The caller's own token, depth and alias limits on the query text, checked after authentication
   * and before Apollo Server parses and validates the document: `{ check: createSourceCheck(limits),
   * schema, rateLimiter }`. A refusal is a 400 with its code (`TOO_MANY_TOKENS`, `QUERY_TOO_DEEP`,
   * `TOO_MANY_ALIASES`), counted against `rateLimiter` when given. Default: none (only the checks
   * after validation, by `operationLimitsPlugin`).
   */
  readonly sourceCheck?: ContextSourceCheck;
}

/** What an Apollo Server integration passes to its context function (standalone, Express, ...). */
export interface ContextFunctionArgument {
  readonly req: IncomingMessage & { readonly body?: unknown };
}

/** An Apollo-compatible context function, with the server-agnostic parts it is made of. */
export interface AuthContextFunction {
  /** The typed context of a request; a refusal is thrown as a GraphQL error carrying its HTTP status and headers. */
  (argument: ContextFunctionArgument): Promise<AuthContext>;
  /** The same, for any server: throws the coded errors themselves (the context carries the realm too). */
  readonly authenticate: (request: AuthRequest) => Promise<AuthContext>;
  /** `Authenticator.checkBody`: for a server that authenticates from the headers before it parses the body. */
  readonly checkBody: (request: AuthRequest) => void;
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
  const realm = assertRealm(options.realm ?? DEFAULT_REALM, 'realm');
  const authenticator = createAuthenticator(options, new Set(['realm', 'sourceCheck']));
  const sourceCheck = options.sourceCheck === undefined ? null : assertContextSourceCheck(options.sourceCheck);
  const { verifier } = authenticator;
  const authenticate = async (request: AuthRequest): Promise<AuthContext> => bindRealm(await authenticator.authenticate(request), realm);
  const context = async ({ req }: ContextFunctionArgument): Promise<AuthContext> => {
    let authContext: AuthContext;
    try {
      authContext = await authenticate({ headers: req.headersDistinct, url: req.url, body: req.body });
    } catch (error) {
      throw toGraphQLError(error, { realm });
    }
    if (sourceCheck !== null) await checkContextSource(sourceCheck, req, authContext.principal, realm);
    return authContext;
  };
  return Object.assign(context, { authenticate, checkBody: authenticator.checkBody, verifier });
}
