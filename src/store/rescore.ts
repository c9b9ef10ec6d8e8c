import type { EvidenceItem } from '../domain/candidate.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import type { Council } from '../domain/routing.js';
import type { Band, CriterionScore, ScoreResult } from '../domain/score.js';
import type { Db } from './db.js';
import { lockKey, withTransaction } from './db.js';
import { evidenceOfCandidates } from './items.js';

/**
 * `horisont rescore`'s tables and reads (src/app/rescore.ts judges): the standings it ranks, the
 * candidates it judges batch by batch, the judgements it stages in `rescore_results` with the
 * run's progress in `rescore_runs`, and the one switch to the new scores.
 */

/** A candidate's current score as far as ranking goes. */
export interface Standing {
  id: string;
  name: string;
  total: number | null;
  band: Band | null;
  council: Council | null;
  criteriaVersion: string | null;
  criteria: CriterionScore[];
  timing: number;
}

export async function standings(db: Db): Promise<Standing[]> {
  const rows = await db.query<CurrentRow & { criteria: CriterionScore[] | null; timing: number | null }>(
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

/** A candidate's current row as the ranking reads it (candidate_rows, migration 0090). */
export interface CurrentRow {
  id: string;
  name: string;
  total: number | null;
  band: Band | null;
  council: Council | null;
  criteria_version: string | null;
}

export async function currentStandings(db: Db): Promise<CurrentRow[]> {
  return (
    await db.query<CurrentRow>(
      'select candidate_id as id, name, total, band, council, criteria_version from candidate_rows',
    )
  ).rows;
}

export interface Loaded {
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
export async function loadBatch(
  db: Db,
  after: string,
  limit: number,
): Promise<Array<Loaded & { evidence: EvidenceItem[] }>> {
  const rows = await db.query<Loaded>(
    `select c.id, coalesce(c.resolved_name, c.name) as resolved_name, c.name, c.manufacturer, c.kind, c.identifiers,
            to_char(c.rejudge_on, 'YYYY-MM-DD') as rejudge_on, c.current_score_id, s.input_hash, s.criteria_version
     from candidates c left join scores s on s.id = c.current_score_id
     where c.merged_into is null and c.id > $1 order by c.id limit $2`,
    [after, limit],
  );
  if (rows.rows.length === 0) return [];
  const evidence = await evidenceOfCandidates(
    db,
    rows.rows.map((row) => row.id),
  );
  return rows.rows.map((row) => ({ ...row, evidence: evidence.get(row.id) ?? [] }));
}

/** The unfinished run of the same judgement to continue, else a new one (older runs go). */
export async function openRescoreRun(
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

/** A candidate's new judgement as staged: the score row and the facts derived with it. */
export interface StagedJudgement {
  candidate_id: string;
  /** The current score it was judged against: the switch skips a candidate scored since. */
  based_on: string | null;
  criteria_version: string;
  input_hash: string;
  total: number;
  band: Band;
  council: Council;
  nominate: boolean;
  stage: string;
  process_status: string;
  result: ScoreResult;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  rejudge_on: string | null;
}

/** Stages a batch's changed judgements and the run's progress in one commit. */
export async function stageJudgements(
  db: Db,
  runId: string,
  staged: StagedJudgement[],
  progress: { after: string; judged: number },
): Promise<void> {
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
        [runId, JSON.stringify(staged)],
      );
    }
    await tx.query('update rescore_runs set after_candidate = $2, judged = $3 where id = $1', [
      runId,
      progress.after,
      progress.judged,
    ]);
  });
}

/**
 * In one transaction: stores the run's staged scores (a result stored before is reused) and
 * switches every changed candidate to them, so readers see all old scores or all new; a candidate
 * scored by the score stage after it was judged keeps that newer score. Ends the run. Returns how
 * many candidates' current score changed.
 */
export async function switchToStaged(db: Db, runId: string): Promise<number> {
  return withTransaction(db, async (tx) => {
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
      [runId],
    );
    await tx.query('update rescore_runs set finished_at = now() where id = $1', [runId]);
    await tx.query('delete from rescore_results where run_id = $1', [runId]);
    return switched.rows.filter((row) => row.changed).length;
  });
}

/** The programme areas the candidate's current score found. */
export async function programmeAreasOf(db: Db, candidateId: string): Promise<ProgrammeAreaMatch[]> {
  const areas = await db.query<{ areas: ProgrammeAreaMatch[] | null }>(
    `select s.result->'programmeAreas' as areas
     from candidates c join scores s on s.id = c.current_score_id where c.id = $1`,
    [candidateId],
  );
  return areas.rows[0]?.areas ?? [];
}
