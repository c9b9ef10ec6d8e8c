import type { ProgrammeAreaMatch } from './programme-areas.js';
import type { CandidateKind, CandidateView, EvidenceItem } from './candidate.js';
import {
  canonicalEvidence,
  compareStrings,
  isEuRegistryRecord,
  isNtCouncilDecision,
  isRegistryRecord,
  normaliseLegislation,
  normaliseRiskClass,
} from './candidate.js';
import type { Criterion, Detector, Signal, TriageCriteria } from './criteria.js';
import type { ItemKind } from './item.js';
import type { TokenisedText } from './normalise.js';
import {
  TermMatcher,
  foldForMatching,
  normaliseText,
  snippetAround,
  tokeniseForMatching,
} from './normalise.js';

export interface SignalEvidence {
  itemId: string;
  sourceId: string;
  url: string;
  snippet: string;
}

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
  signals: SignalHit[];
}

export type Band = 'hög' | 'medel' | 'låg';
export type Council = 'MTP-rådet' | 'NT-rådet' | 'båda' | 'utanför';

export interface ScoreResult {
  criteriaVersion: string;
  /** 0..100 integer. */
  total: number;
  band: Band;
  council: Council;
  /** Swedish. */
  routingReason: string;
  /**
   * The evidence the routing rests on (a council list entry, the register record, the words that
   * say "not a medical device", …). Absent in scores stored before criteria 2026.2.
   */
  routingEvidence?: SignalEvidence[];
  /** total >= criteria.nomination.minTotal and council !== 'utanför'. */
  nominate: boolean;
  criteria: CriterionResult[];
  /**
   * The programme areas (NPO) the evidence points at, with what matched (see
   * `matchProgrammeAreas`). Set where the score is stored; absent in scores stored before
   * programme areas were configured.
   */
  programmeAreas?: ProgrammeAreaMatch[];
}

/** Swedish names of item kinds, for explanations and reports. */
export const ITEM_KIND_LABELS: Record<ItemKind, string> = {
  device: 'registerpost (medicinteknisk produkt)',
  ivd: 'registerpost (IVD)',
  drug: 'läkemedel',
  method: 'metod',
  guidance: 'vägledning',
  'safety-notice': 'säkerhetsmeddelande',
  trial: 'klinisk studie',
  news: 'nyhet',
  'hta-report': 'HTA-rapport',
  certificate: 'certifikat',
  regulation: 'rättsakt',
  'council-decision': 'rådsbeslut',
};

const LEGISLATION_LABELS: Record<string, string> = {
  mdr: 'MDR (EU) 2017/745',
  ivdr: 'IVDR (EU) 2017/746',
  mdd: 'MDD 93/42/EEG',
  aimdd: 'AIMDD 90/385/EEG',
  ivdd: 'IVDD 98/79/EG',
};

export function legislationLabel(code: string): string {
  return LEGISLATION_LABELS[code] ?? code.toUpperCase();
}

/** "class-iib" → "IIb", "class-d" → "D", "ivd-general" → "IVD, övriga". */
export function riskClassLabel(code: string): string {
  const m = /^class-(i{1,3}|iv)([ab]?)$/.exec(code);
  if (m?.[1] !== undefined) return `${m[1].toUpperCase()}${m[2] ?? ''}`;
  const ivd = /^class-([abcd])$/.exec(code);
  if (ivd?.[1] !== undefined) return ivd[1].toUpperCase();
  const special: Record<string, string> = {
    'ivd-general': 'IVD, övriga',
    'ivd-annex-ii-list-a': 'IVD, bilaga II lista A',
    'ivd-annex-ii-list-b': 'IVD, bilaga II lista B',
    'ivd-devices-self-testing': 'IVD för självtestning',
  };
  return special[code] ?? code;
}

/** The 21 Swedish regions, with the spellings that identify them in a publisher name. */
const REGIONS: readonly (readonly [string, readonly string[]])[] = [
  ['stockholm', ['stockholm', 'sll']],
  ['uppsala', ['uppsala']],
  ['sormland', ['sormland', 'sodermanland']],
  ['ostergotland', ['ostergotland']],
  ['jonkoping', ['jonkoping']],
  ['kronoberg', ['kronoberg']],
  ['kalmar', ['kalmar']],
  ['gotland', ['gotland']],
  ['blekinge', ['blekinge']],
  ['skane', ['skane']],
  ['halland', ['halland']],
  ['vastra-gotaland', ['vastra gotaland', 'vastra gotalandsregionen', 'vgr']],
  ['varmland', ['varmland']],
  ['orebro', ['orebro']],
  ['vastmanland', ['vastmanland']],
  ['dalarna', ['dalarna']],
  ['gavleborg', ['gavleborg']],
  ['vasternorrland', ['vasternorrland']],
  ['jamtland', ['jamtland', 'harjedalen']],
  ['vasterbotten', ['vasterbotten']],
  ['norrbotten', ['norrbotten']],
];

/** One key per Swedish region, whatever the unit's name ("HTA-centrum Västra Götaland" = "VGR"). */
export function regionKey(region: string): string {
  const folded = ` ${foldForMatching(normaliseText(region))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
  for (const [key, stems] of REGIONS) {
    if (stems.some((stem) => folded.includes(` ${stem}`))) return key;
  }
  return folded.trim();
}

interface PreparedEvidence {
  item: EvidenceItem;
  /** Normalised text fields searched by term detectors, in priority order, split into words once. */
  fields: TokenisedText[];
  riskClass?: string;
  legislation?: string;
}

function prepare(item: EvidenceItem): PreparedEvidence {
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

interface Detection {
  evidence: SignalEvidence[];
  vars: Record<string, string>;
}

const matcherCache = new WeakMap<readonly string[], TermMatcher>();
function matcherFor(terms: readonly string[]): TermMatcher {
  let matcher = matcherCache.get(terms);
  if (matcher === undefined) {
    matcher = new TermMatcher(terms);
    matcherCache.set(terms, matcher);
  }
  return matcher;
}

function ref(item: EvidenceItem, snippet: string): SignalEvidence {
  return { itemId: item.itemId, sourceId: item.sourceId, url: item.url, snippet };
}

/** First term match in an item's fields, as evidence with a snippet; the matched words too. */
function termHit(
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

function uniq(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function quoteTitles(items: readonly EvidenceItem[]): string {
  const titles = items.slice(0, 3).map((e) => `”${normaliseText(e.title)}”`);
  return items.length > 3 ? `${titles.join(', ')} m.fl.` : titles.join(', ');
}

function detect(
  detector: Detector,
  candidate: CandidateView,
  evidence: PreparedEvidence[],
): Detection | undefined {
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
    case 'regional-hta-count': {
      const byRegion = new Map<string, PreparedEvidence[]>();
      for (const p of evidence) {
        if (p.item.kind !== 'hta-report' || p.item.region === undefined || p.item.region.trim() === '') {
          continue;
        }
        const key = regionKey(p.item.region);
        byRegion.set(key, [...(byRegion.get(key) ?? []), p]);
      }
      const count = byRegion.size;
      if (count < detector.min || (detector.max !== undefined && count > detector.max)) return undefined;
      const keys = [...byRegion.keys()].sort(compareStrings);
      const regions = keys.map((k) => normaliseText(byRegion.get(k)?.[0]?.item.region ?? k));
      const hits = keys
        .flatMap((k) => byRegion.get(k) ?? [])
        .sort((a, b) => compareStrings(a.item.itemId, b.item.itemId));
      return {
        evidence: hits.map((p) =>
          ref(p.item, `${normaliseText(p.item.region ?? '')}: ${normaliseText(p.item.title)}`),
        ),
        vars: { count: String(count), regions: regions.join(', ') },
      };
    }
    case 'independent-sources': {
      const firstPerSource = new Map<string, PreparedEvidence>();
      for (const p of evidence) {
        if (!firstPerSource.has(p.item.sourceId)) firstPerSource.set(p.item.sourceId, p);
      }
      if (firstPerSource.size < detector.min) return undefined;
      const sources = [...firstPerSource.keys()].sort(compareStrings);
      return {
        evidence: sources.map((s) => {
          const p = firstPerSource.get(s);
          return p === undefined
            ? { itemId: '', sourceId: s, url: '', snippet: '' }
            : ref(p.item, normaliseText(p.item.title));
        }),
        vars: { count: String(firstPerSource.size), sources: sources.join(', ') },
      };
    }
    case 'evidence-kind': {
      const matcher = detector.terms === undefined ? undefined : matcherFor(detector.terms);
      const hits: SignalEvidence[] = [];
      const items: EvidenceItem[] = [];
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
        items.push(p.item);
      }
      if (hits.length === 0) return undefined;
      return {
        evidence: hits,
        vars: {
          count: String(hits.length),
          titles: quoteTitles(items),
          kinds: uniq(items.map((e) => ITEM_KIND_LABELS[e.kind])).join(', '),
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
  }
}

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function compareSignalEvidence(a: SignalEvidence, b: SignalEvidence): number {
  return compareStrings(a.sourceId, b.sourceId) || compareStrings(a.itemId, b.itemId);
}

function scoreSignal(
  signal: Signal,
  candidate: CandidateView,
  evidence: PreparedEvidence[],
): SignalHit | undefined {
  const detection = detect(signal.detect, candidate, evidence);
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

function scoreCriterion(
  criterion: Criterion,
  candidate: CandidateView,
  evidence: PreparedEvidence[],
): CriterionResult {
  const signals = criterion.signals
    .map((s) => scoreSignal(s, candidate, evidence))
    .filter((s): s is SignalHit => s !== undefined);
  const sum = signals.reduce((acc, s) => acc + s.points, 0);
  return {
    criterionId: criterion.id,
    label: criterion.label,
    weight: criterion.weight,
    points: Math.min(criterion.maxPoints, Math.max(0, sum)),
    maxPoints: criterion.maxPoints,
    signals,
  };
}

function firstMatch(
  evidence: PreparedEvidence[],
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

interface Route {
  council: Council;
  reason: string;
  evidence: SignalEvidence[];
}

/** "MTP-rådets lista", "NT-rådets lista", "MTP-rådets och NT-rådets listor". */
function councilLists(councils: readonly ('MTP-rådet' | 'NT-rådet')[]): string {
  const genitive = councils.map((c) => `${c}s`);
  return genitive.length > 1
    ? `${genitive.join(' och ')} egna listor`
    : `${genitive[0] ?? 'rådets'} egen lista`;
}

/** Which council the candidate belongs to, or why it is out of scope (Swedish), and on what. */
function route(candidate: CandidateView, evidence: PreparedEvidence[], criteria: TriageCriteria): Route {
  const { alreadyHandled, established } = criteria.routing;

  // The councils' own lists: the product is already in national collaboration.
  const handled = evidence.filter(
    (p) => alreadyHandled.kinds.includes(p.item.kind) && alreadyHandled.sourceIds.includes(p.item.sourceId),
  );
  if (handled.length > 0) {
    const councils = (['MTP-rådet', 'NT-rådet'] as const).filter((council) =>
      handled.some((p) => (isNtCouncilDecision(p.item) ? 'NT-rådet' : 'MTP-rådet') === council),
    );
    const entries = handled
      .slice(0, 3)
      .map((p) => `”${normaliseText(p.item.title)}” (${p.item.url})`)
      .join(', ');
    return {
      council: 'utanför',
      reason: `Redan i nationell samverkan enligt ${councilLists(councils)}: ${entries}${handled.length > 3 ? ' m.fl.' : ''}. Kandidaten hanteras redan av ${councils.join(' och ')} och nomineras inte på nytt; ny evidens kan i stället lämnas till rådet som underlag för en omprövning.`,
      evidence: handled.map((p) => ref(p.item, normaliseText(p.item.publicationType ?? p.item.title))),
    };
  }

  const outOfScope = firstMatch(evidence, criteria.routing.outOfScopeTerms);
  if (outOfScope !== undefined) {
    return {
      council: 'utanför',
      reason: `Inte en medicinteknisk produkt: källan ”${normaliseText(outOfScope.item.title)}” anger ”${outOfScope.text}”. Produkten är varken en medicinteknisk produkt enligt MDR/IVDR eller ett läkemedel och ligger utanför MTP-rådets och NT-rådets uppdrag.`,
      evidence: [ref(outOfScope.item, outOfScope.snippet)],
    };
  }

  const registry = evidence.filter((p) => isRegistryRecord(p.item));
  const withStatus = registry.filter((p) => p.item.product?.marketStatus !== undefined);
  if (
    withStatus.length > 0 &&
    withStatus.length === registry.length &&
    withStatus.every((p) =>
      (p.item.product?.marketStatus ?? '').toLowerCase().endsWith('no-longer-on-the-market'),
    )
  ) {
    return {
      council: 'utanför',
      reason:
        'Produkten finns enligt registret inte längre på marknaden; den är inte aktuell för ordnat införande.',
      evidence: withStatus.map((p) => ref(p.item, `Marknadsstatus: ${p.item.product?.marketStatus ?? ''}`)),
    };
  }

  // Established on the market: registered only under the pre-MDR directives, or called so.
  if (candidate.kind === 'device' || candidate.kind === 'ivd') {
    const legacy = new Set(established.legislation.map((l) => normaliseLegislation(l) ?? l));
    const eu = registry.filter((p) => isEuRegistryRecord(p.item) && p.legislation !== undefined);
    if (eu.length > 0 && eu.every((p) => legacy.has(p.legislation ?? ''))) {
      const labels = uniq(eu.map((p) => legislationLabel(p.legislation ?? ''))).join(', ');
      return {
        council: 'utanför',
        reason: `Etablerad produkt: registrerad i EUDAMED enbart enligt äldre direktiv (${labels}), alltså släppt på marknaden före MDR/IVDR. Nationellt ordnat införande omfattar inte produkter som redan är etablerade på marknaden.`,
        evidence: eu.map((p) =>
          ref(p.item, `Tillämplig lagstiftning: ${legislationLabel(p.legislation ?? '')}`),
        ),
      };
    }
  }
  const called = firstMatch(evidence, established.terms);
  if (called !== undefined) {
    return {
      council: 'utanför',
      reason: `Etablerad ${candidate.kind === 'method' ? 'metod' : 'produkt'}: källan ”${normaliseText(called.item.title)}” anger ”${called.text}”. Nationellt ordnat införande omfattar inte produkter och terapiområden som redan är etablerade på marknaden.`,
      evidence: [ref(called.item, called.snippet)],
    };
  }

  return routeByKind(candidate, evidence, registry, criteria);
}

function routeByKind(
  candidate: CandidateView,
  evidence: PreparedEvidence[],
  registry: PreparedEvidence[],
  criteria: TriageCriteria,
): Route {
  const basis = (items: readonly PreparedEvidence[]): SignalEvidence[] =>
    items.map((p) => ref(p.item, normaliseText(p.item.title)));
  const drugItems = evidence.filter((p) => p.item.kind === 'drug');
  const hasDrugItems = evidence.some((p) => p.item.kind === 'drug');
  const hasDeviceItems = evidence.some(
    (p) => p.item.kind === 'device' || p.item.kind === 'ivd' || isRegistryRecord(p.item),
  );

  switch (candidate.kind) {
    case 'drug':
      return hasDeviceItems
        ? {
            council: 'båda',
            reason:
              'Läkemedel som enligt källorna också omfattar en medicinteknisk produkt: NT-rådet bedömer läkemedlet och MTP-rådet den medicintekniska delen.',
            evidence: basis(evidence.filter((p) => p.item.kind === 'drug' || isRegistryRecord(p.item))),
          }
        : {
            council: 'NT-rådet',
            reason: 'Läkemedel: nya terapier bedöms av NT-rådet.',
            evidence: basis(drugItems.length > 0 ? drugItems : evidence),
          };
    case 'device':
    case 'ivd': {
      const what =
        candidate.kind === 'ivd'
          ? 'Medicinteknisk produkt för in vitro-diagnostik'
          : 'Medicinteknisk produkt';
      const legislation = uniq(
        registry.map((p) => p.legislation).filter((l): l is string => l !== undefined),
      );
      const classes = uniq(registry.map((p) => p.riskClass).filter((c): c is string => c !== undefined));
      const facts = [
        ...legislation.map((l) => legislationLabel(l)),
        ...classes.map((c) => `riskklass ${riskClassLabel(c)}`),
      ].join(', ');
      const eu = registry.some((p) => isEuRegistryRecord(p.item));
      // A drug in a device list (a safety notice list, a register outside the EU): the sources say
      // "läkemedel" and nothing says medical device, and EUDAMED does not register it.
      if (!eu && !hasDrugItems) {
        const drug = firstMatch(evidence, criteria.routing.drugTerms);
        const device = firstMatch(evidence, criteria.routing.deviceTerms);
        if (drug !== undefined && device === undefined) {
          return {
            council: 'NT-rådet',
            reason: `Läkemedel i en förteckning över medicintekniska produkter: källan ”${normaliseText(drug.item.title)}” anger ”${drug.text}”, och ingen källa beskriver en medicinteknisk produkt eller en registrering i EUDAMED. Läkemedel bedöms av NT-rådet, inte av MTP-rådet.`,
            evidence: [ref(drug.item, drug.snippet)],
          };
        }
      }
      const others = uniq(registry.filter((p) => !isEuRegistryRecord(p.item)).map((p) => p.item.sourceId));
      const base = eu
        ? `${what} registrerad i EUDAMED${facts === '' ? '' : ` (${facts})`}`
        : others.length > 0
          ? `${what} enligt registeruppgifter utanför EU (${others.join(', ')}); CE-märkning enligt MDR/IVDR är inte bekräftad i källorna`
          : `${what} (CE-märkning enligt MDR/IVDR är inte bekräftad i källorna)`;
      const legacyOnly =
        legislation.length > 0 && legislation.every((l) => l === 'mdd' || l === 'aimdd' || l === 'ivdd');
      const legacyNote = legacyOnly
        ? ' Produkten är registrerad under äldre direktiv; kontrollera om den redan är etablerad.'
        : '';
      const registryBasis = basis(registry.length > 0 ? registry : evidence);
      if (hasDrugItems) {
        return {
          council: 'båda',
          reason: `${base}; källorna omfattar även läkemedel, så både MTP-rådet och NT-rådet berörs.${legacyNote}`,
          evidence: [...registryBasis, ...basis(drugItems)],
        };
      }
      return {
        council: 'MTP-rådet',
        reason: `${base}: MTP-rådet rekommenderar om medicintekniska produkter enligt MDR/IVDR.${legacyNote}`,
        evidence: registryBasis,
      };
    }
    case 'method': {
      const device = firstMatch(evidence, criteria.routing.deviceTerms);
      const drug = firstMatch(evidence, criteria.routing.drugTerms);
      if (device !== undefined && drug !== undefined) {
        return {
          council: 'båda',
          reason: `Metoden bygger både på medicintekniska produkter (”${device.text}”) och läkemedel (”${drug.text}”).`,
          evidence: [ref(device.item, device.snippet), ref(drug.item, drug.snippet)],
        };
      }
      if (device !== undefined) {
        return {
          council: 'MTP-rådet',
          reason: `Metoden bygger på medicintekniska produkter (”${device.text}”); MTP-rådet kan bedöma metoden i stället för en enskild produkt när flera produkter konkurrerar.`,
          evidence: [ref(device.item, device.snippet)],
        };
      }
      if (drug !== undefined) {
        return {
          council: 'NT-rådet',
          reason: `Metoden gäller läkemedel (”${drug.text}”); nya terapier bedöms av NT-rådet.`,
          evidence: [ref(drug.item, drug.snippet)],
        };
      }
      return {
        council: 'utanför',
        reason:
          'Inte en medicinteknisk produkt: metoden omfattar ingen identifierad medicinteknisk produkt eller något läkemedel i källorna; den ligger utanför rådens uppdrag och kan hanteras regionalt eller av SBU.',
        evidence: basis(evidence),
      };
    }
  }
}

/** The criterion fields the total is computed from. */
export type CriterionScore = Pick<CriterionResult, 'criterionId' | 'weight' | 'points' | 'maxPoints'>;

/**
 * Total = Σ weight·points/maxPoints ÷ Σ weight, as an integer 0–100; `weights` overrides the
 * weight of some criteria (by id). The one formula for scoring and for sensitivity analysis.
 */
export function totalOf(
  results: readonly CriterionScore[],
  weights: ReadonlyMap<string, number> = new Map(),
): number {
  let weightSum = 0;
  let weighted = 0;
  for (const r of results) {
    const weight = weights.get(r.criterionId) ?? r.weight;
    weightSum += weight;
    weighted += (weight * r.points) / r.maxPoints;
  }
  // Rounded twice so that float noise (59.99999…) cannot flip a band boundary.
  return weightSum === 0 ? 0 : Math.round(Number(((100 * weighted) / weightSum).toFixed(6)));
}

function bandOf(total: number, criteria: TriageCriteria): Band {
  if (total >= criteria.bands.hög) return 'hög';
  if (total >= criteria.bands.medel) return 'medel';
  return 'låg';
}

/**
 * Scores a candidate against the triage criteria. Deterministic: evidence is put in canonical
 * order first, criteria and signals keep the configuration's order, and the evidence behind each
 * signal is sorted. Criteria that do not apply to the candidate's kind are left out (of the
 * result and of the normalisation). Total = Σ weight·points/maxPoints ÷ Σ weight, as 0–100.
 */
export function scoreCandidate(candidate: CandidateView, criteria: TriageCriteria): ScoreResult {
  const evidence = canonicalEvidence(candidate.evidence).map(prepare);
  const results = criteria.criteria
    .filter((c) => applies(c, candidate.kind))
    .map((c) => scoreCriterion(c, candidate, evidence));
  const total = totalOf(results);
  const routed = route(candidate, evidence, criteria);
  return {
    criteriaVersion: criteria.version,
    total,
    band: bandOf(total, criteria),
    council: routed.council,
    routingReason: routed.reason,
    routingEvidence: [...routed.evidence].sort(compareSignalEvidence),
    nominate: total >= criteria.nomination.minTotal && routed.council !== 'utanför',
    criteria: results,
  };
}

// ---------------------------------------------------------------------------------------------
// Sensitivity: how a candidate's rank moves when one criterion's weight changes

/** A scored candidate as far as ranking is concerned. */
export interface ScoredCandidate {
  id: string;
  criteria: readonly CriterionScore[];
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
 * stored per-criterion points with {@link totalOf}, the formula scoring uses, and ranks with
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
    new Map(candidates.map((c) => [c.id, totalOf(c.criteria, weights)]));
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
