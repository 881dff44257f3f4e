/**
 * The explorer in a real headless Chromium: the page the reference server serves at /graphql for a
 * browser, GraphiQL from the server's own packages under a strict Content-Security-Policy, demo
 * tokens from the embedded dev issuer (oidc-provider) fetched through the dev token route, and the
 * caller's refusals read from the page.
 */
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
const QUERY = 'query Drill {\n  product(id: "prod-drill") {\n    name\n    wholesalePrice { amount }\n  }\n}\n';

async function startServer(issuer: DevIssuer | null, env: Record<string, string> = {}): Promise<ReferenceServer> {
  const config = readConfig({ PORT: '0', DEV_ISSUER_PORT: '0', LOG_LEVEL: 'silent', ...env });
  const issuerUrl = issuer?.issuer ?? 'http://127.0.0.1:1/';
  return createReferenceServer(
    { ...config, auth: { ...config.auth, issuer: issuerUrl } },
    { logger, ...(issuer === null ? {} : { devIssuer: { issuer: issuer.issuer, clients } }) },
  );
}

describe('explorer page and dev token route', () => {
  let issuer: DevIssuer;
  let server: ReferenceServer;
  beforeAll(async () => {
    issuer = await startDevIssuer({ host: '127.0.0.1', port: 0, audience: readConfig({}).auth.audience ?? '', clientClaim: 'https://allow-clients.dev/client', clients });
    server = await startServer(issuer);
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
