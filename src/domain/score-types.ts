import type { ConditionIndex, Severity } from './conditions.js';
import type { TriageCriteria } from './criteria.js';
import type { SignalEvidence } from './evidence-text.js';
import type { LifecycleFact, LifecycleStage, TimingKey } from './lifecycle.js';
import type { ProgrammeAreaMatch } from './programme-areas.js';
import type { CaseStatusInput, Council, CouncilLists, DrugForm, ProcessStatus } from './routing.js';

// What scoring takes and returns; stored as JSON with each score.

export interface SignalHit {
  signalId: string;
  label: string;
  /** Swedish. */
  explanation: string;
  points: number;
  evidence: SignalEvidence[];
}

export interface CriterionResult {
  criterionId: string;
  /** Swedish. */
  label: string;
  weight: number;
  /** Sum of the signal points, capped to 0..maxPoints. */
  points: number;
  maxPoints: number;
  /**
   * False when the evidence cannot tell (a criterion judged from conditions when no condition is
   * recognised): shown as unknown and left out of the importance, never counted as zero.
   */
  known: boolean;
  signals: SignalHit[];
}

export type Band = 'hög' | 'medel' | 'låg';

/** A condition the evidence names, as the vocabulary knows it. */
export interface RecognisedCondition {
  id: string;
  label: string;
  severity: Severity;
  patientsInSweden: number;
  /** The words matched, as written in the source. */
  term: string;
  evidence: SignalEvidence;
}

/** The lifecycle judgement as stored with the score. */
export interface ScoredLifecycle {
  timingKey: TimingKey;
  /** When the same evidence would be judged differently (see `Lifecycle.reviewOn`). */
  reviewOn?: string;
  facts: LifecycleFact[];
  decisive: LifecycleFact[];
  /** Swedish. */
  expected: string;
}

export interface ScoreResult {
  criteriaVersion: string;
  /** The day judged (the run's as-of date), ISO. */
  asOf: string;
  /** Priority 0..100 (integer) = importance × timing: what ranks the list. */
  total: number;
  /** What the product would mean, 0..100: the weighted power mean of the known criteria. */
  importance: number;
  /** Whether now is the time, 0..1, from the lifecycle stage. */
  timing: number;
  band: Band;
  /** Too little evidence to judge ("underlag saknas"): shown instead of the band. */
  insufficientEvidence: boolean;
  stage: LifecycleStage;
  lifecycle: ScoredLifecycle;
  council: Council;
  /** Swedish. */
  routingReason: string;
  routingEvidence: SignalEvidence[];
  drugForm?: DrugForm;
  processStatus: ProcessStatus;
  /** Swedish. */
  statusReason: string;
  /** Should get an early assessment report in the nomination queue now. */
  nominate: boolean;
  /** The two or three reasons that decide the rank, Swedish, most decisive first. */
  decisive: string[];
  conditions: RecognisedCondition[];
  criteria: CriterionResult[];
  /**
   * The programme areas (NPO) the evidence points at, with what matched (see
   * `matchProgrammeAreas`). Set where the score is stored.
   */
  programmeAreas?: ProgrammeAreaMatch[];
}

/** What scoring needs besides the candidate: the configuration, the day judged and the case register. */
export interface ScoringInput {
  criteria: TriageCriteria;
  conditions: ConditionIndex;
  /** ISO day; the domain never reads the clock. */
  asOf: string;
  cases?: CaseStatusInput;
  /** The councils' own lists, to see whether the candidate is a newer generation of a listed product. */
  councilLists?: CouncilLists;
}

/** The criterion fields importance is computed from. */
export type CriterionScore = Pick<
  CriterionResult,
  'criterionId' | 'weight' | 'points' | 'maxPoints' | 'known'
>;
