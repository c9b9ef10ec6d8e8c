import type { CandidateKind, CandidateView } from './candidate.js';
import { compareStrings, normaliseLegislation, normaliseRiskClass } from './candidate.js';
import type { ConditionIndex } from './conditions.js';
import { SEVERITY_LABELS, recogniseConditions } from './conditions.js';
import { DRUG_SIGNAL_FACT_LABELS, drugFactHolds } from './drugs.js';
import type { Criterion, Detector, Signal } from './criteria.js';
import type { PreparedEvidence, SignalEvidence } from './evidence-text.js';
import { compareSignalEvidence, matcherFor, ref, termHit, uniq } from './evidence-text.js';
import { ITEM_KIND_LABELS, legislationLabel, riskClassLabel } from './labels.js';
import { normaliseText } from './normalise.js';
import type { CriterionResult, RecognisedCondition, SignalHit } from './score-types.js';

/**
 * Detection: which of a criterion's signals the evidence shows, with the evidence quoted, and which
 * conditions it names.
 */

interface Detection {
  evidence: SignalEvidence[];
  vars: Record<string, string>;
}

export interface DetectionContext {
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
        const sourceKind = p.item.sourceProfile?.kind;
        if (
          detector.sourceKinds !== undefined &&
          (sourceKind === undefined || !detector.sourceKinds.includes(sourceKind))
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

export function applies(criterion: Criterion, kind: CandidateKind): boolean {
  return criterion.appliesTo === undefined || criterion.appliesTo.includes(kind);
}

export function scoreCriterion(criterion: Criterion, ctx: DetectionContext): CriterionResult {
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
export function recogniseAll(
  evidence: readonly PreparedEvidence[],
  index: ConditionIndex,
): RecognisedCondition[] {
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
