import type { Db } from './db.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import type { ScoreResult } from '../domain/score.js';

export interface RankedCandidate {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  /** Priority 0..100. */
  score: number | null;
  band: string | null;
  /** Too little evidence to judge: shown as "underlag saknas" instead of the band. */
  insufficientEvidence: boolean;
  stage: ScoreResult['stage'] | null;
  processStatus: ScoreResult['processStatus'] | null;
  /** The reasons that decide the rank (Swedish). */
  decisive: string[];
  council: string | null;
  routingReason: string | null;
  /** The evidence the routing rests on (e.g. the council list entry that puts it out of scope). */
  routingEvidence: NonNullable<ScoreResult['routingEvidence']>;
  criteriaVersion: string | null;
  explanation: ScoreResult['criteria'];
  /** Programme areas (NPO) the score found, each with what matched in which evidence item. */
  programmeAreas: ProgrammeAreaMatch[];
  evidence: Array<{
    sourceId: string;
    itemId: string;
    title: string;
    url: string;
    date: string | null;
    reason: string;
  }>;
  latestReportVersion: number | null;
}

/**
 * The three lists the beredning reads: what is new and coming (in the councils' remit, not handled
 * yet, not established), what the councils handle or handled (with reasons to reconsider), and the rest
 * (established, withdrawn, outside the remit, TLV's prescription drugs).
 */
export type RankedSection = 'new' | 'handled' | 'other';

export const RANKED_SECTIONS: readonly RankedSection[] = ['new', 'handled', 'other'];

export const RANKED_SECTION_LABELS: Record<RankedSection, string> = {
  new: 'Nya och kommande',
  handled: 'Hanteras redan av råden (eller omprövas)',
  other: 'Etablerade, utanför rådens uppdrag eller till TLV',
};

/** The SQL condition on a current score `s` for a section (no parameters: fixed text). */
export function sectionCondition(section: RankedSection, alias = 's'): string {
  const handled = `${alias}.process_status in ('hanteras-av-mtp-radet', 'hanteras-av-nt-radet', 'omprovning')`;
  const fresh = `${alias}.council in ('MTP-rådet', 'NT-rådet', 'båda') and coalesce(${alias}.stage, 'unknown') not in ('established', 'withdrawn')`;
  switch (section) {
    case 'new':
      return `(not ${handled} or ${alias}.process_status is null) and ${fresh}`;
    case 'handled':
      return handled;
    case 'other':
      return `(${alias}.process_status is null or not ${handled}) and not (${fresh})`;
  }
}

/**
 * Candidates ranked by priority (highest first), with the explanation and evidence behind each;
 * only those of `section` when given.
 */
export async function rankedCandidates(
  db: Db,
  limit: number,
  section?: RankedSection,
): Promise<RankedCandidate[]> {
  const rows = await db.query<{
    id: string;
    name: string;
    manufacturer: string | null;
    kind: string;
    identifiers: Array<{ scheme: string; value: string }>;
    result: ScoreResult | null;
    report_version: number | null;
    evidence: RankedCandidate['evidence'] | null;
  }>(
    `select c.id, c.name, c.manufacturer, c.kind, c.identifiers, s.result,
            (select max(version) from reports r where r.candidate_id = c.id) as report_version,
            (select json_agg(json_build_object('sourceId', i.source_id, 'itemId', i.id::text, 'title', i.title,
                     'url', i.url, 'date', coalesce(i.published_at, i.data->>'updatedAt'), 'reason', e.reason)
                     order by i.source_id, i.item_key)
               from evidence e join source_items i on i.id = e.item_id where e.candidate_id = c.id) as evidence
     from candidates c left join scores s on s.id = c.current_score_id
     where c.merged_into is null${section === undefined ? '' : ` and ${sectionCondition(section)}`}
     order by s.total desc nulls last, c.name, c.id
     limit $1`,
    [limit],
  );
  return rows.rows.map((row) => ({
    id: row.id,
    name: row.name,
    manufacturer: row.manufacturer,
    kind: row.kind,
    identifiers: row.identifiers,
    score: row.result?.total ?? null,
    band: row.result?.band ?? null,
    insufficientEvidence: row.result?.insufficientEvidence ?? false,
    stage: row.result?.stage ?? null,
    processStatus: row.result?.processStatus ?? null,
    decisive: row.result?.decisive ?? [],
    council: row.result?.council ?? null,
    routingReason: row.result?.routingReason ?? null,
    routingEvidence: row.result?.routingEvidence ?? [],
    criteriaVersion: row.result?.criteriaVersion ?? null,
    explanation: row.result?.criteria ?? [],
    programmeAreas: row.result?.programmeAreas ?? [],
    evidence: row.evidence ?? [],
    latestReportVersion: row.report_version,
  }));
}

export interface NominationRow {
  id: string;
  candidate_id: string;
  candidate_name: string;
  origin: string;
  nominated_by: string | null;
  report_version: number | null;
  band: string | null;
  queue_job_id: string;
  enqueued_at: Date | null;
  created_at: Date;
}

export async function listNominations(db: Db): Promise<NominationRow[]> {
  return (
    await db.query<NominationRow>(
      `select n.id, n.candidate_id, c.name as candidate_name, n.origin, n.nominated_by, r.version as report_version,
              r.band, n.queue_job_id, n.enqueued_at, n.created_at
       from nominations n join candidates c on c.id = n.candidate_id left join reports r on r.id = n.report_id
       order by n.id`,
    )
  ).rows;
}

export interface SourceHealthRow {
  id: string;
  adapter: string;
  enabled: boolean;
  health: string;
  consecutive_failures: number;
  last_error_kind: string | null;
  last_error_message: string | null;
  last_error_at: Date | null;
  last_success_at: Date | null;
  last_outcome: string | null;
  items: number;
}

export async function sourceHealth(db: Db): Promise<SourceHealthRow[]> {
  return (
    await db.query<SourceHealthRow>(
      `select s.id, s.adapter, s.enabled, s.health, s.consecutive_failures, s.last_error_kind, s.last_error_message,
              s.last_error_at, s.last_success_at, s.last_outcome,
              (select count(*)::int from source_items i where i.source_id = s.id) as items
       from sources s order by s.id`,
    )
  ).rows;
}
