import type { EvidenceItem } from './candidate.js';
import { compareStrings, normaliseLegislation, normaliseRiskClass } from './candidate.js';
import type { TokenisedText } from './normalise.js';
import { TermMatcher, normaliseText, snippetAround, tokeniseForMatching } from './normalise.js';

/** Where a signal, a route or a lifecycle fact was read: an item and the words shown from it. */
export interface SignalEvidence {
  itemId: string;
  sourceId: string;
  url: string;
  snippet: string;
}

export interface PreparedEvidence {
  item: EvidenceItem;
  /** Normalised text fields searched by term detectors, in priority order, split into words once. */
  fields: TokenisedText[];
  riskClass?: string;
  legislation?: string;
}

export function prepare(item: EvidenceItem): PreparedEvidence {
  const fields = [item.title, item.summary, item.product?.tradeName, item.publicationType]
    .filter((f): f is string => f !== undefined)
    .map((f) => normaliseText(f))
    .filter((f) => f !== '')
    .map((f) => tokeniseForMatching(f));
  const prepared: PreparedEvidence = { item, fields };
  const riskClass =
    item.product?.riskClass === undefined ? undefined : normaliseRiskClass(item.product.riskClass);
  if (riskClass !== undefined) prepared.riskClass = riskClass;
  const legislation =
    item.product?.legislation === undefined ? undefined : normaliseLegislation(item.product.legislation);
  if (legislation !== undefined) prepared.legislation = legislation;
  return prepared;
}

const matcherCache = new WeakMap<readonly string[], TermMatcher>();
export function matcherFor(terms: readonly string[]): TermMatcher {
  let matcher = matcherCache.get(terms);
  if (matcher === undefined) {
    matcher = new TermMatcher(terms);
    matcherCache.set(terms, matcher);
  }
  return matcher;
}

export function ref(item: EvidenceItem, snippet: string): SignalEvidence {
  return { itemId: item.itemId, sourceId: item.sourceId, url: item.url, snippet };
}

/** First term match in an item's fields, as evidence with a snippet; the matched words too. */
export function termHit(
  p: PreparedEvidence,
  matcher: TermMatcher,
): { evidence: SignalEvidence; words: string[] } | undefined {
  const words: string[] = [];
  let evidence: SignalEvidence | undefined;
  for (const field of p.fields) {
    const found = matcher.find(field);
    if (found.length === 0) continue;
    const first = found.reduce((a, b) => (b.index < a.index ? b : a));
    evidence ??= ref(p.item, snippetAround(field.text, first.index, first.length));
    for (const m of found) words.push(m.text.toLowerCase());
  }
  return evidence === undefined ? undefined : { evidence, words };
}

export function uniq(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function firstMatch(
  evidence: readonly PreparedEvidence[],
  terms: readonly string[],
): { item: EvidenceItem; text: string; snippet: string } | undefined {
  const matcher = matcherFor(terms);
  for (const p of evidence) {
    for (const field of p.fields) {
      const found = matcher.find(field);
      const first = found[0];
      if (first !== undefined) {
        return {
          item: p.item,
          text: first.text,
          snippet: snippetAround(field.text, first.index, first.length),
        };
      }
    }
  }
  return undefined;
}

export function compareSignalEvidence(a: SignalEvidence, b: SignalEvidence): number {
  return compareStrings(a.sourceId, b.sourceId) || compareStrings(a.itemId, b.itemId);
}
