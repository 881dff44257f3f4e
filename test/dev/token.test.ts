/**
 * `npm run -s token` as the README shows it, when the dev issuer is not where it looks: one line
 * that names the address it tried and how to point it elsewhere.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.js';
import { runProcess } from '../helpers/runProcess.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run -s token', () => {
  it('says which address it tried when nothing listens on DEV_ISSUER_PORT', async () => {
    const port = await freePort();
    const run = await runProcess('npm', ['run', '-s', 'token', '--', 'acme-gold'], { cwd: ROOT, env: { ...process.env, DEV_ISSUER_PORT: String(port) } });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `token: nothing listens at http://127.0.0.1:${port}: is \`npm start\` running with the embedded issuer? Its port is DEV_ISSUER_PORT (default 4001), or give --issuer <url>\n`,
    );
  });

  it('names the --issuer address for a user token too', async () => {
    const port = await freePort();
    const run = await runProcess('npm', ['run', '-s', 'token', '--', '--issuer', `http://127.0.0.1:${port}`, '--user', 'alice'], { cwd: ROOT });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^token: nothing listens at http://127\\.0\\.0\\.1:${port}: `));
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
