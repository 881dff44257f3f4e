/**
 * A real headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (which downloads no browser of its own). `.ci/run` installs the package when it is missing; where
 * it still is not there, tests are skipped with {@link CHROMIUM_SKIP_REASON} in their title.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Where Debian installs Chromium; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether a Chromium binary is there to drive. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** Appended to the title of a browser test's `describe.skipIf(!hasChromium)`. */
export const CHROMIUM_SKIP_REASON = `(skipped: no Chromium at ${CHROMIUM_PATH}; install the Debian package "chromium")`;

/** Screenshots and other artifacts of browser tests, kept after the run (git-ignored). */
export const ARTIFACTS_DIR = resolve(import.meta.dirname, '..', '..', 'artifacts');

/**
 * Starts headless Chromium (playwright gives it a fresh temporary profile) with none of the
 * background services that would try to reach the internet (this machine has none).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The path of a named artifact, creating the artifacts folder. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}
