/**
 * schema/clients.schema.json and the checks of the clients file say the same: every required key and
 * every constraint the JSON Schema states is refused by the tool when broken, naming its path; what it
 * allows (other keys, no metadata or scopes) is accepted. And the table's colour follows NO_COLOR and
 * the terminal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cliError.js';
import { parseClients } from '../../src/cli/clientsFile.js';
import { colorEnabled } from '../../src/cli/runCli.js';
import { runTool, ROOT } from './support/runTool.js';

interface ClientsJsonSchema {
  required: string[];
  properties: { clients: { minItems: number; items: { required: string[]; properties: { kind: { enum: string[] }; metadata: { additionalProperties: { type: string } } } } } };
}

const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schema', 'clients.schema.json'), 'utf8')) as ClientsJsonSchema;
const DEV = JSON.parse(readFileSync(join(ROOT, 'dev', 'clients.json'), 'utf8')) as { clients: Record<string, unknown>[] };
const ONE = { id: 'partner', name: 'Partner', kind: 'machine' };

function refusal(document: unknown): string {
  try {
    parseClients(document, 'clients.json');
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('schema/clients.schema.json and the clients file checks', () => {
  it('accepts dev/clients.json, extra keys included (secret, redirectUri, $comment)', () => {
    expect(parseClients(DEV, 'dev/clients.json').map((client) => client.id)).toEqual(['acme-gold', 'globex-silver', 'initech-bronze', 'ops-internal', 'storefront-web']);
  });

  it('refuses each key the JSON Schema requires when it is missing, naming it', () => {
    expect(SCHEMA.required).toEqual(['clients']);
    expect(refusal({})).toBe('clients.json: clients: must be an array');
    expect(SCHEMA.properties.clients.minItems).toBe(1);
    expect(refusal({ clients: [] })).toBe('clients.json: clients: must not be empty');
    expect(SCHEMA.properties.clients.items.required).toEqual(['id', 'name', 'kind']);
    for (const key of SCHEMA.properties.clients.items.required) {
      const client: Record<string, unknown> = { ...ONE };
      delete client[key];
      expect(refusal({ clients: [client] }), key).toMatch(new RegExp(`^clients\\.json: clients\\[0\\]\\.${key}: must be`));
    }
  });

  it('accepts exactly the kinds of the enum, metadata of strings only, and no metadata or scopes at all', () => {
    for (const kind of SCHEMA.properties.clients.items.properties.kind.enum) expect(refusal({ clients: [{ ...ONE, kind }] })).toBe('accepted');
    expect(refusal({ clients: [{ ...ONE, kind: 'service' }] })).toBe('clients.json: clients[0].kind: must be "machine" or "frontend"');
    expect(SCHEMA.properties.clients.items.properties.metadata.additionalProperties).toEqual({ type: 'string' });
    expect(refusal({ clients: [{ ...ONE, metadata: { tier: ['gold'] } }] })).toBe('clients.json: clients[0].metadata.tier: must be a string');
    expect(parseClients({ clients: [ONE] }, 'clients.json')[0]).toMatchObject({ metadata: {}, scopes: [] });
  });

  it('explains a frontend as user tokens through the client and a machine as client credentials', () => {
    const [machine, frontend] = parseClients({ clients: [ONE, { ...ONE, id: 'web', kind: 'frontend' }] }, 'clients.json');
    expect(machine?.principal.kind).toBe('machine');
    expect(frontend?.principal.kind).toBe('user');
  });
});

describe('colour of the text table', () => {
  it('is on for a terminal only, off with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('colours allowed green and denied red when on, and nothing when off', async () => {
    const { runCli } = await import('../../src/cli/runCli.js');
    let colored = '';
    const code = await runCli(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--client', 'ops-internal'], { cwd: ROOT, color: true, stdout: (text) => (colored += text), stderr: () => undefined });
    expect(code).toBe(0);
    expect(colored).toContain('\u001b[32mallowed\u001b[39m');
    expect(colored).toContain('\u001b[31mdenied\u001b[39m');
    const plain = await runTool(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--client', 'ops-internal']);
    expect(plain.stdout).not.toContain('\u001b[');
  });
});
