import type { RawItem } from '../../src/domain/item.js';
import type { DeviceCorpus, DeviceEntity, DeviceMaker, DeviceRecord } from './devices.js';
import { generateDevices } from './devices.js';
import { chance, int, mulberry32, pick } from './prng.js';
import type { Rng } from './prng.js';

/**
 * W3's world: EUDAMED-shaped device registrations (bench/lib/devices.ts) and, mixed in among
 * them, the other sources' items about the same devices — ClinicalTrials.gov trials, FDA PMAs,
 * notified bodies' certificates and Swedish HTA titles — each shaped as its adapter emits it, with
 * the entity it is about as ground truth.
 *
 * The hard cases of the texts:
 * - generations: a trial names a numbered generation its own way ("Brand Gen 3", "Brand III",
 *   "Brand 3rd generation") while "Brand 2" and "Brand 4" exist beside it;
 * - renamed makers: a PMA's applicant is the maker's new name;
 * - same names from different makers: PMAs and certificates of a trade name another company
 *   also registered (they must go to their own maker's device), and a few trials naming such a
 *   name without a maker (they may join neither);
 * - translated titles: Swedish HTA titles naming the device inside the sentence or in
 *   parentheses ("Bedömning av Kavoro 3 vid …", "Implanterbar sensor (Kavoro 3) vid …").
 */

export interface W3World {
  items: RawItem[];
  /** The entity each item is about. */
  truth: Int32Array;
  registrations: number;
  texts: number;
  entities: number;
  duplicates: number;
  /** Per kind of text, how many. */
  textKinds: Record<string, number>;
}

const CONDITIONS = [
  'typ 1-diabetes',
  'hjärtsvikt',
  'förmaksflimmer',
  'kronisk njursjukdom',
  'sömnapné',
  'glioblastom',
  'bröstcancer',
  'stroke',
  'artros i knäleden',
  'trycksår',
];
const ENGLISH_CONDITIONS = [
  'Type 1 Diabetes',
  'Heart Failure',
  'Atrial Fibrillation',
  'Chronic Kidney Disease',
  'Sleep Apnea',
  'Glioblastoma',
  'Breast Cancer',
  'Stroke',
  'Knee Osteoarthritis',
  'Pressure Ulcers',
];
const DESCRIPTIONS = ['Implanterbar sensor', 'Blyfri pacemaker', 'Robotassisterad kirurgi', 'Digitalt stöd'];
const SPONSORS = ['Karolinska Institutet', 'Region Skåne', 'Oslo University Hospital', 'Rigshospitalet'];
const NOTIFIED_BODIES = ['0123', '0197', '0344', '2797', '0459'];
const ROMAN = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX'];
const ORDINAL = ['', '1st', '2nd', '3rd', '4th', '5th', '6th', '7th', '8th', '9th'];

export const REGISTRATION_URL = 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/';

/** A registration as the eudamed-devices adapter emits it (a unique key per record). */
export function registrationItem(record: DeviceRecord, index: number): RawItem {
  return {
    itemKey: `w3-${index}`,
    kind: 'device',
    title: record.tradeName,
    url: `${REGISTRATION_URL}w3-${index}`,
    sourceVersion: '1',
    product: {
      tradeName: record.tradeName,
      manufacturer: record.manufacturer,
      manufacturerSrn: record.srn,
      ...(record.udiDi === undefined ? {} : { udiDi: record.udiDi }),
      ...(record.basicUdiDi === undefined ? {} : { basicUdiDi: record.basicUdiDi }),
      riskClass: record.riskClass,
      legislation: 'mdr',
      marketStatus: 'on-the-market',
    },
  };
}

/** The brand and generation of a numbered generation ("Kavoro 3" → Kavoro, 3). */
function generationName(entity: DeviceEntity): { brand: string; n: number } | undefined {
  if (entity.generation === undefined || entity.generation >= ROMAN.length) return undefined;
  return { brand: entity.tradeName.slice(0, entity.tradeName.lastIndexOf(' ')), n: entity.generation };
}

/** How a text names the device: as registered, in other case, or its generation its own way. */
function textName(rng: Rng, entity: DeviceEntity): string {
  const generation = generationName(entity);
  if (generation !== undefined && chance(rng, 0.6)) {
    switch (int(rng, 0, 3)) {
      case 0:
        return `${generation.brand} Gen ${generation.n}`;
      case 1:
        return `${generation.brand} ${ROMAN[generation.n]!}`;
      case 2:
        return `${generation.brand} ${ORDINAL[generation.n]!} generation`;
      default:
        return `${generation.brand} G${generation.n}`;
    }
  }
  return chance(rng, 0.2) ? entity.tradeName.toUpperCase() : entity.tradeName;
}

function trial(rng: Rng, n: number, named: string): RawItem {
  const nct = `NCT0${String(7_000_000 + n)}`;
  const condition = pick(rng, ENGLISH_CONDITIONS);
  return {
    itemKey: nct,
    kind: 'trial',
    title: `${named} in Patients With ${condition}`,
    url: `https://clinicaltrials.gov/study/${nct}`,
    summary: `Status: RECRUITING. Sites: Sweden (Stockholm). Trial of ${named} in ${condition.toLowerCase()}.`,
    language: 'en',
    publicationType: 'interventional',
    product: { tradeName: named, manufacturer: pick(rng, SPONSORS) },
    references: [{ scheme: 'nct', value: nct }],
  };
}

function pma(rng: Rng, entity: DeviceEntity, maker: DeviceMaker, n: number): RawItem {
  const number = `P${String(300_000 + n).slice(-6)}`;
  const applicant = maker.renamed !== undefined && chance(rng, 0.7) ? maker.renamed : maker.name;
  const name = chance(rng, 0.3) ? `${entity.tradeName} System` : entity.tradeName;
  return {
    itemKey: number,
    kind: 'device',
    title: `${name} (PMA ${number})`,
    url: `https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpma/pma.cfm?id=${number}`,
    summary: `Original PMA. Applicant: ${applicant}. Approval for the ${name}.`,
    language: 'en',
    publicationType: 'PMA',
    product: { tradeName: name, manufacturer: applicant },
    references: [{ scheme: 'fda-pma', value: number }],
  };
}

function certificate(rng: Rng, entity: DeviceEntity, maker: DeviceMaker, n: number): RawItem {
  const nb = pick(rng, NOTIFIED_BODIES);
  const number = `MDR ${String(800_000 + n)}`;
  const withBasic = chance(rng, 0.7);
  return {
    itemKey: `${nb}:${number}`,
    kind: 'certificate',
    title: `MDR technical documentation certificate ${number} (notified body ${nb})`,
    url: `https://ec.europa.eu/tools/eudamed/#/screen/certificates/w3-${n}`,
    summary: `Manufacturer: ${maker.name} (${maker.srn}). Status: issued.`,
    language: 'en',
    publicationType: 'MDR technical documentation certificate',
    certificate: {
      number,
      notifiedBody: nb,
      type: 'MDR technical documentation',
      legislation: 'mdr',
      status: 'issued',
      manufacturer: maker.name,
      manufacturerSrn: maker.srn,
      scopes: [
        {
          ...(withBasic ? { basicUdiDi: entity.basicUdiDi } : {}),
          name: entity.tradeName,
          riskClass: entity.riskClass,
        },
      ],
    },
    references: [
      { scheme: 'certificate', value: number },
      { scheme: 'notified-body', value: nb },
    ],
  };
}

function htaTitle(rng: Rng, entity: DeviceEntity, n: number): RawItem {
  const condition = pick(rng, CONDITIONS);
  const named = entity.tradeName;
  const title = chance(rng, 0.5)
    ? `Bedömning av ${named} vid ${condition}`
    : `${pick(rng, DESCRIPTIONS)} (${named}) vid ${condition}`;
  const slug = `w3-hta-${n}`;
  return {
    itemKey: `/hta/${slug}`,
    kind: 'hta-report',
    title,
    url: `https://www.sbu.se/sv/publikationer/regional-hta/${slug}`,
    language: 'sv',
    publicationType: 'Regional HTA',
    region: 'HTA-centrum Västra Götalandsregionen',
  };
}

/**
 * The world: `registrations` device records and `texts` other items, the texts spread evenly
 * through the stream (a night's sources arrive mixed).
 */
export function generateWorld(registrations: number, texts: number, seed = 20261120): W3World {
  const corpus: DeviceCorpus = generateDevices(registrations, seed);
  const rng = mulberry32(seed ^ 0x5eed);
  const textItems: Array<{ item: RawItem; entity: number }> = [];
  const kinds: Record<string, number> = { trial: 0, pma: 0, certificate: 0, hta: 0 };
  const shared = corpus.entities.flatMap((e, i) => (e.sharedName ? [i] : []));
  const generations = corpus.entities.flatMap((e, i) => (e.generation !== undefined ? [i] : []));
  for (let n = 0; n < texts; n++) {
    const u = rng();
    // A third of the trials are about numbered generations, some PMAs and certificates about a
    // name two makers use.
    let e = int(rng, 0, corpus.entities.length - 1);
    if (u < 0.4) {
      if (chance(rng, 0.3) && generations.length > 0) e = pick(rng, generations);
      else if (chance(rng, 0.01) && shared.length > 0) e = pick(rng, shared);
      const entity = corpus.entities[e]!;
      textItems.push({ item: trial(rng, n, textName(rng, entity)), entity: e });
      kinds.trial!++;
    } else if (u < 0.7) {
      if (chance(rng, 0.1) && shared.length > 0) e = pick(rng, shared);
      const entity = corpus.entities[e]!;
      textItems.push({ item: pma(rng, entity, corpus.makers[entity.manufacturer]!, n), entity: e });
      kinds.pma!++;
    } else if (u < 0.9) {
      if (chance(rng, 0.1) && shared.length > 0) e = pick(rng, shared);
      const entity = corpus.entities[e]!;
      textItems.push({ item: certificate(rng, entity, corpus.makers[entity.manufacturer]!, n), entity: e });
      kinds.certificate!++;
    } else {
      const entity = corpus.entities[e]!;
      textItems.push({ item: htaTitle(rng, entity, n), entity: e });
      kinds.hta!++;
    }
  }
  const total = corpus.records.length + textItems.length;
  const items: RawItem[] = new Array<RawItem>(total);
  const truth = new Int32Array(total);
  const every = textItems.length === 0 ? Infinity : total / textItems.length;
  let r = 0;
  let t = 0;
  for (let i = 0; i < total; i++) {
    const textTurn = t < textItems.length && (r >= corpus.records.length || (i + 1) / every >= t + 1);
    if (textTurn) {
      items[i] = textItems[t]!.item;
      truth[i] = textItems[t]!.entity;
      t++;
    } else {
      items[i] = registrationItem(corpus.records[r]!, r);
      truth[i] = corpus.truth[r]!;
      r++;
    }
  }
  return {
    items,
    truth,
    registrations: corpus.records.length,
    texts: textItems.length,
    entities: corpus.entities.length,
    duplicates: corpus.duplicates,
    textKinds: kinds,
  };
}
