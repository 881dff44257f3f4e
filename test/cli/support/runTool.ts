/**
 * Runs the allow-clients command in-process (the same `runCli` the bin runs), capturing what it
 * writes; the real process is run by readme.test.ts (npm run cli) and test/package/consumer.test.ts (the installed bin).
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
