import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLSchema } from 'graphql';
import {
  LimitError,
  assertRealm,
  authDirectiveTypeDefs,
  createOperationLimits,
  createRateLimiter,
  createSourceCheck,
  rateLimitFields,
  readRequestSource,
  toGraphQLError,
  type AuthContext,
  type AuthRequest,
  type OperationLimits,
  type OperationLimitsOptions,
  type Principal,
  type RateLimiterOptions,
  type RateLimiter,
  type RateLimitState,
  type SourceCheck,
  type SourceCheckOptions,
  type Verifier,
} from '../index.js';
import { BEARER_CSRF_HEADERS, allowClients, createAuthContext, operationLimitsPlugin, rateLimitPlugin, type AllowClients } from '../apollo/index.js';
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

  /** @throws TypeError naming a wrong option, at start */
  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: AllowClientsModuleOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('AllowClientsModule "options" must be an object');
    this.realm = assertRealm(options.realm ?? 'api', 'realm');
    const authOptions = Object.fromEntries(Object.entries(options).filter(([name]) => !MODULE_OWN_OPTIONS.has(name)));
    this.#context = createAuthContext({ ...authOptions, realm: this.realm } as AllowClientsModuleOptions);
    this.verifier = this.#context.verifier;
    const { defaultPolicy, mode, cacheSize, logger } = options;
    // The realm went to createAuthContext above, once: the contexts carry it to the plugins' challenges.
    this.#authorization = allowClients<NestAuthContext>({ defaultPolicy, mode, cacheSize, logger });
    this.limits = limitsOf(options.limits);
    this.rateLimiter = rateLimiterOf(options.rateLimit);
    this.sourceCheck = sourceCheckOf(this.limits, options.sourceCheck, logger);
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
    // The schema Apollo validates against, as prepared last below: the depth and alias rules need it.
    let prepared: GraphQLSchema | null = null;
    return {
      ...options,
      context: async ({ req }: { req: IncomingMessage & { body?: unknown } }): Promise<NestAuthContext> => {
        const nestContext: NestAuthContext = { ...(await context({ req })), req };
        if (prepared !== null) await this.#checkSource(prepared, req, nestContext.principal);
        return nestContext;
      },
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
        prepared = await transformer(transformed);
        return prepared;
      },
      ...(this.limits === null ? {} : { parseOptions: { ...options.parseOptions, ...this.limits.parseOptions } }),
    };
  }

  /**
   * The caller's own limits on the query text, before Apollo parses and validates it. A refusal
   * counts one request against the rate limiter, as an executed operation would (the rate-limit
   * plugin counts only operations that validate), so a caller cannot send over-limit documents
   * without end: past its allowance it gets the 429 instead of the 400. Thrown as a GraphQL error
   * with its HTTP status, which Apollo answers as is, with no "Context creation failed" prefix.
   */
  async #checkSource(schema: GraphQLSchema, req: IncomingMessage & { body?: unknown }, principal: Principal | null): Promise<void> {
    const check = this.sourceCheck;
    if (check === null) return;
    const { query, operationName } = readRequestSource({ method: req.method, url: req.url, body: req.body });
    if (query === null) return;
    try {
      check.check({ schema, source: query, operationName, principal });
    } catch (error) {
      let state: RateLimitState | null = null;
      try {
        if (error instanceof LimitError && this.rateLimiter !== null) state = await this.rateLimiter.consume({ principal, address: req.socket.remoteAddress ?? null });
      } catch (rateError) {
        throw toGraphQLError(rateError, { realm: this.realm });
      }
      const refusal = toGraphQLError(error, { realm: this.realm });
      const http: unknown = refusal.extensions['http'];
      if (state !== null && typeof http === 'object' && http !== null && 'headers' in http && http.headers instanceof Map) {
        for (const [name, value] of Object.entries(rateLimitFields(state.policies))) http.headers.set(name, value);
      }
      throw refusal;
    }
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
