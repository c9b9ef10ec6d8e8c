import type { ScoreResult } from '../domain/score.js';
import { sectionCondition } from './queries.js';
import type { RankedSection } from './queries.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import type { Db } from './db.js';
import type { DecisionState } from './decisions.js';
import { INITIAL_STATE } from './decisions.js';
import type { HistoryKind } from '../domain/history.js';
import { HISTORY_LABELS } from '../domain/history.js';
import { candidateSearch } from './search.js';

/**
 * Read models of the workbench: the filtered, ranked candidate list, one candidate with all it
 * rests on, and source/run health. Ingestion tables are only read here.
 */

/** `relevance` ranks a search's matches by how well they match (the order without a search is by score). */
export const SORTS = ['score', 'name', 'first-seen', 'updated', 'relevance'] as const;
export type Sort = (typeof SORTS)[number];

export const STATUS_FILTERS = ['open', 'nominated', 'dismissed', 'watched'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface CandidateFilter {
  /** Which of the three lists (new and coming, handled by the councils, the rest); all when absent. */
  scope?: RankedSection | undefined;
  q?: string | undefined;
  npo?: string | undefined;
  council?: string | undefined;
  band?: string | undefined;
  status?: StatusFilter | undefined;
  source?: string | undefined;
  /** First seen on or after this Stockholm calendar date (YYYY-MM-DD). */
  from?: string | undefined;
  /** First seen on or before this date. */
  to?: string | undefined;
  sort: Sort;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

export interface CandidateListItem {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  score: number | null;
  band: string | null;
  insufficientEvidence: boolean;
  stage: string | null;
  processStatus: string | null;
  council: string | null;
  npo: string[];
  status: DecisionState['status'];
  watched: boolean;
  version: number;
  sources: string[];
  evidenceCount: number;
  latestReportVersion: number | null;
  firstSeenAt: string;
  updatedAt: string;
}

export interface CandidateList {
  items: CandidateListItem[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  counts: {
    byBand: Record<string, number>;
    byStatus: Record<string, number>;
    watched: number;
  };
}

/**
 * The status people see: a reviewer's decision, or "nominated" when the candidate is on the
 * nomination queue without one (the scan's own nomination at the threshold, or a region's or an
 * NPO's) — nominations newer than the last decision count, so a reopening is not overruled.
 */
const STATUS_EXPR = `case
  when cs.status is not null and cs.status <> 'open' then cs.status
  when exists (select 1 from nominations n where n.candidate_id = c.id
                 and (cs.updated_at is null or n.created_at > cs.updated_at)) then 'nominated'
  else 'open' end`;

/**
 * Suggested programme areas (NPO) of a candidate: those its current score found
 * (`scores.result.programmeAreas[].name`, see `matchProgrammeAreas`), best supported first.
 * A candidate not yet scored with programme areas has none.
 */
const NPO_EXPR = `coalesce((
  select jsonb_agg(a->>'name' order by ord)
  from scores ns,
       jsonb_array_elements(case when jsonb_typeof(ns.result->'programmeAreas') = 'array'
                                 then ns.result->'programmeAreas' else '[]'::jsonb end) with ordinality as t(a, ord)
  where ns.id = c.current_score_id and a->>'name' is not null), '[]'::jsonb)`;

function buildWhere(filter: CandidateFilter): { sql: string; params: unknown[]; rank?: string } {
  // A merged candidate lives on in the one it was merged into.
  const where: string[] = ['c.merged_into is null'];
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  let rank: string | undefined;
  if (filter.q) {
    const search = candidateSearch(filter.q, p);
    where.push(search.where);
    rank = search.rank;
  }
  if (filter.scope) where.push(sectionCondition(filter.scope));
  if (filter.band) where.push(`s.band = ${p(filter.band)}`);
  if (filter.council) where.push(`s.council = ${p(filter.council)}`);
  if (filter.npo) where.push(`${NPO_EXPR} ? ${p(filter.npo)}`);
  if (filter.status === 'watched') where.push('coalesce(cs.watched, false)');
  else if (filter.status) where.push(`${STATUS_EXPR} = ${p(filter.status)}`);
  if (filter.source) {
    where.push(`exists (select 1 from evidence e join source_items i on i.id = e.item_id
                        where e.candidate_id = c.id and i.source_id = ${p(filter.source)})`);
  }
  if (filter.from) {
    where.push(`c.created_at >= (${p(filter.from)}::date::timestamp at time zone 'Europe/Stockholm')`);
  }
  if (filter.to) {
    where.push(`c.created_at < ((${p(filter.to)}::date + 1)::timestamp at time zone 'Europe/Stockholm')`);
  }
  return { sql: where.length ? `where ${where.join(' and ')}` : '', params, rank };
}

const ORDER_BY: Record<Exclude<Sort, 'relevance'>, string> = {
  score: 's.total',
  // Swedish alphabetical order: å, ä, ö after z.
  name: 'lower(c.name) collate "sv-SE-x-icu"',
  'first-seen': 'c.created_at',
  updated: 'c.updated_at',
};

export async function listCandidates(db: Db, filter: CandidateFilter): Promise<CandidateList> {
  const { sql: whereSql, params, rank } = buildWhere(filter);
  const from = `from candidates c left join scores s on s.id = c.current_score_id
                left join candidate_state cs on cs.candidate_id = c.id ${whereSql}`;
  const counts = (
    await db.query<{
      total: number;
      by_band: Record<string, number> | null;
      by_status: Record<string, number> | null;
      watched: number;
    }>(
      `with f as (select s.band, ${STATUS_EXPR} as status, coalesce(cs.watched, false) as watched ${from})
       select (select count(*)::int from f) as total,
              (select jsonb_object_agg(coalesce(band, 'ingen'), n) from (select band, count(*)::int n from f group by band) b) as by_band,
              (select jsonb_object_agg(status, n) from (select status, count(*)::int n from f group by status) t) as by_status,
              (select count(*)::int from f where watched) as watched`,
      params,
    )
  ).rows[0]!;
  const direction = filter.order === 'asc' ? 'asc' : 'desc';
  // Without a search there is nothing to be relevant to: the list's own order, by score.
  const key = filter.sort === 'relevance' ? (rank ?? ORDER_BY.score) : ORDER_BY[filter.sort];
  const orderBy = `${key} ${direction} nulls last${filter.sort === 'relevance' ? `, ${ORDER_BY.score} desc nulls last` : ''}, lower(c.name), c.id`;
  const limit = params.length + 1;
  const rows = await db.query<{
    id: string;
    name: string;
    manufacturer: string | null;
    kind: string;
    total: number | null;
    band: string | null;
    insufficient: boolean | null;
    stage: string | null;
    process_status: string | null;
    council: string | null;
    npo: string[];
    status: DecisionState['status'] | null;
    watched: boolean | null;
    version: number | null;
    sources: string[] | null;
    evidence_count: number;
    report_version: number | null;
    created_at: Date;
    updated_at: Date;
  }>(
    `select c.id, c.name, c.manufacturer, c.kind, s.total, s.band, s.council, ${NPO_EXPR} as npo,
            (s.result->>'insufficientEvidence')::boolean as insufficient, s.stage, s.process_status,
            ${STATUS_EXPR} as status, cs.watched, cs.version,
            (select array_agg(distinct i.source_id order by i.source_id) from evidence e
               join source_items i on i.id = e.item_id where e.candidate_id = c.id) as sources,
            (select count(*)::int from evidence e where e.candidate_id = c.id) as evidence_count,
            (select max(version) from reports r where r.candidate_id = c.id) as report_version,
            c.created_at, c.updated_at
     ${from}
     order by ${orderBy}
     limit $${limit} offset $${limit + 1}`,
    [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
  );
  return {
    items: rows.rows.map((r) => ({
      id: r.id,
      name: r.name,
      manufacturer: r.manufacturer,
      kind: r.kind,
      score: r.total,
      band: r.band,
      insufficientEvidence: r.insufficient ?? false,
      stage: r.stage,
      processStatus: r.process_status,
      council: r.council,
      npo: r.npo,
      status: r.status ?? 'open',
      watched: r.watched ?? false,
      version: r.version ?? 0,
      sources: r.sources ?? [],
      evidenceCount: r.evidence_count,
      latestReportVersion: r.report_version,
      firstSeenAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    })),
    total: counts.total,
    page: filter.page,
    pageSize: filter.pageSize,
    pages: Math.max(1, Math.ceil(counts.total / filter.pageSize)),
    counts: { byBand: counts.by_band ?? {}, byStatus: counts.by_status ?? {}, watched: counts.watched },
  };
}

/** Values present in the data, for the filter menus. */
export async function filterOptions(
  db: Db,
): Promise<{ sources: string[]; councils: string[]; npo: string[] }> {
  const row = (
    await db.query<{ sources: string[] | null; councils: string[] | null; npo: string[] | null }>(
      `select (select array_agg(id order by id) from sources) as sources,
              (select array_agg(distinct council order by council) from scores) as councils,
              (select array_agg(distinct v order by v) from candidates c left join scores s on s.id = c.current_score_id,
                 jsonb_array_elements_text(${NPO_EXPR}) as v) as npo`,
    )
  ).rows[0]!;
  return { sources: row.sources ?? [], councils: row.councils ?? [], npo: row.npo ?? [] };
}

// --- one candidate ----------------------------------------------------------------------------

export interface TimelineEntry {
  itemId: string;
  sourceId: string;
  kind: string;
  title: string;
  url: string;
  /** The source's own date (published, else updated), when it states one. */
  date: string | null;
  firstSeenAt: string;
  reason: string;
  publicationType: string | null;
  region: string | null;
  summary: string | null;
}

export interface RegulatoryFact {
  itemId: string;
  sourceId: string;
  url: string;
  tradeName: string;
  manufacturer: string | null;
  manufacturerSrn: string | null;
  udiDi: string | null;
  basicUdiDi: string | null;
  riskClass: string | null;
  legislation: string | null;
  marketStatus: string | null;
  implantable: boolean | null;
  emdnCodes: string[];
}

export interface PossibleDuplicate {
  id: string;
  name: string;
  manufacturer: string | null;
  reason: string;
}

export interface CandidateDetail {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  firstSeenAt: string;
  updatedAt: string;
  score: ScoreDetail | null;
  npo: string[];
  /** The same areas with what matched in which evidence item. */
  programmeAreas: ProgrammeAreaMatch[];
  /** The reviewers' decision state (its version guards concurrent decisions). */
  state: DecisionState;
  /** What people see: the decision, or `nominated` when on the queue without one (as in the list). */
  status: DecisionState['status'];
  regulatory: RegulatoryFact[];
  timeline: TimelineEntry[];
  duplicates: PossibleDuplicate[];
  /** What happened to the product, newest first (src/domain/history.ts). */
  history: HistoryEntry[];
  /** Set when this candidate was merged into another: that one is the product's page now. */
  mergedInto: string | null;
  /** Candidates merged into this one. */
  mergedFrom: Array<{ id: string; name: string }>;
  report: { id: string; version: number; band: string; createdAt: string } | null;
  nominations: Array<{
    id: string;
    origin: string;
    nominatedBy: string | null;
    reason: string | null;
    reportVersion: number | null;
    enqueuedAt: string | null;
    createdAt: string;
  }>;
}

export interface HistoryEntry {
  kind: HistoryKind;
  label: string;
  occurredOn: string | null;
  recordedAt: string;
  sourceId: string | null;
  itemId: string | null;
  details: Record<string, unknown>;
}

export interface ScoreDetail {
  id: string;
  computedAt: string;
  criteriaVersion: string;
  total: number;
  band: string;
  insufficientEvidence: boolean;
  stage: string | null;
  /** When the product can be expected in Swedish care (Swedish). */
  expected: string | null;
  processStatus: string | null;
  statusReason: string | null;
  /** The reasons that decide the rank (Swedish), most decisive first. */
  decisive: string[];
  council: string;
  routingReason: string;
  nominate: boolean;
  criteria: Array<{
    criterionId: string;
    label: string;
    weight: number;
    points: number;
    maxPoints: number;
    signals: Array<{
      signalId: string;
      label: string;
      explanation: string;
      points: number;
      evidence: Array<{ itemId: string; sourceId: string; url: string; snippet: string }>;
    }>;
  }>;
}

interface ItemData {
  publishedAt?: string;
  updatedAt?: string;
  summary?: string;
  region?: string;
  publicationType?: string;
  product?: {
    tradeName: string;
    manufacturer?: string;
    manufacturerSrn?: string;
    udiDi?: string;
    basicUdiDi?: string;
    riskClass?: string;
    legislation?: string;
    emdnCodes?: string[];
    marketStatus?: string;
    implantable?: boolean;
  };
}

export async function candidateDetail(db: Db, id: string): Promise<CandidateDetail | undefined> {
  const candidate = (
    await db.query<{
      id: string;
      name: string;
      manufacturer: string | null;
      kind: string;
      identifiers: Array<{ scheme: string; value: string }>;
      created_at: Date;
      updated_at: Date;
      merged_into: string | null;
      score_id: string | null;
      computed_at: Date | null;
      result: ScoreResult | null;
      npo: string[];
      programme_areas: ProgrammeAreaMatch[] | null;
      status: DecisionState['status'] | null;
      watched: boolean | null;
      version: number | null;
      reason_code: string | null;
      last_decision_id: string | null;
      state_updated_at: Date | null;
    }>(
      `select c.id, c.name, c.manufacturer, c.kind, c.identifiers, c.created_at, c.updated_at, c.merged_into,
              s.id as score_id, s.computed_at, s.result, ${NPO_EXPR} as npo,
              s.result->'programmeAreas' as programme_areas,
              cs.status, cs.watched, cs.version, cs.reason_code, cs.last_decision_id, cs.updated_at as state_updated_at
       from candidates c left join scores s on s.id = c.current_score_id
       left join candidate_state cs on cs.candidate_id = c.id
       where c.id = $1`,
      [id],
    )
  ).rows[0];
  if (!candidate) return undefined;

  const [items, duplicates, report, nominations, history, mergedFrom] = await Promise.all([
    db.query<{
      id: string;
      source_id: string;
      kind: string;
      title: string;
      url: string;
      published_at: string | null;
      first_seen_at: Date;
      reason: string;
      data: ItemData;
    }>(
      `select i.id, i.source_id, i.kind, i.title, i.url, i.published_at, i.first_seen_at, e.reason, i.data
       from evidence e join source_items i on i.id = e.item_id where e.candidate_id = $1`,
      [id],
    ),
    possibleDuplicates(db, id),
    db.query<{ id: string; version: number; band: string; created_at: Date }>(
      'select id, version, band, created_at from reports where candidate_id = $1 order by version desc limit 1',
      [id],
    ),
    db.query<{
      id: string;
      origin: string;
      nominated_by: string | null;
      reason: string | null;
      report_version: number | null;
      enqueued_at: Date | null;
      created_at: Date;
    }>(
      `select n.id, n.origin, n.nominated_by, n.reason, r.version as report_version, n.enqueued_at, n.created_at
       from nominations n left join reports r on r.id = n.report_id where n.candidate_id = $1 order by n.id`,
      [id],
    ),
    db.query<{
      kind: HistoryKind;
      occurred_on: string | null;
      created_at: Date;
      source_id: string | null;
      item_id: string | null;
      details: Record<string, unknown>;
    }>(
      `select kind, occurred_on, created_at, source_id, item_id::text, details from candidate_history
       where candidate_id = $1 order by coalesce(occurred_on, created_at::date::text) desc, id desc`,
      [id],
    ),
    db.query<{ id: string; name: string }>(
      'select id, name from candidates where merged_into = $1 order by name, id',
      [id],
    ),
  ]);

  const timeline: TimelineEntry[] = items.rows
    .map((row) => ({
      itemId: row.id,
      sourceId: row.source_id,
      kind: row.kind,
      title: row.title,
      url: row.url,
      date: row.published_at ?? row.data.updatedAt ?? null,
      firstSeenAt: row.first_seen_at.toISOString(),
      reason: row.reason,
      publicationType: row.data.publicationType ?? null,
      region: row.data.region ?? null,
      summary: row.data.summary ?? null,
    }))
    // Newest first; undated items by when we first saw them.
    .sort(
      (a, b) =>
        (b.date ?? b.firstSeenAt).localeCompare(a.date ?? a.firstSeenAt) ||
        Number(b.itemId) - Number(a.itemId),
    );

  const regulatory: RegulatoryFact[] = items.rows
    .filter((row) => row.data.product !== undefined)
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => {
      const product = row.data.product!;
      return {
        itemId: row.id,
        sourceId: row.source_id,
        url: row.url,
        tradeName: product.tradeName,
        manufacturer: product.manufacturer ?? null,
        manufacturerSrn: product.manufacturerSrn ?? null,
        udiDi: product.udiDi ?? null,
        basicUdiDi: product.basicUdiDi ?? null,
        riskClass: product.riskClass ?? null,
        legislation: product.legislation ?? null,
        marketStatus: product.marketStatus ?? null,
        implantable: product.implantable ?? null,
        emdnCodes: product.emdnCodes ?? [],
      };
    });

  const state: DecisionState = candidate.status
    ? {
        status: candidate.status,
        watched: candidate.watched ?? false,
        version: candidate.version ?? 0,
        reasonCode: candidate.reason_code,
        lastDecisionId: candidate.last_decision_id,
        updatedAt: candidate.state_updated_at?.toISOString() ?? null,
      }
    : INITIAL_STATE;

  const latest = report.rows[0];
  return {
    id: candidate.id,
    name: candidate.name,
    manufacturer: candidate.manufacturer,
    kind: candidate.kind,
    identifiers: candidate.identifiers,
    firstSeenAt: candidate.created_at.toISOString(),
    updatedAt: candidate.updated_at.toISOString(),
    score:
      candidate.result && candidate.score_id && candidate.computed_at
        ? {
            id: candidate.score_id,
            computedAt: candidate.computed_at.toISOString(),
            criteriaVersion: candidate.result.criteriaVersion,
            total: candidate.result.total,
            band: candidate.result.band,
            insufficientEvidence: candidate.result.insufficientEvidence ?? false,
            stage: candidate.result.stage ?? null,
            expected: candidate.result.lifecycle?.expected ?? null,
            processStatus: candidate.result.processStatus ?? null,
            statusReason: candidate.result.statusReason ?? null,
            decisive: candidate.result.decisive ?? [],
            council: candidate.result.council,
            routingReason: candidate.result.routingReason,
            nominate: candidate.result.nominate,
            criteria: candidate.result.criteria ?? [],
          }
        : null,
    npo: candidate.npo,
    programmeAreas: candidate.programme_areas ?? [],
    state,
    status:
      state.status !== 'open'
        ? state.status
        : nominations.rows.some(
              (n) => state.updatedAt === null || n.created_at.toISOString() > state.updatedAt,
            )
          ? 'nominated'
          : 'open',
    regulatory,
    timeline,
    duplicates,
    history: history.rows.map((row) => ({
      kind: row.kind,
      label: HISTORY_LABELS[row.kind],
      occurredOn: row.occurred_on,
      recordedAt: row.created_at.toISOString(),
      sourceId: row.source_id,
      itemId: row.item_id,
      details: row.details,
    })),
    mergedInto: candidate.merged_into,
    mergedFrom: mergedFrom.rows,
    report: latest
      ? {
          id: latest.id,
          version: latest.version,
          band: latest.band,
          createdAt: latest.created_at.toISOString(),
        }
      : null,
    nominations: nominations.rows.map((n) => ({
      id: n.id,
      origin: n.origin,
      nominatedBy: n.nominated_by,
      reason: n.reason,
      reportVersion: n.report_version,
      enqueuedAt: n.enqueued_at?.toISOString() ?? null,
      createdAt: n.created_at.toISOString(),
    })),
  };
}

/**
 * Other candidates that may be the same product: they share a source item or an identifier, or
 * they have the same manufacturer and the same first word in their name. A reviewer decides;
 * nothing is merged here.
 */
export async function possibleDuplicates(db: Db, id: string): Promise<PossibleDuplicate[]> {
  return (
    await db.query<PossibleDuplicate>(
      `with me as (select id, name, manufacturer, identifiers from candidates where id = $1),
       flagged as (
         select case when p.candidate_a = $1 then p.candidate_b else p.candidate_a end as id,
                'Liknande namn (' || p.reason || ', likhet ' || to_char(p.score, 'FM0.00') || ')' as reason
         from possible_duplicates p where p.candidate_a = $1 or p.candidate_b = $1),
       shared_item as (
         select distinct e2.candidate_id as id, 'Delar källpost med denna kandidat' as reason
         from evidence e1 join evidence e2 on e2.item_id = e1.item_id and e2.candidate_id <> e1.candidate_id
         where e1.candidate_id = $1),
       shared_identifier as (
         select distinct c.id, 'Har samma identifierare (' || (mi->>'scheme') || ' ' || (mi->>'value') || ')' as reason
         from me, jsonb_array_elements(me.identifiers) mi, candidates c, jsonb_array_elements(c.identifiers) ci
         where c.id <> me.id and ci->>'scheme' = mi->>'scheme' and ci->>'value' = mi->>'value'
           and mi->>'scheme' <> 'srn'),
       similar_name as (
         select c.id, 'Samma tillverkare och liknande namn' as reason
         from me, candidates c
         where c.id <> me.id and me.manufacturer is not null
           and lower(c.manufacturer) = lower(me.manufacturer)
           and split_part(lower(c.name), ' ', 1) = split_part(lower(me.name), ' ', 1))
       select c.id, c.name, c.manufacturer, string_agg(distinct d.reason, '; ') as reason
       from (select * from flagged union all select * from shared_item union all select * from shared_identifier
             union all select * from similar_name) d
       join candidates c on c.id = d.id and c.merged_into is null
       group by c.id, c.name, c.manufacturer
       order by lower(c.name), c.id
       limit 20`,
      [id],
    )
  ).rows;
}

// --- sources and runs -------------------------------------------------------------------------

export interface RunListItem {
  id: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  sources: Array<{ sourceId: string; status: string; errorKind: string | null }>;
  candidatesNew: number;
}

export async function listRuns(db: Db, limit: number): Promise<RunListItem[]> {
  const rows = await db.query<{
    id: string;
    trigger: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    sources: Array<{ sourceId: string; status: string; errorKind: string | null }> | null;
    candidates_new: number;
  }>(
    `select r.id, r.trigger, r.status, r.started_at, r.finished_at,
            (select json_agg(json_build_object('sourceId', rs.source_id, 'status', rs.status, 'errorKind', rs.error_kind)
                             order by rs.source_id) from run_sources rs where rs.run_id = r.id) as sources,
            (select count(*)::int from candidates c where c.first_run_id = r.id) as candidates_new
     from runs r order by r.started_at desc limit $1`,
    [limit],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    sources: r.sources ?? [],
    candidatesNew: r.candidates_new,
  }));
}
