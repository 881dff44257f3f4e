/** What the numbers were measured on. */
import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { gcExposed } from './interleave.js';
import { pinCores } from './pin.js';

/** Machine, runtime and load at the start of the run. */
export function describeMachine(): Record<string, string> {
  const cpuList = cpus();
  let model = cpuList[0]?.model ?? 'unknown';
  if (model.trim() === '' || model === 'unknown') {
    try {
      model = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim() || model;
    } catch {
      // keep 'unknown'
    }
  }
  const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return {
    CPU: model.trim(),
    'Logical cores': String(cpuList.length),
    Memory: `${gib(totalmem())} total, ${gib(freemem())} free at start`,
    OS: `${osType()} ${release()}`,
    Node: process.version,
    'V8': process.versions.v8,
    'Forced GC': gcExposed ? 'before each batch of scenarios 1–2 (--expose-gc)' : 'no (run with node --expose-gc)',
    'Core pinning': pinCores() === null ? 'none (taskset not found, or fewer than 2 CPUs allowed)' : `taskset: load generator on CPU ${pinCores()?.[0]}, server on CPU ${pinCores()?.[1]}`,
    'Load average at start': loadavg().map((value) => value.toFixed(2)).join(', '),
  };
}
