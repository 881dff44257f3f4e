/**
 * Child processes of the HTTP scenarios: a node process (pinned to a core with taskset where it
 * exists) running a bench worker script, spoken to over the IPC channel with request/reply
 * messages. Every call has a deadline, and `close` always ends the process.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedNode } from '../lib/pin.js';

/** A message to a worker; the reply carries the same id. */
export interface WorkerRequest {
  readonly id?: number;
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A running worker process. */
export interface Worker {
  readonly pid: number;
  /** Sends a request and waits for its reply (rejects on `error` replies, exit or deadline). */
  call<T>(request: WorkerRequest, timeoutMs: number): Promise<T>;
  /** Asks the worker to exit, then kills it if it has not within 3 s. */
  close(): Promise<void>;
  /** Kills the process now (the run's watchdog). */
  kill(): void;
}

/**
 * Starts `bench/http/<script>` in a node process pinned to the load generator's core (role 0) or the
 * server's core (role 1). `nodeArgs` go before the script (e.g. `--cpu-prof` when looking for the
 * cause of a miss).
 */
export async function startWorker(script: string, core: 0 | 1, env: Readonly<Record<string, string>> = {}, nodeArgs: readonly string[] = []): Promise<Worker> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const { command, args } = pinnedNode(core, [...nodeArgs, '--import', 'tsx', path]);
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  let nextId = 1;
  let exited = false;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  const failAll = (error: Error): void => {
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    pending.clear();
  };
  child.on('message', (message: { id?: number; type?: string; message?: string }) => {
    const entry = message.id === undefined ? undefined : pending.get(message.id);
    if (entry === undefined || message.id === undefined) return;
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.type === 'error') entry.reject(new Error(message.message ?? 'worker error'));
    else entry.resolve(message);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    failAll(new Error(`worker ${script} exited (${code ?? signal})`));
  });
  const call = <T>(request: WorkerRequest, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) {
        reject(new Error(`worker ${script} is not running`));
        return;
      }
      const id = nextId;
      nextId += 1;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${script}: no reply to ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      child.send({ ...request, id });
    });
  await call({ type: 'ping' }, 30_000);
  return {
    pid: child.pid ?? -1,
    call,
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
    close: async () => {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        child.send({ type: 'exit' });
      } catch {
        // channel already closed
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Worker side: answers requests with a handler; `exit` ends the process. */
export function serveWorker(handler: (request: WorkerRequest) => Promise<Record<string, unknown>>): void {
  const send = (message: Record<string, unknown>): void => {
    process.send?.(message);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: WorkerRequest) => {
    if (request.type === 'exit') {
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50).unref();
      return;
    }
    if (request.type === 'ping') {
      send({ id: request.id, type: 'pong' });
      return;
    }
    handler(request).then(
      (reply) => send({ ...reply, id: request.id, type: 'ok' }),
      (error: unknown) => send({ id: request.id, type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  });
}
