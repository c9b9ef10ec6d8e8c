import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { NominationPayload } from '../../src/domain/nomination.js';
import { rankedCandidates } from '../../src/store/queries.js';
import { reportFiles } from '../../src/workers/report.js';

// Real Redis and PostgreSQL; nothing mocked. One schema and queue prefix for this file.
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

async function counts() {
  const [row] = await h.query<{
    items: number;
    candidates: number;
    nominations: number;
    reports: number;
    evidence: number;
  }>(
    `select (select count(*)::int from source_items) as items, (select count(*)::int from candidates) as candidates,
            (select count(*)::int from nominations) as nominations, (select count(*)::int from reports) as reports,
            (select count(*)::int from evidence) as evidence`,
  );
  return row!;
}

// UDI-DIs of the recorded EUDAMED devices (demo/fixtures/eudamed-devices).
const LIBRE_3 = '05021791005734';
const LIBRE_2 = '05021791004805';

function candidateWithUdi(list: Awaited<ReturnType<typeof rankedCandidates>>, udiDi: string) {
  const found = list.filter((c) => c.identifiers.some((i) => i.scheme === 'udi-di' && i.value === udiDi));
  expect(found, `exactly one candidate with UDI-DI ${udiDi}`).toHaveLength(1);
  return found[0]!;
}

describe('the pipeline trunk on recorded sources', () => {
  it('scans every source into ranked, explained candidates with reports on the nomination queue', async () => {
    const summary = await h.scan();
    expect(summary.status).toBe('completed');
    expect(summary.sources.map((s) => [s.source_id, s.status])).toEqual(
      summary.sources.map((s) => [s.source_id, 'ok']),
    );
    expect(summary.sources.find((s) => s.source_id === 'eudamed-devices')?.pages).toBe(3);

    const app = await h.app();
    const ranked = await rankedCandidates(app.db, 500);
    const libre3 = candidateWithUdi(ranked, LIBRE_3);
    // The registration, the regional HTA report listed by SBU and TLV's assessment: one candidate.
    expect([...new Set(libre3.evidence.map((e) => e.sourceId))]).toEqual(
      expect.arrayContaining(['eudamed-devices', 'sbu-publications', 'tlv']),
    );
    expect(libre3.identifiers.some((i) => i.scheme === 'udi-di')).toBe(true);
    // On the market for years (its certificate) and assessed on MTP-rådet's commission: handled,
    // established, low priority, still MTP-rådet's.
    expect([libre3.stage, libre3.processStatus, libre3.band]).toEqual([
      'established',
      'hanteras-av-mtp-radet',
      'låg',
    ]);
    expect(libre3.council).toBe('MTP-rådet');
    expect(libre3.explanation.length).toBeGreaterThanOrEqual(4);

    // A different generation of the same sensor family stays a different candidate.
    const libre2 = candidateWithUdi(ranked, LIBRE_2);
    expect(libre2.id).not.toBe(libre3.id);
    // Its registration and Abbott's quality-management certificate, which covers both sensors.
    expect([...new Set(libre2.evidence.map((e) => e.sourceId))].sort()).toEqual([
      'eudamed-certificates',
      'eudamed-devices',
    ]);

    // The councils' own lists only mark products already handled; they create no candidate.
    expect(ranked.filter((c) => c.evidence.every((e) => e.sourceId === 'council-lists'))).toEqual([]);

    // Ranked: priorities never increase down the list; what leads is new or coming, not what is
    // best documented.
    const scores = ranked.map((c) => c.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(ranked.slice(0, 5).map((c) => c.id)).not.toContain(libre3.id);
    const fresh = await rankedCandidates(app.db, 5, 'new');
    expect(fresh.every((c) => c.stage === 'pre-market' || c.stage === 'market-entry')).toBe(true);

    // Every candidate at or above the threshold has a report and exactly one queued nomination.
    const nominated = await h.query<{ candidate_id: string; n: number }>(
      `select candidate_id, count(*)::int as n from nominations group by candidate_id`,
    );
    const due = ranked.filter((c) => c.latestReportVersion !== null);
    expect(due.length).toBeGreaterThan(0);
    expect(nominated.map((r) => r.candidate_id).sort()).toEqual(due.map((c) => c.id).sort());
    expect(nominated.every((r) => r.n === 1)).toBe(true);
    const jobs = await app.pipeline.nominations.getJobs(['waiting', 'active', 'completed']);
    expect(jobs).toHaveLength(due.length);
    for (const job of jobs) {
      const payload = NominationPayload.parse(job.data);
      expect(payload.report?.markdown).toContain('Tidig bedömningsrapport');
      expect(job.id).toBe(`nomination-${payload.candidate.id}-v${payload.report?.version}`);
    }
  });

  it('a second scan of unchanged sources adds nothing', async () => {
    const before = await counts();
    const summary = await h.scan();
    expect(summary.sources.every((s) => s.status === 'unchanged')).toBe(true);
    expect(summary.candidatesNew).toBe(0);
    expect(summary.nominations).toBe(0);
    expect(await counts()).toEqual(before);
    // The run's report step plans a job only for candidates whose report would change: none here,
    // however many candidates are nominated already.
    const reportJobs = await h.query<{ job_id: string }>(
      `select job_id from run_jobs where run_id = $1 and queue = 'report'`,
      [summary.runId],
    );
    expect(reportJobs.map((row) => row.job_id)).toEqual([`report-run-${summary.runId}`]);
  });

  it('a report stored without its files gets them at the next run (its job had failed for good)', async () => {
    const [report] = await h.query<{ candidate_id: string; version: number; markdown: string }>(
      `update reports set files_written_at = null
       where id = (select min(id) from reports) returning candidate_id, version, markdown`,
    );
    const files = reportFiles(h.env.HORISONT_REPORT_DIR, report!.candidate_id, report!.version);
    for (const file of [files.md, files.json, files.html]) rmSync(file);
    const before = await counts();

    const summary = await h.scan();
    const reportJobs = await h.query<{ job_id: string }>(
      `select job_id from run_jobs where run_id = $1 and queue = 'report' order by job_id`,
      [summary.runId],
    );
    expect(reportJobs.map((row) => row.job_id)).toEqual([
      `report-${summary.runId}-${report!.candidate_id}`,
      `report-run-${summary.runId}`,
    ]);
    // The same version's files, no new version or nomination.
    expect(readFileSync(files.md, 'utf8')).toBe(report!.markdown);
    expect([files.json, files.html].every((file) => existsSync(file))).toBe(true);
    expect(await counts()).toEqual(before);
    expect(
      await h.query('select id from reports where files_written_at is null'),
      'every stored version is marked written',
    ).toEqual([]);
  });

  it('one added item flows alone and yields at most one new nomination', async () => {
    const before = await counts();
    const file = path.join(h.fixturesDir, 'sbu-publications', 'regional-hta.html');
    const html = readFileSync(file, 'utf8');
    const added = `<li class="search-result-list__item">
              <article class="search-hit">
                <div class="search-hit__header">
                  <span class="search-hit__type">Regional HTA</span>
                  <span class="search-hit__date">Publicerad: 20 november 2026</span>
                </div>
                <h3 class="search-hit__heading">
                  <a class="search-hit__link" href="/sv/publikationer/regional-hta/freestyle-libre-3-vid-graviditetsdiabetes/">FreeStyle Libre 3 vid graviditetsdiabetes</a>
                </h3>
                <p class="search-hit__organisation">Region Östergötland</p>
                <p class="search-hit__excerpt">Kontinuerlig glukosmätning under graviditet hos kvinnor med graviditetsdiabetes.</p>
              </article>
            </li>
            `;
    const marker = '<li class="search-result-list__item">';
    writeFileSync(file, html.replace(marker, added + marker));

    const summary = await h.scan();
    const sbu = summary.sources.find((s) => s.source_id === 'sbu-publications')!;
    expect(sbu.status).toBe('ok');
    expect(sbu.items_new).toBe(1);
    expect(sbu.items_changed).toBe(0);
    expect(
      summary.sources
        .filter((s) => s.source_id !== 'sbu-publications')
        .every((s) => s.status === 'unchanged'),
    ).toBe(true);
    const after = await counts();
    expect(after.items).toBe(before.items + 1);
    expect(after.candidates).toBe(before.candidates);
    expect(after.nominations - before.nominations).toBeLessThanOrEqual(1);
    expect(after.nominations - before.nominations).toBe(summary.nominations);
    const reportJobs = await h.query<{ n: number }>(
      `select count(*)::int as n from run_jobs where run_id = $1 and queue = 'report' and data->>'type' = 'candidate'`,
      [summary.runId],
    );
    expect(reportJobs[0]!.n).toBeLessThanOrEqual(1);

    const app = await h.app();
    const libre3 = candidateWithUdi(await rankedCandidates(app.db, 500), LIBRE_3);
    expect(libre3.evidence.some((e) => e.title === 'FreeStyle Libre 3 vid graviditetsdiabetes')).toBe(true);
  });

  it('a malformed document fails only its source, with a classified reason, and deletes nothing', async () => {
    const before = await counts();
    const tlvItems = await h.query<{ n: number }>(
      `select count(*)::int as n from source_items where source_id = 'tlv'`,
    );
    // The tlv source's own list (the fixture folder also holds the tlv-beslut source's pages).
    const file = path.join(h.fixturesDir, 'tlv', 'halsoekonomiska-bedomningar.html');
    writeFileSync(
      file,
      '<html><body><h1>Sidan har flyttat</h1><p>Vi har gjort om vår webbplats.</p></body></html>',
    );

    const summary = await h.scan();
    const tlv = summary.sources.find((s) => s.source_id === 'tlv')!;
    expect(tlv.status).toBe('broken');
    expect(tlv.error_kind).toBe('layout-changed');
    expect(tlv.error_message).toMatch(/tlv/);
    expect(summary.sources.filter((s) => s.source_id !== 'tlv').every((s) => s.status === 'unchanged')).toBe(
      true,
    );

    const [health] = await h.query<{ health: string; last_error_kind: string }>(
      `select health, last_error_kind from sources where id = 'tlv'`,
    );
    expect(health).toEqual({ health: 'broken', last_error_kind: 'layout-changed' });
    expect(await counts()).toEqual(before);
    expect(await h.query(`select count(*)::int as n from source_items where source_id = 'tlv'`)).toEqual(
      tlvItems,
    );
  });
});
