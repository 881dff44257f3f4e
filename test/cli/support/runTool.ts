/**
 * Runs the allow-clients command in-process (the same `runCli` the bin runs), capturing what it
 * writes; tests that need the real process spawn it (cli.process.test.ts).
 */
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../src/cli/runCli.js';

/** The repository root: the README's commands run from there. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** What one run left. */
export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `allow-clients ...args` with `cwd` (default the repository root), colour off. */
export async function runTool(args: readonly string[], cwd: string = ROOT): Promise<ToolRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    cwd,
    color: false,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}
