/**
 * The page of `allow-clients explain --format html` in a real headless Chromium (Debian's package,
 * test/helpers/chromium.ts): the grid's cells, found by the row of the field and the column of the
 * client as a reader finds them, say allowed or denied in the right colour, and the page loads
 * nothing but itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, CHROMIUM_SKIP_REASON, hasChromium, launchChromium } from '../helpers/chromium.js';
import { runTool } from './support/runTool.js';

const GREEN = 'rgb(201, 242, 211)';
const RED = 'rgb(249, 201, 201)';

/** The cell at the row headed `field` and the column headed `client`, read from the rendered grid. */
async function cellAt(page: Page, field: string, client: string): Promise<{ text: string; background: string; title: string } | null> {
  return page.evaluate(
    ([fieldName, clientId]) => {
      const headers = [...document.querySelectorAll('#matrix thead th')].map((th) => th.textContent);
      const column = headers.indexOf(clientId);
      const row = [...document.querySelectorAll('#matrix tbody tr')].find((tr) => tr.querySelector('th[scope="row"]')?.textContent === fieldName);
      const cell = row?.children[column];
      if (column < 0 || !(cell instanceof HTMLElement)) return null;
      return { text: cell.innerText, background: getComputedStyle(cell).backgroundColor, title: cell.title };
    },
    [field, client] as const,
  );
}

describe.skipIf(!hasChromium)(`the explain page in headless Chromium ${hasChromium ? '' : CHROMIUM_SKIP_REASON}`, () => {
  let work: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'allow-clients-page-'));
    const output = join(work, 'explain.html');
    const run = await runTool(['explain', '--schema', 'schema/', '--clients', 'dev/clients.json', '--format', 'html', '--output', output]);
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(pathToFileURL(output).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('shows Order.margin allowed (green) to ops-internal only, with the deciding rule as the title', async () => {
    expect(await cellAt(page, 'Order.margin', 'ops-internal')).toEqual({ text: 'allowed', background: GREEN, title: '@allowClients(ids: ["ops-internal"])' });
    for (const client of ['acme-gold', 'globex-silver', 'initech-bronze', 'storefront-web']) {
      expect(await cellAt(page, 'Order.margin', client), client).toEqual({ text: 'denied', background: RED, title: '@allowClients(ids: ["ops-internal"])' });
    }
  });

  it('shows the gold-only PartnerOffer to acme-gold and not to silver or bronze', async () => {
    expect(await cellAt(page, 'PartnerOffer.discountPercent', 'acme-gold')).toMatchObject({ text: 'allowed', background: GREEN });
    expect(await cellAt(page, 'PartnerOffer.discountPercent', 'globex-silver')).toMatchObject({ text: 'denied', background: RED });
    expect(await cellAt(page, 'PartnerOffer.discountPercent', 'initech-bronze')).toMatchObject({ text: 'denied', background: RED });
  });

  it('names the missing scope as the reason silver may not read Product.stock', async () => {
    expect(await cellAt(page, 'Product.stock', 'globex-silver')).toEqual({ text: 'denied', background: RED, title: '@requireScopes(anyOf: [["stock:read"]])' });
    expect(await cellAt(page, 'Product.stock', 'acme-gold')).toMatchObject({ text: 'allowed', background: GREEN });
    expect(await cellAt(page, 'Mutation.addToWishlist', 'storefront-web')).toMatchObject({ text: 'allowed', background: GREEN });
  });

  it('loads nothing but the page itself', async () => {
    await page.screenshot({ path: artifactPath('cli-explain.png'), fullPage: false });
    expect(requested).toEqual([page.url()]);
  });
});
