import type { TriageCriteria } from '../domain/criteria.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import { compareStrings } from '../domain/candidate.js';
import type { Council } from '../domain/routing.js';
import type { Band, CriterionScore } from '../domain/score.js';
import { rankIn, weightSensitivity } from '../domain/score.js';
import type { SensitivityResult } from '../domain/score.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { withTransaction } from '../store/db.js';
import { scoreAndStore } from '../workers/score.js';
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

/** Competition ranks (equal totals share a rank) of the scored candidates. */
function ranks(list: readonly Standing[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const s of list) if (s.total !== null) totals.set(s.id, s.total);
  return new Map([...totals.keys()].map((id) => [id, rankIn(totals, id)]));
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
}

/**
 * Re-scores every candidate with `criteria`, in-process: each candidate in its own transaction
 * through {@link scoreAndStore}, the same idempotent write as the score stage, so running it again
 * changes nothing. `asOf` is the day judged. Returns the ranking before and after.
 */
export async function rescoreAll(
  db: Db,
  scoring: Scoring,
  asOf: string,
  log?: Logger,
  onProgress?: ProgressListener,
): Promise<RescoreResult> {
  const { criteria } = scoring;
  const before = await standings(db);
  let changed = 0;
  let done = 0;
  for (const candidate of before) {
    // One candidate per transaction: a long rescore never holds many locks, and the score stage
    // may run beside it (both take the candidate's lock).
    const stored = await withTransaction(db, (tx) => scoreAndStore(tx, candidate.id, scoring, asOf)); // eslint-disable-line no-await-in-loop
    if (stored?.changed) changed += 1;
    done += 1;
    onProgress?.(done, before.length);
  }
  const after = await standings(db);
  const rankBefore = ranks(before);
  const rankAfter = ranks(after);
  const previous = new Map(before.map((s) => [s.id, s]));
  const ranking: RankChange[] = [];
  for (const s of after) {
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
          : { total: old.total, rank: oldRank, band: old.band, criteriaVersion: old.criteriaVersion },
      after: {
        total: s.total,
        rank,
        band: s.band,
        council: s.council,
        criteriaVersion: s.criteriaVersion ?? criteria.version,
      },
      rankChange: oldRank === undefined ? null : oldRank - rank,
    });
  }
  ranking.sort(
    (a, b) => a.after.rank - b.after.rank || compareStrings(a.name, b.name) || compareStrings(a.id, b.id),
  );
  log?.info({ candidates: after.length, changed, criteria_version: criteria.version }, 'rescore: done');
  return { criteriaVersion: criteria.version, candidates: after.length, changed, ranking };
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
