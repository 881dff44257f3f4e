/**
 * DEV ONLY: the demo applications of the embedded issuer, read from dev/clients.json.
 *
 * The file mirrors Auth0 applications (id, secret, name, metadata, authorized scopes); it is read
 * and checked here so that the issuer, the token script and the tests agree on one registry.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The committed registry. */
export const DEV_CLIENTS_FILE = fileURLToPath(new URL('../../dev/clients.json', import.meta.url));

/** A machine-to-machine partner application (client-credentials grant). */
export interface DevMachineClient {
  readonly kind: 'machine';
  readonly id: string;
  readonly secret: string;
  readonly name: string;
  /**
   * How the token script presents this client's secret (registered as the client's
   * token_endpoint_auth_method; the dev issuer, like Auth0, accepts either from any client).
   */
  readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  readonly metadata: Readonly<Record<string, string>>;
  readonly scopes: readonly string[];
}

/** A first-party frontend (public client: authorization code with PKCE, user tokens). */
export interface DevFrontendClient {
  readonly kind: 'frontend';
  readonly id: string;
  readonly name: string;
  readonly redirectUri: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly scopes: readonly string[];
}

export type DevClient = DevMachineClient | DevFrontendClient;

/**
 * Reads and checks the registry.
 *
 * @throws Error naming the file and the entry when the registry is malformed.
 */
export function loadDevClients(file: string = DEV_CLIENTS_FILE): readonly DevClient[] {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read the demo client registry (${error instanceof Error ? error.message : String(error)})`);
  }
  const clients = isRecord(document) ? document['clients'] : undefined;
  if (!Array.isArray(clients) || clients.length === 0) throw new Error(`${file}: "clients" must be a non-empty array`);
  const seen = new Set<string>();
  return clients.map((entry: unknown, index: number) => {
    const client = parseClient(entry, `${file}: clients[${index}]`);
    if (seen.has(client.id)) throw new Error(`${file}: clients[${index}] repeats the id "${client.id}"`);
    seen.add(client.id);
    return client;
  });
}

function parseClient(entry: unknown, where: string): DevClient {
  if (!isRecord(entry)) throw new Error(`${where} must be an object`);
  const id = string(entry, 'id', where);
  const name = string(entry, 'name', where);
  const metadata = entry['metadata'];
  if (!isRecord(metadata) || !Object.values(metadata).every((value) => typeof value === 'string')) {
    throw new Error(`${where}.metadata must be an object of strings (as Auth0 application metadata)`);
  }
  const scopes = entry['scopes'];
  if (!Array.isArray(scopes) || !scopes.every((scope: unknown) => typeof scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    throw new Error(`${where}.scopes must be an array of scope tokens`);
  }
  const common = { id, name, metadata: metadata as Record<string, string>, scopes: scopes as string[] };
  if (entry['kind'] === 'machine') {
    const method = entry['tokenEndpointAuthMethod'];
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw new Error(`${where}.tokenEndpointAuthMethod must be client_secret_basic or client_secret_post`);
    }
    return { kind: 'machine', ...common, secret: string(entry, 'secret', where), tokenEndpointAuthMethod: method };
  }
  if (entry['kind'] === 'frontend') {
    return { kind: 'frontend', ...common, redirectUri: string(entry, 'redirectUri', where) };
  }
  throw new Error(`${where}.kind must be "machine" or "frontend"`);
}

function string(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw new Error(`${where}.${key} must be a non-empty string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
