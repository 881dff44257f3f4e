/**
 * The SDL of the allow-clients directives (`@allowClients`, `@authenticated`, `@requireScopes`,
 * `@public` and the `ClientMetadataMatch` input), the same text as `schema/directives.graphql`
 * (exported as `allow-clients/schema/directives.graphql` for tooling and codegen; a test keeps the
 * two identical). Embedded, so that importing the library reads no file.
 *
 * @example
 * ```ts
 * const schema = makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers });
 * ```
 */
export const authDirectiveTypeDefs: string = `# allow-clients directive definitions: the one source for runtime (exported as \`authDirectiveTypeDefs\`)
# and for codegen. Rules are read once when the schema is built; see README "Writing rules".
#
# How they combine (checked and compiled by compileRules / applyAllowClients):
# - The rule of a field T.f is the AND of the directives on T.f, on its type T, and on its named return
#   type (lists and non-null unwrapped; object and interface types). A type-level directive therefore
#   applies to every field of the type and to every field that returns the type.
# - A field with none of them follows the default policy ('public' | 'authenticated' | 'deny'); @public
#   on the field or on its own type opts out of the default policy only. Unlike the rules, @public on a
#   type does not pass to the fields that return the type.
# - Interfaces: every rule that applies to an interface field I.f must also apply to T.f in each type T
#   implementing I (written on T.f, on T, or on its return type); otherwise the schema build fails.
# - __typename, __schema and __type are always allowed (turn introspection off in production).
# - An anonymous caller denied anything is told UNAUTHENTICATED; a known caller, FORBIDDEN.

"""
Admits only the listed applications. An application is admitted when it matches ANY of
\`ids\`, \`names\` or \`metadata\` (each given list must be non-empty; at least one must be given).
Machine (client-credentials) tokens of a matching client are admitted; user tokens issued
through a matching client are admitted only with \`users: true\`.
\`names\` compares the client claim's \`name\`: names are not unique and not authoritative, so
prefer \`ids\` for anything sensitive.
"""
directive @allowClients(
  "Client ids, matched exactly."
  ids: [ID!]
  "Client names from the client claim, matched exactly."
  names: [String!]
  "Matchers on the client claim's metadata; ALL must hold (e.g. tier in [gold, platinum])."
  metadata: [ClientMetadataMatch!]
  "Also admit user tokens issued through a matching client (first-party frontends)."
  users: Boolean = false
) on FIELD_DEFINITION | OBJECT | INTERFACE

"A condition on one client metadata key: its value must be a string equal to one of \`in\`."
input ClientMetadataMatch {
  key: String!
  in: [String!]!
}

"Admits any verified caller, machine or user; refuses anonymous callers."
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE

"""
Admits a caller holding every scope of at least one of the sets: AND inside a set, OR across sets.
\`@requireScopes(anyOf: [["orders:read"], ["admin"]])\`
"""
directive @requireScopes(anyOf: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE

"Admits every caller, anonymous ones included, overriding the default policy (not other rules), on the field or on every field of the type; not on fields returning the type."
directive @public on FIELD_DEFINITION | OBJECT | INTERFACE
`;
