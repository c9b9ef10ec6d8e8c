import type { CandidateKind, CandidateView } from './candidate.js';
import { canonicalEvidence, compareStrings, normaliseLegislation, normaliseRiskClass } from './candidate.js';
import type { ConditionIndex, Severity } from './conditions.js';
import { SEVERITY_LABELS, recogniseConditions, severityRank } from './conditions.js';
import { DRUG_SIGNAL_FACT_LABELS, drugFactHolds } from './drugs.js';
import type { Criterion, Detector, Signal, TriageCriteria } from './criteria.js';
import type { PreparedEvidence, SignalEvidence } from './evidence-text.js';
import {
  compareSignalEvidence,
  firstMatch,
  matcherFor,
  prepare,
  ref,
  termHit,
  uniq,
} from './evidence-text.js';
import { ITEM_KIND_LABELS, legislationLabel, riskClassLabel } from './labels.js';
import type { Lifecycle, LifecycleFact, LifecycleStage, TimingKey } from './lifecycle.js';
import { STAGE_LABELS, judgeLifecycle } from './lifecycle.js';
import { normaliseText } from './normalise.js';
import { isNewerGeneration, isSameLine } from './cases.js';
import type { ProgrammeAreaMatch } from './programme-areas.js';
import type {
  CaseStatusInput,
  Council,
  CouncilListEntry,
  DrugForm,
  HandlingEvidence,
  ProcessStatus,
} from './routing.js';
import { PROCESS_STATUS_LABELS, processStatus, route } from './routing.js';

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
  councilLists?: readonly CouncilListEntry[];
}

interface Detection {
  evidence: SignalEvidence[];
  vars: Record<string, string>;
}

interface DetectionContext {
  candidate: CandidateView;
  evidence: PreparedEvidence[];
  conditions: RecognisedCondition[];
}

function quoteTitles(items: readonly PreparedEvidence[]): string {
  const titles = items.slice(0, 3).map((p) => `”${normaliseText(p.item.title)}”`);
  return items.length > 3 ? `${titles.join(', ')} m.fl.` : titles.join(', ');
}

function conditionDetection(hits: readonly RecognisedCondition[]): Detection | undefined {
  if (hits.length === 0) return undefined;
  return {
    evidence: hits.map((c) => c.evidence),
    vars: {
      conditions: hits
        .map(
          (c) =>
            `${c.label} (${SEVERITY_LABELS[c.severity]} svårighetsgrad, storleksordning ${c.patientsInSweden.toLocaleString('sv-SE')} patienter i Sverige)`,
        )
        .join('; '),
      terms: uniq(hits.map((c) => c.term)).join(', '),
    },
  };
}

function detect(detector: Detector, ctx: DetectionContext): Detection | undefined {
  const { candidate, evidence } = ctx;
  switch (detector.type) {
    case 'terms': {
      const matcher = matcherFor(detector.terms);
      const hits: SignalEvidence[] = [];
      const words: string[] = [];
      for (const p of evidence) {
        if (detector.kinds !== undefined && !detector.kinds.includes(p.item.kind)) continue;
        const hit = termHit(p, matcher);
        if (hit === undefined) continue;
        hits.push(hit.evidence);
        words.push(...hit.words);
      }
      return hits.length === 0 ? undefined : { evidence: hits, vars: { terms: uniq(words).join(', ') } };
    }
    case 'risk-class': {
      const wanted = new Set(detector.classes.map((c) => normaliseRiskClass(c) ?? c));
      const hits = evidence.filter((p) => p.riskClass !== undefined && wanted.has(p.riskClass));
      if (hits.length === 0) return undefined;
      const classes = uniq(hits.map((p) => riskClassLabel(p.riskClass ?? '')));
      return {
        evidence: hits.map((p) =>
          ref(p.item, `Riskklass ${riskClassLabel(p.riskClass ?? '')} (${p.item.product?.riskClass ?? ''})`),
        ),
        vars: { riskClasses: classes.join(', ') },
      };
    }
    case 'implantable': {
      const matcher = detector.terms === undefined ? undefined : matcherFor(detector.terms);
      const hits: SignalEvidence[] = [];
      const words: string[] = [];
      for (const p of evidence) {
        if (p.item.product?.implantable === true) {
          hits.push(ref(p.item, 'Implanterbar enligt registret: ja'));
          words.push('implanterbar enligt registret');
          continue;
        }
        const hit = matcher === undefined ? undefined : termHit(p, matcher);
        if (hit === undefined) continue;
        hits.push(hit.evidence);
        words.push(...hit.words);
      }
      return hits.length === 0 ? undefined : { evidence: hits, vars: { terms: uniq(words).join(', ') } };
    }
    case 'legislation': {
      const wanted = new Set(detector.values.map((v) => normaliseLegislation(v) ?? v));
      const hits = evidence.filter((p) => p.legislation !== undefined && wanted.has(p.legislation));
      if (hits.length === 0) return undefined;
      return {
        evidence: hits.map((p) =>
          ref(p.item, `Tillämplig lagstiftning: ${legislationLabel(p.legislation ?? '')}`),
        ),
        vars: { legislation: uniq(hits.map((p) => legislationLabel(p.legislation ?? ''))).join(', ') },
      };
    }
    case 'condition-severity':
      return conditionDetection(ctx.conditions.filter((c) => detector.severities.includes(c.severity)));
    case 'condition-prevalence':
      return conditionDetection(ctx.conditions.filter((c) => c.patientsInSweden >= detector.min));
    case 'evidence-kind': {
      const matcher = detector.terms === undefined ? undefined : matcherFor(detector.terms);
      const hits: SignalEvidence[] = [];
      const items: PreparedEvidence[] = [];
      for (const p of evidence) {
        if (!detector.kinds.includes(p.item.kind)) continue;
        if (
          detector.sourceIdIncludes !== undefined &&
          !detector.sourceIdIncludes.some((s) => p.item.sourceId.toLowerCase().includes(s.toLowerCase()))
        ) {
          continue;
        }
        if (matcher !== undefined) {
          const hit = termHit(p, matcher);
          if (hit === undefined) continue;
          hits.push(hit.evidence);
        } else {
          hits.push(ref(p.item, normaliseText(p.item.title)));
        }
        items.push(p);
      }
      if (hits.length === 0) return undefined;
      return {
        evidence: hits,
        vars: {
          count: String(hits.length),
          titles: quoteTitles(items),
          kinds: uniq(items.map((p) => ITEM_KIND_LABELS[p.item.kind])).join(', '),
        },
      };
    }
    case 'candidate-kind': {
      if (!detector.kinds.includes(candidate.kind)) return undefined;
      const basis = evidence.filter((p) => p.item.product !== undefined || p.item.kind === candidate.kind);
      return {
        evidence: basis.map((p) => ref(p.item, normaliseText(p.item.title))),
        vars: { kinds: candidate.kind },
      };
    }
    case 'emdn': {
      const prefixes = detector.prefixes.map((p) => p.trim().toUpperCase());
      const hits: SignalEvidence[] = [];
      const codes: string[] = [];
      for (const p of evidence) {
        const matched = (p.item.product?.emdnCodes ?? [])
          .map((c) => c.trim().toUpperCase())
          .filter((c) => prefixes.some((prefix) => c.startsWith(prefix)));
        if (matched.length === 0) continue;
        codes.push(...matched);
        hits.push(ref(p.item, `EMDN ${matched.join(', ')}`));
      }
      return hits.length === 0 ? undefined : { evidence: hits, vars: { codes: uniq(codes).join(', ') } };
    }
    case 'market-status': {
      const wanted = new Set(detector.values.map((v) => v.toLowerCase()));
      const hits = evidence.filter((p) => {
        const status = p.item.product?.marketStatus?.toLowerCase();
        if (status === undefined) return false;
        return wanted.has(status.includes('.') ? status.slice(status.lastIndexOf('.') + 1) : status);
      });
      if (hits.length === 0) return undefined;
      return {
        evidence: hits.map((p) => ref(p.item, `Marknadsstatus: ${p.item.product?.marketStatus ?? ''}`)),
        vars: {},
      };
    }
    case 'drug-fact': {
      const hits: SignalEvidence[] = [];
      const stated = new Set<string>();
      for (const p of evidence) {
        const drug = p.item.drug;
        if (drug === undefined) continue;
        const facts = detector.facts.filter((fact) => drugFactHolds(drug, fact));
        if (facts.length === 0) continue;
        const labels = facts.map((fact) => DRUG_SIGNAL_FACT_LABELS[fact]);
        for (const label of labels) stated.add(label);
        hits.push(ref(p.item, `${normaliseText(p.item.title)}: ${labels.join(', ')}`));
      }
      return hits.length === 0 ? undefined : { evidence: hits, vars: { terms: [...stated].join(', ') } };
    }
  }
}

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function scoreSignal(signal: Signal, ctx: DetectionContext): SignalHit | undefined {
  const detection = detect(signal.detect, ctx);
  if (detection === undefined) return undefined;
  return {
    signalId: signal.id,
    label: signal.label,
    explanation: fill(signal.explanation, detection.vars),
    points: signal.points,
    evidence: [...detection.evidence].sort(compareSignalEvidence),
  };
}

function applies(criterion: Criterion, kind: CandidateKind): boolean {
  return criterion.appliesTo === undefined || criterion.appliesTo.includes(kind);
}

function scoreCriterion(criterion: Criterion, ctx: DetectionContext): CriterionResult {
  const signals = criterion.signals
    .map((s) => scoreSignal(s, ctx))
    .filter((s): s is SignalHit => s !== undefined);
  const sum = signals.reduce((acc, s) => acc + s.points, 0);
  return {
    criterionId: criterion.id,
    label: criterion.label,
    weight: criterion.weight,
    points: Math.min(criterion.maxPoints, Math.max(0, sum)),
    maxPoints: criterion.maxPoints,
    known: criterion.basis !== 'conditions' || ctx.conditions.length > 0,
    signals,
  };
}

/**
 * The conditions the evidence names, each once (the most specific words win inside one text; the
 * first item that names a condition is its evidence), in the order of the evidence.
 */
function recogniseAll(evidence: readonly PreparedEvidence[], index: ConditionIndex): RecognisedCondition[] {
  const found = new Map<string, RecognisedCondition>();
  // In an order of the items' own content, so which item is quoted never depends on item ids.
  const ordered = [...evidence].sort(
    (a, b) =>
      compareStrings(a.item.sourceId, b.item.sourceId) ||
      compareStrings(a.item.url, b.item.url) ||
      compareStrings(a.item.title, b.item.title),
  );
  for (const p of ordered) {
    // A certificate names its holder and its scope, never an indication ("Abbott Diabetes Care").
    if (p.item.kind === 'certificate') continue;
    for (const text of [p.item.title, p.item.summary ?? '']) {
      for (const m of recogniseConditions(index, text)) {
        if (found.has(m.id)) continue;
        found.set(m.id, {
          id: m.id,
          label: m.label,
          severity: m.severity,
          patientsInSweden: m.patientsInSweden,
          term: m.term,
          evidence: ref(p.item, `${m.label}: ”${m.term}”`),
        });
      }
    }
  }
  return [...found.values()];
}

/** The criterion fields importance is computed from. */
export type CriterionScore = Pick<
  CriterionResult,
  'criterionId' | 'weight' | 'points' | 'maxPoints' | 'known'
>;

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

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The two or three reasons that decide the rank, most decisive first (Swedish). */
function decisiveReasons(
  lifecycle: Lifecycle,
  status: { status: ProcessStatus; reason: string },
  council: Council,
  routingReason: string,
  conditions: readonly RecognisedCondition[],
  results: readonly CriterionResult[],
  insufficient: boolean,
  fromConditions: ReadonlySet<string>,
): string[] {
  const reasons: string[] = [];
  if (council === 'utanför' || council === 'TLV') reasons.push(routingReason);
  if (status.status !== 'ej-hanterad') {
    reasons.push(`${capitalise(PROCESS_STATUS_LABELS[status.status])}: ${status.reason}`);
  }
  const stageFacts = lifecycle.decisive.slice(0, 2).map((f) => f.text);
  reasons.push(
    stageFacts.length > 0
      ? `${capitalise(STAGE_LABELS[lifecycle.stage])}: ${stageFacts.join('; ')}.`
      : `Livscykel ${STAGE_LABELS[lifecycle.stage]}: källorna daterar inget godkännande, ingen prövning och ingen marknadsintroduktion.`,
  );
  const worst = [...conditions].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
  if (worst !== undefined) {
    reasons.push(
      `${capitalise(SEVERITY_LABELS[worst.severity])} svårighetsgrad: ${worst.label} (storleksordning ${worst.patientsInSweden.toLocaleString('sv-SE')} patienter i Sverige).`,
    );
  } else if (insufficient) {
    reasons.push(
      'Underlag saknas: inget känt tillstånd och för få kriterier uppfyllda för att bedöma betydelsen.',
    );
  }
  const strongest = results
    .filter((r) => r.known && r.points > 0 && !fromConditions.has(r.criterionId))
    .sort((a, b) => (b.weight * b.points) / b.maxPoints - (a.weight * a.points) / a.maxPoints)[0];
  if (strongest !== undefined) {
    const signal = strongest.signals[0];
    reasons.push(`${strongest.label}${signal === undefined ? '' : `: ${signal.explanation}`}`);
  }
  return reasons.slice(0, 3);
}

/**
 * Evidence dated after the listing names a condition the listing does not, where the listing names
 * one: a new indication of a listed product ("Optune" listed for glioblastoma, "Optune Lua" for
 * lung cancer).
 */
function namesNewCondition(
  entry: CouncilListEntry,
  evidence: readonly PreparedEvidence[],
  index: ConditionIndex,
): boolean {
  const listed = new Set(recogniseConditions(index, entry.text ?? entry.title).map((c) => c.id));
  if (listed.size === 0) return false;
  return evidence.some((p) => {
    const day = (p.item.publishedAt ?? p.item.updatedAt)?.slice(0, 10);
    if (day === undefined || (entry.listedOn !== undefined && day <= entry.listedOn)) return false;
    return recogniseConditions(index, `${p.item.title}. ${p.item.summary ?? ''}`).some(
      (c) => !listed.has(c.id),
    );
  });
}

/** What the evidence says about the councils' handling besides the case register. */
function handlingEvidence(
  candidate: CandidateView,
  evidence: readonly PreparedEvidence[],
  lifecycle: Lifecycle,
  input: ScoringInput,
): HandlingEvidence {
  const handling: HandlingEvidence = {};
  for (const [council, terms] of [
    ['MTP-rådet', input.criteria.status.commissionedByMtp],
    ['NT-rådet', input.criteria.status.commissionedByNt],
  ] as const) {
    const hit = firstMatch(evidence, terms);
    if (hit !== undefined && handling.commissioned === undefined) {
      handling.commissioned = { council, text: hit.text, title: normaliseText(hit.item.title) };
    }
  }
  const listed = (input.councilLists ?? []).filter(
    (entry) => entry.listedOn === undefined || entry.listedOn <= input.asOf,
  );
  const predecessor = listed.find((entry) => isNewerGeneration(entry.title, candidate.name));
  if (predecessor !== undefined) handling.predecessor = predecessor;
  const line = listed.find((entry) => isSameLine(entry.title, candidate.name));
  if (line !== undefined) handling.listedLine = line;
  handling.novel =
    lifecycle.stage === 'pre-market' ||
    lifecycle.timingKey === 'new-indication' ||
    (line !== undefined && namesNewCondition(line, evidence, input.conditions));
  return handling;
}

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

// ---------------------------------------------------------------------------------------------
// Sensitivity: how a candidate's rank moves when one criterion's weight changes

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
