import type { CandidateView } from './candidate.js';
import type { ConditionIndex } from './conditions.js';
import { recogniseConditions } from './conditions.js';
import type { PreparedEvidence } from './evidence-text.js';
import { firstMatch } from './evidence-text.js';
import type { Lifecycle } from './lifecycle.js';
import { normaliseText } from './normalise.js';
import { isNewerGeneration, isSameLine } from './cases.js';
import type { CouncilListEntry, HandlingEvidence } from './routing.js';
import type { ScoringInput } from './score-types.js';

// The evidence of the councils' handling that processStatus weighs besides the case register: a
// commission, a listed predecessor or product line, whether the product is new.

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
export function handlingEvidence(
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
  const listed = input.councilLists?.listedFor(candidate.name, input.asOf) ?? [];
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
