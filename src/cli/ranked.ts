import { STAGE_LABELS } from '../domain/lifecycle.js';
import { PROCESS_STATUS_LABELS } from '../domain/routing.js';
import type { Db } from '../store/db.js';
import { RANKED_SECTIONS, RANKED_SECTION_LABELS, rankedCandidates } from '../store/queries.js';
import type { RankedCandidate } from '../store/queries.js';
import { table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { label } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';

/** The band as shown: "underlag saknas" when the evidence is too thin to judge. */
export function bandText(candidate: Pick<RankedCandidate, 'band' | 'insufficientEvidence'>): string {
  return candidate.insufficientEvidence ? 'underlag saknas' : (candidate.band ?? '–');
}

/** A ranked list as a table, best first: priority, band, stage, process status, council, name. */
export function formatRanked(
  candidates: readonly RankedCandidate[],
  sourceLabels: SourceLabels,
  options: { ids?: boolean } = {},
): string {
  return table(
    [
      '#',
      'prioritet',
      'nivå',
      'livscykel',
      'status',
      'råd',
      'kandidat',
      'tillverkare',
      'källor',
      ...(options.ids ? ['id'] : []),
    ],
    candidates.map((c, index) => [
      String(index + 1),
      c.score === null ? '–' : String(c.score),
      bandText(c),
      c.stage === null ? '–' : STAGE_LABELS[c.stage],
      c.processStatus === null ? '–' : PROCESS_STATUS_LABELS[c.processStatus],
      c.council ?? '–',
      oneLine(c.name, 40),
      oneLine(c.manufacturer ?? '–', 28),
      oneLine([...new Set(c.evidence.map((e) => label(sourceLabels, e.sourceId)))].join(', '), 70),
      ...(options.ids ? [c.id] : []),
    ]),
  );
}

/** The three sections of the ranked list, each with its heading, at most `limit` per section. */
export async function formatRankedSections(
  db: Db,
  limit: number,
  sourceLabels: SourceLabels,
  options: { ids?: boolean } = {},
): Promise<string> {
  const parts: string[] = [];
  for (const section of RANKED_SECTIONS) {
    const candidates = await rankedCandidates(db, limit, section); // eslint-disable-line no-await-in-loop
    parts.push(
      `${RANKED_SECTION_LABELS[section]} (${candidates.length}${candidates.length === limit ? '+' : ''})`,
      candidates.length === 0 ? '  (inga)' : formatRanked(candidates, sourceLabels, options),
      '',
    );
  }
  return parts.join('\n');
}
