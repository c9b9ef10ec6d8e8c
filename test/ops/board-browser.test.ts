import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createWorld, PASSWORD } from '../api/world.js';
import type { World } from '../api/world.js';

// Bull Board's prebuilt UI in a real browser (Debian's chromium) under the board's CSP: it must
// render the queues with no CSP violation and no request to another host.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`board browser test skipped: no chromium at ${CHROMIUM}`);

let w: World;
let origin: string;
let browser: Browser;
let page: Page;
const violations: string[] = [];
const foreign: string[] = [];

describe.skipIf(!available)('the queue board in a browser', () => {
  beforeAll(async () => {
    w = await createWorld();
    origin = await w.app.listen({ host: '127.0.0.1', port: 0 });
    await w.ctx.pipeline.queues.fetch.add('fetch', { probe: true } as never, {
      jobId: 'board-probe',
      delay: 600_000,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Every CSP violation the page reports, from the first script on.
    await context.addInitScript({
      content: `window.__csp = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          window.__csp.push(event.violatedDirective + ' ' + event.blockedURI);
        });`,
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) {
        foreign.push(request.url());
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('an admin signs in, and the board lists the pipeline queues with no CSP violation', async () => {
    await page.goto(`${origin}/admin/queues`);
    expect(page.url()).toContain('/logga-in?next=');
    await page.getByLabel('Användarnamn').fill('admin-test');
    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/admin\/queues/);
    await page.getByText('Horisont – köer').first().waitFor({ timeout: 20_000 });
    for (const queue of ['fetch', 'parse', 'nominations']) {
      await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    const reported = await page.evaluate<string[]>('window.__csp ?? []');
    expect([...reported, ...violations]).toEqual([]);
    expect(foreign).toEqual([]);
  });

  it('a viewer gets the refusal page, not the board', async () => {
    const context = await browser.newContext();
    const viewer = await context.newPage();
    await viewer.goto(`${origin}/logga-in`);
    await viewer.getByLabel('Användarnamn').fill('viewer-test');
    await viewer.getByLabel('Lösenord').fill(PASSWORD);
    await viewer.getByRole('button', { name: 'Logga in' }).click();
    await viewer.waitForURL(/\/kandidater/);
    const response = await viewer.goto(`${origin}/admin/queues`);
    expect(response?.status()).toBe(403);
    expect(await viewer.content()).not.toContain('static/js/main');
    await context.close();
  });
});
