/**
 * allow-clients: per-application, field-level access control for GraphQL APIs.
 *
 * The framework-free core, by name: it imports no server framework. The Apollo Server adapter
 * (context function, plugins, the `allowClients()` convenience) is the `allow-clients/apollo`
 * entry, src/apollo/index.ts. Anything not exported from an entry is internal.
 */

// Errors and their mapping at the HTTP/GraphQL edge
export { AllowClientsError, AuthError, AccessError, ServiceError, LimitError, RateLimitError } from './errors.js';
export type {
  ErrorCode,
  AuthErrorCode,
  AccessErrorCode,
  ServiceErrorCode,
  LimitErrorCode,
  AllowClientsErrorOptions,
  AccessErrorOptions,
  RatePolicy,
} from './errors.js';
export { httpChallenge, toGraphQLError, assertRealm } from './http/challenge.js';
export type { HttpChallenge, ToGraphQLErrorOptions } from './http/challenge.js';
export { rateLimitHeaders, rateLimitFields, mergeRateLimitField } from './http/rateLimitHeaders.js';
export type { RateLimitFieldState } from './http/rateLimitHeaders.js';
export { readRequestSource } from './http/requestSource.js';
export type { RequestSource, RequestSourceInput } from './http/requestSource.js';

// Who is calling
export { accessKeyOf } from './auth/principal.js';
export type { Principal, PrincipalKind, Client, User, JsonValue } from './auth/principal.js';
export type { AuthContext } from './auth/context.js';
export { createAuthenticator } from './auth/authenticate.js';
export type { Authenticator, AuthenticatorOptions, AuthRequest } from './auth/authenticate.js';
export { createVerifier } from './auth/verifier.js';
export type { Verifier, VerifierStats } from './auth/verifier.js';
export { VERIFIER_DEFAULTS } from './auth/verifierOptions.js';
export type { VerifierOptions, ResolvedVerifierOptions } from './auth/verifierOptions.js';
export type { KeyStoreStats } from './auth/keyStore.js';
export { readBearerToken, DEFAULT_MAX_TOKEN_LENGTH } from './auth/bearerToken.js';
export type { BearerTokenSource } from './auth/bearerToken.js';
export { DEFAULT_CLIENT_CLAIM } from './auth/clientClaim.js';
export { ASYMMETRIC_ALGORITHMS } from './auth/algorithms.js';
export type { AsymmetricAlgorithm } from './auth/algorithms.js';
export { PRESETS, PRESET_NAMES } from './auth/presets/presets.js';
export type { PresetName, ClaimsPreset, ClaimMapping, VerifiedToken } from './auth/presets/preset.js';
export type { Logger } from './logger.js';
// Names a caller chose, bounded in bytes wherever they are kept or logged
export { boundName, MAX_NAME_BYTES } from './text/boundName.js';

// What they may touch: @allowClients, @authenticated, @requireScopes, @public, enforced before execution
export { authDirectiveTypeDefs } from './directives/typeDefs.js';
export { applyAllowClients } from './directives/applyAllowClients.js';
export type { ApplyAllowClientsOptions } from './directives/applyAllowClients.js';
export { checkOperation } from './directives/checkOperation.js';
export type { CheckOperationArgs } from './directives/checkOperation.js';
export { mayRead } from './directives/mayRead.js';
export { completeResult } from './directives/completeResult.js';
export type { CompleteResultArgs } from './directives/completeResult.js';
export { compileRules } from './directives/compileRules.js';
export { projectAccessKey } from './directives/accessProjection.js';
export type { CompiledRules, CompileRulesOptions, DefaultPolicy, FieldRule, Check, DenyAll } from './directives/compileRules.js';
export type { EnforcementMode, OperationDecision, Denial } from './directives/decideOperation.js';
export { DEFAULT_DECISION_CACHE_BYTES } from './directives/enforcement.js';
export type { EnforcementOptions, SchemaViewOption } from './directives/enforcement.js';
export type {
  RuleDirective,
  AllowClientsDirective,
  AuthenticatedDirective,
  RequireScopesDirective,
  MetadataMatch,
} from './directives/ruleDirectives.js';

// Abuse limits: depth, aliases, tokens and cost per operation, per client tier
export { createOperationLimits } from './limits/operationLimits.js';
export type { OperationLimits, LimitCheckRequest } from './limits/operationLimits.js';
export { createSourceCheck, DEFAULT_SOURCE_CHECK_BYTES } from './limits/sourceCheck.js';
export type { SourceCheck, SourceCheckOptions, SourceCheckRequest, SourceCheckStats } from './limits/sourceCheck.js';
export { DEFAULT_LIMITS, DEFAULT_LIST_SIZE, DEFAULT_SCHEMA_INTROSPECTIONS } from './limits/limitOptions.js';
export { DEFAULT_INTROSPECTION_COST } from './limits/operationCost.js';
export type { LimitValues, LimitTiers, OperationLimitsOptions } from './limits/limitOptions.js';
export type { DocumentMeasures, OperationMeasures } from './limits/documentMeter.js';
export type { CostModel } from './limits/operationCost.js';
export type { ClientTiers } from './limits/clientTiers.js';

// Rate limits: requests per window, per client id (per address for anonymous callers), per client tier
export { createRateLimiter } from './limits/rateLimit.js';
export type { RateLimiter, RateLimitCaller, RateLimitState, PolicyState, CostState, CostRequest } from './limits/rateLimit.js';
export type { RedisClient, RedisClientOptions, RedisConnection, StoreFailurePolicy, LimitStoreOptions, LimitStoreHealth } from './limits/limitStore.js';
export { rootMutationFields } from './limits/rootFields.js';
export { DEFAULT_RATE_LIMIT } from './limits/rateLimitOptions.js';
export type { RateAllowance, RateLimitTiers, RateLimiterOptions } from './limits/rateLimitOptions.js';
export { addressKey } from './limits/addressKey.js';

// Operating it: metrics hooks, request outcomes and the audit event of refusals (prom-client metrics: allow-clients/prometheus)
export type { MetricsHooks, TokenVerificationEvent, JwksFetchEvent, OperationDeniedEvent, VerificationResult } from './observe/metricsHooks.js';
export { REQUEST_OUTCOMES, outcomeOfError, outcomeOfResponse } from './observe/requestOutcome.js';
export type { RequestOutcome } from './observe/requestOutcome.js';
export { createAuditEvent, operationHash, AUDIT_EVENT_NAME, AUDIT_EVENT_VERSION, MAX_AUDIT_EVENT_BYTES, MAX_AUDIT_COORDINATES } from './observe/auditEvent.js';
export type { AuditEvent, AuditCoordinate, AuditInput } from './observe/auditEvent.js';
