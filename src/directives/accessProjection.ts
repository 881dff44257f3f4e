import { heldProjection, holdProjection } from '../auth/buildPrincipal.js';
import type { Principal } from '../auth/principal.js';
import type { CompiledRules } from './compileRules.js';

/**
 * What the compiled rules of one schema can read of a principal: the client ids, names, metadata
 * keys and values, and scopes that some rule mentions. Everything else about a principal (its other
 * scopes, an unlisted id, metadata no rule names, the user id) cannot change a decision.
 */
interface Vocabulary {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
  /** Metadata keys some rule matches, sorted, each with the values some rule accepts. */
  readonly metadata: readonly (readonly [string, ReadonlySet<string>])[];
  readonly scopes: ReadonlySet<string>;
  /**
   * Projected keys by principal object, for principals the verifier did not build and verified
   * principals whose own slot holds another rule set's key.
   */
  readonly keys: WeakMap<Principal, string>;
  /**
   * One string object per distinct projected key (at most {@link MAX_INTERNED}): the principals of a
   * tier then share a string that stays in the CPU cache, instead of 10,000 equal copies.
   */
  readonly interned: Map<string, string>;
}

const MAX_INTERNED = 4096;

const vocabularies = new WeakMap<CompiledRules, Vocabulary>();

/** The projected key of every anonymous caller. */
const ANONYMOUS = '\u0000anonymous';

/**
 * The principal's access key projected on what `rules` can read: kind, plus the client id, name,
 * metadata values and scopes that some rule of the schema mentions (anything else stands for "none
 * of them"). Two principals with one projected key are decided alike by every rule of the schema, so
 * 10,000 partners of three tiers share three cached decisions per operation, not 10,000. Its size
 * follows the schema's rules, never what a token carries. Anonymous callers share one key.
 *
 * @example
 * ```ts
 * const rules = compileRules(schema);
 * projectAccessKey(rules, goldPartnerA) === projectAccessKey(rules, goldPartnerB); // true when no rule names either id
 * ```
 */
export function projectAccessKey(rules: CompiledRules, principal: Principal | null): string {
  if (principal === null) return ANONYMOUS;
  // One principal is shared by every request of its token: a verified principal holds the key
  // projected on the rule set it was first projected on, checked by identity, so a schema built
  // again with other rules (a new CompiledRules) never reads a stale key. Reading it touches only the
  // principal, which the request has just read, where a WeakMap of 10,000 principals misses the CPU cache.
  const held = heldProjection(principal, rules);
  if (held !== undefined) return held;
  const vocabulary = vocabularyOf(rules);
  let key = vocabulary.keys.get(principal);
  if (key === undefined) {
    const projected = project(vocabulary, principal);
    key = vocabulary.interned.get(projected);
    if (key === undefined) {
      key = projected;
      if (vocabulary.interned.size < MAX_INTERNED) vocabulary.interned.set(key, key);
    }
    // A principal the verifier did not build, or whose slot holds another rule set's key (several
    // schemas in one process: the first keeps the slot), is remembered in the WeakMap.
    if (!holdProjection(principal, rules, key)) vocabulary.keys.set(principal, key);
  }
  return key;
}

function project(vocabulary: Vocabulary, principal: Principal): string {
  const { client } = principal;
  const metadata = client.metadata;
  const values = vocabulary.metadata.map(([name, accepted]) => {
    const value = metadata !== null && Object.hasOwn(metadata, name) ? metadata[name] : undefined;
    // A rule admits only a string it lists; any other value is "no match" for every rule.
    return typeof value === 'string' && accepted.has(value) ? value : null;
  });
  const scopes = [...new Set(principal.scopes.filter((scope) => vocabulary.scopes.has(scope)))].sort();
  return JSON.stringify([
    principal.kind,
    vocabulary.ids.has(client.id) ? client.id : null,
    client.name !== null && vocabulary.names.has(client.name) ? client.name : null,
    values,
    scopes,
  ]);
}

function vocabularyOf(rules: CompiledRules): Vocabulary {
  let vocabulary = vocabularies.get(rules);
  if (vocabulary !== undefined) return vocabulary;
  const ids = new Set<string>();
  const names = new Set<string>();
  const metadata = new Map<string, Set<string>>();
  const scopes = new Set<string>();
  // Field rules and the rules of types met through interfaces and unions (withheld whole).
  for (const rule of [...rules.fields.values(), ...rules.types.values()]) {
    for (const check of rule.checks) {
      if (check.kind === 'requireScopes') {
        for (const set of check.anyOf) for (const scope of set) scopes.add(scope);
      } else if (check.kind === 'allowClients') {
        for (const id of check.ids ?? []) ids.add(id);
        for (const name of check.names ?? []) names.add(name);
        for (const match of check.metadata ?? []) {
          let accepted = metadata.get(match.key);
          if (accepted === undefined) {
            accepted = new Set();
            metadata.set(match.key, accepted);
          }
          for (const value of match.in) accepted.add(value);
        }
      }
    }
  }
  vocabulary = {
    ids,
    names,
    metadata: [...metadata.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    scopes,
    keys: new WeakMap(),
    interned: new Map(),
  };
  vocabularies.set(rules, vocabulary);
  return vocabulary;
}
