import type { StageContext } from './context.js';
import { describeCandidate } from '../domain/candidate.js';
import type { CandidateView } from '../domain/candidate.js';
import type { ConditionIndex } from '../domain/conditions.js';
import type { TriageCriteria } from '../domain/criteria.js';
import { stockholmDay } from '../domain/dates.js';
import { reconsiderTriggerLabel } from '../domain/cases.js';
import type { CaseStatusInput } from '../domain/routing.js';
import { CouncilLists } from '../domain/routing.js';
import type { CandidateCaseState } from '../store/cases.js';
import { COUNCIL_LISTS_LOCK, caseStatesOfCandidates, councilListEntries } from '../store/cases.js';
import type { ProgrammeAreas } from '../domain/programme-areas.js';
import { matchProgrammeAreas } from '../domain/programme-areas.js';
import { scoreCandidate } from '../domain/score.js';
import type { ScoreResult } from '../domain/score.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { Tx } from '../store/db.js';
import { lockKeyShared } from '../store/db.js';
import { loadCandidatesWithEvidence } from '../store/candidates.js';
import { canonicalJson, sha256 } from '../store/items.js';
import { takeLocks } from '../store/resolution.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { claimScoring, runAsOf } from '../store/runs.js';
import { storeJudgements } from '../store/scores.js';
import { jobId } from '../queue/names.js';
import { recordScoresEvents } from '../store/alert-events.js';
import type { SourceProfiles } from '../domain/source-profile.js';

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
  /** The configured sources' profiles, which the candidate's evidence is judged with. */
  sourceProfiles: SourceProfiles;
  criteria: TriageCriteria;
  conditions: ConditionIndex;
  programmeAreas: ProgrammeAreas;
}

/** The day a run judges: its `as_of` (a replay of an earlier day), else the run's own Stockholm date. */
export async function asOfOfRun(tx: Tx, runId: string | undefined, now: Date = new Date()): Promise<string> {
  const asOf = runId === undefined ? undefined : await runAsOf(tx, runId);
  if (asOf !== undefined) return asOf;
  return stockholmDay(now);
}

/** The councils' lists, read under their lock shared (see COUNCIL_LISTS_LOCK), prepared for scoring. */
export async function listsForScoring(tx: Tx): Promise<CouncilLists> {
  await lockKeyShared(tx, COUNCIL_LISTS_LOCK);
  return new CouncilLists(await councilListEntries(tx));
}

/** What the case register and the councils' lists say about a candidate, as scoring reads it. */
export function caseStatusInput(state: CandidateCaseState | undefined): CaseStatusInput {
  return {
    status: state?.status ?? 'not-handled',
    councils: state?.councils ?? [],
    reconsiderReasons: (state?.reconsiderTriggers ?? []).map(reconsiderTriggerLabel),
  };
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
  councilLists: CouncilLists,
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

/** How many candidates one score job judges: a page, written with a fixed number of statements. */
export const SCORE_PAGE = 100;

/**
 * Score jobs for candidates, a page each, planned in the planner's transaction. A candidate is
 * planned once per run and basis (its evidence fingerprint, a list change, a re-judging day;
 * `run_scored`), so a planner that runs again — a re-delivered job — plans nothing new, and a job's
 * id follows from its candidates and their bases.
 */
export async function planScoreJobs(
  tx: Tx,
  runId: string,
  candidates: ReadonlyArray<{ id: string; basis: string }>,
): Promise<PlannedJob[]> {
  const claimed = await claimScoring(tx, runId, candidates);
  const jobs: PlannedJob[] = [];
  for (let start = 0; start < claimed.length; start += SCORE_PAGE) {
    const page = claimed.slice(start, start + SCORE_PAGE);
    jobs.push({
      queue: 'score',
      jobId: jobId('score', runId, sha256(page.map((c) => `${c.id} ${c.basis}`).join(',')).slice(0, 32)),
      data: { runId, candidateIds: page.map((c) => c.id) },
    });
  }
  return jobs;
}

/**
 * Scores candidates on all of their current evidence and records it: the derived name, kind and
 * identifiers, the score with the programme areas its evidence points at (one row per candidate,
 * criteria version and result; the same result again is the same row) and the candidate's
 * current score. A page costs a fixed number of statements: the candidates' locks, their rows and
 * evidence, their cases, the councils' lists, and one write of all scores and candidates.
 * Idempotent: run again on the same evidence and criteria, it changes nothing. Reading the
 * evidence under the candidates' locks means the last score written reflects the latest evidence,
 * whatever order jobs ran in. `horisont rescore` judges the same way ({@link judge}) and writes
 * many at once (src/app/rescore.ts). The candidates' rows in `candidate_rows` follow in this
 * transaction (the triggers of migration 0090).
 */
export async function scoreAndStoreMany(
  tx: Tx,
  candidateIds: readonly string[],
  scoring: Scoring,
  asOf: string,
): Promise<StoredScore[]> {
  // One global order (candidate id) for every job taking several candidates' locks: no deadlock.
  const ids = [...new Set(candidateIds)].sort();
  await takeLocks(
    tx,
    ids.map((id) => `candidate ${id}`),
  );
  const rows = await loadCandidatesWithEvidence(tx, ids);
  if (rows.length === 0) return [];
  const cases = await caseStatesOfCandidates(
    tx,
    rows.map((row) => row.id),
    asOf,
  );
  const lists = await listsForScoring(tx);
  const judged = rows.map((row) => {
    const view = describeCandidate(row.id, row.resolved_name, row.evidence, scoring.sourceProfiles);
    return { view, ...judge(view, scoring, asOf, caseStatusInput(cases.get(row.id)), lists) };
  });
  const written = await storeJudgements(
    tx,
    judged.map(({ view, result, inputHash }) => ({
      candidateId: view.id,
      inputHash,
      result,
      name: view.name,
      manufacturer: view.manufacturer ?? null,
      kind: view.kind,
      identifiers: view.identifiers,
      rejudgeOn: result.lifecycle.reviewOn ?? null,
    })),
  );
  const byCandidate = new Map(written.map((row) => [row.candidateId, row]));
  return judged.map(({ view, result }) => {
    const row = byCandidate.get(view.id)!;
    return { candidateId: view.id, scoreId: row.scoreId, result, view, changed: row.changed };
  });
}

/** {@link scoreAndStoreMany} for one candidate (a reviewer's merge or split, a nomination from outside). */
export async function scoreAndStore(
  tx: Tx,
  candidateId: string,
  scoring: Scoring,
  asOf: string,
): Promise<StoredScore | undefined> {
  return (await scoreAndStoreMany(tx, [candidateId], scoring, asOf))[0];
}

/** The score stage: scores a page of candidates with the configured criteria. */
export function scoreStage(ctx: Pick<StageContext, 'config'>): StageDefinition<'score'> {
  return {
    concurrency: 4,
    handle: async (data, job) => {
      await job.commit(async (tx) => {
        const stored = await scoreAndStoreMany(
          tx,
          data.candidateIds,
          ctx.config,
          await asOfOfRun(tx, data.runId),
        );
        // Alerts: events and the outbox rows they match commit (or not) with these scores.
        await recordScoresEvents(tx, data.runId, stored);
        job.log.info(
          {
            candidates: stored.length,
            changed: stored.filter((one) => one.changed).length,
            nominated: stored.filter((one) => one.result.nominate).length,
          },
          'score: done',
        );
        return [];
      });
    },
  };
}
