/** Shared by the operation-limit tests: a machine principal of a tier, and the code a limit check refuses with. */
import { expect } from 'vitest';
import { accessKeyOf, LimitError } from '../../src/index.js';
import type { JsonValue, Principal } from '../../src/index.js';

/** A machine principal with `metadata` (e.g. `{ tier: 'gold' }`), as the verifier builds one. */
export function machinePrincipal(metadata: Record<string, JsonValue> | null, id = 'partner-app'): Principal {
  const parts = { kind: 'machine' as const, client: { id, name: id, metadata }, scopes: [] };
  return { ...parts, claims: {}, accessKey: accessKeyOf(parts) };
}

/** The `LimitError` code `run` throws (asserting it is one), or null when it passes. */
export function limitCodeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(LimitError);
    return (error as LimitError).code;
  }
}
