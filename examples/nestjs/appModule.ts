import { Module, type DynamicModule } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { AllowClientsModule, AllowClientsService, type AllowClientsModuleOptions } from '../../src/nestjs/index.js'; // allow-clients/nestjs in your project
import { OrdersResolver } from './ordersResolver.js';
import { OrderStore } from './orderStore.js';
import { ReportsController } from './reportsController.js';

/** Where tokens come from: Auth0 (or the embedded dev issuer) and this API's audience. */
export type AuthSettings = Pick<AllowClientsModuleOptions, 'issuer' | 'audience' | 'preset' | 'logger'>;

/** The partner API: GraphQL at /graphql (code-first, Apollo driver) and GET /reports/revenue. */
@Module({})
export class AppModule {
  static register(auth: AuthSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AllowClientsModule.forRoot({ ...auth, realm: 'partner-api', mode: 'filter', defaultPolicy: 'authenticated', rateLimit: { default: { requests: 600, window: 60 } } }),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [AllowClientsService],
          useFactory: (allowClients: AllowClientsService) => allowClients.apolloOptions({ autoSchemaFile: true, playground: false }),
        }),
      ],
      providers: [OrderStore, OrdersResolver],
      controllers: [ReportsController],
    };
  }
}
