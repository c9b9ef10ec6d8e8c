/**
 * Drug identity and the drug side of a candidate's life (issue 18): which keys link a drug across
 * EMA's lists, FDA, TLV, the Nordic bodies and the trial registries, and what each drug event says
 * about where the drug stands. Pure.
 *
 * A drug candidate is a substance for an indication. The substance's first indication (an initial
 * marketing-authorisation application, a novel approval, a trial of the substance) is the
 * substance's candidate, linked by INN, EMA product number and brand name; a new indication of a
 * known substance (an extension of indication) is a candidate of its own, linked to the others of
 * the same substance and indication only, and names its substance.
 */
import { findEuCtNumber, normaliseNctId } from './identifiers.js';
import type { DrugEvent, DrugFacts, RawItem } from './item.js';
import { foldForMatching, normaliseProductName, normaliseText } from './normalise.js';

/** Identity schemes that link drugs on their own (the resolver's hard keys). */
export const DRUG_KEY_SCHEMES = ['drug', 'drug-brand', 'ema', 'nct', 'eu-ct'] as const;
export type DrugKeyScheme = (typeof DRUG_KEY_SCHEMES)[number];

export interface DrugKey {
  scheme: DrugKeyScheme | 'product';
  value: string;
}

/** What identity.ts needs to make the item's identity. */
export interface DrugIdentityParts {
  keys: DrugKey[];
  displayName: string;
  /** Swedish. */
  reason: string;
  /** A new indication is compared by its keys only, never by its (shared) brand name. */
  nameless: boolean;
  holder?: string;
}

/** Shown where a drug's indication would be, when no source states one (never dropped). */
export const INDICATION_MISSING = 'indikation saknas';

/**
 * Key form of an INN: folded, salts and punctuation left as words, a combination's substances in
 * code-point order ("nivolumab / relatlimab" = "relatlimab, nivolumab").
 */
export function normaliseInn(inn: string): string {
  const parts = foldForMatching(normaliseText(inn))
    .replace(/[®™©]/g, '')
    .split(/\s*(?:\/|\+|,|;|\band\b|\boch\b|\bog\b)\s*/u)
    .map((part) =>
      part
        .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((part) => part !== '');
  return [...new Set(parts)].sort().join('+');
}

/** `EMEA/H/C/6123`, `EMEA/H/C/006123/II/0012` → `EMEA/H/C/006123`; undefined for anything else. */
export function normaliseEmaProductNumber(text: string): string | undefined {
  const match = /EMEA\s*\/\s*H\s*\/\s*C\s*\/\s*(?:[A-Z]{2,5}\s*\/\s*)?0*(\d{1,6})\b/i.exec(text);
  return match ? `EMEA/H/C/${match[1]!.padStart(6, '0')}` : undefined;
}

/**
 * Words that say how an indication is phrased rather than which disease it is ("treatment of
 * adult patients with …", "behandling av vuxna med …", "til behandling af voksne med …").
 */
const INDICATION_FILLER = new Set(
  (
    'a an the of for in with and or to as by who whose have has had is are be been on at from ' +
    'treatment treat treating treated therapy indicated indication use used adult adults patient patients ' +
    'children child paediatric pediatric adolescents adolescent aged years year older monotherapy combination ' +
    'previously untreated first line second third prior after following least one two ' +
    'behandling av vid hos med for och eller till som har vuxna patienter barn sjukdom ' +
    'til af ved hos med og eller voksne patienter born sygdom behandling ' +
    'disease disorder mild moderate severe early advanced'
  ).split(' '),
);

/**
 * The indication as a key: the first three words that name the disease, folded, plural "s"
 * dropped ("Treatment of adult patients with early Alzheimer's disease" → `alzheimer`). Two
 * sources phrase the same indication alike often enough; when they do not, the candidate stays
 * apart rather than joining another indication.
 */
export function indicationKey(indication: string): string {
  const words = foldForMatching(normaliseText(indication))
    .replace(/\([^)]*\)/g, ' ')
    .replace(/'s\b/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1 && !INDICATION_FILLER.has(word))
    .map((word) => (word.length > 4 && word.endsWith('s') ? word.slice(0, -1) : word));
  return words.slice(0, 3).join('-');
}

function brandKeys(drug: DrugFacts): string[] {
  return [...new Set((drug.brandNames ?? []).map((brand) => normaliseProductName(brand)).filter(Boolean))];
}

/** The indication as shown: the source's own words, or "indikation saknas". */
export function indicationLabel(drug: DrugFacts | undefined): string {
  return drug?.indication === undefined ? INDICATION_MISSING : normaliseText(drug.indication);
}

function shortIndication(indication: string): string {
  const text = normaliseText(indication);
  return text.length > 80 ? `${text.slice(0, 77).trimEnd()}…` : text;
}

/**
 * The keys a drug item links by, or undefined when it names neither substance nor brand nor a
 * registry number (the item is then resolved like any other).
 */
export function drugIdentityParts(item: RawItem): DrugIdentityParts | undefined {
  const drug = item.drug;
  if (drug === undefined) return undefined;
  const inn = drug.inn === undefined ? '' : normaliseInn(drug.inn);
  const brands = brandKeys(drug);
  const firstBrand = drug.brandNames?.[0] === undefined ? undefined : normaliseText(drug.brandNames[0]);
  const innText = drug.inn === undefined ? undefined : normaliseText(drug.inn);
  const name = firstBrand ?? innText;
  const holder = drug.holder === undefined ? {} : { holder: drug.holder };
  const indication = drug.indication === undefined ? '' : indicationKey(drug.indication);

  if (drug.scope === 'new-indication' && indication !== '' && (inn !== '' || brands.length > 0)) {
    const keys: DrugKey[] = [
      ...(inn === '' ? [] : [{ scheme: 'drug' as const, value: `${inn}|${indication}` }]),
      ...brands.map((brand) => ({ scheme: 'drug-brand' as const, value: `${brand}|${indication}` })),
    ];
    return {
      keys,
      displayName: `${name} – ny indikation: ${shortIndication(drug.indication!)}`,
      reason: `ny indikation för substansen ${innText ?? name} (${shortIndication(drug.indication!)})`,
      nameless: true,
      ...holder,
    };
  }

  const keys: DrugKey[] = [];
  const trial = item.kind === 'trial';
  if (trial) {
    for (const reference of item.references ?? []) {
      if (reference.scheme === 'nct') {
        const nct = normaliseNctId(reference.value);
        if (nct !== undefined) keys.push({ scheme: 'nct', value: nct });
      } else if (reference.scheme === 'eu-ct') {
        const number = findEuCtNumber(reference.value);
        if (number !== undefined) keys.push({ scheme: 'eu-ct', value: number });
      }
    }
  }
  if (inn !== '') keys.push({ scheme: 'drug', value: inn });
  const ema =
    drug.emaProductNumber === undefined ? undefined : normaliseEmaProductNumber(drug.emaProductNumber);
  if (ema !== undefined) keys.push({ scheme: 'ema', value: ema });
  for (const brand of brands) keys.push({ scheme: 'drug-brand', value: brand });
  if (keys.length === 0) return undefined;
  // The name is compared as well, so that a council's list or a Nordic decision naming the drug
  // by brand finds it; a trial's intervention is often a code and is not a product name.
  const product = name === undefined || trial ? '' : normaliseProductName(name);
  if (product !== '') keys.push({ scheme: 'product', value: product });
  const why =
    ema !== undefined
      ? `EMA-produktnummer ${ema}`
      : inn !== ''
        ? `substansen ${innText}`
        : `varumärket ${firstBrand}`;
  return {
    keys,
    displayName: name ?? normaliseText(item.title),
    reason: trial ? `prövning av ${innText ?? name ?? 'läkemedel'} (${why})` : `läkemedel: ${why}`,
    nameless: product === '',
    ...holder,
  };
}

/** A lifecycle fact a drug event gives (src/domain/lifecycle.ts maps it onto its fact kinds). */
export interface DrugStageFact {
  kind:
    | 'not-yet-approved'
    | 'eu-approval'
    | 'foreign-approval'
    | 'swedish-reimbursement'
    | 'assessment'
    | 'nordic-decision'
    | 'new-indication'
    | 'designation';
  /** Swedish. */
  text: string;
  date?: string;
}

/**
 * A negative opinion, a withdrawal and a trial give no stage fact here: a refused medicine is not
 * coming to Swedish care (its history records the opinion), and trials are dated by the registry.
 */
const EVENT_TEXT: Partial<Record<DrugEvent, [DrugStageFact['kind'], string]>> = {
  'under-evaluation': ['not-yet-approved', 'Ansökan om godkännande i EU utvärderas av CHMP'],
  'positive-opinion': ['eu-approval', 'Positivt CHMP-yttrande'],
  'eu-approval': ['eu-approval', 'Godkänt i EU (Europeiska kommissionen)'],
  'approved-abroad': ['foreign-approval', 'Godkänt i USA (FDA)'],
  'tlv-decision': ['swedish-reimbursement', 'TLV:s förmånsbeslut'],
  'tlv-assessment': ['assessment', 'TLV:s hälsoekonomiska bedömning (klinikläkemedel)'],
  'nordic-recommendation': ['nordic-decision', 'Nordisk rekommendation'],
};

/**
 * What a drug item's own event says about the drug's stage: the event (dated by the source), a
 * new indication as such, and the EU designations that mark a drug as early and important.
 */
export function drugStageFacts(drug: DrugFacts, formatDay: (day: string) => string): DrugStageFact[] {
  const facts: DrugStageFact[] = [];
  const date = drug.eventOn?.slice(0, 10);
  const when = date === undefined ? '' : ` ${formatDay(date)}`;
  const mapped = drug.event === undefined ? undefined : EVENT_TEXT[drug.event];
  if (mapped !== undefined) {
    const expected =
      drug.expectedDecisionOn === undefined
        ? ''
        : `; EU-beslut väntas ${formatDay(drug.expectedDecisionOn.slice(0, 10))}`;
    facts.push({
      kind: mapped[0],
      text: `${mapped[1]}${when}${expected}`,
      ...(date === undefined ? {} : { date }),
    });
  }
  if (drug.scope === 'new-indication' && drug.event !== undefined && drug.event !== 'trial') {
    facts.push({
      kind: 'new-indication',
      text: `Ny indikation för känd substans${drug.indication === undefined ? '' : ` (${shortIndication(drug.indication)})`}${when}`,
      ...(date === undefined ? {} : { date }),
    });
  }
  if (drug.prime === true && drug.event !== 'negative-opinion' && drug.event !== 'withdrawn') {
    facts.push({
      kind: 'designation',
      text: 'PRIME-läkemedel (EMA:s stöd för prioriterade läkemedel)',
      ...(date === undefined ? {} : { date }),
    });
  }
  return facts;
}

/** The history event a drug item gives its candidate (issue 18's drug events). */
export type DrugHistoryKind =
  | 'eu-evaluation'
  | 'chmp-opinion'
  | 'eu-approval'
  | 'approved-abroad'
  | 'tlv-decision'
  | 'nordic-recommendation';

export function drugHistoryKind(drug: DrugFacts): DrugHistoryKind | undefined {
  switch (drug.event) {
    case 'under-evaluation':
      return 'eu-evaluation';
    case 'positive-opinion':
    case 'negative-opinion':
      return 'chmp-opinion';
    case 'eu-approval':
      return 'eu-approval';
    case 'approved-abroad':
      return 'approved-abroad';
    case 'tlv-decision':
    case 'tlv-assessment':
      return 'tlv-decision';
    case 'nordic-recommendation':
      return 'nordic-recommendation';
    default:
      return undefined;
  }
}

/** The structured drug facts triage signals read (`drug-fact` detectors in the criteria). */
export const DRUG_SIGNAL_FACTS = [
  'orphan',
  'prime',
  'accelerated',
  'conditional',
  'new-substance',
  'new-indication',
  'nordic-trial',
] as const;
export type DrugSignalFact = (typeof DRUG_SIGNAL_FACTS)[number];

/** Swedish, as the signal's evidence shows it. */
export const DRUG_SIGNAL_FACT_LABELS: Record<DrugSignalFact, string> = {
  orphan: 'särläkemedel (orphan designation)',
  prime: 'PRIME-läkemedel',
  accelerated: 'påskyndad bedömning',
  conditional: 'villkorat godkännande',
  'new-substance': 'ny aktiv substans',
  'new-indication': 'ny indikation för känd substans',
  'nordic-trial': 'klinisk prövning med prövningsställen i Norden',
};

/** Whether a drug item states the fact. */
export function drugFactHolds(drug: DrugFacts, fact: DrugSignalFact): boolean {
  switch (fact) {
    case 'orphan':
      return drug.orphan === true;
    case 'prime':
      return drug.prime === true;
    case 'accelerated':
      return drug.accelerated === true;
    case 'conditional':
      return drug.conditional === true;
    case 'new-substance':
      return drug.scope === 'new-substance';
    case 'new-indication':
      return drug.scope === 'new-indication';
    case 'nordic-trial':
      return drug.event === 'trial' && (drug.nordicSites?.length ?? 0) > 0;
  }
}
