#!/usr/bin/env node
/** The `allow-clients` command (package `bin`); `npm run cli --` in the repository. */
import { isatty } from 'node:tty';
import { runCli } from './runCli.js';

const color = !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && isatty(1) && process.env.TERM !== 'dumb';
process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color,
});
