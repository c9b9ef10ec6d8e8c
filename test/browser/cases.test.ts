import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startSmtpSink, waitFor } from '../alerts/servers.js';
import type { SmtpSink } from '../alerts/servers.js';
import { buildWebApp } from '../../src/api/app.js';
import type { AppContext } from '../../src/app/context.js';
import { INTERNAL_CASE_FIELDS } from '../../src/domain/public-cases.js';
import { createUser } from '../../src/store/users.js';

/**
 * Issue 19's whole loop, end to end, on the real PostgreSQL, Redis, pipeline (fixture server,
 * workers, alert relay), an SMTP server and Debian's chromium: a region nominates a product no
 * scan has seen; a later scan's register record resolves to the same candidate; the beredning
 * takes the case up; the council decides "omfattas", recommends "avvakta", then a recommendation
 * with a review date; the date passes and the case is listed as "to reconsider". The public page
 * and feed show each public step and pass axe-core; the region's contact is told of each change
 * exactly once.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const available = existsSync(CHROMIUM);

const PASSWORD = 'korrekt-häst-batteri-häftklammer';
const CONTACT = 'hta.kontakt@regionhalland.example.se';
const REASON = 'Intern motivering: barnklinikerna i Halland efterfrågar produkten.';
const COMMENT = 'Intern kommentar från beredningen.';
const PRODUCT = 'Vivasense Flow 2';
const MAKER = 'Vivasense Medical AB';
const UDI_DI = '07350001234564';

let smtp: SmtpSink;
let h: Harness;
let ctx: AppContext;
let web: FastifyInstance;
let origin: string;
let browser: Browser;
let region: BrowserContext;
let beredning: BrowserContext;
let anonymous: BrowserContext;
let now = new Date('2026-03-02T09:00:00+01:00');
let caseNumber: string;
let candidateId: string;
const dialogs: string[] = [];

async function signIn(context: BrowserContext, username: string): Promise<Page> {
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${origin}/logga-in`);
  await page.getByLabel('Användarnamn').fill(username);
  await page.getByLabel('Lösenord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL(/\/kandidater/);
  return page;
}

/** axe-core in the page, WCAG 2.0/2.1 A and AA rules. */
async function axeViolations(page: Page): Promise<Array<{ id: string; help: string; nodes: unknown[] }>> {
  await page.addScriptTag({ content: AXE_SOURCE });
  // A string, evaluated in the page: the test's own TypeScript has no DOM types.
  return page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((result) => result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.html) })))`);
}

/** Submits one of the case page's change forms (the one headed `heading`). */
async function submitChange(
  page: Page,
  heading: string,
  fill: (form: ReturnType<Page['locator']>) => Promise<void>,
) {
  const form = page
    .locator('form')
    .filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
  await fill(form);
  await form.getByLabel('Intern kommentar').fill(COMMENT);
  await form.getByRole('button', { name: heading, exact: true }).click();
  await page.waitForURL(/klart=/);
}

describe.skipIf(!available)('a nomination from a region, through the council, to reconsideration', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    smtp = await startSmtpSink();
    Object.assign(process.env, {
      NODE_ENV: 'test',
      HORISONT_SMTP_URL: smtp.url,
      HORISONT_ALERT_SWEEP_SECONDS: '0.5',
      HORISONT_PUBLIC_ORIGIN: 'https://horisont.example.se',
    });
    h = await createHarness();
    ctx = await h.app();
    await createUser(ctx.db, {
      username: 'rita',
      role: 'viewer',
      password: PASSWORD,
      displayName: 'Rita Region',
    });
    await createUser(ctx.db, {
      username: 'greta',
      role: 'reviewer',
      password: PASSWORD,
      displayName: 'Greta Granskare',
    });
    web = await buildWebApp(ctx, { clock: () => now });
    origin = await web.listen({ host: '127.0.0.1', port: 0 });
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
    const options = {
      locale: 'sv-SE',
      timezoneId: 'Europe/Stockholm',
      viewport: { width: 1280, height: 900 },
    };
    region = await browser.newContext(options);
    beredning = await browser.newContext(options);
    // axe-core is injected as a script, which the pages' CSP (rightly) refuses.
    anonymous = await browser.newContext({ ...options, bypassCSP: true });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await h?.close();
    await smtp?.close();
  });

  it('a region nominates a product no scan has seen; a candidate is created for it', async () => {
    const page = await signIn(region, 'rita');
    await page.getByRole('link', { name: 'Ärenden' }).click();
    await page.getByRole('link', { name: /Registrera en nominering/ }).click();
    await page.waitForURL(/\/nominera$/);
    await page.getByLabel('Nominerande part').selectOption('region');
    await page.locator('#nominera-region').selectOption('Region Halland');
    await page.getByLabel('Produkt eller metod').selectOption('device');
    await page.getByLabel('Produktens eller metodens namn').fill(PRODUCT);
    await page.getByLabel('Tillverkare (krävs för produkter)').fill(MAKER);
    await page.getByLabel('Indikation eller användning').fill('Typ 1-diabetes hos barn och ungdomar');
    await page.getByLabel('Varför nomineras den?').fill(REASON);
    await page.getByLabel('Namn', { exact: true }).fill('Hanna Halland');
    await page.getByLabel('E-postadress').fill(CONTACT);
    await page.getByRole('button', { name: 'Registrera nomineringen' }).click();
    await page.waitForURL(/\/arendehantering\/HOR-\d{4}-\d{4}\?klart=nominerad/);
    caseNumber = /HOR-\d{4}-\d{4}/.exec(page.url())![0];
    expect(await page.getByRole('status').textContent()).toContain('Nomineringen är registrerad');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(PRODUCT);

    const [candidate] = await h.query<{ id: string; name: string }>(
      `select coalesce(k.merged_into, k.id) as id, k.name from cases c join candidates k on k.id = c.candidate_id
       where c.case_number = $1`,
      [caseNumber],
    );
    expect(candidate!.name).toBe(PRODUCT);
    candidateId = candidate!.id;
    expect(await h.query("select 1 from source_items where source_id <> 'nominations'")).toHaveLength(0);
  });

  it("a later scan's register record of the product resolves to the nominated candidate", async () => {
    const file = path.join(h.fixturesDir, 'eudamed-devices', 'page-2.json');
    const page = JSON.parse(readFileSync(file, 'utf8')) as {
      content: Array<Record<string, unknown>>;
      numberOfElements: number;
      totalElements: number;
    };
    page.content.push({
      ...page.content[0],
      basicUdi: '735000VIVASENSEFLOW2X',
      primaryDi: UDI_DI,
      uuid: 'c0ffee00-0000-4000-8000-000000000019',
      ulid: '01KTDXQD6FG25XPTFWNMWHHT19',
      tradeName: PRODUCT,
      manufacturerName: MAKER,
      manufacturerSrn: 'SE-MF-000019019',
      deviceStatusType: { code: 'refdata.device-model-status.on-the-market' },
      lastUpdateDate: '2026-02-20T12:00:00.0',
      reference: 'VSF2',
    });
    page.numberOfElements += 1;
    page.totalElements += 1;
    writeFileSync(file, JSON.stringify(page));
    const summary = await h.scan(['eudamed-devices']);
    expect(summary.status).toBe('completed');

    const evidence = await h.query<{ source_id: string }>(
      `select i.source_id from evidence e join source_items i on i.id = e.item_id
       where e.candidate_id = $1 order by i.source_id`,
      [candidateId],
    );
    expect(evidence.map((e) => e.source_id)).toEqual(['eudamed-devices', 'nominations']);
    const [live] = await h.query<{ merged_into: string | null; identifiers: Array<{ value: string }> }>(
      'select merged_into, identifiers from candidates where id = $1',
      [candidateId],
    );
    expect(live!.merged_into).toBeNull();
    expect(live!.identifiers.map((i) => i.value)).toContain(UDI_DI);
  });

  it('the beredning takes it up; the council decides "omfattas", recommends "avvakta", then recommends with a review date', async () => {
    const page = await signIn(beredning, 'greta');
    await page.goto(`${origin}/arendehantering`);
    await page.getByRole('link', { name: caseNumber }).click();
    await page.waitForURL(new RegExp(`/arendehantering/${caseNumber}$`));
    // The register record is on the candidate's page, beside the region's nomination.
    await page.getByRole('link', { name: PRODUCT }).first().click();
    await page.waitForURL(/\/kandidater\//);
    expect(await page.content()).toContain(UDI_DI);
    const cases = page.locator('#arenden + p + ul');
    expect(await page.getByRole('heading', { name: 'Ärenden i rådens process' }).isVisible()).toBe(true);
    expect(await cases.getByRole('link', { name: caseNumber }).isVisible()).toBe(true);
    await page.goto(`${origin}/arendehantering/${caseNumber}`);

    await submitChange(page, 'Upptagen av beredningsgruppen', async (form) => {
      await form.getByLabel('Råd').selectOption('MTP-rådet');
    });
    expect(await page.getByRole('status').textContent()).toContain('Upptagen av beredningsgruppen');

    await submitChange(page, 'Beslut om nationell samverkan', async (form) => {
      await form.getByLabel('Omfattas av nationell samverkan').check();
      await form.getByLabel('Beslutsdatum').fill('2026-03-02');
      await form.getByLabel('Jämlik användning över landet är angeläget').check();
      await form.getByLabel('Förväntat stor resurspåverkan').check();
    });
    await submitChange(page, 'Rekommendation', async (form) => {
      await form.getByLabel('Rekommendation', { exact: true }).selectOption('avvakta');
      await form
        .getByLabel('Rekommendationens text (offentlig)')
        .fill('Regionerna avvaktar användning tills rådet har ett kunskapsunderlag.');
      await form.getByLabel('Beslutsdatum').fill('2026-03-02');
    });
    await submitChange(page, 'Rekommendation', async (form) => {
      await form.getByLabel('Rekommendation', { exact: true }).selectOption('use-with-conditions');
      await form
        .getByLabel('Rekommendationens text (offentlig)')
        .fill('Använd till barn med typ 1-diabetes enligt det nationella vårdprogrammet.');
      await form.getByLabel('Beslutsdatum').fill('2026-03-02');
      await form.getByLabel('Omprövas senast').fill('2026-09-01');
    });
    expect(await page.locator('dl.facts').textContent()).toContain('1 september 2026');
    await page.screenshot({ path: path.join(ARTIFACTS, 'arende.png'), fullPage: true });

    await page.goto(`${origin}/arendehantering?vy=reconsider`);
    expect(await page.locator('#antal').textContent()).toContain('0 ärenden');
  });

  it('once the review date has passed, the case is listed to reconsider', async () => {
    now = new Date('2026-09-02T08:00:00+02:00');
    const page = beredning.pages()[0]!;
    await page.goto(`${origin}/arendehantering`);
    await page.getByRole('link', { name: 'Att ompröva' }).click();
    await page.waitForURL(/vy=reconsider/);
    const row = page.locator('tbody tr').filter({ hasText: caseNumber });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Datumet för omprövning har passerats (2026-09-01)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'att-ompova.png'), fullPage: true });
    const states = await ctx.db.query<{ status: string }>('select status from cases where case_number = $1', [
      caseNumber,
    ]);
    expect(states.rows[0]!.status).toBe('recommended');
  });

  it('the public page and feed show each public step without login, with no internal field, and pass axe-core', async () => {
    const page = await anonymous.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // The gate can fail: a page without a language and an image without a text has violations.
    await page.setContent('<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>');
    expect((await axeViolations(page)).map((v) => v.id)).toEqual(
      expect.arrayContaining(['html-has-lang', 'image-alt']),
    );

    const list = await page.goto(`${origin}/arenden`);
    expect(list!.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Ärenden i nationellt ordnat införande',
    );
    const row = page.locator('tbody tr').filter({ hasText: caseNumber });
    expect(await row.textContent()).toContain('Använd med villkor');
    expect(await axeViolations(page)).toEqual([]);

    await row.getByRole('link', { name: caseNumber }).click();
    await page.waitForURL(new RegExp(`/arenden/${caseNumber}$`));
    const html = await page.content();
    for (const step of [
      'Omfattas av nationell samverkan (beslut 2026-03-02)',
      'Rekommendation: Avvakta (beslut 2026-03-02)',
      'Rekommendation: Använd med villkor (beslut 2026-03-02)',
      'Omprövas senast 2026-09-01',
    ]) {
      expect(html).toContain(step);
    }
    for (const internal of [
      REASON,
      COMMENT,
      CONTACT,
      'Hanna Halland',
      'Greta Granskare',
      'Rita Region',
      'Upptagen av beredningsgruppen',
    ]) {
      expect(html, internal).not.toContain(internal);
    }
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'offentligt-arende.png'), fullPage: true });

    // Printable: on paper the filters and navigation go, the content stays.
    await page.goto(`${origin}/arenden`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('form.filters').isVisible()).toBe(false);
    expect(await page.locator('tbody tr').filter({ hasText: caseNumber }).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    const feed = await page.request.get(`${origin}/arenden.atom`);
    const atom = await feed.text();
    expect(XMLValidator.validate(atom)).toBe(true);
    const entries = (
      new XMLParser({ ignoreAttributes: false }).parse(atom) as {
        feed: { entry: Array<{ title: { '#text': string } }> | { title: { '#text': string } } };
      }
    ).feed.entry;
    const titles = (Array.isArray(entries) ? entries : [entries]).map((e) => e.title['#text']);
    expect(titles.filter((t) => t.startsWith(caseNumber))).toEqual([
      `${caseNumber} ${PRODUCT}: Rekommendation`,
      `${caseNumber} ${PRODUCT}: Rekommendation`,
      `${caseNumber} ${PRODUCT}: Beslut om nationell samverkan`,
    ]);
    const json = (await (await page.request.get(`${origin}/arenden.json`)).json()) as {
      cases: Array<Record<string, unknown>>;
    };
    const ours = json.cases.find((c) => c.caseNumber === caseNumber)!;
    expect(ours).toMatchObject({
      status: 'recommended',
      council: 'MTP-rådet',
      nominatedBy: ['Region Halland'],
    });
    const text = JSON.stringify(json);
    for (const field of INTERNAL_CASE_FIELDS) expect(text, field).not.toContain(`"${field}":`);
    for (const internal of [REASON, COMMENT, CONTACT]) expect(text).not.toContain(internal);
    expect(dialogs).toEqual([]);
  });

  it("the nominating region's contact is told of each change exactly once", async () => {
    const changes = [
      'Nominerad',
      'Upptagen av beredningsgruppen',
      'Beslut om nationell samverkan',
      'Rekommendation',
      'Rekommendation',
    ];
    const mails = await waitFor(
      'one e-mail per change to the region',
      () => {
        const ours = smtp.messages.filter((m) => m.to.includes(CONTACT));
        return ours.length >= changes.length ? ours : undefined;
      },
      60_000,
    );
    // Nothing more arrives (a second delivery of a change would come within a sweep or two).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const ours = smtp.messages.filter((m) => m.to.includes(CONTACT));
    expect(ours).toHaveLength(changes.length);
    expect(new Set(ours.map((m) => m.messageId)).size).toBe(changes.length);
    const subjects = mails.map((m) => m.subject);
    for (const label of changes) {
      expect(
        subjects.some((s) => s.includes(`ärende ${caseNumber} – ${label}`)),
        label,
      ).toBe(true);
    }
    expect(subjects.filter((s) => s.includes('– Rekommendation –'))).toHaveLength(2);
    for (const mail of ours) {
      expect(mail.raw).not.toContain(REASON);
      expect(mail.raw).not.toContain(COMMENT);
    }
    const outbox = await h.query<{ n: number }>(
      `select count(*)::int as n from alert_outbox o join case_parties p on p.subscription_id = o.subscription_id
       join cases c on c.id = p.case_id where c.case_number = $1`,
      [caseNumber],
    );
    expect(outbox[0]!.n).toBe(changes.length);
  });
});
