/**
 * allow-clients/nestjs: the NestJS adapter (NestJS 11, @nestjs/graphql 13 and @nestjs/apollo 13 on
 * Apollo Server 5, optional peers).
 *
 * The module, its service (the Apollo driver options), the REST guard and the decorators, by name.
 * The only entry that imports `@nestjs/*`; it uses the core (`allow-clients`) and the Apollo adapter
 * (`allow-clients/apollo`).
 */

// The module and what it provides
export { AllowClientsModule } from './allowClientsModule.js';
export { MODULE_OPTIONS_TOKEN as ALLOW_CLIENTS_OPTIONS } from './moduleOptions.js';
export type { AllowClientsModuleOptions } from './moduleOptions.js';
export { AllowClientsService } from './allowClientsService.js';
export type { ApolloOptions, NestAuthContext } from './allowClientsService.js';
export { allowClientsDirectives } from './directiveDefinitions.js';

// Rules, for code-first schemas and REST controllers
export { AllowClients, RequireScopes, Authenticated, Public } from './ruleDecorators.js';
export type { AllowClientsArgs, ClientMetadataMatch, RuleDecorator } from './ruleDecorators.js';

// Who is calling, in resolvers and route handlers
export { CurrentPrincipal, CurrentClient } from './currentPrincipal.js';

// REST routes
export { AllowClientsGuard, AllowClientsHttpException } from './allowClientsGuard.js';
export type { RefusalBody } from './allowClientsGuard.js';
