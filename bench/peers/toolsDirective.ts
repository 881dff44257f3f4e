/**
 * The peer from the graphql-tools documentation ("Enforcing access permissions" in its schema
 * directives page): mapSchema + getDirective, wrapping every annotated field's resolver. As is
 * common in copies of that example (and in the older Apollo docs it descends from), the wrapper is
 * an async function, so every resolved value of an annotated field goes through a promise.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, GraphQLError } from 'graphql';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { Principal } from '../../src/index.js';

interface Ctx {
  readonly principal: Principal | null;
}

/** Returns the transformer that enforces `@allowClients(ids)` the graphql-tools-docs way. */
export function toolsDocsAuthDirective(directiveName = 'allowClients'): (schema: GraphQLSchema) => GraphQLSchema {
  const typeDirectiveArgumentMaps: Record<string, Record<string, unknown>> = {};
  return (schema: GraphQLSchema) =>
    mapSchema(schema, {
      [MapperKind.TYPE]: (type) => {
        const directive = getDirective(schema, type, directiveName)?.[0] as Record<string, unknown> | undefined;
        if (directive !== undefined) typeDirectiveArgumentMaps[type.name] = directive;
        return undefined;
      },
      [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
        const directive = (getDirective(schema, fieldConfig, directiveName)?.[0] as Record<string, unknown> | undefined) ?? typeDirectiveArgumentMaps[typeName];
        if (directive === undefined) return undefined;
        const ids = new Set((directive.ids as string[] | undefined) ?? []);
        const resolve: GraphQLFieldResolver<unknown, Ctx> = fieldConfig.resolve ?? defaultFieldResolver;
        fieldConfig.resolve = async function (source, args, context: Ctx, info) {
          const clientId = context.principal?.client.id;
          if (clientId === undefined || !ids.has(clientId)) throw new GraphQLError('not authorized', { extensions: { code: 'FORBIDDEN' } });
          return resolve(source, args, context, info);
        };
        return fieldConfig;
      },
    });
}
