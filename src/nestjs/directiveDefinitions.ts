import { buildSchema, type GraphQLDirective } from 'graphql';
import { authDirectiveTypeDefs } from '../index.js';

const NAMES = new Set(['allowClients', 'authenticated', 'requireScopes', 'public']);

let definitions: readonly GraphQLDirective[] | undefined;

/**
 * The four allow-clients directives as graphql-js objects, built once from `authDirectiveTypeDefs`,
 * for code-first schemas (`buildSchemaOptions.directives`); their `ClientMetadataMatch` argument
 * type comes with them.
 */
export function allowClientsDirectives(): readonly GraphQLDirective[] {
  definitions ??= Object.freeze(
    buildSchema(`${authDirectiveTypeDefs}\ntype Query { _: Boolean }`).getDirectives().filter((directive) => NAMES.has(directive.name)),
  );
  return definitions;
}
