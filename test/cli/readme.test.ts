/**
 * The README's commands for schema authors, as printed: every line of the block after the
 * `cli-test: readme-commands` marker runs (in-process, the same code `npm run cli` runs; `--output`
 * redirected to a temporary folder), and one of them through npm itself, as a reader types it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/runProcess.js';
import { runTool, ROOT } from './support/runTool.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const marker = README.indexOf('<!-- cli-test: readme-commands');
const block = /```sh\n([\s\S]*?)\n```/.exec(README.slice(marker))?.[1] ?? '';
const PREFIX = 'npm run -s cli -- ';
const commands = block.split('\n').filter((line) => line.startsWith(PREFIX));
const work = mkdtempSync(join(tmpdir(), 'allow-clients-readme-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the README's allow-clients commands", () => {
  it('has the block, every line of it a command', () => {
    expect(marker).toBeGreaterThan(0);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(commands).toHaveLength(block.split('\n').length);
  });

  it.each(commands)('%s', async (command) => {
    const args = command.slice(PREFIX.length).split(' ');
    const output = args.indexOf('--output');
    if (output >= 0) args[output + 1] = join(work, args[output + 1] ?? 'out');
    const run = await runTool(args);
    expect(run.stderr).toBe('');
    // diff exits 1 when the working tree widens access: a result, not a failure of the command.
    expect(args[0] === 'diff' ? [0, 1] : [0]).toContain(run.code);
    if (output >= 0) expect(existsSync(args[output + 1] as string)).toBe(true);
    else expect(run.stdout.length).toBeGreaterThan(100);
  });

  it('runs through npm run cli (tsx) as a separate process, with exit code 2 and one line for bad input', async () => {
    const ok = await runProcess('npm', ['run', '-s', 'cli', '--', 'explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--client', 'ops-internal', '--format', 'json'], { cwd: ROOT, timeoutMs: 60_000 });
    expect(ok.code).toBe(0);
    const matrix = JSON.parse(ok.stdout) as { fields: { coordinate: string; decisions: Record<string, { allowed: boolean }> }[] };
    expect(matrix.fields.find((field) => field.coordinate === 'Order.margin')?.decisions['ops-internal']?.allowed).toBe(true);
    const bad = await runProcess('npm', ['run', '-s', 'cli', '--', 'schema', '--schema', 'schema/', '--clients', 'dev/clients.json', '--client', 'nobody'], { cwd: ROOT, timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^allow-clients: dev\/clients\.json: unknown client "nobody" \(the file lists [^\n]*\)\n$/);
  }, 90_000);
});
