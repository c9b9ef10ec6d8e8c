import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorld, PASSWORD } from '../api/world.js';
import type { World } from '../api/world.js';
import { parseCsv } from '../helpers/csv.js';
import { readWorkbook } from '../../src/sources/xlsx.js';

// The candidate list in a real browser (Debian's chromium): searching as reviewers type, parts
// of Swedish compounds and a misspelling, then exporting what was found as CSV and XLSX and
// opening both files.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const ROBOTS = [
  'Robotassisterad laparoskopisk prostatektomi',
  'Robotassisterad kirurgi vid endometriecancer',
  'Robotassisterad bröstkirurgi',
];

let w: World;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

describe.skipIf(!available)('searching and exporting the candidate list in a browser', () => {
  beforeAll(async () => {
    w = await createWorld();
    for (const name of ROBOTS) {
      await w.h.query(
        `insert into candidates (kind, name, identifiers, first_run_id) values ('method', $1, '[]', $2)`,
        [name, w.seeded.runId],
      );
    }
    origin = await w.app.listen({ host: '127.0.0.1', port: 0 });
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
    context = await browser.newContext({ locale: 'sv-SE', acceptDownloads: true });
    page = await context.newPage();
    await page.goto(`${origin}/logga-in`);
    await page.getByLabel('Användarnamn').fill('viewer-test');
    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/kandidater/);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await w?.close();
  });

  /** Types the query into the list's search field (every list, not only the first tab). */
  async function search(q: string): Promise<string[]> {
    await page.goto(`${origin}/kandidater?scope=all`);
    await page.getByLabel(/^Fritext/).fill(q);
    await page.getByRole('button', { name: 'Filtrera' }).click();
    await page.waitForURL(/q=/);
    return page.locator('table tbody tr td:nth-child(2) a').allTextContents();
  }

  it('finds parts of compounds and the start of words', async () => {
    expect(await search('glukos')).toEqual(
      expect.arrayContaining(['FreeStyle Libre 3', expect.stringContaining('Glukossensor X')]),
    );
    expect(await search('pump')).toEqual(['MiniMed 780G']);
    expect((await search('robot')).sort()).toEqual([...ROBOTS].sort());
    expect(await search('Tumörbeh')).toEqual(['Optune']);
  });

  it('finds a misspelt word', async () => {
    expect(await search('glukosmätnig')).toContain('FreeStyle Libre 3');
    expect((await search('robotasisterad')).sort()).toEqual([...ROBOTS].sort());
  });

  it('exports what the list shows as CSV and as XLSX', async () => {
    const shown = await search('robot');
    const csvDownload = page.waitForEvent('download');
    await page.getByRole('link', { name: 'CSV' }).click();
    const csv = await csvDownload;
    expect(csv.suggestedFilename()).toMatch(/^kandidater-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync(await csv.path(), 'utf8');
    const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''), ';');
    expect(header!.slice(0, 3)).toEqual(['Plats', 'Kandidat', 'Tillverkare']);
    expect(rows.map((row) => row[1])).toEqual(shown);

    const xlsxDownload = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Excel (XLSX)' }).click();
    const xlsx = await xlsxDownload;
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    const workbook = readWorkbook(readFileSync(await xlsx.path()), 'test');
    expect(workbook.rows[0]).toEqual(header);
    expect(workbook.rows.slice(1).map((row) => row[1])).toEqual(shown);
  });
});
