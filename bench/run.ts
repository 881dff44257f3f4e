/**
 * `npm run bench` (full, about 10 minutes on 2 cores; writes bench/RESULTS.md) and
 * `npm run bench:smoke` (tiny sizes, a few seconds; writes bench/.tmp/). Run with
 * `node --expose-gc --import tsx bench/run.ts [--smoke] [--only 1,4] [--out file.md] [--json file.json]`,
 * or `... bench/run.ts --render saved.json --out file.md` to render a saved run again.
 *
 * Exit code 1 when a scenario failed to run or a contender answered wrongly; a missed target is
 * reported in the results, not as a failure. A watchdog ends the run (and every child process) if it
 * exceeds its time budget.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from './http/child.js';
import { describeMachine } from './lib/machine.js';
import { renderReport } from './lib/report.js';
import type { RunResult, ScenarioResult } from './lib/results.js';
import { FULL, SMOKE } from './lib/sizes.js';
import type { Sizes } from './lib/sizes.js';
import { httpScenarios } from './scenarios/http.js';
import { largeList } from './scenarios/largeList.js';
import { manyPartners } from './scenarios/manyPartners.js';
import { nestHttp, nestLargeList } from './scenarios/nestjs.js';
import { repeatedOperation } from './scenarios/repeatedOperation.js';
import { schemaBuild } from './scenarios/schemaBuild.js';
import { schemaViews } from './scenarios/schemaViews.js';
import { sharedStore } from './scenarios/sharedStore.js';
import { tokenVerification } from './scenarios/tokenVerification.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Args {
  readonly sizes: Sizes;
  readonly only: ReadonlySet<string> | null;
  readonly out: string;
  readonly json: string;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const smoke = argv.includes('--smoke');
  const only = value('--only');
  return {
    sizes: smoke ? SMOKE : FULL,
    only: only === undefined ? null : new Set(only.split(',').map((item) => item.trim())),
    out: resolve(value('--out') ?? (smoke ? resolve(here, '.tmp/RESULTS.smoke.md') : resolve(here, 'RESULTS.md'))),
    json: resolve(value('--json') ?? (smoke ? resolve(here, '.tmp/results.smoke.json') : resolve(here, '.tmp/results.json'))),
  };
}

function failed(id: string, title: string, error: unknown, seconds: number): ScenarioResult {
  const message = error instanceof Error ? error.message : String(error);
  return { id, title, method: '', measurements: [], ratios: [], targets: [], notes: [], skipped: `the scenario failed: ${message}`, seconds };
}

async function main(): Promise<number> {
  const fromJson = process.argv.indexOf('--render');
  if (fromJson !== -1) {
    // Re-renders a saved run (`--render results.json --out RESULTS.md`) without measuring again.
    const args = parseArgs(process.argv.slice(2));
    const saved = JSON.parse(readFileSync(resolve(process.argv[fromJson + 1] ?? ''), 'utf8')) as RunResult;
    writeFileSync(args.out, renderReport(saved));
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const { sizes } = args;
  const workers: Worker[] = [];
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: over the ${sizes.totalBudgetSec} s budget; stopping every child process\n`);
    for (const worker of workers) worker.kill();
    process.exit(2);
  }, sizes.totalBudgetSec * 1000);
  watchdog.unref();

  const machine = describeMachine();
  const started = performance.now();
  const scenarios: ScenarioResult[] = [];
  const wanted = (id: string): boolean => args.only === null || args.only.has(id);
  const log = (text: string): void => {
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
  };
  const inProcess: [string, string, (s: Sizes) => Promise<ScenarioResult>][] = [
    ['1', 'Large list', largeList],
    ['2', 'Schema build', schemaBuild],
    ['3', 'Repeated small operation', repeatedOperation],
    ['4', 'Token verification', tokenVerification],
    ['8', 'Decisions for many partners', manyPartners],
    ['11', 'Per-client schema views', schemaViews],
  ];
  for (const [id, title, run] of inProcess) {
    if (!wanted(id)) continue;
    log(`scenario ${id}: ${title}`);
    const scenarioStart = performance.now();
    try {
      scenarios.push(await run(sizes));
    } catch (error) {
      log(`scenario ${id} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      scenarios.push(failed(id, title, error, (performance.now() - scenarioStart) / 1000));
    }
  }
  if (wanted('5') || wanted('6')) {
    log('scenarios 5 and 6: HTTP');
    const scenarioStart = performance.now();
    try {
      const [five, six] = await httpScenarios(sizes, (worker) => workers.push(worker));
      if (wanted('5')) scenarios.push(five);
      if (wanted('6')) scenarios.push(six);
    } catch (error) {
      log(`HTTP scenarios failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      const seconds = (performance.now() - scenarioStart) / 1000;
      if (wanted('5')) scenarios.push(failed('5', 'HTTP, distinct valid tokens', error, seconds));
      if (wanted('6')) scenarios.push(failed('6', 'HTTP, random-kid flood', error, seconds));
    } finally {
      for (const worker of workers) worker.kill();
    }
  }

  if (wanted('7')) {
    log('scenario 7: HTTP, rate limits on a shared Redis');
    const scenarioStart = performance.now();
    try {
      scenarios.push(await sharedStore(sizes, (worker) => workers.push(worker)));
    } catch (error) {
      log(`scenario 7 failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      scenarios.push(failed('7', 'HTTP, rate limits on a shared Redis', error, (performance.now() - scenarioStart) / 1000));
    } finally {
      for (const worker of workers) worker.kill();
    }
  }

  // NestJS (scenarios 9 and 10): the same questions as 1 and 5, asked of a Nest application.
  if (wanted('9')) {
    log('scenario 9: NestJS: large list');
    const scenarioStart = performance.now();
    try {
      scenarios.push(await nestLargeList(sizes));
    } catch (error) {
      log(`scenario 9 failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      scenarios.push(failed('9', 'NestJS: large list', error, (performance.now() - scenarioStart) / 1000));
    }
  }
  if (wanted('10')) {
    log('scenario 10: NestJS over HTTP');
    const scenarioStart = performance.now();
    try {
      scenarios.push(await nestHttp(sizes, (worker) => workers.push(worker)));
    } catch (error) {
      log(`scenario 10 failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      scenarios.push(failed('10', 'NestJS over HTTP', error, (performance.now() - scenarioStart) / 1000));
    } finally {
      for (const worker of workers) worker.kill();
    }
  }
  scenarios.sort((a, b) => Number(a.id) - Number(b.id));

  const run: RunResult = {
    mode: sizes.mode,
    date: new Date().toISOString(),
    machine: { ...machine, 'Load average at end': loadavg().map((value) => value.toFixed(2)).join(', ') },
    scenarios,
    totalSeconds: (performance.now() - started) / 1000,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.out, renderReport(run));
  writeFileSync(args.json, `${JSON.stringify(run, null, 2)}\n`);
  log(`wrote ${relative(process.cwd(), args.out)} and ${relative(process.cwd(), args.json)}`);
  for (const target of sizes.mode === 'smoke' ? [] : scenarios.flatMap((scenario) => scenario.targets)) {
    log(`  [${target.pass === null ? 'NOT MEASURED' : target.pass ? 'PASS' : 'MISS'}] (${target.scenario}) ${target.text}: ${target.figure}`);
  }
  const broken = scenarios.filter((scenario) => scenario.skipped !== null || scenario.measurements.some((m) => m.failure !== null));
  for (const scenario of broken) {
    log(`scenario ${scenario.id} is broken: ${scenario.skipped ?? scenario.measurements.filter((m) => m.failure !== null).map((m) => `${m.name}: ${m.failure}`).join('; ')}`);
  }
  return broken.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
