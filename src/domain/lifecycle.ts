import type { CandidateKind, EvidenceItem } from './candidate.js';
import { canonicalEvidence, compareStrings, isEuRegistryRecord, normaliseLegislation } from './candidate.js';
import { formatSwedishDate, parseSourceDate, parseSourceMonth } from './dates.js';
import { drugStageFacts } from './drugs.js';
import { matcherFor } from './evidence-text.js';
import type { TokenisedText } from './normalise.js';
import { foldForMatching, normaliseText, tokeniseForMatching } from './normalise.js';

/**
 * Where a product stands on its way into Swedish care, judged from the dates its evidence states
 * (certificate start, registration, trial, approval, assessment dates), never from when Horisont
 * first saw a document:
 * - `pre-market`: nothing says it is on the EU market yet; a trial runs, it is approved abroad
 *   first, designated as a breakthrough, or a horizon-scanning notice names it;
 * - `market-entry`: its first EU market fact (certificate, CE marking, EU approval, first Nordic
 *   decision, first safety notice) is recent, or a new indication or generation is coming;
 * - `established`: on the market for years (an old certificate, an old assessment, a registration
 *   under the pre-MDR directives, called established by a source);
 * - `withdrawn`: no longer on the market according to every register that says;
 * - `unknown`: the evidence dates nothing of the kind.
 */
export type LifecycleStage = 'pre-market' | 'market-entry' | 'established' | 'withdrawn' | 'unknown';

export const LIFECYCLE_STAGES: readonly LifecycleStage[] = [
  'pre-market',
  'market-entry',
  'established',
  'withdrawn',
  'unknown',
];

export const STAGE_LABELS: Record<LifecycleStage, string> = {
  'pre-market': 'före marknad',
  'market-entry': 'marknadsintroduktion',
  established: 'etablerad',
  withdrawn: 'inte längre på marknaden',
  unknown: 'okänd',
};

/** Which weight of the configuration a judgement takes (`lifecycle.timing` in the criteria). */
export type TimingKey =
  | 'pre-market'
  | 'market-entry-fresh'
  | 'market-entry'
  | 'market-entry-undated'
  | 'market-entry-assessed'
  | 'new-indication'
  | 'unknown'
  | 'established'
  | 'withdrawn';

export type LifecycleFactKind =
  | 'trial-ongoing'
  | 'trial-completed'
  | 'foreign-approval'
  | 'foreign-supplement'
  | 'designation'
  | 'early-notice'
  | 'not-yet-approved'
  | 'eu-certificate'
  | 'certificate-supplement'
  | 'eu-registration'
  | 'legacy-registration'
  | 'ce-marked'
  | 'eu-approval'
  | 'nordic-decision'
  | 'swedish-reimbursement'
  | 'safety-notice'
  | 'assessment'
  | 'council-listed'
  | 'new-indication'
  | 'called-established'
  | 'withdrawn';

/** One dated (or undated) fact about where the product stands, with the evidence it comes from. */
export interface LifecycleFact {
  kind: LifecycleFactKind;
  /** ISO date (a month's facts carry its first day); absent when the source gives none. */
  date?: string;
  /** Swedish, for the report and the workbench. */
  text: string;
  itemId: string;
  sourceId: string;
  url: string;
}

export interface Lifecycle {
  stage: LifecycleStage;
  timingKey: TimingKey;
  /** How much "now is the time" weighs, 0..1, from `lifecycle.timing`. */
  timing: number;
  /** The facts that decide the stage, oldest first (undated last). */
  decisive: LifecycleFact[];
  /** All facts found, oldest first (undated last). */
  facts: LifecycleFact[];
  /** When the product can be expected in Swedish care, in Swedish, as far as the evidence says. */
  expected: string;
  /** The day judged (the run's as-of date). */
  asOf: string;
  /**
   * The next day on which the same evidence would be judged differently (a fact leaving the fresh
   * or the entry window); absent when nothing ages. The nightly run judges the candidate again then.
   */
  reviewOn?: string;
}

export interface LifecycleTerms {
  breakthrough: readonly string[];
  notCeMarked: readonly string[];
  notYetApproved: readonly string[];
  euApproval: readonly string[];
  newIndication: readonly string[];
  established: readonly string[];
  earlyNotice: readonly string[];
  reimbursement: readonly string[];
  /** Publication types that answer an enquiry rather than assess a method (SBU's enquiry service). */
  notAssessments: readonly string[];
}

export interface LifecycleSettings {
  /** Months after the first EU market fact during which a product counts as entering the market. */
  entryMonths: number;
  /** Months during which a fact counts as fresh. */
  freshMonths: number;
  legacyLegislation: readonly string[];
  timing: Record<TimingKey, number>;
  terms: LifecycleTerms;
}

const ONGOING_TRIAL = new Set([
  'RECRUITING',
  'NOT_YET_RECRUITING',
  'ACTIVE_NOT_RECRUITING',
  'ENROLLING_BY_INVITATION',
]);

/** Facts that say the product is on the EU (or Nordic) market. */
const MARKET_FACTS: ReadonlySet<LifecycleFactKind> = new Set([
  'eu-certificate',
  'certificate-supplement',
  'eu-registration',
  'legacy-registration',
  'ce-marked',
  'eu-approval',
  'nordic-decision',
  'swedish-reimbursement',
  'safety-notice',
  'council-listed',
]);

const PRE_MARKET_FACTS: ReadonlySet<LifecycleFactKind> = new Set([
  'trial-ongoing',
  'foreign-approval',
  'designation',
  'early-notice',
  'not-yet-approved',
]);

/**
 * Market facts whose date is when the product reached the market (a first certificate, CE
 * marking, an EU approval, a first decision or listing). A registration, a supplement or a safety
 * notice only says it was on the market by then.
 */
const ENTRY_FACTS: ReadonlySet<LifecycleFactKind> = new Set([
  'eu-certificate',
  'ce-marked',
  'eu-approval',
  'nordic-decision',
  'swedish-reimbursement',
  'council-listed',
]);

/** Facts whose date, when old, says the product has been in use for years. */
const AGEING_FACTS: ReadonlySet<LifecycleFactKind> = new Set([...MARKET_FACTS, 'assessment']);

function textOf(item: EvidenceItem): string {
  return normaliseText([item.title, item.summary ?? ''].join(' '));
}

// An item is searched for up to nine term lists: its text is normalised and split into words once.
const tokenised = new WeakMap<EvidenceItem, TokenisedText>();

function mentions(item: EvidenceItem, terms: readonly string[]): string | undefined {
  if (terms.length === 0) return undefined;
  let words = tokenised.get(item);
  if (words === undefined) {
    words = tokeniseForMatching(textOf(item));
    tokenised.set(item, words);
  }
  return matcherFor(terms).find(words)[0]?.text;
}

/** The item's own date: published, else updated (Nye Metoder dates its notices only by update). */
function dayOf(item: EvidenceItem): string | undefined {
  const value = item.publishedAt ?? item.updatedAt;
  return value === undefined ? undefined : value.slice(0, 10);
}

export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** "mars 2026" for a month's first day, "12 mars 2026" otherwise. */
export function swedishDay(day: string, monthOnly = false): string {
  const formatted = formatSwedishDate(day) ?? day;
  return monthOnly ? formatted.replace(/^\d+ /, '') : formatted;
}

/**
 * The month-or-day a sentence gives after a phrase: "CE-märktes i januari 2026", "CE-merket
 * (MDR klasse IIa) i august 2026", "CHMP ga positiv uttalelse 15.10.2026".
 */
function dateAfter(text: string, phrase: RegExp): { date: string; monthOnly: boolean } | undefined {
  const match = phrase.exec(text);
  if (match === null) return undefined;
  const rest = text.slice(match.index + match[0].length, match.index + match[0].length + 80);
  const numeric = /(\d{1,2})\.(\d{1,2})\.(\d{4})/.exec(rest);
  const month = /\b(?:i|in)\s+([\p{L}]+\s+\d{4})/u.exec(rest);
  if (numeric !== null && (month === null || numeric.index < month.index)) {
    const day = parseSourceDate(
      `${numeric[3]}-${numeric[2]!.padStart(2, '0')}-${numeric[1]!.padStart(2, '0')}`,
    );
    return day === undefined ? undefined : { date: day, monthOnly: false };
  }
  if (month !== null) {
    const first = parseSourceMonth(month[1]!);
    return first === undefined ? undefined : { date: `${first.slice(0, 7)}-01`, monthOnly: true };
  }
  return undefined;
}

const CE_PHRASE =
  /\b(?:ce-märkt\p{L}*|ce-merk\p{L}*|ce[- ]mark\p{L}*)(?:\s*\([^)]*\))?(?:\s+etter\s+\p{L}+)?/iu;
const EU_APPROVAL_PHRASE =
  /\b(?:chmp\s+(?:ga|gav|gave|adopted|lämnade)\s+(?:en\s+)?positiv\p{L}*\s+(?:uttalelse|yttrande|opinion)|(?:betinget\s+)?markedsføringstillatelse\s+i\s+eu|(?:villkorat\s+)?godkännande\s+för\s+försäljning\s+i\s+eu|marketing\s+authori[sz]ation\s+in\s+the\s+eu)/iu;

function factOf(
  item: EvidenceItem,
  kind: LifecycleFactKind,
  text: string,
  date: string | undefined,
): LifecycleFact {
  return {
    kind,
    ...(date === undefined ? {} : { date }),
    text,
    itemId: item.itemId,
    sourceId: item.sourceId,
    url: item.url,
  };
}

function trialFacts(item: EvidenceItem): LifecycleFact[] {
  const status = /\bStatus:\s*([A-Z_]+)\./.exec(item.summary ?? '')?.[1];
  const sweden = /Sweden \(([^)]*)\)/.exec(item.summary ?? '')?.[1];
  const where = sweden === undefined ? '' : ` med svenska prövningsställen (${sweden})`;
  const day = dayOf(item);
  const since = day === undefined ? '' : `, registrerad ${swedishDay(day)}`;
  if (status !== undefined && ONGOING_TRIAL.has(status)) {
    return [factOf(item, 'trial-ongoing', `Klinisk prövning pågår${where}${since}`, day)];
  }
  return [
    factOf(
      item,
      'trial-completed',
      `Klinisk prövning ${status === 'COMPLETED' ? 'avslutad' : 'inte pågående'}${since}`,
      day,
    ),
  ];
}

function foreignApprovalFacts(item: EvidenceItem): LifecycleFact[] {
  const type = item.publicationType ?? '';
  const day = dayOf(item);
  const when = day === undefined ? '' : ` ${swedishDay(day)}`;
  if (/supplement/i.test(type)) {
    // A design change approved as a supplement is often the next version of the device.
    return /Reason: Change Design/i.test(item.summary ?? '')
      ? [
          factOf(
            item,
            'foreign-approval',
            `Ny version godkänd i USA (FDA ${type}, designändring)${when}`,
            day,
          ),
        ]
      : [factOf(item, 'foreign-supplement', `Ändring av befintligt FDA-godkännande (${type})${when}`, day)];
  }
  if (/^(PMA|De Novo|510\(k\)|HDE)/i.test(type)) {
    return [factOf(item, 'foreign-approval', `Godkänd i USA (FDA ${type})${when}`, day)];
  }
  return [];
}

function certificateFacts(item: EvidenceItem): LifecycleFact[] {
  // The certificate's own fields (from its detail record) when read, else the listing's summary.
  const summary = item.summary ?? '';
  const status = (item.certificate?.status ?? /\bStatus:\s*([\p{L} -]+)\./u.exec(summary)?.[1])
    ?.trim()
    .toLowerCase();
  const issued = item.certificate?.issuedOn?.slice(0, 10);
  const from = item.certificate?.validFrom?.slice(0, 10);
  // A supplement is dated by the version it made; a first issue by its issue date.
  const validFrom =
    (status === 'supplemented' ? (from ?? issued) : (issued ?? from)) ??
    /Valid from (\d{4}-\d{2}-\d{2})/.exec(summary)?.[1] ??
    dayOf(item);
  if (status !== undefined && /withdrawn|suspended|expired|refused|återkall|indrag/.test(status)) return [];
  const when = validFrom === undefined ? '' : ` ${swedishDay(validFrom)}`;
  if (status === 'supplemented') {
    return [factOf(item, 'certificate-supplement', `EU-certifikat kompletterat${when}`, validFrom)];
  }
  return [factOf(item, 'eu-certificate', `EU-certifikat utfärdat${when}`, validFrom)];
}

function registryFacts(item: EvidenceItem, settings: LifecycleSettings): LifecycleFact[] {
  const status = item.product?.marketStatus?.toLowerCase() ?? '';
  if (status.endsWith('no-longer-on-the-market')) {
    return [factOf(item, 'withdrawn', 'Inte längre på marknaden enligt EUDAMED', undefined)];
  }
  const legislation =
    item.product?.legislation === undefined ? undefined : normaliseLegislation(item.product.legislation);
  const legacy = new Set(settings.legacyLegislation.map((l) => normaliseLegislation(l) ?? l));
  if (legislation !== undefined && legacy.has(legislation)) {
    return [
      factOf(
        item,
        'legacy-registration',
        `Registrerad i EUDAMED enligt äldre direktiv (${legislation.toUpperCase()})`,
        undefined,
      ),
    ];
  }
  if (legislation !== undefined) {
    return [
      factOf(item, 'eu-registration', `Registrerad i EUDAMED enligt ${legislation.toUpperCase()}`, undefined),
    ];
  }
  return [];
}

/** What a text says about approval and marketing, in any source. */
function textFacts(item: EvidenceItem, settings: LifecycleSettings): LifecycleFact[] {
  const { terms } = settings;
  const text = textOf(item);
  const day = dayOf(item);
  const facts: LifecycleFact[] = [];
  const notCe = mentions(item, terms.notCeMarked);
  if (notCe !== undefined) facts.push(factOf(item, 'not-yet-approved', `Inte CE-märkt (”${notCe}”)`, day));
  else {
    const ce = dateAfter(text, CE_PHRASE);
    if (ce !== undefined) {
      facts.push(factOf(item, 'ce-marked', `CE-märkt ${swedishDay(ce.date, ce.monthOnly)}`, ce.date));
    }
  }
  const approval = dateAfter(text, EU_APPROVAL_PHRASE);
  if (approval !== undefined) {
    facts.push(
      factOf(
        item,
        'eu-approval',
        `Godkännande i EU (positivt CHMP-yttrande eller godkännande) ${swedishDay(approval.date, approval.monthOnly)}`,
        approval.date,
      ),
    );
  } else {
    const approved = mentions(item, terms.euApproval);
    if (approved !== undefined) facts.push(factOf(item, 'eu-approval', `Godkänt i EU (”${approved}”)`, day));
  }
  const pending = mentions(item, terms.notYetApproved);
  if (pending !== undefined && approval === undefined) {
    facts.push(factOf(item, 'not-yet-approved', `Ännu inte godkänt (”${pending}”)`, day));
  }
  const designation = mentions(item, terms.breakthrough);
  if (designation !== undefined) {
    facts.push(
      factOf(item, 'designation', `Särskild status för genombrottsteknik i USA (”${designation}”)`, day),
    );
  }
  const indication = mentions(item, terms.newIndication);
  if (indication !== undefined) {
    facts.push(
      factOf(item, 'new-indication', `Ny indikation eller utvidgad användning (”${indication}”)`, day),
    );
  }
  const called = mentions(item, terms.established);
  if (called !== undefined) {
    facts.push(factOf(item, 'called-established', `Beskrivs som etablerad (”${called}”)`, day));
  }
  return facts;
}

function kindFacts(item: EvidenceItem, settings: LifecycleSettings): LifecycleFact[] {
  const day = dayOf(item);
  const when = day === undefined ? '' : ` ${swedishDay(day)}`;
  const type = item.publicationType ?? '';
  if (item.kind === 'trial') return trialFacts(item);
  if (item.drug?.event !== undefined) {
    return drugStageFacts(item.drug, (d) => swedishDay(d)).map((f) => factOf(item, f.kind, f.text, f.date));
  }
  if (item.kind === 'certificate') return certificateFacts(item);
  if (item.kind === 'safety-notice') {
    return [factOf(item, 'safety-notice', `Säkerhetsmeddelande i Sverige${when}`, day)];
  }
  if (item.kind === 'council-decision') {
    return [factOf(item, 'council-listed', `På rådens lista${when}`, day)];
  }
  if (isEuRegistryRecord(item)) return registryFacts(item, settings);
  if (/^(PMA|De Novo|510\(k\)|HDE)/i.test(type)) return foreignApprovalFacts(item);
  if (item.kind === 'hta-report' || item.kind === 'method' || item.kind === 'guidance') {
    if (settings.terms.notAssessments.some((t) => foldForMatching(t) === foldForMatching(type))) return [];
    return [factOf(item, 'assessment', `Bedömning: ”${normaliseText(item.title)}”${when}`, day)];
  }
  const notice =
    mentions(item, settings.terms.earlyNotice) ??
    (/metodevarsel|under metodevurdering/i.test(type) ? type : undefined);
  if (notice !== undefined) return [factOf(item, 'early-notice', `Tidig varning (${notice})${when}`, day)];
  if (/beslutning/i.test(type)) {
    const decided = /innføres ikke/i.test(item.summary ?? '') ? 'inte infört' : 'infört';
    return [factOf(item, 'nordic-decision', `Beslut i Nye Metoder (Norge): ${decided}${when}`, day)];
  }
  const reimbursed = mentions(item, settings.terms.reimbursement);
  if (reimbursed !== undefined && item.kind !== 'device') {
    return [factOf(item, 'swedish-reimbursement', `TLV: ”${reimbursed}”${when}`, day)];
  }
  return [];
}

/**
 * Oldest first, undated last; ties by what the facts say and where, never by item ids, which
 * depend on the order sources were read in.
 */
function compareFacts(a: LifecycleFact, b: LifecycleFact): number {
  if (a.date !== b.date) {
    if (a.date === undefined) return 1;
    if (b.date === undefined) return -1;
    return compareStrings(a.date, b.date);
  }
  return (
    compareStrings(a.sourceId, b.sourceId) ||
    compareStrings(a.url, b.url) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.text, b.text)
  );
}

/** Every fact the evidence gives, known on `asOf` (facts dated later are not yet known). */
export function lifecycleFacts(
  evidence: readonly EvidenceItem[],
  asOf: string,
  settings: LifecycleSettings,
): LifecycleFact[] {
  const facts: LifecycleFact[] = [];
  for (const item of canonicalEvidence(evidence)) {
    const own = dayOf(item);
    if (own !== undefined && own > asOf) continue;
    facts.push(...kindFacts(item, settings), ...textFacts(item, settings));
  }
  return facts.filter((f) => f.date === undefined || f.date <= asOf).sort(compareFacts);
}

function expectedText(stage: LifecycleStage, facts: readonly LifecycleFact[], kind: CandidateKind): string {
  const latest = (k: LifecycleFactKind): LifecycleFact | undefined =>
    facts.filter((f) => f.kind === k).at(-1);
  const parts: string[] = [];
  const first = (k: LifecycleFactKind): LifecycleFact | undefined => facts.find((f) => f.kind === k);
  const approval = first('foreign-approval');
  const trial = latest('trial-ongoing');
  const certificate = first('eu-certificate') ?? first('ce-marked') ?? first('eu-approval');
  if (certificate !== undefined) parts.push(certificate.text);
  if (approval !== undefined) parts.push(approval.text);
  if (trial !== undefined) parts.push(trial.text);
  const facts3 = parts.slice(0, 3).join('; ');
  const lead = facts3 === '' ? '' : `${facts3}. `;
  const product = kind === 'drug' ? 'Läkemedlet' : kind === 'method' ? 'Metoden' : 'Produkten';
  // Swedish agreement: "läkemedlet är godkänt, det", "produkten är godkänd, den".
  const neuter = kind === 'drug';
  switch (stage) {
    case 'pre-market':
      return `${lead}${product} är ännu inte ${neuter ? 'godkänt' : 'godkänd'} för EU-marknaden; ${neuter ? 'det' : 'den'} kan väntas i svensk vård tidigast när ${neuter ? 'godkännande i EU' : 'CE-märkning enligt MDR/IVDR'} finns, ofta inom 6–24 månader.`;
    case 'market-entry':
      return `${lead}${product} är ${neuter ? 'nytt' : 'ny'} på marknaden eller får en ny indikation och kan redan nu börja användas i svensk vård; rådens ställningstagande behövs nu.`;
    case 'established':
      return `${lead}${product} har funnits på marknaden i flera år och används redan i svensk vård.`;
    case 'withdrawn':
      return `${product} finns inte längre på marknaden.`;
    case 'unknown':
      return `${lead}Källorna anger inte när ${product.toLowerCase()} kan nå svensk vård.`;
  }
}

/** The first day after `asOf` on which a dated fact leaves the fresh or the entry window. */
function nextReview(
  facts: readonly LifecycleFact[],
  asOf: string,
  settings: LifecycleSettings,
): string | undefined {
  let next: string | undefined;
  for (const fact of facts) {
    if (fact.date === undefined) continue;
    for (const months of [settings.freshMonths, settings.entryMonths]) {
      const day = addMonths(fact.date, months);
      if (day > asOf && (next === undefined || day < next)) next = day;
    }
  }
  return next;
}

/**
 * Judges the lifecycle stage as of a day. Facts dated after `asOf` are not known yet, so a
 * judgement of an earlier day sees only what the beredning could have seen then. `inRemit`
 * false (neither a medical device nor a drug) leaves the stage unknown: no market entry is coming.
 */
export function judgeLifecycle(
  evidence: readonly EvidenceItem[],
  kind: CandidateKind,
  asOf: string,
  settings: LifecycleSettings,
  inRemit = true,
): Lifecycle {
  const facts = lifecycleFacts(evidence, asOf, settings);
  const entrySince = addMonths(asOf, -settings.entryMonths);
  const freshSince = addMonths(asOf, -settings.freshMonths);
  const reviewOn = nextReview(facts, asOf, settings);
  const result = (stage: LifecycleStage, timingKey: TimingKey, decisive: LifecycleFact[]): Lifecycle => ({
    stage,
    timingKey,
    timing: settings.timing[timingKey],
    decisive,
    facts,
    expected: expectedText(stage, facts, kind),
    asOf,
    ...(reviewOn === undefined ? {} : { reviewOn }),
  });
  if (!inRemit) return result('unknown', 'unknown', []);

  const registry = evidence.filter((e) => isEuRegistryRecord(e) && e.product?.marketStatus !== undefined);
  const withdrawn = facts.filter((f) => f.kind === 'withdrawn');
  if (withdrawn.length > 0 && withdrawn.length === registry.length) {
    return result('withdrawn', 'withdrawn', withdrawn);
  }

  const newIndication = facts.filter(
    (f) =>
      (f.kind === 'new-indication' || f.kind === 'certificate-supplement') &&
      f.date !== undefined &&
      f.date >= freshSince,
  );
  const old = facts.filter(
    (f) =>
      f.kind === 'legacy-registration' ||
      f.kind === 'called-established' ||
      (AGEING_FACTS.has(f.kind) && f.date !== undefined && f.date < entrySince),
  );
  if (old.length > 0) {
    if (newIndication.some((f) => f.kind === 'new-indication')) {
      return result('market-entry', 'new-indication', newIndication);
    }
    return result('established', 'established', old.slice(0, 3));
  }

  const market = facts.filter((f) => MARKET_FACTS.has(f.kind));
  if (market.length === 0) {
    const pre = facts.filter((f) => PRE_MARKET_FACTS.has(f.kind));
    if (pre.length > 0) return result('pre-market', 'pre-market', pre);
    const assessed = facts.filter((f) => f.kind === 'assessment');
    if (assessed.length > 0) return result('market-entry', 'market-entry-assessed', assessed);
    return result('unknown', 'unknown', []);
  }
  const dated = market.filter((f) => f.date !== undefined && ENTRY_FACTS.has(f.kind));
  const first = dated[0];
  if (first === undefined) {
    // An undated registration says nothing about when; a recent approval abroad or a running
    // trial says the product is new.
    const novelty = facts.filter(
      (f) =>
        (f.kind === 'foreign-approval' || f.kind === 'trial-ongoing' || f.kind === 'designation') &&
        f.date !== undefined &&
        f.date >= entrySince,
    );
    return novelty.length > 0
      ? result('market-entry', 'market-entry', [...market.slice(0, 1), ...novelty.slice(-1)])
      : result('market-entry', 'market-entry-undated', market);
  }
  if (newIndication.length > 0) return result('market-entry', 'new-indication', newIndication);
  return result('market-entry', first.date! >= freshSince ? 'market-entry-fresh' : 'market-entry', [first]);
}
