import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AllowClientsGuard } from './allowClientsGuard.js';
import { AllowClientsService } from './allowClientsService.js';
import { ConfigurableModuleClass } from './moduleOptions.js';
import { RouteRules } from './routeRules.js';

/**
 * allow-clients for a Nest application: `AllowClientsModule.forRoot(options)` or
 * `forRootAsync({ imports, inject, useFactory })` (Nest's `ConfigurableModuleBuilder` conventions),
 * global by default (`isGlobal: false` to import it where needed). It provides
 * {@link AllowClientsService}, whose `apolloOptions()` gives `GraphQLModule.forRootAsync` the context
 * function, the plugins and the directives, and {@link AllowClientsGuard} for REST routes.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     AllowClientsModule.forRoot({ issuer: 'https://tenant.auth0.com/', audience: 'https://api.example.com', preset: 'auth0' }),
 *     GraphQLModule.forRootAsync<ApolloDriverConfig>({
 *       driver: ApolloDriver,
 *       inject: [AllowClientsService],
 *       useFactory: (allowClients: AllowClientsService) => allowClients.apolloOptions({ autoSchemaFile: true }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [AllowClientsService, RouteRules, AllowClientsGuard],
  // RouteRules too: `@UseGuards(AllowClientsGuard)` instantiates the guard in the controller's own module.
  exports: [AllowClientsService, RouteRules, AllowClientsGuard],
})
export class AllowClientsModule extends ConfigurableModuleClass {}
