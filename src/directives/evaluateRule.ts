import type { Principal } from '../auth/principal.js';
import { AccessError } from '../errors.js';
import type { Check, FieldRule } from './compileRules.js';
import type { AllowClientsDirective } from './ruleDirectives.js';

/**
 * Decides one field's rule for one caller. Called once per (operation, access key, coordinate):
 * the decisions are cached above it, so clarity wins over micro-speed here.
 *
 * @param scopes - the principal's scopes as a set (built once per decision)
 * @returns null when every check admits the caller, else the AccessError to report
 */
export function evaluateRule(rule: FieldRule, principal: Principal | null, scopes: ReadonlySet<string>): AccessError | null {
  if (principal === null) {
    // Every check but none needs a verified caller; an anonymous one is told to authenticate.
    return new AccessError('ERR_UNAUTHENTICATED', { coordinate: rule.coordinate, detail: 'anonymous caller' });
  }
  let failed: Check | null = null;
  let onlyScopesMissing = true;
  for (const check of rule.checks) {
    if (admits(check, principal, scopes)) continue;
    failed ??= check;
    if (check.kind !== 'requireScopes') onlyScopesMissing = false;
  }
  if (failed === null) return null;
  // A scope hint (RFC 6750 insufficient_scope) only when more scopes alone would admit the caller.
  const scopeCheck = rule.checks.find((check) => check.kind === 'requireScopes' && !admits(check, principal, scopes));
  return new AccessError('ERR_FORBIDDEN', {
    coordinate: rule.coordinate,
    detail: failed.text,
    ...(onlyScopesMissing && scopeCheck?.kind === 'requireScopes' ? { requiredScopes: scopeCheck.anyOf } : {}),
  });
}

function admits(check: Check, principal: Principal, scopes: ReadonlySet<string>): boolean {
  switch (check.kind) {
    case 'authenticated':
      return true;
    case 'deny':
      return false;
    case 'requireScopes':
      return check.anyOf.some((set) => set.every((scope) => scopes.has(scope)));
    case 'allowClients':
      return admitsClient(check, principal);
  }
}

/** A client matches when it matches ANY of ids, names, metadata (ALL metadata matchers). */
function admitsClient(rule: AllowClientsDirective, principal: Principal): boolean {
  if (principal.kind !== 'machine' && !rule.users) return false;
  const { client } = principal;
  if (rule.ids?.has(client.id) === true) return true;
  if (client.name !== null && rule.names?.has(client.name) === true) return true;
  const metadata = client.metadata;
  if (rule.metadata === null || metadata === null) return false;
  return rule.metadata.every((match) => {
    const value = Object.hasOwn(metadata, match.key) ? metadata[match.key] : undefined;
    return typeof value === 'string' && match.in.has(value);
  });
}
