import type { Principal } from './principal.js';

/**
 * The GraphQL context that allow-clients gives every operation.
 *
 * `principal` is null only for an anonymous caller, which exists only when anonymous access is on.
 */
export interface AuthContext {
  readonly principal: Principal | null;
}
