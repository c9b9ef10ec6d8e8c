import type { CertificateFacts, DrugFacts, ItemKind, ProductFacts } from './item.js';
import { normaliseBasicUdiDi, normaliseRiskClass, normaliseUdiDi } from './identifiers.js';
import { extractProductMentions } from './mentions.js';
import { normaliseText } from './normalise.js';
import { profileOf } from './source-profile.js';
import type { SourceProfile, SourceProfiles } from './source-profile.js';

/** What a candidate is, which decides the council: devices/IVD → MTP-rådet, drugs → NT-rådet. */
export type CandidateKind = 'device' | 'ivd' | 'drug' | 'method';

/** One stored source item linked to a candidate. */
export interface EvidenceItem {
  itemId: string;
  sourceId: string;
  kind: ItemKind;
  title: string;
  url: string;
  publishedAt?: string;
  updatedAt?: string;
  summary?: string;
  /** For regional HTA: the publishing region or unit. */
  region?: string;
  publicationType?: string;
  /** Registry facts, when the source states them. */
  product?: ProductFacts;
  /** A notified body's certificate: its number, body, dates and the devices it covers. */
  certificate?: CertificateFacts;
  /** A drug's substance, indication, designations and procedure dates. */
  drug?: DrugFacts;
  /** What its source is, as the source's adapter declares it; absent for a source not configured. */
  sourceProfile?: SourceProfile;
}

export type CandidateIdentifierScheme = 'udi-di' | 'basic-udi-di' | 'srn';

export interface CandidateView {
  id: string;
  name: string;
  manufacturer?: string;
  kind: CandidateKind;
  identifiers: { scheme: CandidateIdentifierScheme; value: string }[];
  /** De-duplicated by itemId and ordered by sourceId, then itemId. */
  evidence: EvidenceItem[];
}

/** Code-point order: the same on every machine and locale, unlike `localeCompare`. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareEvidence(a: EvidenceItem, b: EvidenceItem): number {
  return compareStrings(a.sourceId, b.sourceId) || compareStrings(a.itemId, b.itemId);
}

/** Evidence de-duplicated by itemId and put in canonical (sourceId, itemId) order. */
export function canonicalEvidence(evidence: readonly EvidenceItem[]): EvidenceItem[] {
  const sorted = [...evidence].sort(compareEvidence);
  const seen = new Set<string>();
  return sorted.filter((e) => (seen.has(e.itemId) ? false : (seen.add(e.itemId), true)));
}

/** Risk classes live with the other identifiers; re-exported for the callers that import them from here. */
export { normaliseRiskClass } from './identifiers.js';

/** Applicable legislation as `mdr`, `ivdr`, `mdd`, `aimdd` or `ivdd` (or the code as given). */
export function normaliseLegislation(s: string): string | undefined {
  const lower = normaliseText(s).toLowerCase();
  if (lower === '') return undefined;
  if (/2017\/745/.test(lower)) return 'mdr';
  if (/2017\/746/.test(lower)) return 'ivdr';
  if (/93\/42/.test(lower)) return 'mdd';
  if (/90\/385/.test(lower)) return 'aimdd';
  if (/98\/79/.test(lower)) return 'ivdd';
  return lower.includes('.') ? lower.slice(lower.lastIndexOf('.') + 1) : lower;
}

/**
 * A device-register record (EUDAMED and the like): product facts on a device/IVD item, or facts
 * only a register states (UDI-DI, Basic UDI-DI, risk class, legislation). Trial records also carry
 * product facts (the intervention's name), but they are not register records.
 */
export function isRegistryRecord(e: EvidenceItem): e is EvidenceItem & { product: ProductFacts } {
  const p = e.product;
  if (p === undefined) return false;
  return (
    e.kind === 'device' ||
    e.kind === 'ivd' ||
    p.udiDi !== undefined ||
    p.basicUdiDi !== undefined ||
    p.riskClass !== undefined ||
    p.legislation !== undefined
  );
}

const EU_LEGISLATION = new Set(['mdr', 'ivdr', 'mdd', 'aimdd', 'ivdd']);

/**
 * A register record from the EU system (EUDAMED): it states MDR/IVDR (or directive) status, or
 * its source is an EU register.
 */
export function isEuRegistryRecord(e: EvidenceItem): e is EvidenceItem & { product: ProductFacts } {
  if (!isRegistryRecord(e)) return false;
  const legislation =
    e.product.legislation === undefined ? undefined : normaliseLegislation(e.product.legislation);
  return (
    (legislation !== undefined && EU_LEGISLATION.has(legislation)) ||
    (e.sourceProfile?.kind === 'registry' && e.sourceProfile.region === 'EU')
  );
}

const IVD_RISK_CLASSES = /^(?:class-[abcd]|ivd-.*)$/;

/**
 * An entry on NT-rådet's own lists (a council decision about a drug), told by its publication type
 * ("NT-rådets rekommendation"); MTP-rådet's entries are about devices.
 */
export function isNtCouncilDecision(item: { kind: ItemKind; publicationType?: string }): boolean {
  return item.kind === 'council-decision' && /(?:^|[^\p{L}])nt-?r[aå]d/iu.test(item.publicationType ?? '');
}

/**
 * The kind of product an item's facts describe: drug items (and NT-rådet's decisions) are drugs;
 * IVD when the item is an IVD or the registry says IVDR/IVDD or an IVD risk class; else a device.
 */
export function kindOfProduct(
  product: ProductFacts,
  item: { kind: ItemKind; publicationType?: string },
): CandidateKind {
  if (item.kind === 'drug' || isNtCouncilDecision(item)) return 'drug';
  if (item.kind === 'ivd') return 'ivd';
  const legislation =
    product.legislation === undefined ? undefined : normaliseLegislation(product.legislation);
  if (legislation === 'ivdr' || legislation === 'ivdd') return 'ivd';
  const riskClass = product.riskClass === undefined ? undefined : normaliseRiskClass(product.riskClass);
  if (riskClass !== undefined && IVD_RISK_CLASSES.test(riskClass)) return 'ivd';
  return 'device';
}

function udiSortKey(product: ProductFacts): string {
  const udi = product.udiDi === undefined ? undefined : normaliseUdiDi(product.udiDi);
  // Records without a valid UDI-DI sort after those with one.
  return udi ?? `\uffff${product.udiDi ?? ''}`;
}

const SCHEME_ORDER: Record<CandidateIdentifierScheme, number> = { 'udi-di': 0, 'basic-udi-di': 1, srn: 2 };

/**
 * Derives name/manufacturer/kind/identifiers deterministically from evidence (registry facts
 * first, then by sourceId+itemId order) so the result never depends on arrival order. Registry
 * records are ordered by their content (source, UDI-DI, trade name, URL) before the item id, so
 * the choice of name does not depend on which record was stored first either.
 *
 * - name: the first registry trade name, else `fallbackName`, else the first title;
 * - kind: from registry facts (device or IVD); otherwise device/IVD/drug items decide, in that
 *   order; otherwise a product named in a title or summary makes it a device; otherwise a method.
 *
 * Each item of the view carries its source's profile from `profiles` (the configured sources').
 */
export function describeCandidate(
  id: string,
  fallbackName: string,
  evidence: EvidenceItem[],
  profiles: SourceProfiles,
): CandidateView {
  const items = canonicalEvidence(evidence).map((e) => {
    const sourceProfile = profileOf(profiles, e.sourceId);
    return sourceProfile === undefined ? e : { ...e, sourceProfile };
  });
  // Items with product facts, EU register records first, then other register records, in an
  // order that depends on their content,
  // not on storage ids (which follow arrival order): source, then UDI-DI, then trade name and URL;
  // the item id only breaks ties.
  const registry = items
    .filter((e): e is EvidenceItem & { product: ProductFacts } => e.product !== undefined)
    .sort(
      (a, b) =>
        Number(isEuRegistryRecord(b)) - Number(isEuRegistryRecord(a)) ||
        Number(isRegistryRecord(b)) - Number(isRegistryRecord(a)) ||
        compareStrings(a.sourceId, b.sourceId) ||
        compareStrings(udiSortKey(a.product), udiSortKey(b.product)) ||
        compareStrings(a.product.tradeName, b.product.tradeName) ||
        compareStrings(a.url, b.url) ||
        compareStrings(a.itemId, b.itemId),
    );
  const firstRegistry = registry[0];

  const name =
    (firstRegistry === undefined ? '' : normaliseText(firstRegistry.product.tradeName)) ||
    normaliseText(fallbackName) ||
    normaliseText(items[0]?.title ?? '') ||
    id;

  const manufacturerSource = registry.find((e) => (e.product.manufacturer ?? '').trim() !== '');
  const manufacturer =
    manufacturerSource?.product.manufacturer === undefined
      ? undefined
      : normaliseText(manufacturerSource.product.manufacturer);

  let kind: CandidateKind;
  if (firstRegistry !== undefined) {
    kind = kindOfProduct(firstRegistry.product, firstRegistry);
  } else if (items.some((e) => e.kind === 'device')) {
    kind = 'device';
  } else if (items.some((e) => e.kind === 'ivd')) {
    kind = 'ivd';
  } else if (items.some((e) => e.kind === 'drug' || e.drug !== undefined)) {
    // A drug trial names no device: its drug facts make it a drug.
    kind = 'drug';
  } else if (items.some((e) => extractProductMentions(`${e.title}\n${e.summary ?? ''}`).length > 0)) {
    kind = 'device';
  } else {
    kind = 'method';
  }

  const identifiers = new Map<string, { scheme: CandidateIdentifierScheme; value: string }>();
  const add = (scheme: CandidateIdentifierScheme, value: string | undefined): void => {
    if (value !== undefined && value !== '') identifiers.set(`${scheme}\u0000${value}`, { scheme, value });
  };
  for (const { product } of registry) {
    if (product.udiDi !== undefined) add('udi-di', normaliseUdiDi(product.udiDi));
    if (product.basicUdiDi !== undefined) add('basic-udi-di', normaliseBasicUdiDi(product.basicUdiDi));
    if (product.manufacturerSrn !== undefined) {
      add('srn', product.manufacturerSrn.replace(/\s+/g, '').toUpperCase());
    }
  }

  const view: CandidateView = {
    id,
    name,
    kind,
    identifiers: [...identifiers.values()].sort(
      (a, b) => SCHEME_ORDER[a.scheme] - SCHEME_ORDER[b.scheme] || compareStrings(a.value, b.value),
    ),
    evidence: items,
  };
  if (manufacturer !== undefined && manufacturer !== '') view.manufacturer = manufacturer;
  return view;
}
