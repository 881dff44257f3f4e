#!/usr/bin/env node
/** The `allow-clients` command (package `bin`); `npm run cli --` in the repository. */
import { isatty } from 'node:tty';
import { colorEnabled, runCli } from './runCli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: colorEnabled(process.env, isatty(1)),
});
