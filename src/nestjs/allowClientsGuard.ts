import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AccessError, AllowClientsError, httpChallenge, rateLimitHeaders, type AuthContext } from '../index.js';
import { AllowClientsService } from './allowClientsService.js';
import { bindHttpContext } from './currentPrincipal.js';
import { RouteRules } from './routeRules.js';

/** The body of every refusal: the fixed message and code, nothing more (no stack, no detail). */
export interface RefusalBody {
  readonly statusCode: number;
  /** `UNAUTHENTICATED`, `BAD_REQUEST`, `FORBIDDEN`, `SERVICE_UNAVAILABLE`, `RATE_LIMITED`, ... */
  readonly code: string;
  readonly message: string;
}

/**
 * An allow-clients refusal as a Nest `HttpException`: its status is the RFC 6750 one (401, 400, 403,
 * 503, 429), and `headers` holds `WWW-Authenticate` / `Retry-After` / `RateLimit` (already set on the
 * response when the guard throws it, so that exception filters keep them).
 */
export class AllowClientsHttpException extends HttpException {
  /** Lower-case header names and their values. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(body: RefusalBody, headers: Readonly<Record<string, string>>) {
    super(body, body.statusCode);
    this.headers = headers;
  }
}

type Request = IncomingMessage & { readonly body?: unknown; readonly originalUrl?: string };

/**
 * The guard of REST routes: it verifies the bearer token as the GraphQL edge does, decides the
 * route's `@AllowClients()` / `@RequireScopes()` / `@Authenticated()` / `@Public()` rules (on the
 * controller and on the method, with the module's default policy), counts the rate limit when one is
 * configured, and answers a refusal as RFC 6750 says: 401 with the challenge, 400 for a malformed
 * request (credentials twice), 403 `insufficient_scope`, 503 with `Retry-After` when the keys cannot
 * be fetched, 429 with `Retry-After`. On GraphQL operations it lets them through: the plugin of
 * `apolloOptions()` decided them before execution.
 *
 * @example
 * ```ts
 * @Controller('orders')
 * @UseGuards(AllowClientsGuard)
 * export class OrdersController {
 *   @Get() @RequireScopes('orders:read')
 *   list(@CurrentClient() client: Client | null) { ... }
 * }
 * ```
 */
@Injectable()
export class AllowClientsGuard implements CanActivate {
  readonly #service: AllowClientsService;
  readonly #routes: RouteRules;

  constructor(@Inject(AllowClientsService) service: AllowClientsService, @Inject(RouteRules) routes: RouteRules) {
    this.#service = service;
    this.#routes = routes;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() === 'graphql') {
      // Decided before execution by allowClientsPlugin; a context not made by apolloOptions() is not served.
      const value: unknown = GqlExecutionContext.create(context).getContext();
      if (typeof value === 'object' && value !== null && 'principal' in value) return true;
      throw new Error('AllowClientsGuard on a GraphQL operation without the allow-clients context: use AllowClientsService.apolloOptions()');
    }
    if (context.getType() !== 'http') throw new Error(`AllowClientsGuard guards HTTP routes, not ${context.getType()}`);
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<ServerResponse>();
    const realm = this.#service.realm;
    try {
      const auth: AuthContext = await this.#service.authenticate({ headers: request.headersDistinct, url: request.originalUrl ?? request.url, body: request.body });
      const refusal = this.#routes.decide(context.getClass(), context.getHandler(), auth.principal);
      // The route's internal name (Controller.method) goes to the log line of the decision, not to the caller.
      if (refusal !== null) throw new AccessError(refusal.code, refusal.requiredScopes === undefined ? {} : { requiredScopes: refusal.requiredScopes });
      const limiter = this.#service.rateLimiter;
      if (limiter !== null) {
        const state = await limiter.consume({ principal: auth.principal, address: request.socket.remoteAddress ?? null });
        setHeaders(response, rateLimitHeaders(state.policy, state.remaining, state.reset));
      }
      bindHttpContext(request, auth);
      return true;
    } catch (error) {
      if (!(error instanceof AllowClientsError)) throw error;
      const challenge = httpChallenge(error, realm);
      setHeaders(response, challenge.headers);
      throw new AllowClientsHttpException({ statusCode: challenge.status, code: challenge.code, message: challenge.message }, challenge.headers);
    }
  }
}

function setHeaders(response: ServerResponse, headers: Readonly<Record<string, string>>): void {
  if (response.headersSent) return;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
}
