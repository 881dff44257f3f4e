import type { Principal } from '../auth/principal.js';
import { isRecord } from './isRecord.js';

/**
 * Client tiers, shared by the operation limits and the rate limiter: a client metadata key whose
 * string value names the caller's tier, and what each tier gets instead of the defaults.
 */

/**
 * Different limits or allowances for chosen client tiers, read from the client metadata under `key`.
 *
 * @example
 * ```ts
 * { key: 'tier', values: { gold: { cost: 20_000 }, internal: { cost: 50_000 } } }
 * ```
 */
export interface ClientTiers<T> {
  /** The client metadata key whose string value names the tier (e.g. `tier`). */
  readonly key: string;
  /** What each tier value gets; a tier's missing members are the defaults. */
  readonly values: Readonly<Record<string, Partial<T>>>;
}

/** Tiers after checking; `key` is null when no tiers are configured. */
export interface CheckedTiers<T> {
  readonly key: string | null;
  readonly values: ReadonlyMap<string, T>;
}

/**
 * Checks a `tiers` option; `checkTier` checks one tier's values (and may refuse its name).
 *
 * @param what - what the tiers map to, for the message (`limits`, `allowances`)
 * @throws TypeError naming the option at fault.
 */
export function checkClientTiers<T>(option: unknown, what: string, checkTier: (value: unknown, tier: string, option: string) => T): CheckedTiers<T> {
  const values = new Map<string, T>();
  if (option === undefined) return { key: null, values };
  if (!isRecord(option)) throw new TypeError('"tiers" must be an object { key, values }');
  const key = option['key'];
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('"tiers.key" must be a non-empty string');
  const tierValues = option['values'];
  if (!isRecord(tierValues)) throw new TypeError(`"tiers.values" must be an object mapping tier names to ${what}`);
  for (const [tier, value] of Object.entries(tierValues)) values.set(tier, checkTier(value, tier, `tiers.values.${tier}`));
  return { key, values };
}

/** The configured tier of a caller; null for an anonymous caller, without tiers, or for a tier not configured. */
export function tierOf(principal: Principal | null, tiers: CheckedTiers<unknown>): string | null {
  if (principal === null || tiers.key === null) return null;
  const value = principal.client.metadata?.[tiers.key];
  return typeof value === 'string' && tiers.values.has(value) ? value : null;
}
