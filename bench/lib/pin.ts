/** Core pinning with taskset, where it exists (Linux with util-linux and at least 2 cores). */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

let cached: boolean | undefined;

/** Whether child processes can be pinned to distinct cores. */
export function hasTaskset(): boolean {
  if (cached === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      cached = cpus().length >= 2;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** The command and arguments that run `node ...args` pinned to `core` (or unpinned without taskset). */
export function pinnedNode(core: number, args: readonly string[]): { command: string; args: string[] } {
  if (hasTaskset()) return { command: 'taskset', args: ['-c', String(core), process.execPath, ...args] };
  return { command: process.execPath, args: [...args] };
}
