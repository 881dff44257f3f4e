import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLSchema } from 'graphql';
import {
  assertRealm,
  authDirectiveTypeDefs,
  createOperationLimits,
  createRateLimiter,
  createSourceCheck,
  type AuthContext,
  type AuthRequest,
  type OperationLimits,
  type OperationLimitsOptions,
  type RateLimiterOptions,
  type RateLimiter,
  type SourceCheck,
  type SourceCheckOptions,
  type Verifier,
} from '../index.js';
import { BEARER_CSRF_HEADERS, allowClients, createAuthContext, operationLimitsPlugin, rateLimitPlugin, type AllowClients, type AuthContextOptions } from '../apollo/index.js';
import { allowClientsDirectives } from './directiveDefinitions.js';
import { MODULE_OPTIONS_TOKEN, MODULE_OWN_OPTIONS, type AllowClientsModuleOptions } from './moduleOptions.js';

/** The GraphQL context of every operation: the caller, and the request Nest's own decorators read. */
export interface NestAuthContext extends AuthContext {
  readonly req: IncomingMessage;
}

/** What {@link AllowClientsService.apolloOptions} takes: your Apollo driver options, without `context` (ours). */
export type ApolloOptions = Omit<ApolloDriverConfig, 'context'>;

/**
 * The allow-clients runtime of a Nest application, made once from the module options: the
 * authenticator, the enforcement settings, the limits and the Apollo plugins. Inject it into
 * `GraphQLModule.forRootAsync` and take {@link AllowClientsService.apolloOptions} from it.
 */
@Injectable()
export class AllowClientsService {
  /** The `WWW-Authenticate` realm. */
  readonly realm: string;
  /** The verifier behind the authenticator (stats, direct verification). */
  readonly verifier: Verifier;
  /** The operation limits, when configured. */
  readonly limits: OperationLimits | null;
  /** The rate limiter, when configured (GraphQL operations and guarded routes share it). */
  readonly rateLimiter: RateLimiter | null;
  /**
   * The check of the caller's own token, depth and alias limits on the query text, run by the
   * context function of {@link AllowClientsService.apolloOptions} before Apollo parses and validates
   * the document (its `stats()` count remembered verdicts); null without `limits` or with `sourceCheck: false`.
   */
  readonly sourceCheck: SourceCheck | null;
  readonly #authorization: AllowClients<NestAuthContext>;
  readonly #context: ReturnType<typeof createAuthContext>;
  readonly #plugins: readonly AllowClients<NestAuthContext>['plugin'][];
  /** The schema Apollo validates against, as apolloOptions' transformSchema prepared it last. */
  #prepared: GraphQLSchema | null = null;

  /** @throws TypeError naming a wrong option, at start */
  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: AllowClientsModuleOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('AllowClientsModule "options" must be an object');
    this.realm = assertRealm(options.realm ?? 'api', 'realm');
    const { defaultPolicy, mode, cacheSize, logger } = options;
    this.limits = limitsOf(options.limits);
    this.rateLimiter = rateLimiterOf(options.rateLimit);
    this.sourceCheck = sourceCheckOf(this.limits, options.sourceCheck, logger);
    const authOptions = Object.fromEntries(Object.entries(options).filter(([name]) => !MODULE_OWN_OPTIONS.has(name)));
    this.#context = createAuthContext({
      ...authOptions,
      realm: this.realm,
      // The schema is known once apolloOptions' transformSchema has prepared it.
      ...(this.sourceCheck === null ? {} : { sourceCheck: { check: this.sourceCheck, schema: () => this.#prepared, rateLimiter: this.rateLimiter } }),
    } as AuthContextOptions);
    this.verifier = this.#context.verifier;
    // The realm went to createAuthContext above, once: the contexts carry it to the plugins' challenges.
    this.#authorization = allowClients<NestAuthContext>({ defaultPolicy, mode, cacheSize, logger });
    this.#plugins = [
      this.#authorization.plugin,
      ...(this.limits === null ? [] : [operationLimitsPlugin<NestAuthContext>(this.limits)]),
      ...(this.rateLimiter === null ? [] : [rateLimitPlugin<NestAuthContext>(this.rateLimiter, { address: (context) => context.req.socket.remoteAddress })]),
    ];
  }

  /**
   * The caller of an HTTP request (for guards and REST routes).
   *
   * @throws AuthError (400/401) or ServiceError (503), to be mapped with `httpChallenge`
   */
  authenticate(request: AuthRequest): Promise<AuthContext> {
    return this.#context.authenticate(request);
  }

  /**
   * Your Apollo driver options with allow-clients wired in: our context function (the caller, as
   * `context.principal`, and `context.req`; with `limits`, the caller's own token, depth and alias
   * limits applied to the query text before Apollo parses and validates it, a refusal counted by the
   * rate limiter), our plugins first (authorization, then operation limits
   * and rate limit, all before execution), the directive definitions (in `typeDefs` for schema-first,
   * in `buildSchemaOptions.directives` for code-first), the schema prepared last by `applyAllowClients`
   * (after your `transformSchema`), `parseOptions` of the limits, and no stack trace in any response.
   *
   * @throws TypeError when `options` sets `context` (the context is ours), turns stack traces on, or sets `sortSchema`
   * @example
   * ```ts
   * GraphQLModule.forRootAsync<ApolloDriverConfig>({
   *   driver: ApolloDriver,
   *   inject: [AllowClientsService],
   *   useFactory: (allowClients: AllowClientsService) => allowClients.apolloOptions({ autoSchemaFile: true }),
   * });
   * ```
   */
  apolloOptions(options: ApolloOptions = {}): ApolloDriverConfig {
    if (typeof options !== 'object' || options === null) throw new TypeError('apolloOptions: "options" must be an object');
    if ('context' in options && (options as ApolloDriverConfig).context !== undefined) {
      throw new TypeError('apolloOptions: "context" is set by allow-clients (context.principal, context.req); read the request from context.req');
    }
    if (options.includeStacktraceInErrorResponses === true) {
      throw new TypeError('apolloOptions: "includeStacktraceInErrorResponses" must not be true: no response carries a stack trace');
    }
    if (options.sortSchema === true) {
      throw new TypeError('apolloOptions: "sortSchema" is not supported: Nest would replace the schema that allow-clients prepares last, and its rules with it');
    }
    const userTransform = options.transformSchema;
    const { transformer } = this.#authorization;
    const codeFirst = options.autoSchemaFile !== undefined && options.autoSchemaFile !== false;
    const typeDefs = options.typeDefs === undefined ? [] : Array.isArray(options.typeDefs) ? options.typeDefs : [options.typeDefs];
    const context = this.#context;
    return {
      ...options,
      // With limits, the context function also checks the caller's own limits (createAuthContext's sourceCheck).
      context: async ({ req }: { req: IncomingMessage & { body?: unknown } }): Promise<NestAuthContext> => ({ ...(await context({ req })), req }),
      // @nestjs/apollo is CommonJS and types its plugins with @apollo/server's CommonJS declarations;
      // ours are the ESM ones. Same objects at run time (plain hooks), two copies of the types.
      plugins: [...(this.#plugins as unknown as NonNullable<ApolloDriverConfig['plugins']>), ...(options.plugins ?? [])],
      includeStacktraceInErrorResponses: false,
      // GET with a bearer token passes CSRF prevention (the credentials are read from Authorization
      // only); your own csrfPrevention object, or false, is kept.
      csrfPrevention: options.csrfPrevention === undefined || options.csrfPrevention === true ? { requestHeaders: [...BEARER_CSRF_HEADERS] } : options.csrfPrevention,
      ...(codeFirst
        ? {
            buildSchemaOptions: {
              ...options.buildSchemaOptions,
              directives: [...(options.buildSchemaOptions?.directives ?? []), ...allowClientsDirectives()],
            },
          }
        : { typeDefs: [authDirectiveTypeDefs, ...typeDefs] }),
      sortSchema: false,
      transformSchema: async (schema: GraphQLSchema): Promise<GraphQLSchema> => {
        const transformed = userTransform === undefined ? schema : await userTransform(schema);
        this.#prepared = await transformer(transformed);
        return this.#prepared;
      },
      ...(this.limits === null ? {} : { parseOptions: { ...options.parseOptions, ...this.limits.parseOptions } }),
    };
  }
}

function sourceCheckOf(limits: OperationLimits | null, option: AllowClientsModuleOptions['sourceCheck'], logger: AllowClientsModuleOptions['logger']): SourceCheck | null {
  if (option === false) return null;
  if (option !== undefined && option !== true) {
    if (typeof option !== 'object' || option === null) throw new TypeError('AllowClientsModule "sourceCheck" must be true, false or { maxBytes }');
    const unknown = Object.keys(option).filter((name) => name !== 'maxBytes');
    if (unknown.length > 0) throw new TypeError(`AllowClientsModule "sourceCheck" has an unknown option "${unknown[0]}" (only "maxBytes")`);
  }
  if (limits === null) {
    if (option !== undefined) throw new TypeError('AllowClientsModule "sourceCheck" needs "limits": it applies the caller\'s own limits');
    return null;
  }
  const options: SourceCheckOptions = { ...(typeof option === 'object' ? option : {}), ...(logger === undefined ? {} : { logger }) };
  return createSourceCheck(limits, options);
}

function limitsOf(limits: AllowClientsModuleOptions['limits']): OperationLimits | null {
  if (limits === undefined) return null;
  if (typeof limits === 'object' && limits !== null && typeof (limits as Partial<OperationLimits>).check === 'function') return limits as OperationLimits;
  return createOperationLimits(limits as OperationLimitsOptions);
}

function rateLimiterOf(rateLimit: AllowClientsModuleOptions['rateLimit']): RateLimiter | null {
  if (rateLimit === undefined) return null;
  if (typeof rateLimit === 'object' && rateLimit !== null && typeof (rateLimit as Partial<RateLimiter>).consume === 'function') return rateLimit as RateLimiter;
  return createRateLimiter(rateLimit as RateLimiterOptions);
}
