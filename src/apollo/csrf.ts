/**
 * Apollo Server's `csrfPrevention.requestHeaders` for an API that takes its credentials from the
 * `Authorization` header alone (no cookies), as allow-clients does: Apollo's own two headers and
 * `authorization`. CSRF prevention refuses a request a browser may send cross-origin without a
 * preflight (a `GET`, or a `POST` as `text/plain` or a form) unless it carries one of them; a
 * browser never adds `Authorization` to a cross-origin request without a preflight, so a `GET` with
 * a bearer token is served while a cookie-less simple request is still refused. (A `GET` never runs
 * a mutation: Apollo Server answers 405.) Do not use it if your API also accepts cookie credentials.
 *
 * @example
 * ```ts
 * new ApolloServer<AuthContext>({ schema, csrfPrevention: { requestHeaders: [...BEARER_CSRF_HEADERS] } });
 * ```
 */
export const BEARER_CSRF_HEADERS: readonly string[] = Object.freeze(['x-apollo-operation-name', 'apollo-require-preflight', 'authorization']);
