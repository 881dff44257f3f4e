/**
 * Core pinning with taskset, where it exists and this process may run on at least two CPUs. The
 * two cores are the first two of this process's own affinity list (a container may allow, say,
 * only CPUs 2 and 3), so the load generator and the server never share one.
 */
import { execFileSync } from 'node:child_process';

let cached: readonly number[] | null | undefined;

/** Expands a taskset CPU list such as "0-2,5" into [0, 1, 2, 5]. */
function expandList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.trim().split('-').map((value) => Number.parseInt(value, 10));
    if (from === undefined || Number.isNaN(from)) continue;
    const last = to === undefined || Number.isNaN(to) ? from : to;
    for (let cpu = from; cpu <= last; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** The CPUs this process may run on, or null without taskset. */
function allowedCpus(): readonly number[] | null {
  if (cached === undefined) {
    try {
      const output = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const list = output.split(':').pop() ?? '';
      const cpus = expandList(list);
      cached = cpus.length > 0 ? cpus : null;
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** The two cores used: [load generator, server]. */
export function pinCores(): [number, number] | null {
  const cpus = allowedCpus();
  if (cpus === null || cpus.length < 2) return null;
  return [cpus[0] as number, cpus[1] as number];
}

/**
 * The command and arguments that run `node ...args` pinned to the load generator's core (role 0)
 * or the server's core (role 1), or unpinned without taskset.
 */
export function pinnedNode(role: 0 | 1, args: readonly string[]): { command: string; args: string[] } {
  const cores = pinCores();
  if (cores !== null) return { command: 'taskset', args: ['-c', String(cores[role]), process.execPath, ...args] };
  return { command: process.execPath, args: [...args] };
}
