import type { TriageCriteria } from '../domain/criteria.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import { compareStrings } from '../domain/candidate.js';
import type { Council } from '../domain/routing.js';
import type { Band } from '../domain/score.js';
import { weightSensitivity } from '../domain/score-sensitivity.js';
import type { SensitivityResult } from '../domain/score-sensitivity.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { withTransaction } from '../store/db.js';
import { caseStatesOfCandidates } from '../store/cases.js';
import { canonicalJson, sha256 } from '../store/items.js';
import {
  currentStandings,
  loadBatch,
  openRescoreRun,
  programmeAreasOf,
  stageJudgements,
  standings,
  switchToStaged,
} from '../store/rescore.js';
import type { StagedJudgement } from '../store/rescore.js';
import { describeCandidate } from '../domain/candidate.js';
import { caseStatusInput, judge, listsForScoring } from '../workers/score.js';
import type { Scoring } from '../workers/score.js';
import type { ProgressListener } from './scan-once.js';

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
  const run = await openRescoreRun(db, criteria.version, asOf, configHash);
  const councilLists = await withTransaction(db, (tx) => listsForScoring(tx));
  const started = performance.now();
  let judged = run.judged;
  let after = run.after;
  for (;;) {
    const batch = await loadBatch(db, after, BATCH); // eslint-disable-line no-await-in-loop
    if (batch.length === 0) break;
    const ids = batch.map((c) => c.id);
    const cases = await caseStatesOfCandidates(db, ids, asOf); // eslint-disable-line no-await-in-loop
    const staged: StagedJudgement[] = [];
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
    await stageJudgements(db, run.id, staged, { after, judged }); // eslint-disable-line no-await-in-loop
    onProgress?.(judged, before.length);
  }
  const judgedAt = performance.now();
  const changed = await switchToStaged(db, run.id);
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
  return {
    ...weightSensitivity(candidateId, all, criteria),
    name: target.name,
    programmeAreas: await programmeAreasOf(db, candidateId),
  };
}
