import { ConfigurableModuleBuilder } from '@nestjs/common';
import type {
  AuthenticatorOptions,
  DefaultPolicy,
  EnforcementMode,
  OperationLimits,
  OperationLimitsOptions,
  RateLimiter,
  RateLimiterOptions,
  SourceCheckOptions,
} from '../index.js';

/**
 * Options of `AllowClientsModule.forRoot` / `forRootAsync`: the verifier's (issuer, audience, preset,
 * ..., `allowAnonymous`), the authorization's (`mode`, `defaultPolicy`, `cacheSize`), the challenge
 * realm, and the optional operation limits and rate limiter. Checked once, when the module starts.
 */
export interface AllowClientsModuleOptions extends AuthenticatorOptions {
  /** The `realm` of `WWW-Authenticate` challenges. Default `'api'`. */
  readonly realm?: string;
  /** `filter` (default): denied fields are null with one error each; `reject`: the operation is refused with 403. */
  readonly mode?: EnforcementMode;
  /** What fields and routes without a rule require (default `'authenticated'`). */
  readonly defaultPolicy?: DefaultPolicy;
  /** How many (operation, access key) decisions are kept (default 10,000). */
  readonly cacheSize?: number;
  /** Depth, alias, token and cost limits per operation (per client tier): options, or `createOperationLimits()`. */
  readonly limits?: OperationLimitsOptions | OperationLimits;
  /**
   * With `limits`, the caller's own token, depth and alias limits are applied to the query text
   * before Apollo parses and validates it (on by default; `false` leaves only the checks after
   * validation). `{ maxBytes }` sets the budget of the remembered verdicts (default 1 MiB).
   */
  readonly sourceCheck?: boolean | Pick<SourceCheckOptions, 'maxBytes'>;
  /** Requests per window per client: options, or `createRateLimiter()` (a shared store, for several replicas). */
  readonly rateLimit?: RateLimiterOptions | RateLimiter;
}

/** The option names of the module itself; every other name is the authenticator's (and checked by it). */
export const MODULE_OWN_OPTIONS: ReadonlySet<string> = new Set(['realm', 'mode', 'defaultPolicy', 'cacheSize', 'limits', 'sourceCheck', 'rateLimit']);

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AllowClientsModuleOptions>({ moduleName: 'AllowClients' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
