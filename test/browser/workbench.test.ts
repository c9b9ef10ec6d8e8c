import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorld, PASSWORD } from '../api/world.js';
import type { World } from '../api/world.js';
import { NominationPayload } from '../../src/domain/nomination.js';

// A real browser (Debian's chromium, never a downloaded one) against the workbench listening on
// loopback, on a real PostgreSQL schema and Redis prefix of its own.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}

let w: World;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];

describe.skipIf(!available)('the workbench in a browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    w = await createWorld();
    origin = await w.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({
      locale: 'sv-SE',
      timezoneId: 'Europe/Stockholm',
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
    // Any alert/confirm/prompt would mean scraped text ran as script.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await w?.close();
  });

  it('signs in from the redirect and lands on the ranked list', async () => {
    await page.goto(`${origin}/kandidater?band=h%C3%B6g`);
    expect(page.url()).toContain('/logga-in?next=');
    await page.getByLabel('Användarnamn').fill('reviewer-test');
    await page.getByLabel('Lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/kandidater\?band=/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Kandidater');
  });

  it('filters the list with the form', async () => {
    await page.goto(`${origin}/kandidater`);
    await page.getByLabel('Prioritetsnivå').selectOption('hög');
    await page.getByLabel('Råd', { exact: true }).selectOption('MTP-rådet');
    await page.getByRole('button', { name: 'Filtrera' }).click();
    await page.waitForURL(/band=h%C3%B6g/);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('FreeStyle Libre 3');
    expect(await page.locator('#antal').textContent()).toContain('2 kandidater');
    await page.screenshot({ path: path.join(ARTIFACTS, 'arbetsyta-lista.png'), fullPage: true });
  });

  it('takes a date range typed the Swedish way, even in a browser set to English', async () => {
    const english = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York' });
    try {
      const other = await english.newPage();
      await other.goto(`${origin}/logga-in`);
      await other.getByLabel('Användarnamn').fill('viewer-test');
      await other.getByLabel('Lösenord').fill(PASSWORD);
      await other.getByRole('button', { name: 'Logga in' }).click();
      await other.waitForURL(/\/kandidater/);
      await other.getByLabel('Först sedd från').fill('2026-03-01');
      await other.getByLabel('Först sedd till och med').fill('2026-03-31');
      await other.getByRole('button', { name: 'Filtrera' }).click();
      await other.waitForURL(/from=2026-03-01&to=2026-03-31/);
      expect(await other.locator('#antal').textContent()).toContain('3 kandidater');
      expect(await other.getByText('10 mars 2026').first().isVisible()).toBe(true);

      await other.getByLabel('Först sedd från').fill('3/1/2026');
      await other.getByRole('button', { name: 'Filtrera' }).click();
      await other.waitForURL(/from=3%2F1%2F2026/);
      expect(await other.getByRole('alert').textContent()).toContain(
        'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.',
      );
      expect(await other.getByLabel('Först sedd från').getAttribute('aria-invalid')).toBe('true');
    } finally {
      await english.close();
    }
  });

  it('opens a candidate: score per criterion, evidence timeline, report', async () => {
    await page.getByRole('link', { name: 'FreeStyle Libre 3' }).click();
    await page.waitForURL(/\/kandidater\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('FreeStyle Libre 3');
    expect(await page.getByRole('heading', { name: 'Poäng per kriterium' }).isVisible()).toBe(true);
    expect(await page.locator('ol.timeline').first().locator('li').count()).toBe(3);
    expect(await page.getByText('14 februari 2026').first().isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'arbetsyta-kandidat.png'), fullPage: true });
  });

  it('nominates; the nomination is in the audit log and on the nomination queue', async () => {
    await page.getByLabel('Motivering').fill('Ojämlik användning mellan regionerna; stor patientgrupp.');
    await page.getByRole('button', { name: 'Nominera', exact: true }).click();
    await page.waitForURL(/klart=nominate/);
    expect(await page.getByRole('status').filter({ hasText: 'nominerad' }).textContent()).toContain(
      'Kandidaten är nominerad och skickad till nomineringskön.',
    );
    expect(await page.locator('table').filter({ hasText: 'Greta Granskare' }).count()).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Granskningslogg' }).click();
    await page.waitForURL(/\/granskningslogg/);
    const row = page
      .locator('tbody tr')
      .filter({ hasText: 'FreeStyle Libre 3' })
      .filter({ hasText: 'Nominerade' });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Greta Granskare');
    await page.screenshot({ path: path.join(ARTIFACTS, 'granskningslogg.png'), fullPage: true });

    const jobs = await w.ctx.pipeline.nominations.getJobs(['waiting', 'active', 'completed', 'delayed']);
    const payloads = jobs.map((job) => NominationPayload.parse(job.data));
    const ours = payloads.filter((p) => p.candidate.id === w.seeded.libre.id);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ nominatedBy: 'Greta Granskare', report: { version: 1 } });
    expect(ours[0]!.reason).toContain('Ojämlik användning');
  });

  it('subscribes to a programme area, then pauses the subscription', async () => {
    await page.getByRole('link', { name: 'Prenumerationer' }).click();
    await page.waitForURL(/\/prenumerationer$/);
    await page.getByLabel('Namn', { exact: true }).fill('Diabetes, veckovis');
    await page.getByLabel('Kanal').selectOption('email-weekly');
    await page.getByLabel('E-postadress').fill('greta@region.example.se');
    await page.getByLabel('Programområden (NPO)').selectOption(['Endokrina sjukdomar']);
    await page.getByLabel('Nyckelord').fill('glukos*, insulinpump');
    await page.getByRole('button', { name: 'Spara prenumerationen' }).click();
    await page.waitForURL(/klart=sparad/);
    const row = page.locator('tbody tr').filter({ hasText: 'Diabetes, veckovis' });
    expect(await row.textContent()).toContain('NPO: Endokrina sjukdomar; nyckelord: glukos*, insulinpump');
    expect(await row.textContent()).toContain('Aktiv');
    await row.getByRole('button', { name: /Pausa/ }).click();
    await page.waitForURL(/klart=pausad/);
    expect(await page.locator('tbody tr').filter({ hasText: 'Diabetes, veckovis' }).textContent()).toContain(
      'Pausad',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'prenumerationer.png'), fullPage: true });
  });

  it('renders a hostile candidate inert under a CSP', async () => {
    const response = await page.goto(`${origin}/kandidater/${w.seeded.xss.id}`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(
      '<script>alert("xss-name")</script>',
    );
    await page.goto(`${origin}/kandidater?q=Glukossensor`);
    expect(await page.locator('table tbody tr').count()).toBe(1);
    await page.goto(`${origin}/kandidater/${w.seeded.xss.id}/rapport.html`);
    // Give any injected handler (onerror of a broken image) the chance to fire.
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
  });

  it('is usable from the keyboard: the first Tab reaches the skip link', async () => {
    await page.goto(`${origin}/kandidater`);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Hoppa till innehållet');
  });

  it('an administrator disables an account: its open session ends at the next click', async () => {
    const signIn = async (username: string): Promise<{ ctx: BrowserContext; page: Page }> => {
      const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1280, height: 900 } });
      const tab = await ctx.newPage();
      await tab.goto(`${origin}/logga-in`);
      await tab.getByLabel('Användarnamn').fill(username);
      await tab.getByLabel('Lösenord').fill(PASSWORD);
      await tab.getByRole('button', { name: 'Logga in' }).click();
      await tab.waitForURL(/\/kandidater/);
      return { ctx, page: tab };
    };
    const viewer = await signIn('viewer-test');
    const admin = await signIn('admin-test');
    try {
      await admin.page.goto(`${origin}/admin/anvandare`);
      // (`reviewer-test` contains `viewer-test`: match the user-name cell exactly.)
      const row = admin.page
        .locator('tbody tr')
        .filter({ has: admin.page.getByRole('cell', { name: 'viewer-test', exact: true }) });
      expect(await row.locator('.badge').textContent()).toContain('Aktiv');
      await row.getByRole('button', { name: 'Stäng av: viewer-test' }).click();
      await expect
        .poll(() => admin.page.getByRole('status').textContent())
        .toContain('viewer-test är avstängd');
      expect(
        await admin.page
          .locator('tbody tr')
          .filter({ hasText: 'viewer-test' })
          .getByText('Avstängd')
          .isVisible(),
      ).toBe(true);
      await admin.page.screenshot({ path: path.join(ARTIFACTS, 'anvandare.png'), fullPage: true });

      await viewer.page.getByRole('link', { name: 'FreeStyle Libre 3' }).click();
      await viewer.page.waitForURL(/\/logga-in/);
      await viewer.page.getByLabel('Användarnamn').fill('viewer-test');
      await viewer.page.getByLabel('Lösenord').fill(PASSWORD);
      await viewer.page.getByRole('button', { name: 'Logga in' }).click();
      expect(await viewer.page.getByRole('alert').textContent()).toContain('Fel användarnamn eller lösenord');

      await row.getByRole('button', { name: 'Aktivera: viewer-test' }).click();
      await expect
        .poll(() => admin.page.getByRole('status').textContent())
        .toContain('viewer-test är aktiv igen');
    } finally {
      await viewer.ctx.close();
      await admin.ctx.close();
    }
  });
});
