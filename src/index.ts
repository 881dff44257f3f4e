/**
 * allow-clients: per-application, field-level access control for GraphQL APIs.
 *
 * The public API, by name. Anything not exported here is internal.
 */

// Errors and their mapping at the HTTP/GraphQL edge
export { AllowClientsError, AuthError, AccessError, ServiceError, LimitError } from './errors.js';
export type {
  ErrorCode,
  AuthErrorCode,
  AccessErrorCode,
  ServiceErrorCode,
  LimitErrorCode,
  AllowClientsErrorOptions,
  AccessErrorOptions,
} from './errors.js';
export { httpChallenge, toGraphQLError, assertRealm } from './http/challenge.js';
export type { HttpChallenge, ToGraphQLErrorOptions } from './http/challenge.js';

// Who is calling
export { accessKeyOf } from './auth/principal.js';
export type { Principal, PrincipalKind, Client, User, JsonValue } from './auth/principal.js';
export type { AuthContext } from './auth/context.js';

// Abuse limits: depth, aliases, tokens and cost per operation, per client tier
export { createOperationLimits } from './limits/operationLimits.js';
export type { OperationLimits, LimitCheckRequest } from './limits/operationLimits.js';
export { operationLimitsPlugin } from './limits/operationLimitsPlugin.js';
export type { OperationLimitsPluginOptions } from './limits/operationLimitsPlugin.js';
export { DEFAULT_LIMITS } from './limits/limitOptions.js';
export type { LimitValues, LimitTiers, LimitsLogger, OperationLimitsOptions } from './limits/limitOptions.js';
export type { CostModel, DocumentMeasures, OperationMeasures } from './limits/documentMeter.js';
