import type { Db, Tx } from './db.js';
import type { Band, ScoreResult } from '../domain/score.js';

export interface ScoreRow {
  id: string;
  total: number;
  band: Band;
  council: string;
  criteriaVersion: string;
  result: ScoreResult;
}

export async function loadScore(db: Db | Tx, scoreId: string): Promise<ScoreRow | undefined> {
  const row = (
    await db.query<{
      id: string;
      total: number;
      band: Band;
      council: string;
      criteria_version: string;
      result: ScoreResult;
    }>('select id, total, band, council, criteria_version, result from scores where id = $1', [scoreId])
  ).rows[0];
  return row
    ? {
        id: row.id,
        total: row.total,
        band: row.band,
        council: row.council,
        criteriaVersion: row.criteria_version,
        result: row.result,
      }
    : undefined;
}

/** The result of the candidate's current score, or undefined when it has none yet. */
export async function currentScoreOf(db: Db | Tx, candidateId: string): Promise<ScoreResult | undefined> {
  return (
    await db.query<{ result: ScoreResult }>(
      `select s.result from candidates c join scores s on s.id = c.current_score_id where c.id = $1`,
      [candidateId],
    )
  ).rows[0]?.result;
}

/** A candidate's judgement with the facts derived with it, to be stored as its current score. */
export interface Judged {
  candidateId: string;
  inputHash: string;
  result: ScoreResult;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  /** The day the candidate is judged again (its lifecycle's review date), or null. */
  rejudgeOn: string | null;
}

/**
 * Stores judgements in one statement: a score row per candidate, criteria version and result (the
 * same result again is the same row), and each candidate's derived facts and current score;
 * `updated_at` moves only with the facts. Returns each score's id and whether the candidate's
 * current score moved.
 */
export async function storeJudgements(
  tx: Tx,
  judged: readonly Judged[],
): Promise<Array<{ candidateId: string; scoreId: string; changed: boolean }>> {
  const written = await tx.query<{ candidate_id: string; score_id: string; changed: boolean }>(
    `with staged as (
       select * from jsonb_to_recordset($1::jsonb) as x(candidate_id uuid, criteria_version text, input_hash text,
         total integer, band text, council text, nominate boolean, result jsonb, stage text, process_status text,
         name text, manufacturer text, kind text, identifiers jsonb, rejudge_on date)),
     stored as (
       insert into scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result, stage,
                           process_status)
       select candidate_id, criteria_version, input_hash, total, band, council, nominate, result, stage, process_status
       from staged
       on conflict (candidate_id, criteria_version, input_hash) do update set input_hash = excluded.input_hash
       returning id, candidate_id),
     before as (
       select c.id, c.current_score_id from candidates c where c.id in (select candidate_id from staged)),
     updated as (
       update candidates c set name = s.name, manufacturer = s.manufacturer, kind = s.kind, identifiers = s.identifiers,
         current_score_id = stored.id, rejudge_on = s.rejudge_on,
         updated_at = case when (c.name, c.manufacturer, c.kind, c.identifiers)
                                is distinct from (s.name, s.manufacturer, s.kind, s.identifiers)
                           then now() else c.updated_at end
       from stored join staged s on s.candidate_id = stored.candidate_id
       where c.id = stored.candidate_id
         and (c.name, c.manufacturer, c.kind, c.identifiers, c.current_score_id, c.rejudge_on)
             is distinct from (s.name, s.manufacturer, s.kind, s.identifiers, stored.id, s.rejudge_on)
       returning c.id)
     -- A data-modifying CTE runs whether or not it is read; \`before\` sees the rows as they were.
     select stored.candidate_id, stored.id as score_id,
            before.current_score_id is distinct from stored.id as changed
     from stored join before on before.id = stored.candidate_id`,
    [
      JSON.stringify(
        judged.map((one) => ({
          candidate_id: one.candidateId,
          criteria_version: one.result.criteriaVersion,
          input_hash: one.inputHash,
          total: one.result.total,
          band: one.result.band,
          council: one.result.council,
          nominate: one.result.nominate,
          result: one.result,
          stage: one.result.stage,
          process_status: one.result.processStatus,
          name: one.name,
          manufacturer: one.manufacturer,
          kind: one.kind,
          identifiers: one.identifiers,
          rejudge_on: one.rejudgeOn,
        })),
      ),
    ],
  );
  return written.rows.map((row) => ({
    candidateId: row.candidate_id,
    scoreId: row.score_id,
    changed: row.changed,
  }));
}
