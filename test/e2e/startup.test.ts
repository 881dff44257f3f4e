/**
 * Starting the real process: configuration errors refuse to start with one clear line, and with
 * AUTH_ISSUER set nothing dev-only starts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { startTestIssuer } from '../helpers/testIssuer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `npm start`'s entry point; resolves once it exits, or once stdout contains `until`. */
function start(env: Record<string, string>, until?: string): Promise<{ code: number | null; stdout: string; stderr: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, AUTH_ISSUER: '', AUTH_AUDIENCE: '', NODE_ENV: 'development', LOG_LEVEL: 'info', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolveRun, rejectRun) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectRun(new Error(`no result in time:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until !== undefined && stdout.includes(until)) {
        clearTimeout(timer);
        resolveRun({ code: null, stdout, stderr, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, stop });
    });
  });
}

describe('starting the reference server', () => {
  it.each([
    [{ PORT: 'eighty' }, 'Configuration error: PORT must be an integer between 0 and 65535 (got "eighty")'],
    [{ AUTH_ISSUER: 'https://tenant.example/' }, 'Configuration error: AUTH_AUDIENCE is required when AUTH_ISSUER is set (your API identifier)'],
    [{ AUTHZ_MODE: 'strict' }, 'Configuration error: AUTHZ_MODE must be one of filter, reject, dry-run (got "strict")'],
    [{ RATE_LIMIT_WINDOW: '0' }, 'Configuration error: RATE_LIMIT_WINDOW must be an integer between 1 and 86400 (got "0")'],
    [{ DEV_ISSUER_HOST: '0.0.0.0' }, 'Configuration error: DEV_ISSUER_HOST must be a loopback address'],
    [
      { AUTH_ISSUER: 'http://tenant.example/', AUTH_AUDIENCE: 'https://api.example/' },
      'Configuration error: AUTH_ISSUER: "issuer" must be an https URL (http only on loopback)',
    ],
  ])('refuses %o with exit code 1 and one line naming the variable', async (env, message) => {
    const result = await start(env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\bat \S+ \(|\.ts:\d+/);
    expect(result.stdout).toBe('');
  });

  it('starts nothing dev-only when AUTH_ISSUER is set', async () => {
    const issuer = await startTestIssuer({ audience: 'https://api.example.test' });
    const devIssuerPort = await freePort();
    const server = await start(
      { AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: 'https://api.example.test', PORT: String(await freePort()), DEV_ISSUER_PORT: String(devIssuerPort) },
      'Reference API ready',
    );
    try {
      expect(server.stdout).not.toContain('DEV issuer');
      expect(server.stdout).not.toContain('npm run -s token');
      expect(server.stderr).not.toContain('oidc-provider');
      const refused = await new Promise<boolean>((resolveProbe) => {
        const socket = connect(devIssuerPort, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolveProbe(false);
        });
        socket.once('error', () => resolveProbe(true));
      });
      expect(refused).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
      await issuer.close();
    }
  });
});
