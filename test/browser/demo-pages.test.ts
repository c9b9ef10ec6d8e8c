import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { buildWebApp } from '../../src/api/app.js';
import { rankedCandidates } from '../../src/store/queries.js';
import { createUser } from '../../src/store/users.js';

// The demo's data (every recorded source scanned once, as `npm run demo` does) in a real browser:
// how tall its top candidate's page is and how many A4 pages its printed report takes.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
const PASSWORD = 'demo-lösenord-för-test';
const available = existsSync(CHROMIUM);

let h: Harness;
let web: FastifyInstance;
let origin: string;
let browser: Browser;
let page: Page;
let top: { id: string; name: string };

/** Pages in a PDF Chromium wrote: its page objects (`/Type /Page`, not `/Pages`). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

describe.skipIf(!available)('the demo’s top candidate in a browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await createHarness();
    await h.scan();
    const ctx = await h.app();
    // The top of the list the beredning opens on: new and coming.
    top = (await rankedCandidates(ctx.db, 1, 'new'))[0]!;
    await createUser(ctx.db, { username: 'demo', role: 'reviewer', password: PASSWORD });
    web = await buildWebApp(ctx, {});
    origin = await web.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    await page.goto(`${origin}/logga-in`);
    await page.getByLabel('Användarnamn').fill('demo');
    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/kandidater/);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.close();
  });

  it('shows the decisive facts first and stays under 3,000 px at 1400 px width', async () => {
    await page.goto(`${origin}/kandidater/${top.id}`);
    const facts = page.locator('.key-facts');
    expect(await facts.isVisible()).toBe(true);
    for (const term of ['Prioritet', 'Livscykel', 'Rådens hantering', 'Status', 'Råd', 'Rapport']) {
      expect(await facts.getByText(term, { exact: true }).isVisible()).toBe(true);
    }
    // The scan nominated it: the page says so instead of "Ej beslutad".
    expect(await facts.textContent()).toContain('Nominerad');
    expect(await page.content()).not.toContain('beslutsversion');
    // The key facts come before the long sections.
    const factsTop = (await facts.boundingBox())!.y;
    const scoreTop = (await page.locator('#poang').boundingBox())!.y;
    expect(factsTop).toBeLessThan(scoreTop);
    // (A string: the test compiles without the DOM library.)
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    await page.screenshot({ path: path.join(ARTIFACTS, 'kandidat.png'), fullPage: true });
    expect(height).toBeLessThan(3_000);
    // Unfolding the score breakdown shows every criterion.
    await page.locator('#poang > summary').click();
    expect(await page.locator('#poang section.criterion').first().isVisible()).toBe(true);
  });

  it('shows its report inside the page from the report’s JSON, as the file does', async () => {
    await page.goto(`${origin}/kandidater/${top.id}`);
    await page.locator('#rapport > summary').click();
    const report = page.locator('#rapport .report');
    expect(await report.getByRole('heading', { level: 3 }).first().textContent()).toContain(top.name);
    // The eleven numbered sections, one level below the page's own section heading.
    expect(await report.getByRole('heading', { level: 4 }).count()).toBe(11);
    // Citations point at the numbered sources on the same page; the bare URLs are for print only.
    const refs = await Promise.all(
      (await report.locator('a.ref').all()).map(async (link) => (await link.getAttribute('href')) ?? ''),
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(await page.locator(ref).count()).toBe(1);
    expect(await report.locator('ol.sources .url').first().isVisible()).toBe(false);
    await report.screenshot({ path: path.join(ARTIFACTS, 'kandidat-rapport.png') });
  });

  it('prints its report on fewer than 5 A4 pages, with an h1, numbered sources and page numbers', async () => {
    await page.goto(`${origin}/kandidater/${top.id}/rapport.html`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(top.name);
    const sources = page.locator('ol.sources > li');
    const count = await sources.count();
    // The top of the list may be a drug known from two sources so far (its trial and EMA's list).
    expect(count).toBeGreaterThanOrEqual(2);
    // Each source's URL once, in the list; citations point at the list.
    const urls = await sources.locator('.url').allTextContents();
    expect(new Set(urls).size).toBe(urls.length);
    const external = await Promise.all(
      (await page.locator('main a[href^="http"]').all()).map((link) => link.getAttribute('href')),
    );
    expect(new Set(external).size).toBe(external.length);
    expect(await page.locator('a.ref').first().getAttribute('href')).toMatch(/^#E\d+$/);

    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    writeFileSync(path.join(ARTIFACTS, 'rapport-demo.pdf'), pdf);
    const pages = pdfPageCount(pdf);
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThan(5);
    // A4 (595 × 842 pt), not US Letter (612 × 792).
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
    expect([Math.round(Number(box?.[1])), Math.round(Number(box?.[2]))]).toEqual([595, 842]);
  });

  it('lists what is new and coming first, with stage and the councils’ handling', async () => {
    await page.goto(`${origin}/kandidater`);
    expect(await page.locator('nav.tabs [aria-current="page"]').textContent()).toBe('Nya och kommande');
    const first = page.locator('table tbody tr').first();
    expect(await first.textContent()).toContain(top.name);
    expect(await page.locator('table thead').textContent()).toContain('Livscykel');
    // The first screenful, as the beredning sees it on opening the list.
    await page.screenshot({ path: path.join(ARTIFACTS, 'kandidatlista.png') });
  });

  it('keeps a copy of the screenshots for the README when asked', () => {
    if (process.env.UPDATE_SCREENSHOTS !== '1') return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const file of ['kandidatlista.png', 'kandidat.png']) {
      copyFileSync(path.join(ARTIFACTS, file), path.join(SCREENSHOTS, file));
    }
  });
});
