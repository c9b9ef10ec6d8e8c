import { capitalise, chance, gtinCheckDigit, int, mulberry32, pick, pseudoWord } from './prng.js';
import type { Rng } from './prng.js';

/**
 * Synthetic device registrations with ground truth, for the identity-resolution benchmark (W3).
 *
 * Entities are devices: a manufacturer with its SRN (skewed: the largest holds about 1/√M of all
 * devices), a trade name of brand + optional descriptor + model code, a GTIN-14 UDI-DI, a Basic
 * UDI-DI and a risk class. Half the brands come in families (same brand, other model codes; a
 * tenth of them numbered generations, "Brand 2", "Brand 3"), and 1 % of devices copy another
 * manufacturer's trade name exactly: the hard negatives a name-only matcher merges.
 *
 * Duplicates (≈12 % of the records) are registrations of an existing device with:
 * - UDI-DI: 50 % the same, 15 % reformatted ("(01)" prefix, GTIN-13, spaces, bare "01"), 35 % missing;
 * - trade name: 45 % one typo in its letters (substitution, insertion, deletion or adjacent
 *   transposition; 35 % of them in the first two letters), 20 % reformatted (case, ®, hyphen);
 * - manufacturer: legal-form variants (AB ↔ AB (publ), Ltd ↔ Limited, GmbH ↔ G.m.b.H., …),
 *   diacritics dropped (Mölnlycke → Molnlycke), upper case, and for 2 % of manufacturers a rename
 *   (a new company name, the same SRN) on 70 % of their later registrations;
 * - Basic UDI-DI: on half the records (legacy MDD devices are registered without one).
 * Typos never touch digits: a different model code is a different device.
 */
export interface DeviceRecord {
  udiDi?: string;
  tradeName: string;
  manufacturer: string;
  srn: string;
  basicUdiDi?: string;
  riskClass: string;
}

export interface DeviceEntity {
  manufacturer: number;
  tradeName: string;
  gtin: string;
  basicUdiDi: string;
  riskClass: string;
  /** Another manufacturer's device has the very same trade name. */
  sharedName: boolean;
  /** The family's generation number, for "Brand 2", "Brand 3" families. */
  generation?: number;
}

export interface DeviceMaker {
  /** The name on the first registrations (legal form included). */
  name: string;
  /** A new company name some later registrations use. */
  renamed?: string;
  srn: string;
}

export interface DeviceCorpus {
  records: DeviceRecord[];
  /** True entity of each record. */
  truth: Int32Array;
  entities: DeviceEntity[];
  makers: DeviceMaker[];
  duplicates: number;
}

const SECOND_WORDS = [
  'Medical',
  'Healthcare',
  'Surgical',
  'Diagnostics',
  'Scientific',
  'Technologies',
  'Medtech',
  'Life Sciences',
  'Orthopaedics',
  'Cardio',
  'Vascular',
  'Instruments',
];

/** Legal forms: the form written on the original registration, and variants that mean the same. */
const LEGAL_FORMS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['AB', ['AB (publ)', 'Ab', '']],
  ['GmbH', ['G.m.b.H.', 'GMBH', '']],
  ['Ltd', ['Limited', 'Ltd.', 'LTD']],
  ['Inc.', ['Inc', 'Incorporated', '']],
  ['S.A.', ['SA', 'S. A.']],
  ['Oy', ['Oyj', 'OY']],
  ['A/S', ['AS', '']],
  ['B.V.', ['BV', 'B. V.']],
  ['S.r.l.', ['Srl', 'SRL']],
  ['Corp.', ['Corporation', 'Corp']],
  ['LLC', ['L.L.C.', '']],
];

/** Pairwise at least three edits apart, so two models of one brand never look like a typo. */
const DESCRIPTORS = [
  'Stent',
  'Catheter',
  'Balloon',
  'Guidewire',
  'Introducer',
  'Cannula',
  'Electrode',
  'Lead',
  'Monitor',
  'Analyser',
  'Implant',
  'Screw',
  'Dressing',
  'Suture',
  'Valve',
  'Graft',
  'Needle',
  'Syringe',
  'Infusion Set',
  'Sensor',
  'Pump',
  'System',
  'Assay',
  'Reagent',
  'Scanner',
  'Laser',
  'Shunt',
  'Filter',
  'Retractor',
  'Forceps',
];

const BRAND_SUFFIXES = ['Flex', 'Pro', 'Neo', 'Max', 'Plus', 'One', 'Go', 'Vision', 'Link', 'Care'];
const DIACRITICS: Record<string, string> = { o: 'ö', a: 'ä', e: 'é', u: 'ü' };
const STRIP: Record<string, string> = { ö: 'o', ä: 'a', é: 'e', ü: 'u', å: 'a', ø: 'o' };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

interface Manufacturer {
  base: string;
  legal: number;
  renamedTo?: { base: string; legal: number };
  prefix: string;
  srn: string;
  nextItem: number;
  brands: Array<{ brand: string; codes: Set<string>; generations: boolean }>;
}

const RISK_CLASSES = ['class-i', 'class-iia', 'class-iia', 'class-iib', 'class-iii'].map(
  (c) => `refdata.risk-class.${c}`,
);
const COUNTRIES = ['SE', 'DE', 'FR', 'IT', 'NL', 'DK', 'FI', 'IE', 'US', 'GB', 'CH', 'BE', 'ES', 'AT', 'NO'];

function manufacturerBase(rng: Rng): string {
  let base = capitalise(pseudoWord(rng, int(rng, 2, 3)));
  if (chance(rng, 0.25)) {
    // Some names carry diacritics (Mölnlycke, Össur, Médical).
    const at = [...base].findIndex((c, i) => i > 0 && DIACRITICS[c] !== undefined);
    if (at > 0) base = base.slice(0, at) + DIACRITICS[base[at]!]! + base.slice(at + 1);
  }
  if (chance(rng, 0.6)) base += ` ${pick(rng, SECOND_WORDS)}`;
  return base;
}

function modelCode(rng: Rng): string {
  const letter = LETTERS[int(rng, 0, 25)]!.toUpperCase();
  switch (int(rng, 0, 4)) {
    case 0:
      return `${letter}${int(rng, 100, 999)}`;
    case 1:
      return `${int(rng, 100, 999)}${letter}`;
    case 2:
      return `${int(rng, 2, 30)}${letter}`;
    case 3:
      return `${letter}${int(rng, 1, 9)}`;
    default:
      return String(int(rng, 10, 9999));
  }
}

/** Positions of letters in words without digits: model codes are never misspelt. */
function wordLetterPositions(name: string): number[] {
  const positions: number[] = [];
  for (const match of name.matchAll(/\S+/g)) {
    if (/\d/.test(match[0])) continue;
    for (let k = 0; k < match[0].length; k++) {
      if (/\p{L}/u.test(match[0][k]!)) positions.push(match.index + k);
    }
  }
  return positions;
}

function typo(rng: Rng, name: string): string {
  const positions = wordLetterPositions(name);
  if (positions.length < 3) return name;
  const at = chance(rng, 0.35) ? positions[int(rng, 0, 1)]! : pick(rng, positions);
  const letter = LETTERS[int(rng, 0, 25)]!;
  switch (int(rng, 0, 4)) {
    case 0:
    case 1:
      return name.slice(0, at) + letter + name.slice(at + 1);
    case 2:
      return name.slice(0, at) + name.slice(at + 1);
    case 3:
      return name.slice(0, at) + letter + name.slice(at);
    default: {
      const next = at + 1;
      if (next >= name.length || !/\p{L}/u.test(name[next]!)) {
        return name.slice(0, at) + letter + name.slice(at + 1);
      }
      return name.slice(0, at) + name[next]! + name[at]! + name.slice(next + 1);
    }
  }
}

function reformatName(rng: Rng, name: string): string {
  switch (int(rng, 0, 3)) {
    case 0:
      return name.toUpperCase();
    case 1:
      return name.replace(' ', '® ');
    case 2:
      return name.replace(' ', '-');
    default:
      return name.toLowerCase();
  }
}

function reformatUdi(rng: Rng, gtin: string): string {
  switch (int(rng, 0, 3)) {
    case 0:
      return `(01)${gtin}`;
    case 1:
      return gtin.slice(1);
    case 2:
      return `${gtin.slice(0, 1)} ${gtin.slice(1, 8)} ${gtin.slice(8, 13)} ${gtin.slice(13)}`;
    default:
      return `01${gtin}`;
  }
}

function stripDiacritics(s: string): string {
  return s.replace(/[öäéüåø]/g, (c) => STRIP[c] ?? c);
}

function manufacturerName(rng: Rng, m: Manufacturer, duplicate: boolean): string {
  let base = m.base;
  let legal = m.legal;
  if (duplicate && m.renamedTo && chance(rng, 0.7)) ({ base, legal } = m.renamedTo);
  const [form, variants] = LEGAL_FORMS[legal]!;
  let written = form;
  if (duplicate && chance(rng, 0.3)) written = pick(rng, variants);
  let name = written === '' ? base : `${base} ${written}`;
  if (duplicate && chance(rng, 0.15)) name = stripDiacritics(name);
  if (duplicate && chance(rng, 0.1)) name = name.toUpperCase();
  return name;
}

/**
 * What `normaliseProductName` makes of the names generated here (lower case, punctuation to
 * space, generic trailing words dropped), without its full cost.
 */
function nameKey(tradeName: string): string {
  let key = tradeName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  for (;;) {
    const shorter = key.replace(/ (?:sensor|pump|system|set)$/, '');
    if (shorter === key) return key;
    key = shorter;
  }
}

export function generateDevices(count: number, seed = 20261120, duplicateShare = 0.12): DeviceCorpus {
  const rng = mulberry32(seed);
  const duplicates = Math.round(count * duplicateShare);
  const entityCount = count - duplicates;
  const manufacturerCount = Math.max(200, Math.round(count / 30));
  const manufacturers: Manufacturer[] = [];
  for (let m = 0; m < manufacturerCount; m++) {
    const renamed = chance(rng, 0.02);
    manufacturers.push({
      base: manufacturerBase(rng),
      legal: int(rng, 0, LEGAL_FORMS.length - 1),
      ...(renamed
        ? { renamedTo: { base: manufacturerBase(rng), legal: int(rng, 0, LEGAL_FORMS.length - 1) } }
        : {}),
      prefix: String(1_000_000 + m),
      srn: `${pick(rng, COUNTRIES)}-MF-${String(100_000 + m).padStart(9, '0')}`,
      nextItem: 0,
      brands: [],
    });
  }

  const entities: DeviceEntity[] = [];
  const byName = new Map<string, number>();
  const taken = new Set<string>();
  while (entities.length < entityCount) {
    // Skewed: P(m) ∝ the density of u² — a few manufacturers hold thousands of devices.
    const mi = Math.min(manufacturerCount - 1, Math.floor(manufacturerCount * rng() ** 2));
    const m = manufacturers[mi]!;
    let tradeName: string;
    let copied: number | undefined;
    let generation: number | undefined;
    if (chance(rng, 0.01) && entities.length > 0) {
      // A hard negative: another company's device with exactly the same trade name.
      copied = int(rng, 0, entities.length - 1);
      tradeName = entities[copied]!.tradeName;
    } else {
      const family = m.brands.length > 0 && chance(rng, 0.45) ? pick(rng, m.brands) : undefined;
      const generations = family?.generations ?? chance(rng, 0.1);
      const brand =
        family?.brand ??
        capitalise(pseudoWord(rng, int(rng, 2, 3))) +
          (chance(rng, 0.2) ? ` ${pick(rng, BRAND_SUFFIXES)}` : '');
      const codes = family?.codes ?? new Set<string>();
      let code: string;
      if (generations) {
        // Numbered generations: the next one of the family ("Brand 2", "Brand 3").
        generation = codes.size + 1;
        code = String(generation);
      } else {
        code = family || chance(rng, 0.8) ? modelCode(rng) : '';
        while (code !== '' && codes.has(code)) code = modelCode(rng);
      }
      const descriptor = !generations && chance(rng, 0.7) ? ` ${pick(rng, DESCRIPTORS)}` : '';
      tradeName = `${brand}${descriptor}${code === '' ? '' : ` ${code}`}`;
      if (!family) m.brands.push({ brand, codes, generations });
      codes.add(code);
    }
    // Distinct devices of one manufacturer must stay distinguishable after normalisation.
    const key = `${mi}|${nameKey(tradeName)}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const item = String(m.nextItem++).padStart(5, '0');
    const body = `0${m.prefix}${item}`;
    if (copied !== undefined) entities[copied]!.sharedName = true;
    const shared = copied !== undefined || (byName.get(nameKey(tradeName)) ?? -1) >= 0;
    byName.set(nameKey(tradeName), entities.length);
    entities.push({
      manufacturer: mi,
      tradeName,
      gtin: `${body}${gtinCheckDigit(body)}`,
      basicUdiDi: `${m.prefix}B${item}${LETTERS[int(rng, 0, 25)]!.toUpperCase()}`,
      riskClass: pick(rng, RISK_CLASSES),
      sharedName: shared,
      ...(generation === undefined ? {} : { generation }),
    });
  }

  const records: DeviceRecord[] = [];
  const truthList: number[] = [];
  for (let e = 0; e < entities.length; e++) {
    const entity = entities[e]!;
    const m = manufacturers[entity.manufacturer]!;
    records.push({
      ...(chance(rng, 0.92) ? { udiDi: entity.gtin } : {}),
      tradeName: entity.tradeName,
      manufacturer: manufacturerName(rng, m, false),
      srn: m.srn,
      ...(chance(rng, 0.5) ? { basicUdiDi: entity.basicUdiDi } : {}),
      riskClass: entity.riskClass,
    });
    truthList.push(e);
  }
  for (let d = 0; d < duplicates; d++) {
    const e = int(rng, 0, entities.length - 1);
    const entity = entities[e]!;
    const m = manufacturers[entity.manufacturer]!;
    const u = rng();
    const udiDi = u < 0.5 ? entity.gtin : u < 0.65 ? reformatUdi(rng, entity.gtin) : undefined;
    const v = rng();
    const tradeName =
      v < 0.45
        ? typo(rng, entity.tradeName)
        : v < 0.65
          ? reformatName(rng, entity.tradeName)
          : entity.tradeName;
    records.push({
      ...(udiDi === undefined ? {} : { udiDi }),
      tradeName,
      manufacturer: manufacturerName(rng, m, true),
      srn: m.srn,
      ...(chance(rng, 0.5) ? { basicUdiDi: entity.basicUdiDi } : {}),
      riskClass: entity.riskClass,
    });
    truthList.push(e);
  }

  // Shuffle records and truth together so duplicates do not follow their originals.
  const order = Array.from({ length: records.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const truth = new Int32Array(records.length);
  const shuffled = order.map((from, to) => {
    truth[to] = truthList[from]!;
    return records[from]!;
  });
  const makers = manufacturers.map((m): DeviceMaker => {
    const [form] = LEGAL_FORMS[m.legal]!;
    const renamed =
      m.renamedTo === undefined ? undefined : `${m.renamedTo.base} ${LEGAL_FORMS[m.renamedTo.legal]![0]}`;
    return { name: `${m.base} ${form}`, ...(renamed === undefined ? {} : { renamed }), srn: m.srn };
  });
  return { records: shuffled, truth, entities, makers, duplicates };
}
