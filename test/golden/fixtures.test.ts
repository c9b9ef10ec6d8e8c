import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import type { ScoreResult } from '../../src/domain/score.js';

/**
 * Golden tests: the recorded fixtures are scanned once (real Redis and PostgreSQL) and every
 * candidate's score, band, routing and explanation, and the text of every early assessment report,
 * are compared with the snapshots committed in `snapshots/` (`.snap`, `.md` and `.txt` files are
 * left alone by Prettier, so they stay byte for byte what the code produced). A deliberate change of the criteria
 * or the report shows up as a reviewable diff: `npx vitest run test/golden -u` rewrites them.
 */

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  // A fixed day: the recordings are judged the same whatever day the test runs.
  const summary = await h.scan([], { asOf: '2026-12-07' });
  expect(summary.status).toBe('completed');
});
afterAll(async () => {
  await h?.close();
});

/** Ids and times that differ between runs (candidate ids, report times), replaced by placeholders. */
function stable(text: string, candidateIds: readonly string[] = []): string {
  return candidateIds
    .reduce((t, id) => t.split(id).join('KANDIDAT-ID'), text)
    .replace(/^- \*\*Skapad:\*\* .*$/m, '- **Skapad:** TIDPUNKT')
    .replace(/^<dt>Skapad<\/dt><dd>.*<\/dd>$/m, '<dt>Skapad</dt><dd>TIDPUNKT</dd>');
}

function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

interface Row {
  id: string;
  name: string;
  kind: string;
  manufacturer: string | null;
  identifiers: { scheme: string; value: string }[];
  result: ScoreResult;
  sources: string[];
}

async function candidates(): Promise<Row[]> {
  const rows = await h.query<Row>(
    `select c.id, c.name, c.kind, c.manufacturer, c.identifiers, s.result,
            array(select distinct i.source_id from evidence e join source_items i on i.id = e.item_id
                  where e.candidate_id = c.id order by 1) as sources
     from candidates c join scores s on s.id = c.current_score_id where c.merged_into is null`,
  );
  const key = (r: Row) =>
    `${r.name}\u0000${r.identifiers.map((i) => i.value).join(',')}\u0000${r.sources.join(',')}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

describe('golden: the recorded fixtures', () => {
  it('scores, bands, routing and explanations of every candidate', async () => {
    const golden = (await candidates()).map((r) => ({
      name: r.name,
      kind: r.kind,
      manufacturer: r.manufacturer,
      identifiers: r.identifiers.map((i) => `${i.scheme}:${i.value}`),
      sources: r.sources,
      criteriaVersion: r.result.criteriaVersion,
      total: r.result.total,
      importance: r.result.importance,
      timing: r.result.timing,
      band: r.result.band,
      insufficientEvidence: r.result.insufficientEvidence,
      stage: r.result.stage,
      lifecycle: r.result.lifecycle.facts.map((f) => `${f.date ?? 'odaterat'} ${f.kind}: ${f.text}`),
      council: r.result.council,
      drugForm: r.result.drugForm ?? null,
      processStatus: r.result.processStatus,
      nominate: r.result.nominate,
      decisive: r.result.decisive.map((reason) => stable(reason, [r.id])),
      conditions: r.result.conditions.map((c) => `${c.id} (${c.severity}, ${c.patientsInSweden})`),
      routingReason: stable(r.result.routingReason, [r.id]),
      routedOn: (r.result.routingEvidence ?? []).map((e) => `${e.sourceId} ${e.url}`),
      // Programme areas with what matched (item ids differ between runs, so the field and term).
      programmeAreas: (r.result.programmeAreas ?? []).map(
        (a) => `${a.name}: ${a.evidence.map((e) => `${e.field} ${e.term} → ${e.text}`).join(' | ')}`,
      ),
      criteria: Object.fromEntries(
        r.result.criteria.map((c) => [
          c.criterionId,
          `${c.points}/${c.maxPoints}: ${c.signals.map((s) => `${s.signalId}(${s.points > 0 ? '+' : ''}${s.points})`).join(' ')}`,
        ]),
      ),
    }));
    await expect(`${JSON.stringify(golden, null, 2)}\n`).toMatchFileSnapshot(
      './snapshots/candidates.json.snap',
    );
  });

  it('the ranked list', async () => {
    const rows = await candidates();
    const ranked = [...rows]
      .sort((a, b) => b.result.total - a.result.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(
        (r) =>
          `${String(r.result.total).padStart(3)}  ${r.result.band.padEnd(5)}  ${r.result.stage.padEnd(12)}  ${r.result.processStatus.padEnd(21)}  ${r.result.council.padEnd(9)}  ${r.name}`,
      );
    await expect(`${ranked.join('\n')}\n`).toMatchFileSnapshot('./snapshots/ranked.txt');
  });

  it('the text of every early assessment report (Markdown and HTML)', async () => {
    const reports = await h.query<{ name: string; version: number; markdown: string; candidate_id: string }>(
      `select c.name, r.version, r.markdown, r.candidate_id from reports r join candidates c on c.id = r.candidate_id
       order by c.name, r.version`,
    );
    expect(reports.length).toBeGreaterThan(0);
    const names = reports.map((r) => `${slug(r.name)}-v${r.version}`);
    expect(new Set(names).size).toBe(names.length);
    await expect(`${names.join('\n')}\n`).toMatchFileSnapshot('./snapshots/reports/index.txt');
    for (const r of reports) {
      await expect(stable(r.markdown, [r.candidate_id])).toMatchFileSnapshot(
        `./snapshots/reports/${slug(r.name)}-v${r.version}.md`,
      );
    }
    // One HTML rendering, to pin the print-friendly page itself.
    const app = await h.app();
    const { renderReportHtml } = await import('../../src/domain/report-html.js');
    const first = reports[0]!;
    const json = (
      await app.db.query<{ json: unknown }>(
        'select json from reports where candidate_id = $1 and version = $2',
        [first.candidate_id, first.version],
      )
    ).rows[0]!.json;
    await expect(
      stable(renderReportHtml(json, { sourceLabels: app.config.sourceLabels }), [first.candidate_id]),
    ).toMatchFileSnapshot(`./snapshots/reports/${slug(first.name)}-v${first.version}.html.snap`);
  });
});
