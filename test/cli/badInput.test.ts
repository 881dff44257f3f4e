/**
 * Bad input to allow-clients: each case gets exactly one line on stderr naming the file, the place and
 * the reason, exit code 2, nothing on stdout and never a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, ROOT } from './support/runTool.js';

let work: string;
const API = readFileSync(join(ROOT, 'schema', 'api.graphql'), 'utf8');
const CLIENTS = JSON.parse(readFileSync(join(ROOT, 'dev', 'clients.json'), 'utf8')) as { clients: Record<string, unknown>[] };

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'allow-clients-bad-'));
});
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

async function expectRefused(args: readonly string[], line: string, cwd?: string): Promise<void> {
  const run = await runTool(args, cwd);
  expect(run.stderr).toBe(`allow-clients: ${line}\n`);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('allow-clients on bad input', () => {
  it('names a clients file that is not JSON', async () => {
    const bad = file('bad.json', '{ "clients": [ { "id": "a", } ] }');
    const run = await runTool(['explain', '--schema', 'schema/', '--clients', bad]);
    // The reason is JSON.parse's own, worded differently across Node versions.
    expect(run.stderr).toMatch(new RegExp(`^allow-clients: ${bad}: not valid JSON \\(.*property name.*\\)\\n$`));
    expect(run).toMatchObject({ code: 2, stdout: '' });
  });

  it('names the path and the reason of a clients file that violates schema/clients.schema.json', async () => {
    const tierNumber = structuredClone(CLIENTS);
    (tierNumber.clients[2] as { metadata: Record<string, unknown> }).metadata['tier'] = 3;
    await expectRefused(['explain', '--schema', 'schema/', '--clients', file('tier.json', JSON.stringify(tierNumber))], `${join(work, 'tier.json')}: clients[2].metadata.tier: must be a string`);
    const badKind = structuredClone(CLIENTS);
    (badKind.clients[0] as Record<string, unknown>)['kind'] = 'robot';
    await expectRefused(['schema', '--schema', 'schema/', '--client', 'acme-gold', '--clients', file('kind.json', JSON.stringify(badKind))], `${join(work, 'kind.json')}: clients[0].kind: must be "machine" or "frontend"`);
    const spaced = structuredClone(CLIENTS);
    (spaced.clients[1] as Record<string, unknown>)['scopes'] = ['orders:read orders:write'];
    await expectRefused(['explain', '--schema', 'schema/', '--clients', file('scope.json', JSON.stringify(spaced))], `${join(work, 'scope.json')}: clients[1].scopes[0]: must be a scope token (RFC 6749, no spaces)`);
    const twice = { clients: [CLIENTS.clients[0], CLIENTS.clients[0]] };
    await expectRefused(['explain', '--schema', 'schema/', '--clients', file('twice.json', JSON.stringify(twice))], `${join(work, 'twice.json')}: clients[1].id: repeats the id "acme-gold"`);
    await expectRefused(['explain', '--schema', 'schema/', '--clients', file('list.json', '[]')], `${join(work, 'list.json')}: (root): must be an object with a "clients" array`);
  });

  it('says so, in one line, for a client that may read no Query field (it has no schema)', async () => {
    const only = file('gold-only.graphql', 'type Query { report: String @allowClients(ids: ["acme-gold"]) }\n');
    await expectRefused(
      ['schema', '--schema', only, '--client', 'initech-bronze', '--clients', 'dev/clients.json'],
      'client "initech-bronze" may read no Query field: it has no schema (the server refuses its every request)',
    );
    const gold = await runTool(['schema', '--schema', only, '--client', 'acme-gold', '--clients', 'dev/clients.json']);
    expect(gold).toMatchObject({ code: 0, stdout: 'type Query {\n  report: String\n}\n' });
  });

  it('names a missing clients file', async () => {
    await expectRefused(['explain', '--schema', 'schema/', '--clients', 'nowhere.json'], 'nowhere.json: cannot read the clients file (ENOENT)');
  });

  it('names the file, line and column of an SDL syntax error', async () => {
    const broken = file('broken.graphql', API.replace('type Money {', 'type Money {{'));
    const line = API.slice(0, API.indexOf('type Money {')).split('\n').length;
    await expectRefused(['explain', '--schema', broken, '--clients', 'dev/clients.json'], `${broken}:${line}:13: Syntax Error: Expected Name, found "{".`);
  });

  it('names the place of an SDL that does not build and of a wrong annotation', async () => {
    const unknownType = file('unknown.graphql', API.replace('total: Money!', 'total: Mony!'));
    const line = API.slice(0, API.indexOf('total: Money!')).split('\n').length;
    await expectRefused(['explain', '--schema', unknownType, '--clients', 'dev/clients.json'], `${unknownType}:${line}:10: Unknown type "Mony". Did you mean "Money"?`);
    const weakened = file('weak.graphql', API.replace('  wholesalePrice: Money @allowClients(metadata: [{ key: "tier", in: ["gold", "silver"] }])\n  "Units', '  wholesalePrice: Money\n  "Units'));
    await expectRefused(
      ['explain', '--schema', weakened, '--clients', 'dev/clients.json'],
      `${weakened}: Product.wholesalePrice: weakens Priced.wholesalePrice, it lacks @allowClients(metadata: [{ key: "tier", in: ["gold", "silver"] }]) (an implementing field must carry every rule of its interface field, on itself, its type or its return type)`,
    );
  });

  it('names an unknown client', async () => {
    await expectRefused(
      ['schema', '--schema', 'schema/', '--clients', 'dev/clients.json', '--client', 'umbrella-gold'],
      'dev/clients.json: unknown client "umbrella-gold" (the file lists acme-gold, globex-silver, initech-bronze, ops-internal, storefront-web)',
    );
  });

  it('names an unknown git revision and a path missing from a revision', async () => {
    await expectRefused(['diff', 'no-such-branch~1:schema/', 'schema/', '--clients', 'dev/clients.json'], 'no-such-branch~1:schema/: unknown git revision "no-such-branch~1"');
    await expectRefused(['diff', 'HEAD:nothing/', 'schema/', '--clients', 'dev/clients.json'], 'HEAD:nothing/: "nothing" does not exist in revision "HEAD"');
    await expectRefused(['explain', '--schema', 'missing/', '--clients', 'dev/clients.json'], 'missing/: no such file or directory (a git revision is written REV:PATH, e.g. HEAD~1:schema/)');
  });

  it('refuses a usage error in one line', async () => {
    await expectRefused(['explain', '--schema', 'schema/'], "required option '--clients <file>' not specified");
    await expectRefused(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--format', 'pdf'], "option '--format <format>' argument 'pdf' is invalid. Allowed choices are text, json, html.");
    await expectRefused(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--default-policy', 'open'], '--default-policy: must be one of public, authenticated, deny (got "open")');
  });
});
