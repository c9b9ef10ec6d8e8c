import type { AppContext } from '../app/context.js';
import { describeCandidate } from '../domain/candidate.js';
import type { CandidateView } from '../domain/candidate.js';
import type { ConditionIndex } from '../domain/conditions.js';
import type { TriageCriteria } from '../domain/criteria.js';
import { stockholmDay } from '../domain/dates.js';
import { reconsiderTriggerLabel } from '../domain/cases.js';
import type { CaseStatusInput, CouncilListEntry } from '../domain/routing.js';
import type { CandidateCaseState } from '../store/cases.js';
import { COUNCIL_LISTS_LOCK, caseStatesOfCandidates, councilListEntries } from '../store/cases.js';
import type { ProgrammeAreas } from '../domain/programme-areas.js';
import { matchProgrammeAreas } from '../domain/programme-areas.js';
import { scoreCandidate } from '../domain/score.js';
import type { ScoreResult } from '../domain/score.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { Tx } from '../store/db.js';
import { lockKey, lockKeyShared } from '../store/db.js';
import { loadCandidate } from '../store/candidates.js';
import { canonicalJson, loadEvidence, sha256 } from '../store/items.js';
import { recordScoreEvents } from '../alerts/events.js';

export interface StoredScore {
  candidateId: string;
  scoreId: string;
  result: ScoreResult;
  /** The candidate as scored: what the score transaction's alert events describe. */
  view: CandidateView;
  /** The candidate's current score changed (a new result, or another stored one). */
  changed: boolean;
}

/** What scoring reads from the configuration (a loaded `HorisontConfig` is one). */
export interface Scoring {
  criteria: TriageCriteria;
  conditions: ConditionIndex;
  programmeAreas: ProgrammeAreas;
}

/** The day a run judges: its `as_of` (a replay of an earlier day), else the run's own Stockholm date. */
export async function asOfOfRun(tx: Tx, runId: string | undefined, now: Date = new Date()): Promise<string> {
  if (runId !== undefined) {
    const row = await tx.query<{ as_of: string | null }>(
      `select to_char(as_of, 'YYYY-MM-DD') as as_of from runs where id = $1`,
      [runId],
    );
    const asOf = row.rows[0]?.as_of;
    if (asOf !== null && asOf !== undefined) return asOf;
  }
  return stockholmDay(now);
}

/** The councils' lists, read under their lock shared (see COUNCIL_LISTS_LOCK). */
export async function listsForScoring(tx: Tx): Promise<CouncilListEntry[]> {
  await lockKeyShared(tx, COUNCIL_LISTS_LOCK);
  return councilListEntries(tx);
}

/** What the case register and the councils' lists say about a candidate, as scoring reads it. */
export function caseStatusInput(state: CandidateCaseState | undefined): CaseStatusInput {
  return {
    status: state?.status ?? 'not-handled',
    councils: state?.councils ?? [],
    reconsiderReasons: (state?.reconsiderTriggers ?? []).map(reconsiderTriggerLabel),
  };
}

async function caseStatusOf(tx: Tx, candidateId: string, asOf: string): Promise<CaseStatusInput> {
  return caseStatusInput((await caseStatesOfCandidates(tx, [candidateId], asOf)).get(candidateId));
}

/** A candidate judged in memory: the triage score with its programme areas, and its input hash. */
export interface Judgement {
  result: ScoreResult;
  /** Identifies the judgement: the same result again is the same `scores` row. */
  inputHash: string;
}

/** The pure part of scoring one candidate (the domain's score and programme areas). */
export function judge(
  view: CandidateView,
  scoring: Scoring,
  asOf: string,
  cases: CaseStatusInput,
  councilLists: CouncilListEntry[],
): Judgement {
  const result: ScoreResult = {
    ...scoreCandidate(view, {
      criteria: scoring.criteria,
      conditions: scoring.conditions,
      asOf,
      cases,
      councilLists,
    }),
    programmeAreas: matchProgrammeAreas(view.evidence, scoring.programmeAreas),
  };
  // The day judged is not part of the input: the same judgement on another day is the same row.
  return { result, inputHash: sha256(canonicalJson({ ...result, asOf: undefined })) };
}

/**
 * Scores a candidate on all of its current evidence and records it: the derived name, kind and
 * identifiers, the score with the programme areas its evidence points at (one row per candidate,
 * criteria version and result; the same result
 * again is the same row) and the candidate's current score. Idempotent: run again on the same
 * evidence and criteria, it changes nothing. Reading the evidence under the candidate's lock means
 * the last score written reflects the latest evidence, whatever order jobs ran in. The score
 * stage's write; `horisont rescore` judges the same way ({@link judge}) and writes many at once
 * (src/app/rescore.ts). The candidate's row in `candidate_rows` follows in this transaction (the
 * triggers of migration 0090).
 */
export async function scoreAndStore(
  tx: Tx,
  candidateId: string,
  scoring: Scoring,
  asOf: string,
): Promise<StoredScore | undefined> {
  await lockKey(tx, `candidate ${candidateId}`);
  const row = await loadCandidate(tx, candidateId);
  if (!row) return undefined;
  const evidence = await loadEvidence(tx, candidateId);
  const view = describeCandidate(row.id, row.resolved_name, evidence);
  const { result, inputHash } = judge(
    view,
    scoring,
    asOf,
    await caseStatusOf(tx, row.id, asOf),
    await listsForScoring(tx),
  );
  const inserted = await tx.query<{ id: string }>(
    `insert into scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result, stage, process_status)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (candidate_id, criteria_version, input_hash) do update set input_hash = excluded.input_hash
     returning id`,
    [
      row.id,
      result.criteriaVersion,
      inputHash,
      result.total,
      result.band,
      result.council,
      result.nominate,
      JSON.stringify(result),
      result.stage,
      result.processStatus,
    ],
  );
  const scoreId = inserted.rows[0]!.id;
  // The derived facts and the current score in one statement; `updated_at` moves only with the
  // facts, and `changed` says whether the current score moved.
  const updated = await tx.query<{ changed: boolean }>(
    `with before as (select current_score_id from candidates where id = $1)
     update candidates c set name = $2, manufacturer = $3, kind = $4, identifiers = $5::jsonb, current_score_id = $6,
       rejudge_on = $7::date,
       updated_at = case when (c.name, c.manufacturer, c.kind, c.identifiers) is distinct from ($2, $3, $4, $5::jsonb)
                         then now() else c.updated_at end
     from before
     where c.id = $1
       and (c.name, c.manufacturer, c.kind, c.identifiers, c.current_score_id, c.rejudge_on)
           is distinct from ($2, $3, $4, $5::jsonb, $6, $7::date)
     returning before.current_score_id is distinct from $6 as changed`,
    [
      row.id,
      view.name,
      view.manufacturer ?? null,
      view.kind,
      JSON.stringify(view.identifiers),
      scoreId,
      result.lifecycle.reviewOn ?? null,
    ],
  );
  return { candidateId: row.id, scoreId, result, view, changed: updated.rows[0]?.changed ?? false };
}

/** The score stage: scores one candidate with the configured criteria. */
export function scoreStage(ctx: AppContext): StageDefinition<'score'> {
  return {
    concurrency: 4,
    handle: async (data, job) => {
      await job.commit(async (tx) => {
        const stored = await scoreAndStore(tx, data.candidateId, ctx.config, await asOfOfRun(tx, data.runId));
        // Alerts: events and the outbox rows they match commit (or not) with this score.
        if (stored) await recordScoreEvents(tx, { runId: data.runId, stored });
        if (stored) {
          job.log.info(
            { candidate_id: stored.candidateId, total: stored.result.total, band: stored.result.band },
            'score: done',
          );
        }
        return [];
      });
    },
  };
}
