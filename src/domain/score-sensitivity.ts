import type { TriageCriteria } from './criteria.js';
import type { CriterionScore } from './score-types.js';
import { importanceOf, priorityOf } from './score.js';

/** Sensitivity: how a candidate's rank moves when one criterion's weight changes. */

/** A scored candidate as far as ranking is concerned. */
export interface ScoredCandidate {
  id: string;
  criteria: readonly CriterionScore[];
  /** The lifecycle timing the priority multiplies importance by. */
  timing: number;
}

/**
 * Rank among totals: 1 + the number of candidates with a strictly higher total, so candidates
 * with equal totals share a rank and the rank never depends on a tie-break order.
 */
export function rankIn(totals: ReadonlyMap<string, number>, id: string): number {
  const own = totals.get(id);
  if (own === undefined) throw new Error(`rankIn: unknown candidate ${id}`);
  let higher = 0;
  for (const total of totals.values()) if (total > own) higher += 1;
  return higher + 1;
}

export interface WeightChange {
  /** 0.5 for −50 %, 1.5 for +50 %. */
  factor: number;
  weight: number;
  total: number;
  rank: number;
  /** Places moved up (positive) or down (negative) from the current rank. */
  rankChange: number;
}

export interface CriterionSensitivity {
  criterionId: string;
  label: string;
  weight: number;
  /** False when the criterion does not apply to this candidate (it still moves the others). */
  applies: boolean;
  changes: WeightChange[];
}

export interface SensitivityResult {
  candidateId: string;
  total: number;
  rank: number;
  /** How many candidates are ranked. */
  candidates: number;
  criteria: CriterionSensitivity[];
}

/**
 * How the candidate's rank among all `candidates` moves if each criterion's weight is multiplied
 * by each factor (default −50 % and +50 %), all else equal. Pure: totals are recomputed from the
 * stored per-criterion points and timing with {@link importanceOf} and {@link priorityOf}, the formulas scoring uses, and ranks with
 * {@link rankIn}. The criteria varied are those of `criteria` (the configuration; its weights are
 * the base), in its order.
 */
export function weightSensitivity(
  candidateId: string,
  candidates: readonly ScoredCandidate[],
  criteria: TriageCriteria,
  factors: readonly number[] = [0.5, 1.5],
): SensitivityResult {
  const target = candidates.find((c) => c.id === candidateId);
  if (target === undefined) throw new Error(`weightSensitivity: unknown candidate ${candidateId}`);
  const totalsWith = (weights: ReadonlyMap<string, number>): Map<string, number> =>
    new Map(
      candidates.map((c) => [
        c.id,
        priorityOf(importanceOf(c.criteria, criteria.importance.power, weights), c.timing),
      ]),
    );
  const base = totalsWith(new Map(criteria.criteria.map((c) => [c.id, c.weight])));
  const baseRank = rankIn(base, candidateId);
  return {
    candidateId,
    total: base.get(candidateId) ?? 0,
    rank: baseRank,
    candidates: candidates.length,
    criteria: criteria.criteria.map((criterion) => ({
      criterionId: criterion.id,
      label: criterion.label,
      weight: criterion.weight,
      applies: target.criteria.some((c) => c.criterionId === criterion.id),
      changes: factors.map((factor) => {
        const weights = new Map(criteria.criteria.map((c) => [c.id, c.weight]));
        const weight = Number((criterion.weight * factor).toFixed(6));
        weights.set(criterion.id, weight);
        const totals = totalsWith(weights);
        const rank = rankIn(totals, candidateId);
        return { factor, weight, total: totals.get(candidateId) ?? 0, rank, rankChange: baseRank - rank };
      }),
    })),
  };
}
