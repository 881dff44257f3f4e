/**
 * The package as a user gets it: `npm pack`, installed into fresh projects next to a graphql of
 * another 16.x patch than this repository's, then used there.
 *
 * - an Apollo project (`@apollo/server`, `@graphql-tools/schema`, `@types/node`): a consumer file and
 *   the README's Apollo example, as printed, type-checked against the published types under
 *   moduleResolution nodenext, node16 and bundler; the example compiled and run with real tokens from a
 *   loopback issuer;
 * - a core-only project (`allow-clients` and `graphql`, nothing else): a plain graphql-js server,
 *   with no server framework anywhere in node_modules.
 *
 * One pack and one install per project serve every case. The registry is reachable in CI; what
 * this repository already installed comes from the npm cache (--prefer-offline).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { runProcess, startProcess } from '../helpers/runProcess.js';
import type { ProcessRun, StartedProcess } from '../helpers/runProcess.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Another patch than this repository's graphql (16.15): one copy must serve the library and the app. */
const CONSUMER_GRAPHQL = '16.11.0';
/** Server frameworks and reference-server packages that installing the core must not bring. */
const NOT_IN_CORE = ['@apollo/server', 'express', 'koa', 'oidc-provider', 'pino', 'graphql-yoga', '@graphql-tools/schema', 'graphql-scalars', 'ioredis'];

/** The environment of a child: without vitest's NODE_ENV (the README example must be safe without it) and npm's own variables. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key.toLowerCase().startsWith('npm_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], cwd: string): Promise<ProcessRun> {
  return runProcess(command, args, { cwd, env: childEnv(), timeoutMs: 180_000 });
}

async function runOk(command: string, args: readonly string[], cwd: string): Promise<ProcessRun> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Starts a server script and waits for its "Ready at <url>" line. */
async function startServer(script: string, cwd: string, env: Record<string, string>): Promise<StartedProcess & { url: string }> {
  const started = await startProcess(process.execPath, [script], { cwd, env: childEnv(env), ready: /Ready at (http:\/\/\S+)/ });
  return { ...started, url: started.ready[1] as string };
}

/** The first ```ts block after the README's consumer-test marker: the Apollo example as printed. */
async function readmeApolloExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- consumer-test: apollo-example');
  if (marker < 0) throw new Error('README.md has no consumer-test marker');
  const block = /```ts\n([\s\S]*?)\n```/.exec(readme.slice(marker));
  if (block?.[1] === undefined) throw new Error('no ts block after the README consumer-test marker');
  return `${block[1]}\n`;
}

function installedVersion(project: string, name: string): Promise<string> {
  return readFile(join(project, 'node_modules', name, 'package.json'), 'utf8').then((text) => (JSON.parse(text) as { version: string }).version);
}

/** Every package npm put in the project (the keys of node_modules/.package-lock.json). */
async function installedPackages(project: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(project, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/'));
}

/** The repository's own version of a package, so that the npm cache already has it. */
async function repoVersion(name: string): Promise<string> {
  return installedVersion(ROOT, name);
}

interface Answer {
  readonly status: number;
  readonly challenge: string | null;
  readonly text: string;
  readonly body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, query: string, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), text, body: JSON.parse(text) as Answer['body'] };
}

const TSCONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out', noEmit: false },
  bundler: { module: 'esnext', moduleResolution: 'bundler', noEmit: true },
  node16: { module: 'node16', moduleResolution: 'node16', noEmit: true },
} as const;

describe('the packed package in a fresh project (graphql ' + CONSUMER_GRAPHQL + ')', { timeout: 60_000 }, () => {
  let work: string;
  let tarball: string;
  let apolloProject: string;
  let coreProject: string;
  let issuer: TestIssuer;
  const typecheck: Record<string, ProcessRun> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'allow-clients-consumer-'));
    await runOk('npm', ['pack', '--pack-destination', work, '--silent'], ROOT);
    const packed = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = join(work, packed[0] as string);

    apolloProject = join(work, 'apollo');
    coreProject = join(work, 'core');
    await Promise.all([mkdir(apolloProject), mkdir(coreProject)]);
    const base = { name: 'consumer', version: '1.0.0', private: true, type: 'module' };
    await writeFile(join(coreProject, 'package.json'), JSON.stringify({ ...base, dependencies: { 'allow-clients': `file:${tarball}`, graphql: CONSUMER_GRAPHQL } }));
    await writeFile(
      join(apolloProject, 'package.json'),
      JSON.stringify({
        ...base,
        dependencies: {
          'allow-clients': `file:${tarball}`,
          graphql: CONSUMER_GRAPHQL,
          '@apollo/server': await repoVersion('@apollo/server'),
          '@graphql-tools/schema': await repoVersion('@graphql-tools/schema'),
        },
        devDependencies: { '@types/node': await repoVersion('@types/node') },
      }),
    );
    const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
    await Promise.all([runOk('npm', install, coreProject), runOk('npm', install, apolloProject)]);

    await writeFile(join(apolloProject, 'server.ts'), await readmeApolloExample());
    await copyFile(join(FIXTURES, 'types.ts'), join(apolloProject, 'types.ts'));
    await copyFile(join(FIXTURES, 'coreServer.mjs'), join(coreProject, 'coreServer.mjs'));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [name, options] of Object.entries(TSCONFIGS)) {
      const config = {
        compilerOptions: { target: 'es2022', strict: true, skipLibCheck: false, types: ['node'], verbatimModuleSyntax: true, ...options },
        files: ['server.ts', 'types.ts'],
      };
      await writeFile(join(apolloProject, `tsconfig.${name}.json`), JSON.stringify(config));
      typecheck[name] = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], apolloProject);
    }
    issuer = await startTestIssuer();
  }, 480_000); // two installs and three type checks: about 30 s alone, three minutes beside the whole suite on 2 cores

  afterAll(async () => {
    await issuer?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('packs the build, the directive SDL, README, LICENSE and CHANGELOG, and none of test/, bench/, fuzz/ or src/', async () => {
    const listing = await runOk('tar', ['-tzf', tarball], work);
    const files = listing.stdout.split('\n').filter((line) => line.length > 0).map((line) => line.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'schema/directives.graphql', 'schema/clients.schema.json', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/apollo/index.js', 'dist/apollo/index.d.ts']),
    );
    expect(files.filter((file) => /^(test|bench|fuzz|soak|src|examples|dev|auth0)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.startsWith('dist/server/') || file.endsWith('.map'))).toEqual([]);
  });

  it('installs the core with no server framework and one copy of graphql, the application\'s', async () => {
    const packages = await installedPackages(coreProject);
    for (const name of NOT_IN_CORE) {
      expect(existsSync(join(coreProject, 'node_modules', name)), name).toBe(false);
      expect(packages.filter((path) => path.endsWith(`node_modules/${name}`)), name).toEqual([]);
    }
    expect(packages.filter((path) => path.endsWith('node_modules/graphql'))).toEqual(['node_modules/graphql']);
    expect(await installedVersion(coreProject, 'graphql')).toBe(CONSUMER_GRAPHQL);
    const added = packages.filter((path) => path !== 'node_modules/graphql' && path !== 'node_modules/allow-clients');
    // The README quotes this figure (section Install).
    console.log(`installing the core adds ${added.length} packages besides graphql: ${added.map((path) => path.slice('node_modules/'.length)).join(', ')}`);
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(/Installing the core adds (\d+) packages besides `graphql`/.exec(readme)?.[1]).toBe(String(added.length));
  });

  it('type-checks a consumer file and the README example against the published types under moduleResolution nodenext', () => {
    expect(typecheck['nodenext']).toMatchObject({ code: 0, stdout: '' });
  });

  it('type-checks them under moduleResolution bundler', () => {
    expect(typecheck['bundler']).toMatchObject({ code: 0, stdout: '' });
  });

  it('type-checks them under moduleResolution node16', () => {
    expect(typecheck['node16']).toMatchObject({ code: 0, stdout: '' });
  });

  describe("the README's Apollo example, run as printed", () => {
    let server: Awaited<ReturnType<typeof startServer>>;

    beforeAll(async () => {
      expect(typecheck['nodenext']?.code).toBe(0);
      server = await startServer('out/server.js', apolloProject, { AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience, PORT: '0', HOST: '127.0.0.1' });
    }, 60_000);
    afterAll(() => server?.stop());

    it('answers an allowed query with the data', async () => {
      const answer = await post(server.url, '{ orders { id total status } }', issuer.sign({ scope: 'orders:read' }));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { orders: [{ id: '1', total: 120, status: 'open' }] } });
    });

    it('filters a denied field: null with FORBIDDEN and its coordinate, the value never sent', async () => {
      const answer = await post(server.url, '{ orders { id margin } }', issuer.sign({ scope: 'orders:read' }));
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ orders: [{ id: '1', margin: null }] });
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ message: 'Not allowed for this client: Order.margin', extensions: { code: 'FORBIDDEN', coordinate: 'Order.margin' } }),
      ]);
      expect(answer.text).not.toContain('31.5');
      const finance = await post(server.url, '{ orders { id margin } }', issuer.sign({ sub: 'finance-app@clients', azp: 'finance-app', scope: 'orders:read' }));
      expect(finance.body).toEqual({ data: { orders: [{ id: '1', margin: 31.5 }] } });
    });

    it('refuses a mutation without its scope with 403 and insufficient_scope, before the resolver runs', async () => {
      const answer = await post(server.url, 'mutation { cancelOrder(id: "1") { id status } }', issuer.sign({ scope: 'orders:read' }));
      expect(answer.status).toBe(403);
      expect(answer.challenge).toBe('Bearer realm="partner-api", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"');
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]).toMatchObject({ message: 'Not allowed for this client: Mutation.cancelOrder', extensions: { code: 'FORBIDDEN' } });
      const after = await post(server.url, '{ orders { status } }', issuer.sign({ scope: 'orders:read' }));
      expect(after.body).toEqual({ data: { orders: [{ status: 'open' }] } });
    });

    it('answers 401 with the bare challenge without credentials', async () => {
      const answer = await post(server.url, '{ orders { id } }', null);
      expect(answer.status).toBe(401);
      expect(answer.challenge).toBe('Bearer realm="partner-api"');
      expect(answer.body.errors?.[0]).toMatchObject({ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } });
    });

    it('sends no stack trace, although NODE_ENV is not production', async () => {
      const token = issuer.sign({ scope: 'orders:read' });
      const answers = await Promise.all([post(server.url, '{ nope }', token), post(server.url, '{ orders { ', token)]);
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body.errors?.length).toBeGreaterThan(0);
        expect(answer.text).not.toMatch(/stacktrace|\bat .*\.js:\d+|node_modules/);
      }
    });
  });

  describe('the allow-clients command, installed as the package bin', () => {
    const schema = [
      'type Query {',
      '  orders: [Order!]! @requireScopes(anyOf: [["orders:read"]])',
      '}',
      'type Order {',
      '  id: ID!',
      '  margin: Float @allowClients(ids: ["finance-app"])',
      '}',
      '',
    ].join('\n');
    const clients = {
      clients: [
        { id: 'finance-app', name: 'Finance', kind: 'machine', metadata: {}, scopes: ['orders:read'] },
        { id: 'partner-app', name: 'Partner', kind: 'machine', metadata: { tier: 'gold' }, scopes: ['orders:read'] },
      ],
    };
    const bin = (): string => join(coreProject, 'node_modules', '.bin', 'allow-clients');

    beforeAll(async () => {
      await writeFile(join(coreProject, 'api.graphql'), schema);
      await writeFile(join(coreProject, 'clients.json'), JSON.stringify(clients));
    });

    it('explains who may read what from node_modules/.bin (shebang, dist, its own dependencies)', async () => {
      const result = await run(bin(), ['explain', '--schema', 'api.graphql', '--clients', 'clients.json', '--format', 'json'], coreProject);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const matrix = JSON.parse(result.stdout) as { fields: { coordinate: string; decisions: Record<string, { allowed: boolean }> }[] };
      const margin = matrix.fields.find((field) => field.coordinate === 'Order.margin');
      expect(margin?.decisions).toEqual({ 'finance-app': expect.objectContaining({ allowed: true }), 'partner-app': expect.objectContaining({ allowed: false }) });
    });

    it('prints a client\'s SDL and refuses bad input in one line with exit code 2', async () => {
      const sdl = await run(bin(), ['schema', '--schema', 'api.graphql', '--clients', 'clients.json', '--client', 'partner-app'], coreProject);
      expect(sdl).toMatchObject({ code: 0, stderr: '' });
      expect(sdl.stdout).toContain('type Order {\n  id: ID!\n}');
      const unknown = await run(bin(), ['schema', '--schema', 'api.graphql', '--clients', 'clients.json', '--client', 'nobody'], coreProject);
      expect(unknown).toEqual({ code: 2, stdout: '', stderr: 'allow-clients: clients.json: unknown client "nobody" (the file lists finance-app, partner-app)\n' });
    });
  });

  it('limits rates in memory without ioredis, and asks for it in one line when a Redis URL or options are given', async () => {
    const script = [
      "import { createRateLimiter } from 'allow-clients';",
      'const limiter = createRateLimiter({ default: { requests: 2, window: 60 } });',
      "const principal = { kind: 'machine', client: { id: 'partner-app', name: null, metadata: {} }, scopes: [], claims: {}, accessKey: 'partner-app' };",
      'await limiter.consume({ principal });',
      'await limiter.consume({ principal });',
      "const third = await limiter.consume({ principal }).then(() => 'admitted', (error) => error.code);",
      'const refusals = [];',
      "for (const redis of ['redis://127.0.0.1:6379', { host: '127.0.0.1' }]) {",
      '  try { createRateLimiter({ redis }); refusals.push(null); } catch (error) { refusals.push(`${error.name}: ${error.message}`); }',
      '}',
      'console.log(JSON.stringify({ third, refusals }));',
    ].join('\n');
    const result = await runOk(process.execPath, ['--input-type=module', '-e', script], coreProject);
    const message = 'TypeError: "redis" as options or a URL needs the ioredis package: npm install ioredis (or pass an ioredis client of your own)';
    expect(JSON.parse(result.stdout)).toEqual({ third: 'ERR_RATE_LIMITED', refusals: [message, message] });
    expect(result.stderr).toBe('');
  });

  describe('a plain graphql-js server with only the core installed', () => {
    let server: Awaited<ReturnType<typeof startServer>>;

    beforeAll(async () => {
      server = await startServer('coreServer.mjs', coreProject, { AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: issuer.audience });
    }, 60_000);
    afterAll(() => server?.stop());

    it('answers an allowed query and filters a denied field', async () => {
      const answer = await post(server.url, '{ orders { id total margin } }', issuer.sign({ scope: 'orders:read' }));
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ orders: [{ id: '1', total: 120, margin: null }] });
      expect(answer.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN', coordinate: 'Order.margin' } })]);
      expect(answer.text).not.toContain('31.5');
    });

    it('refuses a mutation without its scope with 403 before the resolver runs', async () => {
      const answer = await post(server.url, 'mutation { cancelOrder(id: "1") { id } }', issuer.sign({ scope: 'orders:read' }));
      expect(answer.status).toBe(403);
      expect(answer.challenge).toBe('Bearer realm="core-example", error="insufficient_scope", error_description="Not allowed for this client", scope="orders:write"');
      expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      const after = await post(server.url, '{ orders { status } }', issuer.sign({ scope: 'orders:read' }));
      expect(after.body).toEqual({ data: { orders: [{ status: 'open' }] } });
    });

    it('answers 401 invalid_token to a token from another issuer', async () => {
      const stranger = await startTestIssuer();
      try {
        const answer = await post(server.url, '{ orders { id } }', stranger.sign({ scope: 'orders:read' }, {}));
        expect(answer.status).toBe(401);
        expect(answer.challenge).toMatch(/^Bearer realm="core-example", error="invalid_token"/);
        expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      } finally {
        await stranger.close();
      }
    });
  });
});
