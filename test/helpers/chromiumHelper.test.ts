import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP_REASON, hasChromium, launchChromium } from './chromium.js';

describe.skipIf(!hasChromium)(`test/helpers/chromium ${hasChromium ? '' : CHROMIUM_SKIP_REASON}`, () => {
  it('drives a real headless Chromium against a loopback page', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>t</title><button id="b" onclick="this.textContent=\'clicked\'">click</button>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.click('#b');
      expect(await page.textContent('#b')).toBe('clicked');
    } finally {
      await browser.close();
      server.close();
    }
  });
});
