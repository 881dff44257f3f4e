/**
 * The clients file: the applications to explain, shaped as dev/clients.json and documented by
 * schema/clients.schema.json (id, name, kind, metadata, scopes; other keys such as secrets ignored).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { accessKeyOf, type Principal } from '../auth/principal.js';
import { CliError } from './cliError.js';

/** One application of the clients file, and the principal its tokens give. */
export interface CliClient {
  readonly id: string;
  readonly name: string;
  /** `machine`: client-credentials tokens; `frontend`: user tokens issued through the client. */
  readonly kind: 'machine' | 'frontend';
  readonly metadata: Readonly<Record<string, string>>;
  readonly scopes: readonly string[];
  /** The principal of a token of this client with every scope of `scopes` (a user's for a frontend). */
  readonly principal: Principal;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Reads and checks a clients file against schema/clients.schema.json.
 *
 * @param file - the path as the user wrote it (messages name it so)
 * @param cwd - what a relative `file` is relative to
 * @throws CliError with one line `FILE: PATH: reason` (e.g. `clients.json: clients[2].metadata.tier: must be a string`)
 */
export function loadClientsFile(file: string, cwd: string): readonly CliClient[] {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read the clients file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseClients(document, file);
}

/**
 * Checks a parsed clients document.
 *
 * @param where - the file name, for messages
 * @throws CliError naming the file, the JSON path and the reason
 */
export function parseClients(document: unknown, where: string): readonly CliClient[] {
  const fail = (path: string, reason: string): never => {
    throw new CliError(`${where}: ${path}: ${reason}`);
  };
  if (!isRecord(document)) return fail('(root)', 'must be an object with a "clients" array');
  const clients = document['clients'];
  if (!Array.isArray(clients)) return fail('clients', 'must be an array');
  if (clients.length === 0) return fail('clients', 'must not be empty');
  const seen = new Set<string>();
  return clients.map((entry: unknown, index: number): CliClient => {
    const at = `clients[${index}]`;
    if (!isRecord(entry)) return fail(at, 'must be an object');
    for (const key of ['id', 'name'] as const) {
      const value = entry[key];
      if (typeof value !== 'string' || value === '') fail(`${at}.${key}`, 'must be a non-empty string');
    }
    const id = entry['id'] as string;
    const name = entry['name'] as string;
    if (seen.has(id)) fail(`${at}.id`, `repeats the id "${id}"`);
    seen.add(id);
    const kind = entry['kind'];
    if (kind !== 'machine' && kind !== 'frontend') return fail(`${at}.kind`, 'must be "machine" or "frontend"');
    const metadata = entry['metadata'] ?? {};
    if (!isRecord(metadata)) return fail(`${at}.metadata`, 'must be an object of strings');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') fail(`${at}.metadata.${key}`, 'must be a string');
    }
    const scopes = entry['scopes'] ?? [];
    if (!Array.isArray(scopes)) return fail(`${at}.scopes`, 'must be an array of scope tokens');
    scopes.forEach((scope: unknown, position: number) => {
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) fail(`${at}.scopes[${position}]`, 'must be a scope token (RFC 6749, no spaces)');
    });
    const strings = metadata as Record<string, string>;
    const granted = [...new Set(scopes as string[])];
    const client = { id, name, metadata: strings };
    const principalKind = kind === 'machine' ? 'machine' : 'user';
    const principal: Principal = {
      kind: principalKind,
      client,
      ...(principalKind === 'user' ? { user: { id: '(a signed-in user)' } } : {}),
      scopes: granted,
      claims: {},
      accessKey: accessKeyOf({ kind: principalKind, client, scopes: granted }),
    };
    return { id, name, kind, metadata: strings, scopes: granted, principal };
  });
}

/**
 * The clients named by `ids`, in that order; every client when `ids` is empty.
 *
 * @throws CliError for an id the file does not list
 */
export function selectClients(clients: readonly CliClient[], ids: readonly string[], file: string): readonly CliClient[] {
  if (ids.length === 0) return clients;
  return ids.map((id) => {
    const found = clients.find((client) => client.id === id);
    if (found === undefined) throw new CliError(`${file}: unknown client "${id}" (the file lists ${clients.map((client) => client.id).join(', ')})`);
    return found;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
