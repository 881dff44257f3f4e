/**
 * The explorer in a real headless Chromium: the page the reference server serves at /graphql for a
 * browser, GraphiQL from the server's own packages under a strict Content-Security-Policy, demo
 * tokens from the embedded dev issuer (oidc-provider) fetched through the dev token route, and the
 * caller's refusals read from the page.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { loadDevClients } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { EXPLORER_CSP } from '../../src/server/explorer.js';
import { createLogger } from '../../src/server/logger.js';
import { artifactPath, CHROMIUM_SKIP_REASON, hasChromium, launchChromium } from '../helpers/chromium.js';

const clients = loadDevClients();
const logger = createLogger('silent');
/** Log lines of the server under test (level >= warn would show a refusal mistaken for a failure). */
const logLines: Record<string, unknown>[] = [];
const recordingLogger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

interface RawAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A request with the headers as given, `Host` included (as a DNS-rebound browser sends them to 127.0.0.1). */
function rawRequest(url: URL, options: { method?: string; headers: Record<string, string>; body?: string }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? 'GET', headers: options.headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, contentType: incoming.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
const QUERY = 'query Drill {\n  product(id: "prod-drill") {\n    name\n    wholesalePrice { amount }\n  }\n}\n';

async function startServer(issuer: DevIssuer | null, env: Record<string, string> = {}, serverLogger = logger): Promise<ReferenceServer> {
  const config = readConfig({ PORT: '0', DEV_ISSUER_PORT: '0', LOG_LEVEL: 'silent', ...env });
  const issuerUrl = issuer?.issuer ?? 'http://127.0.0.1:1/';
  return createReferenceServer(
    { ...config, auth: { ...config.auth, issuer: issuerUrl } },
    { logger: serverLogger, ...(issuer === null ? {} : { devIssuer: { issuer: issuer.issuer, clients } }) },
  );
}

describe('explorer page and dev token route', () => {
  let issuer: DevIssuer;
  let server: ReferenceServer;
  beforeAll(async () => {
    issuer = await startDevIssuer({ host: '127.0.0.1', port: 0, audience: readConfig({}).auth.audience ?? '', clientClaim: 'https://allow-clients.dev/client', clients });
    server = await startServer(issuer, {}, recordingLogger);
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it('answers a browser at /graphql with the page under a restrictive CSP, loading nothing from elsewhere', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    expect(EXPLORER_CSP).toContain("script-src 'self'");
    expect(EXPLORER_CSP).toContain("connect-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('"mode":"dev"');
    for (const asset of ['graphiql.min.js', 'graphiql.min.css', 'react.production.min.js', 'react-dom.production.min.js', 'explorer.js']) {
      const served = await fetch(new URL(`/explorer/${asset}`, server.url));
      expect(served.status, asset).toBe(200);
      expect((await served.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
  });

  it('still answers GraphQL GET requests (a query parameter) and JSON clients at /graphql', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).not.toContain('text/html');
  });

  it('gives demo tokens only to JSON requests of its own origin, and only for demo clients', async () => {
    const tokenUrl = new URL('/explorer/token', server.url);
    const post = (body: string, headers: Record<string, string>) => fetch(tokenUrl, { method: 'POST', headers, body });
    const form = await post('client=acme-gold', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, await form.json()]).toEqual([415, { error: 'json_only' }]);
    const crossSite = await post('{"client":"acme-gold"}', { 'content-type': 'application/json', origin: 'http://evil.example' });
    expect([crossSite.status, await crossSite.json()]).toEqual([403, { error: 'same_origin_only' }]);
    const unknown = await post('{"client":"no-such-client"}', { 'content-type': 'application/json' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'unknown_client' }]);
    const good = await post('{"client":"acme-gold"}', { 'content-type': 'application/json' });
    expect(good.status).toBe(200);
    const { access_token: token } = (await good.json()) as { access_token: string };
    const user = await post('{"user":"alice"}', { 'content-type': 'application/json' });
    expect(user.status).toBe(200);
    const { access_token: userToken } = (await user.json()) as { access_token: string };
    const asUser = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' }, body: '{"query":"{ viewer { kind client { id } } }"}' });
    expect(await asUser.json()).toEqual({ data: { viewer: { kind: 'USER', client: { id: 'storefront-web' } } } });
    const badUser = await post('{"user":"<script>"}', { 'content-type': 'application/json' });
    expect(badUser.status).toBe(404);
    const answer = await fetch(server.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"query":"{ viewer { client { id } } }"}' });
    expect(await answer.json()).toEqual({ data: { viewer: { client: { id: 'acme-gold' } } } });
  });

  it('refuses a DNS-rebound page (Host and Origin naming another domain): no token, no page, no assets', async () => {
    const port = new URL(server.url).port;
    const tokenUrl = new URL('/explorer/token', server.url);
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    for (const client of ['ops-internal', 'acme-gold']) {
      const token = await rawRequest(tokenUrl, { method: 'POST', headers: { ...rebound, 'content-type': 'application/json' }, body: JSON.stringify({ client }) });
      expect([token.status, JSON.parse(token.body)], client).toEqual([403, { error: 'loopback_host_only' }]);
      expect(token.body).not.toContain('access_token');
    }
    const user = await rawRequest(tokenUrl, { method: 'POST', headers: { ...rebound, 'content-type': 'application/json' }, body: '{"user":"alice"}' });
    expect([user.status, JSON.parse(user.body)]).toEqual([403, { error: 'loopback_host_only' }]);
    const page = await rawRequest(new URL(server.url), { headers: { host: rebound.host, accept: 'text/html' } });
    expect([page.status, page.contentType, JSON.parse(page.body)]).toEqual([403, 'application/json; charset=utf-8', { error: 'loopback_host_only' }]);
    const asset = await rawRequest(new URL('/explorer/explorer.js', server.url), { headers: { host: rebound.host } });
    expect([asset.status, JSON.parse(asset.body)]).toEqual([403, { error: 'loopback_host_only' }]);
    // Every loopback spelling of the Host still works (the existing tests use 127.0.0.1).
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `0.0.0.0:${port}`]) {
      const own = await rawRequest(tokenUrl, { method: 'POST', headers: { host, origin: `http://${host}`, 'content-type': 'application/json' }, body: '{"client":"acme-gold"}' });
      expect(own.status, host).toBe(200);
      expect((JSON.parse(own.body) as { access_token?: unknown }).access_token, host).toEqual(expect.any(String));
      const ownPage = await rawRequest(new URL(server.url), { headers: { host, accept: 'text/html' } });
      expect([ownPage.status, ownPage.contentType], host).toEqual([200, 'text/html; charset=utf-8']);
    }
    // Names that only look like loopback are refused.
    for (const host of [`localhost.evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `evil.example@127.0.0.1:${port}`, `[::2]:${port}`, `0.0.0.0.evil.example:${port}`, `10.0.0.8:${port}`]) {
      const other = await rawRequest(tokenUrl, { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: '{"client":"acme-gold"}' });
      expect(other.status, host).not.toBe(200);
      expect(other.body, host).not.toContain('access_token');
    }
  });

  it('refuses a user name the dev issuer reserves (a client id, in any case) with 403 access_denied: no token, no error log, no stack', async () => {
    const tokenUrl = new URL('/explorer/token', server.url);
    logLines.length = 0;
    for (const user of ['acme-gold', 'STOREFRONT-WEB']) {
      const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
      const body = await response.text();
      expect([response.status, JSON.parse(body)], user).toEqual([403, { error: 'access_denied' }]);
      expect(body).not.toMatch(/access_token|at |\.ts:/);
    }
    expect(logLines.filter((line) => typeof line['level'] === 'number' && line['level'] >= 40)).toEqual([]);
    expect(JSON.stringify(logLines)).not.toContain('"stack"');
  });

  it('is off with GRAPHQL_EXPLORER=false, and asks for a bearer token with a real issuer', async () => {
    const off = await startServer(null, { GRAPHQL_EXPLORER: 'false' });
    const real = await startServer(null);
    try {
      const page = await fetch(off.url, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).not.toContain('text/html');
      expect((await fetch(new URL('/explorer/graphiql.min.js', off.url))).status).toBe(404);
      const html = await (await fetch(real.url, { headers: { accept: 'text/html' } })).text();
      expect(html).toContain('"mode":"token"');
      expect(html).toContain('"clients":[]');
      const token = await fetch(new URL('/explorer/token', real.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client":"acme-gold"}' });
      expect(token.status).toBe(404);
    } finally {
      await Promise.all([off.close(), real.close()]);
    }
  });

  describe.skipIf(!hasChromium)(`in headless Chromium ${hasChromium ? '' : CHROMIUM_SKIP_REASON}`, () => {
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function runAs(caller: string): Promise<string> {
      await page.selectOption('#explorer-caller', `client:${caller}`);
      await page.locator('#explorer-status', { hasText: `Signed in as ${caller}` }).waitFor({ timeout: 15_000 });
      await page.locator('.graphiql-execute-button').click();
      const response = page.locator('.graphiql-response');
      await response.locator('text=/"data"|"errors"/').first().waitFor({ timeout: 15_000 });
      return response.innerText();
    }

    it('shows initech-bronze its own view (a gold-only field does not exist for it) and acme-gold its value', async () => {
      await page.goto(`${server.url}#query=${encodeURIComponent(QUERY)}`);
      await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });

      // Per-caller views are on by default: bronze's schema has no Product.wholesalePrice, so the
      // query fails validation exactly as for a field that does not exist, and no product data leaks.
      const bronze = await runAs('initech-bronze');
      expect(bronze).toContain('Cannot query field \\"wholesalePrice\\" on type \\"Product\\".');
      expect(bronze).toContain('"GRAPHQL_VALIDATION_FAILED"');
      expect(bronze).not.toContain('"data"');
      expect(bronze).not.toContain('Cordless Drill');
      await page.screenshot({ path: artifactPath('explorer-initech-bronze.png') });

      const gold = await runAs('acme-gold');
      expect(gold).toMatch(/"amount": 92/);
      expect(gold).not.toContain('FORBIDDEN');
      await page.screenshot({ path: artifactPath('explorer-acme-gold.png') });

      // Nothing refused by the CSP, nothing failed to load, no script error: the one console line is
      // Chromium reporting bronze's 400 validation answer above, which is the answer under test.
      expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    });

    /** What the docs pane's search lists for a text, under the signed-in caller's view. */
    async function searchDocs(text: string): Promise<string> {
      const docs = page.locator('.graphiql-doc-explorer');
      if (!(await docs.isVisible())) await page.locator('button[aria-label="Show Documentation Explorer"]').click();
      await docs.waitFor({ timeout: 15_000 });
      const input = docs.locator('.graphiql-doc-explorer-search-input input');
      await input.click();
      await input.fill(text);
      // The list shows every type until the (debounced) search has run: wait for the search's own answer.
      const answer = await page.waitForFunction(
        (searched) => {
          const root = document.querySelector('.graphiql-doc-explorer-search');
          if (root?.querySelector('.graphiql-doc-explorer-search-empty') !== null && root !== null) return 'No results found';
          const list = root?.querySelector('[role="listbox"]');
          const text = list instanceof HTMLElement ? list.innerText : '';
          return text.toLowerCase().includes(searched.toLowerCase()) ? text : false;
        },
        text,
        { timeout: 15_000 },
      );
      return (await answer.jsonValue()) as string;
    }

    /** The docs pane's page of a type (its fields), reached through the search as a user would. */
    async function docsOfType(typeName: string): Promise<string> {
      await searchDocs(typeName);
      await page.locator('.graphiql-doc-explorer-search-type', { hasText: new RegExp(`^${typeName}$`) }).first().click();
      await page.locator('.graphiql-doc-explorer-title', { hasText: new RegExp(`^${typeName}$`) }).waitFor({ timeout: 15_000 });
      return page.locator('.graphiql-doc-explorer-content').innerText();
    }

    it("shows each caller's own view in the docs pane: bronze finds no PartnerOffer and no Product.wholesalePrice, gold finds both", async () => {
      await page.goto(`${server.url}#query=${encodeURIComponent('{ viewer { client { id } } }')}`);
      await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
      await runAs('initech-bronze');
      expect(await searchDocs('PartnerOffer')).toBe('No results found');
      const bronzeProduct = await docsOfType('Product');
      expect(bronzeProduct).toContain('listPrice');
      expect(bronzeProduct).not.toContain('wholesalePrice');
      expect(bronzeProduct).not.toContain('stock');
      await page.screenshot({ path: artifactPath('explorer-docs-initech-bronze.png') });

      // A new caller remounts GraphiQL: it introspects again, under gold's view.
      await runAs('acme-gold');
      expect(await searchDocs('PartnerOffer')).toContain('PartnerOffer');
      const goldProduct = await docsOfType('Product');
      expect(goldProduct).toContain('listPrice');
      expect(goldProduct).toContain('wholesalePrice');
      expect(goldProduct).toContain('stock');
      await page.screenshot({ path: artifactPath('explorer-docs-acme-gold.png') });
    });
  });
});
