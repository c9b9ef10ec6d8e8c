import { foldForMatching, normaliseText } from './normalise.js';
import type { ItemKind } from './item.js';
/**
 * The words people use, in one place: statuses and registry codes in Swedish, for
 * the workbench, the reports, alerts and the CLI's tables. Codes stay codes in JSON and logs.
 * A code without a label is shown as itself (never hidden), and test/repo/labels.test.ts checks
 * that every configured source, status and known registry code has one.
 */

/**
 * The Swedish names of sources, by id: each configured source's is its adapter's declaration
 * (`HorisontConfig.sourceLabels` holds them with these), never a table here.
 */
export type SourceLabels = Readonly<Record<string, string>>;

/** The sources of items that did not come from a scan: nominations and companies' signals (docs/cases.md). */
export const OUTSIDE_SOURCE_LABELS: SourceLabels = {
  nominations: 'Nomineringar (regioner, NPO, professioner)',
  'company-signals': 'Signaler från företag',
};

/** A reviewer decision's state of a candidate; a scan's own nomination counts as nominated. */
export const DECISION_STATUS_LABELS: Readonly<Record<string, string>> = {
  open: 'Ej beslutad',
  nominated: 'Nominerad',
  dismissed: 'Avförd',
};

export const SOURCE_HEALTH_LABELS: Readonly<Record<string, string>> = {
  unknown: 'Okänd',
  ok: 'Fungerar',
  failing: 'Fel (tillfälligt)',
  broken: 'Trasig',
};

/** What started a run (runs.trigger). */
export const RUN_TRIGGER_LABELS: Readonly<Record<string, string>> = {
  schedule: 'Schemalagd',
  manual: 'Manuell (kommandorad)',
  workbench: 'Från arbetsytan',
  demo: 'Demo',
  replay: 'Omläsning av lagrade svar',
  release: 'Släppta hållna poster',
  resolve: 'Ny matchning',
  nomination: 'Nominering utifrån',
  backfill: 'Bakåtfyllning',
};

/** A run's own state (runs.status). */
export const RUN_STATUS_LABELS: Readonly<Record<string, string>> = {
  running: 'Pågår',
  reporting: 'Skriver rapporter',
  completed: 'Klar',
};

/** A source's outcome within one run. */
export const RUN_SOURCE_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'Väntar',
  running: 'Pågår',
  ok: 'Klar',
  unchanged: 'Oförändrad',
  failed: 'Misslyckades',
  broken: 'Trasig',
};

/** Where a nomination came from. */
export const ORIGIN_LABELS: Readonly<Record<string, string>> = {
  scan: 'Horisontspaning',
  region: 'Region',
  npo: 'NPO',
  profession: 'Profession',
};

/** An alert delivery's state (alert_deliveries.status) and kind (alert_deliveries.kind). */
export const DELIVERY_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'Väntar',
  sent: 'Skickad',
  failed: 'Misslyckades',
};

export const DELIVERY_KIND_LABELS: Readonly<Record<string, string>> = {
  single: 'Enskild',
  storm: 'Samlad (många på en gång)',
  digest: 'Sammanställning',
};

/**
 * Codes the registries themselves use: EUDAMED's device model status (`refdata.device-model-status.*`,
 * suffix) and ClinicalTrials.gov's `overallStatus`.
 */
export const REGISTRY_CODE_LABELS: Readonly<Record<string, string>> = {
  'on-the-market': 'På marknaden',
  'no-longer-on-the-market': 'Inte längre på marknaden',
  'no-longer-placed-on-the-market': 'Släpps inte längre ut på marknaden',
  'not-intended-for-eu-market': 'Inte avsedd för EU-marknaden',
  NOT_YET_RECRUITING: 'Rekryterar ännu inte',
  RECRUITING: 'Rekryterar',
  ENROLLING_BY_INVITATION: 'Rekryterar på inbjudan',
  ACTIVE_NOT_RECRUITING: 'Pågår, rekryterar inte',
  SUSPENDED: 'Tillfälligt stoppad',
  TERMINATED: 'Avbruten',
  COMPLETED: 'Avslutad',
  WITHDRAWN: 'Återtagen',
  UNKNOWN: 'Okänd status',
};

export function label(labels: Readonly<Record<string, string>>, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return '–';
  return Object.hasOwn(labels, code) ? labels[code]! : code;
}

export const decisionStatusLabel = (status: string | null | undefined): string =>
  label(DECISION_STATUS_LABELS, status);
export const registryCodeLabel = (code: string | null | undefined): string =>
  label(REGISTRY_CODE_LABELS, code);

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
