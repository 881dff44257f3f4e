/**
 * allow-clients/apollo: the Apollo Server adapter.
 *
 * The context function, the plugins and the `allowClients()` convenience, by name. The only
 * entry that imports `@apollo/server` (an optional peer); everything framework-free is in the
 * core entry, `allow-clients` (src/index.ts).
 */

// Who is calling: the typed context of each request
export { createAuthContext } from './createAuthContext.js';
export type { AuthContextOptions, AuthContextFunction, ContextFunctionArgument } from './createAuthContext.js';
export type { ContextSourceCheck } from './sourceCheckContext.js';

// For your own plugins that refuse in didResolveOperation: the caller's view answers first
export { viewRefusal } from './operationStart.js';

// How a browser's GET with a bearer token passes CSRF prevention
export { BEARER_CSRF_HEADERS } from './csrf.js';

// What they may touch: the schema transform and the enforcement plugin in one call, or the plugin alone
export { allowClients } from './allowClients.js';
export type { AllowClients, AllowClientsOptions } from './allowClients.js';
export { allowClientsPlugin } from './allowClientsPlugin.js';

// How much they may spend
export { operationLimitsPlugin } from './operationLimitsPlugin.js';
export { rateLimitPlugin } from './rateLimitPlugin.js';
export type { RateLimitPluginOptions } from './rateLimitPlugin.js';
export { costBudgetPlugin } from './costBudgetPlugin.js';
export type { CostBudgetPluginOptions, CostExtension } from './costBudgetPlugin.js';

// What they may make the server keep: parsed documents, in bytes
export { createDocumentStore, DEFAULT_DOCUMENT_STORE_BYTES } from './documentStore.js';
export type { DocumentStoreOptions } from './documentStore.js';
