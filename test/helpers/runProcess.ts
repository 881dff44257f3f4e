/**
 * Runs a command to completion, bounded in time (killed after `timeoutMs`), and returns its exit
 * code and output: for tests of what a user runs (`npm run …`, `npx tsx …`, `npm pack`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** What a finished command left. */
export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  readonly cwd: string;
  /** The whole environment of the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default 20 s. */
  readonly timeoutMs?: number;
}

export async function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessRun> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A long-running child started by {@link startProcess}. */
export interface StartedProcess {
  readonly child: ChildProcess;
  /** The match of `ready` in the output. */
  readonly ready: RegExpExecArray;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** SIGTERM to its process group (npm and the script under it), SIGKILL after 5 s; resolves on exit. */
  stop(): Promise<void>;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions extends RunProcessOptions {
  /** Seen on stdout when the child is ready. */
  readonly ready: RegExp;
}

/**
 * Starts a server-like command in its own process group and waits (bounded, default 30 s) until
 * its stdout matches `ready`; rejects with its output when it exits or times out first.
 */
export async function startProcess(command: string, args: readonly string[], options: StartProcessOptions): Promise<StartedProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-(child.pid as number), name);
      } catch {
        // the group is gone already
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = await new Promise<RegExpExecArray>((resolveReady, rejectReady) => {
    const timer = setTimeout(() => {
      void stop();
      rejectReady(new Error(`${command} ${args.join(' ')} did not get ready:\n${output}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolveReady(match);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectReady(new Error(`${command} ${args.join(' ')} exited (${code}):\n${output}`));
    });
  });
  return { child, ready, output: () => output, stop };
}
