import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'cheerio';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, DEMO_CONFIG, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { explainRank, rescoreAll } from '../../src/app/rescore.js';
import type { RescoreResult } from '../../src/app/rescore.js';
import { rankedCandidates, listNominations } from '../../src/store/queries.js';
import type { RankedCandidate } from '../../src/store/queries.js';
import { reportFiles } from '../../src/workers/report.js';
import { stockholmDay } from '../../src/domain/dates.js';

// Real Redis and PostgreSQL; nothing mocked. The CLI runs as a child process joined to this world.
const run = promisify(execFile);

async function horisont(h: Harness, args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...h.childEnv(), LOG_LEVEL: 'warn' }, maxBuffer: 20 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const LIBRE_3 = '05021791005734';
const DEXCOM_G7 = '00386270025005';

function byUdi(list: RankedCandidate[], udiDi: string): RankedCandidate {
  const found = list.filter((c) => c.identifiers.some((i) => i.scheme === 'udi-di' && i.value === udiDi));
  expect(found, `one candidate with UDI-DI ${udiDi}`).toHaveLength(1);
  return found[0]!;
}

/** The best-ranked scanned device with an early assessment report. */
function nominatedDevice(list: RankedCandidate[]): RankedCandidate {
  const found = list.find((c) => c.kind === 'device' && c.latestReportVersion !== null);
  expect(found, 'a nominated device').toBeDefined();
  return found!;
}

function byName(list: RankedCandidate[], name: string): RankedCandidate {
  const found = list.filter((c) => c.name === name);
  expect(found, `one candidate named ${name}`).toHaveLength(1);
  return found[0]!;
}

/** A configuration directory: the demo sources and the shipped criteria, changed by `edit`. */
function configWith(edit: (criteria: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'horisont-criteria-'));
  copyFileSync(path.join(DEMO_CONFIG, 'sources.yaml'), path.join(dir, 'sources.yaml'));
  const criteria = parseYaml(
    readFileSync(path.join(REPO_ROOT, 'config', 'triage-criteria.yaml'), 'utf8'),
  ) as Record<string, unknown>;
  edit(criteria);
  writeFileSync(path.join(dir, 'triage-criteria.yaml'), stringifyYaml(criteria));
  return dir;
}

describe('triage on the recorded sources', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness();
    const summary = await h.scan();
    expect(summary.status).toBe('completed');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function tables() {
    return {
      scores: await h.query(
        'select id, candidate_id, criteria_version, input_hash, total, band, council, nominate, result, computed_at from scores order by id',
      ),
      candidates: await h.query(
        'select id, name, manufacturer, kind, identifiers, current_score_id, updated_at from candidates order by id',
      ),
      reports: await h.query('select id, candidate_id, version from reports order by id'),
      nominations: await h.query('select id, candidate_id, report_id from nominations order by id'),
    };
  }

  it('a weight change moves ranks as the explanation says; rescore twice changes nothing the second time', async () => {
    const app = await h.app();
    const ranked = await rankedCandidates(app.db, 1000);
    const scored = ranked.filter((c) => c.score !== null);

    // Find a criterion and a ±50 % change that moves someone, from the explanations alone.
    let chosen: { criterionId: string; factor: number; weight: number } | undefined;
    const explanations = new Map<string, Awaited<ReturnType<typeof explainRank>>>();
    for (const c of scored) explanations.set(c.id, await explainRank(app.db, c.id, app.config.criteria));
    outer: for (const criterion of app.config.criteria.criteria) {
      for (const factor of [1.5, 0.5]) {
        const moves = [...explanations.values()].some((e) =>
          e?.criteria.some(
            (x) =>
              x.criterionId === criterion.id &&
              x.changes.some((ch) => ch.factor === factor && ch.rankChange !== 0),
          ),
        );
        if (moves) {
          chosen = { criterionId: criterion.id, factor, weight: criterion.weight * factor };
          break outer;
        }
      }
    }
    expect(chosen, 'some ±50 % weight change moves a rank').toBeDefined();
    const { criterionId, factor, weight } = chosen!;

    // The CLI prints the same explanation.
    const libre3 = byUdi(ranked, LIBRE_3);
    const cli = await horisont(h, ['candidates', '--explain', libre3.id]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`Plats ${explanations.get(libre3.id)!.rank} av ${scored.length}`);
    expect(cli.stdout).toMatch(/vikt −50 %.*vikt \+50 %/);

    const dir = configWith((criteria) => {
      criteria.version = 'test-vikt';
      const list = criteria.criteria as { id: string; weight: number }[];
      list.find((c) => c.id === criterionId)!.weight = weight;
    });
    const first = await horisont(h, ['--config', dir, 'rescore', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as RescoreResult;
    expect(result.criteriaVersion).toBe('test-vikt');
    expect(result.changed).toBe(scored.length);
    for (const r of result.ranking) {
      const predicted = explanations
        .get(r.id)!
        .criteria.find((x) => x.criterionId === criterionId)!
        .changes.find((x) => x.factor === factor)!;
      expect([r.name, r.after.total, r.after.rank, r.rankChange]).toEqual([
        r.name,
        predicted.total,
        predicted.rank,
        predicted.rankChange,
      ]);
    }
    expect(result.ranking.some((r) => r.rankChange !== 0)).toBe(true);
    // Every stored score records the criteria version it was computed with.
    const versions = await h.query<{ criteria_version: string }>(
      'select distinct s.criteria_version from candidates c join scores s on s.id = c.current_score_id',
    );
    expect(versions).toEqual([{ criteria_version: 'test-vikt' }]);

    const before = await tables();
    const second = await horisont(h, ['--config', dir, 'rescore']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('0 med ny poäng');
    expect(second.stdout).toContain('Ingen kandidat bytte plats.');
    expect(await tables()).toEqual(before);

    // Back to the shipped criteria: the earlier score rows are current again, nothing new is added.
    const restored = await rescoreAll(app.db, app.config, stockholmDay(new Date()));
    expect(restored.changed).toBe(scored.length);
    expect((await tables()).scores).toHaveLength(before.scores.length);
  });

  it('products the councils handle keep their council, show their status and list entry, and are never nominated again', async () => {
    const app = await h.app();
    const ranked = await rankedCandidates(app.db, 1000);
    const scanNominated = await h.query<{ candidate_id: string; council: string; status: string }>(
      `select n.candidate_id, s.council, s.process_status as status from nominations n
       join reports r on r.id = n.report_id join scores s on s.id = r.score_id where n.origin = 'scan'`,
    );
    expect(scanNominated.length).toBeGreaterThan(0);
    for (const n of scanNominated) {
      expect(['MTP-rådet', 'NT-rådet', 'båda']).toContain(n.council);
      expect(['ej-hanterad', 'nominerad', 'omprovning']).toContain(n.status);
    }

    // Optune is on MTP-rådet's own list: routed to MTP-rådet, its status says so, never nominated.
    const optune = byName(ranked, 'Optune');
    expect(optune.council).toBe('MTP-rådet');
    expect(['hanteras-av-mtp-radet', 'omprovning']).toContain(optune.processStatus);
    expect(optune.evidence.some((e) => e.sourceId === 'council-lists')).toBe(true);
    expect(optune.latestReportVersion).toBeNull();
    // Mounjaro is on NT-rådet's list: NT-rådet, "hanteras av NT-rådet".
    const mounjaro = byName(ranked, 'Mounjaro');
    expect([mounjaro.council, mounjaro.processStatus]).toEqual(['NT-rådet', 'hanteras-av-nt-radet']);
    expect(mounjaro.latestReportVersion).toBeNull();
    // A product whose health-economic assessment MTP-rådet commissioned is MTP-rådet's already.
    const libre3 = byUdi(ranked, LIBRE_3);
    expect(libre3.processStatus).toBe('hanteras-av-mtp-radet');
    expect(libre3.decisive[0]).toMatch(/^Hanteras av MTP-rådet: MTP-rådet har beställt en bedömning/);

    // The CLI says why there is no report.
    const report = await horisont(h, ['report', mounjaro.id]);
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(/hanteras redan av NT-rådet och nomineras inte på nytt/);
  });

  it('a new criteria version alone re-judges every candidate but writes no report and nominates nothing again', async () => {
    const counts = async () =>
      (
        await h.query<{ reports: number; nominations: number }>(
          'select (select count(*)::int from reports) as reports, (select count(*)::int from nominations) as nominations',
        )
      )[0]!;
    const before = await counts();
    const dir = configWith((criteria) => {
      criteria.version = 'test-ny-version';
    });
    const rescored = await horisont(h, ['--config', dir, 'rescore']);
    expect(rescored.code, rescored.stderr).toBe(0);
    const scanned = await horisont(h, ['--config', dir, 'scan', '--once', '--json']);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(await counts()).toEqual(before);
    const versions = await h.query<{ criteria_version: string }>(
      'select distinct s.criteria_version from candidates c join scores s on s.id = c.current_score_id',
    );
    expect(versions).toEqual([{ criteria_version: 'test-ny-version' }]);
    // Back to the shipped criteria for the tests below.
    await rescoreAll((await h.app()).db, (await h.app()).config, stockholmDay(new Date()));
  });

  it('the same report version is never nominated twice', async () => {
    const app = await h.app();
    const before = await tables();
    const again = await h.scan();
    expect(again.nominations).toBe(0);
    expect((await tables()).nominations).toEqual(before.nominations);

    const perReport = await h.query<{ report_id: string; n: number }>(
      `select report_id, count(*)::int as n from nominations where origin = 'scan' group by report_id`,
    );
    expect(perReport.length).toBeGreaterThan(0);
    expect(perReport.every((r) => r.n === 1)).toBe(true);
    // The database refuses a second scan nomination of a report version outright.
    const report = before.reports[0] as { id: string; candidate_id: string };
    await expect(
      h.query(
        `insert into nominations (candidate_id, report_id, origin, queue_job_id, payload)
         values ($1, $2, 'scan', 'duplicate-attempt', '{}')`,
        [report.candidate_id, report.id],
      ),
    ).rejects.toMatchObject({ code: '23505' });
    const jobs = await app.pipeline.nominations.getJobs(['waiting', 'active', 'completed', 'delayed']);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs).toHaveLength(before.nominations.length);
  });

  it("a region's nomination of a scanned product lands on the same candidate and shows as the region's", async () => {
    const app = await h.app();
    const ranked = await rankedCandidates(app.db, 1000);
    const g7 = nominatedDevice(ranked);
    const candidatesBefore = (await h.query<{ n: number }>('select count(*)::int as n from candidates'))[0]!
      .n;
    const result = await horisont(h, [
      'nominate',
      '--candidate',
      g7.id,
      '--by',
      'Region Halland',
      '--reason',
      'Efterfrågas av diabetesteamet i Halmstad',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const candidatesAfter = (await h.query<{ n: number }>('select count(*)::int as n from candidates'))[0]!.n;
    expect(candidatesAfter).toBe(candidatesBefore);

    const rows = (await listNominations(app.db)).filter((r) => r.candidate_id === g7.id);
    expect(rows.map((r) => r.origin).sort()).toEqual(['region', 'scan']);
    const region = rows.find((r) => r.origin === 'region')!;
    expect(region.nominated_by).toBe('Region Halland');
    expect(region.candidate_name).toBe(g7.name);
    expect(region.report_version).toBe(g7.latestReportVersion);

    const listed = await horisont(h, ['nominations']);
    expect(listed.stdout).toContain('Region (Region Halland)');
  });

  it('writes the HTML report beside the Markdown and JSON, and prints it on request', async () => {
    const app = await h.app();
    const reports = await h.query<{ candidate_id: string; version: number }>(
      'select candidate_id, version from reports order by id',
    );
    expect(reports.length).toBeGreaterThan(0);
    await vi.waitFor(
      () => {
        for (const r of reports) {
          const files = reportFiles(app.reportDir, r.candidate_id, r.version);
          for (const file of [files.md, files.json, files.html]) expect(existsSync(file), file).toBe(true);
        }
      },
      { timeout: 15_000, interval: 250 },
    );
    const g7 = nominatedDevice(await rankedCandidates(app.db, 1000));
    const files = reportFiles(app.reportDir, g7.id, g7.latestReportVersion!);
    const printed = await horisont(h, ['report', g7.id, '--format', 'html']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout.trimEnd()).toBe(readFileSync(files.html, 'utf8').trimEnd());
    const $ = load(printed.stdout);
    expect($('h1').text()).toBe(`Tidig bedömningsrapport: ${g7.name}`);
    expect($('h2').length).toBe(11);
    expect($('h2').text()).toContain('Livscykel, tidpunkt och rådens hantering');
  });
});

describe('triage on edited sources: established products, a drug in a device list, hostile titles', () => {
  let h: Harness;
  let ranked: RankedCandidate[];

  beforeAll(async () => {
    h = await createHarness();
    // Dexcom G7 registered only under the old directive: an established product.
    const devices = path.join(h.fixturesDir, 'eudamed-devices', 'page-0.json');
    const page = JSON.parse(readFileSync(devices, 'utf8')) as {
      content: { primaryDi: string; applicableLegislation: { code: string } }[];
    };
    const g7 = page.content.find((d) => d.primaryDi === DEXCOM_G7)!;
    g7.applicableLegislation = { code: 'refdata.applicable-legislation.mdd' };
    writeFileSync(devices, JSON.stringify(page, null, 2));

    // A drug on Läkemedelsverket's list of device safety notices.
    const fsn = path.join(h.fixturesDir, 'lakemedelsverket-fsn', 'page-1.html');
    const marker = '<li class="list-block__item">';
    const drug = `<li class="list-block__item">
            <article class="teaser teaser--safety-notice">
              <p class="teaser__label">Säkerhetsmeddelande</p>
              <h2 class="teaser__heading"><a class="teaser__link" href="/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden/2026/sakerhetsmeddelande-heparin-leo">Säkerhetsmeddelande: Heparin LEO – fel styrka på ytterförpackningen</a></h2>
              <p class="teaser__meta"><span class="teaser__date">Publicerad: 13 november 2026</span></p>
              <p class="teaser__text">Läkemedlet Heparin LEO har fått fel styrka tryckt på ytterförpackningen i en tillverkningssats.</p>
              <dl class="teaser__facts"><dt>Tillverkare</dt><dd>LEO Pharma A/S</dd><dt>Produkt</dt><dd>Heparin LEO</dd><dt>Typ av åtgärd</dt><dd>Återkallelse</dd></dl>
            </article>
          </li>
          `;
    const html = readFileSync(fsn, 'utf8');
    writeFileSync(fsn, html.replace(marker, drug + marker));

    // A regional HTA title carrying markup (as text: the source escaped it), on a method that is
    // nominated, on whichever of SBU's two pages lists it.
    for (const page of ['regional-hta.html', 'all-types.html']) {
      const sbu = path.join(h.fixturesDir, 'sbu-publications', page);
      writeFileSync(
        sbu,
        readFileSync(sbu, 'utf8').replace(
          '>Artificiell intelligens för tolkning av mammografi vid screening</a>',
          '>Artificiell intelligens för tolkning av mammografi vid screening &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;</a>',
        ),
      );
    }

    const summary = await h.scan();
    expect(summary.sources.every((s) => s.status === 'ok')).toBe(true);
    ranked = await rankedCandidates((await h.app()).db, 1000);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('calls an MDD-era product established (still MTP-rådet’s) and routes a drug away from MTP-rådet, never nominating either', async () => {
    const g7 = byUdi(ranked, DEXCOM_G7);
    expect([g7.council, g7.stage]).toEqual(['MTP-rådet', 'established']);
    expect(g7.decisive.join(' ')).toMatch(/^Etablerad: /);
    const heparin = byName(ranked, 'Heparin LEO');
    expect(heparin.council).toBe('NT-rådet');
    expect(heparin.routingReason).toMatch(/^Läkemedel i en förteckning över medicintekniska produkter/);

    const mtp = await h.query<{ candidate_id: string }>(
      `select n.candidate_id from nominations n join reports r on r.id = n.report_id join scores s on s.id = r.score_id
       where s.council in ('MTP-rådet', 'båda')`,
    );
    const ids = mtp.map((n) => n.candidate_id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(g7.id);
    expect(ids).not.toContain(heparin.id);
    for (const c of ranked.filter((x) => x.council === 'utanför' || x.stage === 'established')) {
      expect(ids).not.toContain(c.id);
    }
  });

  it('keeps a title carrying <script> or an onerror attribute inert in the HTML report', async () => {
    const app = await h.app();
    // Report files are written right after the report's transaction commits; allow for that.
    const { hostile, html } = await vi.waitFor(
      async () => {
        const found = (await rankedCandidates(app.db, 1000)).filter((c) =>
          c.evidence.some((e) => e.title.includes('<script>alert(1)</script>')),
        );
        expect(found).toHaveLength(1);
        const files = reportFiles(app.reportDir, found[0]!.id, found[0]!.latestReportVersion!);
        return { hostile: found[0]!, html: readFileSync(files.html, 'utf8') };
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(hostile.latestReportVersion).not.toBeNull();
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    const $ = load(html);
    expect($('script, img').length).toBe(0);
    for (const el of $('*').toArray()) {
      for (const name of Object.keys((el as { attribs?: Record<string, string> }).attribs ?? {})) {
        expect(name).not.toMatch(/^on/i);
      }
    }
    expect($('ol.sources').text()).toContain('<script>alert(1)</script> <img src=x onerror=alert(2)>');
  });
});
