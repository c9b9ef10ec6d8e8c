import type { CandidateView } from './candidate.js';
import { canonicalEvidence } from './candidate.js';
import type { TriageCriteria } from './criteria.js';
import { compareSignalEvidence, prepare } from './evidence-text.js';
import type { LifecycleStage } from './lifecycle.js';
import { judgeLifecycle } from './lifecycle.js';
import type { Council, ProcessStatus } from './routing.js';
import { processStatus, route } from './routing.js';
import type { Band, CriterionScore, ScoreResult, ScoringInput } from './score-types.js';
import { applies, recogniseAll, scoreCriterion } from './score-detection.js';
import type { DetectionContext } from './score-detection.js';
import { handlingEvidence } from './score-handling.js';
import { decisiveReasons } from './score-reasons.js';

// Scoring: importance from the criteria, timing from the lifecycle, routing and process status
// apart. Detection, the decisive reasons, the handling evidence and the weight sensitivity live in
// the score-*.ts files beside this one.

export type {
  Band,
  CriterionResult,
  CriterionScore,
  RecognisedCondition,
  ScoreResult,
  ScoredLifecycle,
  ScoringInput,
  SignalHit,
} from './score-types.js';

/**
 * Importance = (Σ w·sᵖ ÷ Σ w)^(1/p) × 100 over the known criteria, s = points ÷ maxPoints: a
 * weighted power mean, so one criterion met in full (a very severe condition) carries more than
 * many met a little. `weights` overrides some criteria's weights (by id): the one formula for
 * scoring and for sensitivity analysis.
 */
export function importanceOf(
  results: readonly CriterionScore[],
  power: number,
  weights: ReadonlyMap<string, number> = new Map(),
): number {
  let weightSum = 0;
  let weighted = 0;
  for (const r of results) {
    if (!r.known) continue;
    const weight = weights.get(r.criterionId) ?? r.weight;
    weightSum += weight;
    weighted += weight * (r.points / r.maxPoints) ** power;
  }
  return weightSum === 0 ? 0 : 100 * (weighted / weightSum) ** (1 / power);
}

/** Priority = importance × timing, as an integer 0..100 (rounded twice so float noise cannot flip a band). */
export function priorityOf(importance: number, timing: number): number {
  return Math.round(Number((importance * timing).toFixed(6)));
}

function bandOf(total: number, criteria: TriageCriteria): Band {
  if (total >= criteria.bands.hög) return 'hög';
  if (total >= criteria.bands.medel) return 'medel';
  return 'låg';
}

const NOMINABLE_STATUSES: readonly ProcessStatus[] = ['ej-hanterad', 'nominerad', 'omprovning'];
const NOMINABLE_COUNCILS: readonly Council[] = ['MTP-rådet', 'NT-rådet', 'båda'];
const NOT_NOMINABLE_STAGES: readonly LifecycleStage[] = ['established', 'withdrawn'];

/**
 * Scores a candidate as of a day: importance from the councils' criteria (what the product would
 * mean), timing from its lifecycle stage (whether now is the time), routing and process status
 * apart. Deterministic: evidence is put in canonical order first, criteria and signals keep the
 * configuration's order, and the evidence behind each signal is sorted.
 */
export function scoreCandidate(candidate: CandidateView, input: ScoringInput): ScoreResult {
  const { criteria } = input;
  const evidence = canonicalEvidence(candidate.evidence)
    .filter((e) => (e.publishedAt ?? e.updatedAt ?? '').slice(0, 10) <= input.asOf)
    .map(prepare);
  const conditions = recogniseAll(evidence, input.conditions);
  const ctx: DetectionContext = { candidate, evidence, conditions };
  const results = criteria.criteria
    .filter((c) => applies(c, candidate.kind))
    .map((c) => scoreCriterion(c, ctx));
  const routed = route(candidate, evidence, conditions, criteria);
  const lifecycle = judgeLifecycle(
    evidence.map((p) => p.item),
    candidate.kind,
    input.asOf,
    criteria.lifecycle,
    routed.council !== 'utanför',
  );
  const status = processStatus(
    input.cases,
    routed.council,
    handlingEvidence(candidate, evidence, lifecycle, input),
  );
  const importance = importanceOf(results, criteria.importance.power);
  const total = priorityOf(importance, lifecycle.timing);
  const signalCount = results.reduce((n, r) => n + r.signals.length, 0);
  const insufficientEvidence = conditions.length === 0 && signalCount < criteria.insufficientBelow.signals;
  const nominate =
    total >= criteria.nomination.minTotal &&
    !insufficientEvidence &&
    NOMINABLE_COUNCILS.includes(routed.council) &&
    NOMINABLE_STATUSES.includes(status.status) &&
    !NOT_NOMINABLE_STAGES.includes(lifecycle.stage);
  return {
    criteriaVersion: criteria.version,
    asOf: input.asOf,
    total,
    importance: Number(importance.toFixed(2)),
    timing: lifecycle.timing,
    band: bandOf(total, criteria),
    insufficientEvidence,
    stage: lifecycle.stage,
    lifecycle: {
      timingKey: lifecycle.timingKey,
      ...(lifecycle.reviewOn === undefined ? {} : { reviewOn: lifecycle.reviewOn }),
      facts: lifecycle.facts,
      decisive: lifecycle.decisive,
      expected: lifecycle.expected,
    },
    council: routed.council,
    routingReason: routed.reason,
    routingEvidence: [...routed.evidence].sort(compareSignalEvidence),
    ...(routed.drugForm === undefined ? {} : { drugForm: routed.drugForm }),
    processStatus: status.status,
    statusReason: status.reason,
    nominate,
    decisive: decisiveReasons(
      lifecycle,
      status,
      routed.council,
      routed.reason,
      conditions,
      results,
      insufficientEvidence,
      new Set(criteria.criteria.filter((c) => c.basis === 'conditions').map((c) => c.id)),
    ),
    conditions,
    criteria: results,
  };
}
