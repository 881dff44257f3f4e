/**
 * The large-list API as a NestJS application (schema-first, the Apollo driver, a Nest resolver for
 * `Query.items`), with allow-clients (`AllowClientsModule` + `apolloOptions()`) or without any
 * authorization (the Nest floor): the same SDL, resolvers and Apollo settings otherwise.
 * Only explicit `@Inject()` tokens and schema-first resolvers: it runs under tsx, without decorator metadata.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Inject, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import type { ApolloServer } from '@apollo/server';
import type { Principal } from '../../src/index.js';
import { AllowClientsModule, AllowClientsService } from '../../src/nestjs/index.js';
import { largeListSdl, type Item, type ItemStore } from '../fixtures/largeList.js';
import type { ApolloOutcome } from './apollo.js';
import { authDirectiveTypeDefs } from './ours.js';
import type { GraphQLResultLike } from '../fixtures/largeList.js';

const STORE = Symbol('item store');

@Resolver('Query')
class ItemsResolver {
  constructor(@Inject(STORE) private readonly store: ItemStore) {}

  @Query('items')
  items(@Args('first') first: number): Item[] {
    this.store.calls += 1;
    return this.store.list(Number(first));
  }

  @Query('item')
  item(@Args('id') id: string): Item | undefined {
    this.store.calls += 1;
    return this.store.list(Number(id) + 1)[Number(id)];
  }
}

/** What the Nest app authenticates against (null: the floor, no authorization at all). */
export interface NestAuth {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri?: string;
  readonly mode: 'filter' | 'reject';
}

/** A started Nest application. */
export interface NestLargeList {
  readonly app: INestApplication;
  /** Set when started with `listen`. */
  readonly url: string | null;
  /** One operation in process through the app's Apollo Server (a fresh context per operation). */
  execute(query: string, principal: Principal | null): Promise<ApolloOutcome>;
  stop(): Promise<void>;
}

@Module({})
class BenchModule {}

/** Starts the Nest large-list app, with allow-clients when `auth` is given. */
export async function startNestLargeList(store: ItemStore, auth: NestAuth | null, listen: boolean): Promise<NestLargeList> {
  const graphql: DynamicModule =
    auth === null
      ? GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, typeDefs: [authDirectiveTypeDefs, largeListSdl], includeStacktraceInErrorResponses: false, playground: false })
      : GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [AllowClientsService],
          useFactory: (allowClients: AllowClientsService) => allowClients.apolloOptions({ typeDefs: [largeListSdl], playground: false }),
        });
  const imports: DynamicModule[] = auth === null
    ? [graphql]
    : [AllowClientsModule.forRoot({ issuer: auth.issuer, audience: auth.audience, ...(auth.jwksUri === undefined ? {} : { jwksUri: auth.jwksUri }), mode: auth.mode, defaultPolicy: 'public' }), graphql];
  const app = await NestFactory.create({ module: BenchModule, imports, providers: [ItemsResolver, { provide: STORE, useValue: store }] }, { logger: false, abortOnError: false });
  let url: string | null = null;
  if (listen) {
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/graphql`;
  } else {
    await app.init();
  }
  const server = (app.get(GraphQLModule) as GraphQLModule<ApolloDriver>).graphQlAdapter.instance as unknown as ApolloServer<{ principal: Principal | null }>;
  return {
    app,
    url,
    execute: async (query, principal) => {
      const response = await server.executeOperation({ query }, { contextValue: { principal } });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return { status: response.http.status ?? 200, result: response.body.singleResult as GraphQLResultLike };
    },
    stop: () => app.close(),
  };
}
