/**
 * Real Nest applications for the NestJS adapter tests: the Express platform, the real Apollo driver,
 * listening on 127.0.0.1 (ephemeral port), with a catch-all exception filter written as Nest's docs
 * write one, to show that refusals keep their status and headers through filters.
 */
import type { AddressInfo } from 'node:net';
import { Catch, HttpException, type ArgumentsHost, type DynamicModule, type ExceptionFilter, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { DEFAULT_CLIENT_CLAIM } from '../../../src/index.js';
import { AllowClientsModule, AllowClientsService, type AllowClientsModuleOptions, type ApolloOptions } from '../../../src/nestjs/index.js';
import { afterAll, beforeAll } from 'vitest';
import { startTestIssuer, type TestIssuer } from '../../helpers/testIssuer.js';

/** The all-exceptions filter of Nest's documentation: HttpExceptions keep their status, the rest is a 500. */
@Catch()
class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const { httpAdapter } = this.adapterHost;
    const context = host.switchToHttp();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const body = exception instanceof HttpException ? exception.getResponse() : { statusCode: 500, message: 'Internal server error' };
    httpAdapter.reply(context.getResponse(), body, status);
  }
}

export interface TestApp {
  readonly url: string;
  readonly app: INestApplication;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The module options (`forRoot`), or the module itself (e.g. from `forRootAsync`). */
  readonly allowClients: AllowClientsModuleOptions | DynamicModule;
  /** Apollo driver options (code-first: `autoSchemaFile`; schema-first: `typePaths`); null for no GraphQL. */
  readonly graphql: ApolloOptions | null;
  readonly providers?: readonly Provider[];
  readonly controllers?: readonly Type[];
}

/** Starts a Nest application with allow-clients; `close()` stops it. */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const allowClients = options.allowClients;
  const imports: DynamicModule[] = ['module' in allowClients ? (allowClients as DynamicModule) : AllowClientsModule.forRoot(allowClients as AllowClientsModuleOptions)];
  const graphql = options.graphql;
  if (graphql !== null) {
    imports.push(
      GraphQLModule.forRootAsync<ApolloDriverConfig>({
        driver: ApolloDriver,
        inject: [AllowClientsService],
        useFactory: (allowClients: AllowClientsService) => allowClients.apolloOptions(graphql),
      }),
    );
  }
  class TestAppModule {}
  const app = await NestFactory.create(
    { module: TestAppModule, imports, providers: [...(options.providers ?? [])], controllers: [...(options.controllers ?? [])] },
    { logger: false, abortOnError: false },
  );
  app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}

/** Verifier options trusting the test issuer. */
export function trusting(issuer: TestIssuer): Pick<AllowClientsModuleOptions, 'issuer' | 'audience'> {
  return { issuer: issuer.url, audience: issuer.audience };
}

/** A client-credentials token of `clientId`, with the client claim (name, metadata) and scopes. */
export function machineToken(issuer: TestIssuer, clientId: string, metadata: Record<string, string> | null, scope = ''): string {
  return issuer.sign({
    azp: clientId,
    sub: `${clientId}@clients`,
    gty: 'client-credentials',
    scope,
    [DEFAULT_CLIENT_CLAIM]: { id: clientId, name: clientId, metadata },
  });
}

/** A user token issued through `clientId` (a first-party frontend). */
export function userToken(issuer: TestIssuer, clientId: string, userId: string, scope = ''): string {
  return issuer.sign({ azp: clientId, sub: userId, gty: undefined, scope, [DEFAULT_CLIENT_CLAIM]: { id: clientId, name: clientId, metadata: null } });
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: { data?: Record<string, unknown> | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] } & Record<string, unknown>;
}

/** POSTs a GraphQL query (5 s deadline). */
export async function postQuery(url: string, query: string, token?: string, path = '/graphql'): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(5000),
  });
  return answerOf(response);
}

/** POSTs any JSON body to /graphql (5 s deadline): batches, wrong types. */
export async function postJson(url: string, body: unknown, token?: string): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return answerOf(response);
}

/** GETs a GraphQL query from /graphql, with the header Apollo's CSRF prevention asks of a GET (5 s deadline). */
export async function getQuery(url: string, query: string, token?: string): Promise<Answer> {
  const response = await fetch(`${url}/graphql?${new URLSearchParams({ query }).toString()}`, {
    headers: { 'apollo-require-preflight': 'true', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    signal: AbortSignal.timeout(5000),
  });
  return answerOf(response);
}

/** GETs a REST route (5 s deadline). */
export async function get(url: string, path: string, token?: string): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  });
  return answerOf(response);
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Answer['json'] };
}

/** No stack trace, file path or internal detail in an answer. */
export function expectNoLeak(answer: Answer): void {
  if (/stacktrace|\bat .+\(|node_modules|\.ts:\d+/i.test(answer.text)) throw new Error(`the answer leaks internals: ${answer.text}`);
}

/** A filter-mode and a reject-mode application on one test issuer, with the two partners' tokens. */
export interface ModeApps {
  readonly issuer: TestIssuer;
  readonly filter: TestApp;
  readonly reject: TestApp;
  readonly filterCalls: Record<string, number>;
  readonly rejectCalls: Record<string, number>;
  /** partner-gold, tier gold, orders:read and orders:write. */
  readonly gold: string;
  /** partner-silver, tier silver, orders:read. */
  readonly silver: string;
}

/** Starts {@link ModeApps} before the tests of the calling `describe` and stops them after. */
export function useModeApps(start: (issuer: TestIssuer, mode: 'filter' | 'reject', calls: Record<string, number>) => Promise<TestApp>): ModeApps {
  const apps = { filterCalls: {}, rejectCalls: {} } as { -readonly [K in keyof ModeApps]: ModeApps[K] };
  beforeAll(async () => {
    apps.issuer = await startTestIssuer();
    [apps.filter, apps.reject] = await Promise.all([start(apps.issuer, 'filter', apps.filterCalls), start(apps.issuer, 'reject', apps.rejectCalls)]);
    apps.gold = machineToken(apps.issuer, 'partner-gold', { tier: 'gold' }, 'orders:read orders:write');
    apps.silver = machineToken(apps.issuer, 'partner-silver', { tier: 'silver' }, 'orders:read');
  });
  afterAll(async () => {
    await Promise.all([apps.filter?.close(), apps.reject?.close()]);
    await apps.issuer?.close();
  });
  return apps;
}
