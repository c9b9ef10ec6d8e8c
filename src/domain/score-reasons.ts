import { SEVERITY_LABELS, severityRank } from './conditions.js';
import type { Lifecycle } from './lifecycle.js';
import { STAGE_LABELS } from './lifecycle.js';
import type { Council, ProcessStatus } from './routing.js';
import { PROCESS_STATUS_LABELS } from './routing.js';
import type { CriterionResult, RecognisedCondition } from './score-types.js';

// The reasons shown first with a score (Swedish), chosen from the parts of the score.

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The two or three reasons that decide the rank, most decisive first (Swedish). */
export function decisiveReasons(
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
