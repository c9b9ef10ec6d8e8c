import type { TriageCriteria } from '../domain/criteria.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import { compareStrings } from '../domain/candidate.js';
import type { Council } from '../domain/routing.js';
import type { Band, CriterionScore } from '../domain/score.js';
import { weightSensitivity } from '../domain/score-sensitivity.js';
import type { SensitivityResult } from '../domain/score-sensitivity.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { lockKey, withTransaction } from '../store/db.js';
import { caseStatesOfCandidates } from '../store/cases.js';
import { canonicalJson, evidenceOfCandidates, sha256 } from '../store/items.js';
import { describeCandidate } from '../domain/candidate.js';
import type { EvidenceItem } from '../domain/candidate.js';
import { caseStatusInput, judge, listsForScoring } from '../workers/score.js';
import type { Scoring } from '../workers/score.js';
import type { ProgressListener } from './scan-once.js';

/** A candidate's current score as far as ranking goes. */
interface Standing {
  id: string;
  name: string;
  total: number | null;
  band: Band | null;
  council: Council | null;
  criteriaVersion: string | null;
  criteria: CriterionScore[];
  timing: number;
}

async function standings(db: Db): Promise<Standing[]> {
  const rows = await db.query<{
    id: string;
    name: string;
    total: number | null;
    band: Band | null;
    council: Council | null;
    criteria_version: string | null;
    criteria: CriterionScore[] | null;
    timing: number | null;
  }>(
    `select c.id, c.name, s.total, s.band, s.council, s.criteria_version, (s.result->>'timing')::float8 as timing,
            (select json_agg(json_build_object('criterionId', x->>'criterionId', 'weight', (x->>'weight')::float8,
                     'points', (x->>'points')::float8, 'maxPoints', (x->>'maxPoints')::float8,
                     'known', coalesce((x->>'known')::boolean, true)) order by ord)
               from jsonb_array_elements(s.result->'criteria') with ordinality as t(x, ord)) as criteria
     from candidates c left join scores s on s.id = c.current_score_id
     where c.merged_into is null
     order by c.id`,
  );
  return rows.rows.map((r) => ({
    id: r.id,
    name: r.name,
    total: r.total,
    band: r.band,
    council: r.council,
    criteriaVersion: r.criteria_version,
    criteria: r.criteria ?? [],
    // Scores stored before the lifecycle judged timing ranked on importance alone.
    timing: r.timing ?? 1,
  }));
}

/**
 * Competition ranks (equal totals share a rank: one more than the number of higher totals) of
 * the scored candidates, from one sort.
 */
export function competitionRanks(
  list: ReadonlyArray<{ id: string; total: number | null }>,
): Map<string, number> {
  const scored = list.filter((s): s is { id: string; total: number } => s.total !== null);
  scored.sort((a, b) => b.total - a.total);
  const ranks = new Map<string, number>();
  scored.forEach((s, i) => {
    const previous = scored[i - 1];
    ranks.set(s.id, previous !== undefined && previous.total === s.total ? ranks.get(previous.id)! : i + 1);
  });
  return ranks;
}

export interface RankChange {
  id: string;
  name: string;
  before: { total: number; rank: number; band: Band | null; criteriaVersion: string | null } | null;
  after: { total: number; rank: number; band: Band; council: Council; criteriaVersion: string };
  /** Places moved up (positive) or down (negative); null for a candidate scored for the first time. */
  rankChange: number | null;
}

export interface RescoreResult {
  criteriaVersion: string;
  candidates: number;
  /** Candidates whose current score changed (a new result, or another criteria version). */
  changed: number;
  /** Every scored candidate, best first, with its rank before and after. */
  ranking: RankChange[];
  /** Where the time went (ms): judging in batches, the switch, the rank changes. */
  timings: { judge: number; switch: number; ranks: number };
}

/** Candidates judged per batch: what one staging statement and one commit carry. */
const BATCH = 1000;

/** A candidate's current row as the ranking reads it (candidate_rows, migration 0090). */
interface CurrentRow {
  id: string;
  name: string;
  total: number | null;
  band: Band | null;
  council: Council | null;
  criteria_version: string | null;
}

async function currentStandings(db: Db): Promise<CurrentRow[]> {
  return (
    await db.query<CurrentRow>(
      'select candidate_id as id, name, total, band, council, criteria_version from candidate_rows',
    )
  ).rows;
}

interface Loaded {
  id: string;
  resolved_name: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  rejudge_on: string | null;
  current_score_id: string | null;
  input_hash: string | null;
  criteria_version: string | null;
}

/** The next batch of live candidates after `after` (id order) with their evidence. */
async function loadBatch(db: Db, after: string): Promise<Array<Loaded & { evidence: EvidenceItem[] }>> {
  const rows = await db.query<Loaded>(
    `select c.id, coalesce(c.resolved_name, c.name) as resolved_name, c.name, c.manufacturer, c.kind, c.identifiers,
            to_char(c.rejudge_on, 'YYYY-MM-DD') as rejudge_on, c.current_score_id, s.input_hash, s.criteria_version
     from candidates c left join scores s on s.id = c.current_score_id
     where c.merged_into is null and c.id > $1 order by c.id limit $2`,
    [after, BATCH],
  );
  if (rows.rows.length === 0) return [];
  const evidence = await evidenceOfCandidates(
    db,
    rows.rows.map((row) => row.id),
  );
  return rows.rows.map((row) => ({ ...row, evidence: evidence.get(row.id) ?? [] }));
}

/** The unfinished run of the same judgement to continue, else a new one (older runs go). */
async function openRun(
  db: Db,
  criteriaVersion: string,
  asOf: string,
  configHash: string,
): Promise<{ id: string; after: string; judged: number }> {
  return withTransaction(db, async (tx) => {
    const open = await tx.query<{ id: string; after_candidate: string | null; judged: number }>(
      `select id, after_candidate, judged from rescore_runs
       where finished_at is null and criteria_version = $1 and as_of = $2 and config_hash = $3
       order by id desc limit 1`,
      [criteriaVersion, asOf, configHash],
    );
    const found = open.rows[0];
    await tx.query('delete from rescore_runs where id is distinct from $1', [found?.id ?? null]);
    if (found) return { id: found.id, after: found.after_candidate ?? NO_CANDIDATE, judged: found.judged };
    const created = await tx.query<{ id: string }>(
      'insert into rescore_runs (criteria_version, as_of, config_hash) values ($1, $2, $3) returning id',
      [criteriaVersion, asOf, configHash],
    );
    return { id: created.rows[0]!.id, after: NO_CANDIDATE, judged: 0 };
  });
}

const NO_CANDIDATE = '00000000-0000-0000-0000-000000000000';

/**
 * Re-scores every candidate with `scoring`, set-based and atomic. Candidates are judged in
 * batches in memory by the domain ({@link judge}, as the score stage judges one); a batch's
 * changed judgements (another result, or other derived facts) are staged with one statement and
 * committed with the run's progress, so a run that stops continues where it stopped. Then one
 * transaction stores the new scores (a result stored before is reused, an unchanged one is not
 * stored again) and switches every changed candidate to them: readers see all old scores or all
 * new. A candidate the score stage scored after it was judged keeps that newer score. The rank
 * changes come from one sort before and one after. Running it again changes nothing. `asOf` is
 * the day judged.
 */
export async function rescoreAll(
  db: Db,
  scoring: Scoring,
  asOf: string,
  log?: Logger,
  onProgress?: ProgressListener,
): Promise<RescoreResult> {
  const { criteria } = scoring;
  const before = await currentStandings(db);
  const configHash = sha256(canonicalJson(scoring));
  const run = await openRun(db, criteria.version, asOf, configHash);
  const councilLists = await withTransaction(db, (tx) => listsForScoring(tx));
  const started = performance.now();
  let judged = run.judged;
  let after = run.after;
  for (;;) {
    const batch = await loadBatch(db, after); // eslint-disable-line no-await-in-loop
    if (batch.length === 0) break;
    const ids = batch.map((c) => c.id);
    const cases = await caseStatesOfCandidates(db, ids, asOf); // eslint-disable-line no-await-in-loop
    const staged: unknown[] = [];
    for (const candidate of batch) {
      const view = describeCandidate(
        candidate.id,
        candidate.resolved_name,
        candidate.evidence,
        scoring.sourceProfiles,
      );
      const { result, inputHash } = judge(
        view,
        scoring,
        asOf,
        caseStatusInput(cases.get(candidate.id)),
        councilLists,
      );
      const facts = {
        name: view.name,
        manufacturer: view.manufacturer ?? null,
        kind: view.kind,
        identifiers: view.identifiers,
        rejudge_on: result.lifecycle.reviewOn ?? null,
      };
      const same =
        candidate.input_hash === inputHash &&
        candidate.criteria_version === result.criteriaVersion &&
        canonicalJson(facts) ===
          canonicalJson({
            name: candidate.name,
            manufacturer: candidate.manufacturer,
            kind: candidate.kind,
            identifiers: candidate.identifiers,
            rejudge_on: candidate.rejudge_on,
          });
      if (same) continue;
      staged.push({
        candidate_id: candidate.id,
        based_on: candidate.current_score_id,
        criteria_version: result.criteriaVersion,
        input_hash: inputHash,
        total: result.total,
        band: result.band,
        council: result.council,
        nominate: result.nominate,
        stage: result.stage,
        process_status: result.processStatus,
        result,
        ...facts,
      });
    }
    after = batch[batch.length - 1]!.id;
    judged += batch.length;
    // eslint-disable-next-line no-await-in-loop
    await withTransaction(db, async (tx) => {
      if (staged.length > 0) {
        await tx.query(
          `insert into rescore_results (run_id, candidate_id, based_on, criteria_version, input_hash, total, band,
             council, nominate, stage, process_status, result, name, manufacturer, kind, identifiers, rejudge_on)
           select $1, x.* from jsonb_to_recordset($2::jsonb) as x(candidate_id uuid, based_on bigint,
             criteria_version text, input_hash text, total integer, band text, council text, nominate boolean,
             stage text, process_status text, result jsonb, name text, manufacturer text, kind text,
             identifiers jsonb, rejudge_on date)
           on conflict (run_id, candidate_id) do nothing`,
          [run.id, JSON.stringify(staged)],
        );
      }
      await tx.query('update rescore_runs set after_candidate = $2, judged = $3 where id = $1', [
        run.id,
        after,
        judged,
      ]);
    });
    onProgress?.(judged, before.length);
  }
  const judgedAt = performance.now();
  const changed = await withTransaction(db, async (tx) => {
    // One rescore at a time switches; the score stage may run beside it (see `based_on`).
    await lockKey(tx, 'horisont rescore switch');
    // Staged just now: without statistics the plan below would take the staged rows for one.
    await tx.query('analyze rescore_results');
    const switched = await tx.query<{ changed: boolean }>(
      `with staged as (
         select r.* from rescore_results r join candidates c on c.id = r.candidate_id
         where r.run_id = $1 and c.merged_into is null and c.current_score_id is not distinct from r.based_on),
       stored as (
         insert into scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result, stage,
                             process_status)
         select candidate_id, criteria_version, input_hash, total, band, council, nominate, result, stage, process_status
         from staged
         on conflict (candidate_id, criteria_version, input_hash) do update set input_hash = excluded.input_hash
         returning id, candidate_id)
       update candidates c set name = s.name, manufacturer = s.manufacturer, kind = s.kind,
         identifiers = s.identifiers, current_score_id = stored.id, rejudge_on = s.rejudge_on,
         updated_at = case when (c.name, c.manufacturer, c.kind, c.identifiers)
                                is distinct from (s.name, s.manufacturer, s.kind, s.identifiers)
                           then now() else c.updated_at end
       from stored join rescore_results s on s.run_id = $1 and s.candidate_id = stored.candidate_id
       where c.id = stored.candidate_id
         and (c.name, c.manufacturer, c.kind, c.identifiers, c.current_score_id, c.rejudge_on)
             is distinct from (s.name, s.manufacturer, s.kind, s.identifiers, stored.id, s.rejudge_on)
       returning s.based_on is distinct from stored.id as changed`,
      [run.id],
    );
    await tx.query('update rescore_runs set finished_at = now() where id = $1', [run.id]);
    await tx.query('delete from rescore_results where run_id = $1', [run.id]);
    return switched.rows.filter((row) => row.changed).length;
  });
  const switchedAt = performance.now();
  const afterStandings = await currentStandings(db);
  const rankBefore = competitionRanks(before);
  const rankAfter = competitionRanks(afterStandings);
  const previous = new Map(before.map((s) => [s.id, s]));
  const ranking: RankChange[] = [];
  for (const s of afterStandings) {
    const rank = rankAfter.get(s.id);
    if (rank === undefined || s.total === null || s.band === null || s.council === null) continue;
    const old = previous.get(s.id);
    const oldRank = rankBefore.get(s.id);
    ranking.push({
      id: s.id,
      name: s.name,
      before:
        old?.total === null || old === undefined || oldRank === undefined
          ? null
          : { total: old.total, rank: oldRank, band: old.band, criteriaVersion: old.criteria_version },
      after: {
        total: s.total,
        rank,
        band: s.band,
        council: s.council,
        criteriaVersion: s.criteria_version ?? criteria.version,
      },
      rankChange: oldRank === undefined ? null : oldRank - rank,
    });
  }
  ranking.sort(
    (a, b) => a.after.rank - b.after.rank || compareStrings(a.name, b.name) || compareStrings(a.id, b.id),
  );
  const timings = {
    judge: Math.round(judgedAt - started),
    switch: Math.round(switchedAt - judgedAt),
    ranks: Math.round(performance.now() - switchedAt),
  };
  log?.info(
    {
      candidates: afterStandings.length,
      changed,
      criteria_version: criteria.version,
      judge_ms: timings.judge,
      switch_ms: timings.switch,
      ranks_ms: timings.ranks,
    },
    'rescore: done',
  );
  return { criteriaVersion: criteria.version, candidates: afterStandings.length, changed, ranking, timings };
}

/**
 * How the candidate's rank among all currently scored candidates moves if each criterion's weight
 * changes by ±50 % (see {@link weightSensitivity}), with the programme areas its current score
 * found and the evidence behind them. Undefined for an unknown or unscored candidate.
 */
export async function explainRank(
  db: Db,
  candidateId: string,
  criteria: TriageCriteria,
): Promise<(SensitivityResult & { name: string; programmeAreas: ProgrammeAreaMatch[] }) | undefined> {
  const all = (await standings(db)).filter((s) => s.total !== null);
  const target = all.find((s) => s.id === candidateId);
  if (target === undefined) return undefined;
  const areas = await db.query<{ areas: ProgrammeAreaMatch[] | null }>(
    `select s.result->'programmeAreas' as areas
     from candidates c join scores s on s.id = c.current_score_id where c.id = $1`,
    [candidateId],
  );
  return {
    ...weightSensitivity(candidateId, all, criteria),
    name: target.name,
    programmeAreas: areas.rows[0]?.areas ?? [],
  };
}
