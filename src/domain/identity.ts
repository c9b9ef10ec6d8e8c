import type { CandidateKind } from './candidate.js';
import { isNtCouncilDecision, kindOfProduct } from './candidate.js';
import type { DrugKeyScheme } from './drugs.js';
import { drugIdentityParts } from './drugs.js';
import { normaliseBasicUdiDi, normaliseSrn, normaliseUdiDi } from './identifiers.js';
import type { RawItem } from './item.js';
import { extractProductMentions } from './mentions.js';
import { methodNameOf } from './method-names.js';
import { normaliseProductName, normaliseText } from './normalise.js';

export interface IdentityKey {
  scheme: 'udi-di' | 'basic-udi-di' | 'product' | 'item' | DrugKeyScheme;
  value: string;
}

export interface ItemIdentity {
  /** Every key that identifies the candidate; two identities sharing any key are the same candidate. */
  keys: IdentityKey[];
  candidateKind: CandidateKind;
  /**
   * False when the source does not say what kind of product it names (a news item, an HTA
   * report, a trial naming a product in its title): the name may then be a drug's as well as a
   * device's, and resolution compares it with both.
   */
  kindStated?: false;
  displayName: string;
  /**
   * The text the `product` key is `normaliseProductName` of, when it is the display name: the
   * name resolution compares is then the key, not normalised a second time.
   */
  keyText?: string;
  /** Why this item maps here (Swedish), e.g. "UDI-DI 0…", "produktnamn nämns i titeln". */
  reason: string;
  /** The manufacturer as the source names it (registries), for fuzzy matching. */
  manufacturer?: string;
  /** The manufacturer's EUDAMED SRN, when the source states it: one legal manufacturer. */
  manufacturerSrn?: string;
  /**
   * False when the identity may link to a candidate but not make one: a certificate's scope
   * without a registered model (a group of devices, a name without a Basic UDI-DI) waits for
   * the product to appear.
   */
  mayCreate?: false;
  /** The identity has identifiers but no name to compare (a scope listing only a Basic UDI-DI). */
  nameless?: true;
  /** The maker is only named by a notice (often the distributor), not stated by a registration. */
  makerNamedOnly?: true;
}

/** Item kinds that are about a method (an assessment), and so make a candidate of their own. */
const METHOD_KINDS = new Set<RawItem['kind']>(['hta-report', 'method']);
/** Item kinds that are about one product even when no name is recognised in the text. */
const PRODUCT_KINDS = new Set<RawItem['kind']>(['device', 'ivd', 'drug', 'council-decision']);
/** Item kinds whose product is of the kind they say (a drug list names drugs, an FSN devices). */
const STATES_PRODUCT_KIND = new Set<RawItem['kind']>(['device', 'ivd', 'drug', 'safety-notice']);
/** Item kinds that never make a candidate: legal acts name no products. */
const NEVER_CANDIDATES = new Set<RawItem['kind']>(['regulation']);

function textKind(item: RawItem): CandidateKind {
  if (item.kind === 'drug') return 'drug';
  if (item.kind === 'ivd') return 'ivd';
  // NT-rådet's own lists are about drugs; MTP-rådet's about devices.
  if (isNtCouncilDecision(item)) return 'drug';
  return 'device';
}

function itemKey(sourceId: string, item: RawItem): IdentityKey {
  return { scheme: 'item', value: `${sourceId}:${item.itemKey}` };
}

/**
 * Product mentions that the item is about. Names in the title win: the summary of an HTA report
 * about one product often names its comparators, and those must not become evidence for the
 * comparators. Title and summary are read together so that a brand recognised in the summary
 * also counts where it opens the title ("Optune vid glioblastom").
 */
function mentionsOf(item: RawItem): { names: string[]; where: 'titeln' | 'sammanfattningen' } {
  const title = normaliseText(item.title);
  // A certificate's summary names only the manufacturer (a company is not a product).
  const summary = item.kind === 'certificate' ? '' : normaliseText(item.summary ?? '');
  const language = item.language === undefined ? {} : { language: item.language };
  const all = extractProductMentions(summary === '' ? title : `${title}\n${summary}`, language);
  const inTitle = all.filter((name) => title.includes(name));
  if (inTitle.length > 0) return { names: inTitle, where: 'titeln' };
  return { names: all, where: 'sammanfattningen' };
}

/**
 * The candidate identities an item speaks about (pure, order-independent).
 *
 * - Items with product facts → one identity with keys udi-di, basic-udi-di and
 *   product:<normaliseProductName(tradeName)>.
 * - Text items → one identity per extracted mention (key product:<normalised mention>).
 * - HTA reports / methods with no product mention → one method identity keyed
 *   item:<sourceId>:<itemKey>, named by the method its title names (src/domain/method-names.ts).
 * - Device/IVD/drug items with neither facts nor a recognised name → one identity keyed by the
 *   item, of that kind (the item is about a product even if its name was not recognised).
 * - News, guidance, trials, certificates and safety notices with no mention → [] (stored, not a
 *   candidate); legal acts (`regulation`) never make a candidate.
 * - Council decisions (MTP-rådet/NT-rådet lists) are about one product: without a recognised name
 *   they are keyed by the item, as a drug when the source is NT-rådet's.
 *
 * Kind: ivd for IVDR/IVD risk classes, drug for drug items, device otherwise for products.
 */
/**
 * Whether a trial's device intervention is described rather than named ("Robot-assisted
 * laparoscopic hysterectomy", "Drug-coated balloon"): two or more words, no digits, nothing but
 * the first letter capitalised. Such a trial tests a method, not a product; a name ("Optune",
 * "Tandem Mobi", "FreeStyle Libre 3", "e-Stroke") has a capital, a number or one word.
 */
export function isDescribedIntervention(name: string): boolean {
  const words = normaliseText(name.replace(/\([^)]*\)/g, ' '))
    .split(/[\s-]+/u)
    .filter((word) => word !== '');
  if (words.length < 2 || words.some((word) => /\d/.test(word))) return false;
  return words.every((word, i) => word.slice(i === 0 ? 1 : 0) === word.slice(i === 0 ? 1 : 0).toLowerCase());
}

/**
 * The devices a certificate's scope names: by Basic UDI-DI and name, with the certificate's
 * manufacturer and SRN. A scope entry with a Basic UDI-DI and a name is a registered model and may
 * make a candidate (a certificate can come before the device's registration); one with only a
 * name or only a Basic UDI-DI links to a product that exists or waits for it.
 */
function certificateIdentities(item: RawItem): ItemIdentity[] {
  const certificate = item.certificate;
  if (certificate?.scopes === undefined) return [];
  const kind: CandidateKind = certificate.legislation?.toLowerCase() === 'ivdr' ? 'ivd' : 'device';
  const srn =
    certificate.manufacturerSrn === undefined ? undefined : normaliseSrn(certificate.manufacturerSrn);
  const identities: ItemIdentity[] = [];
  const seen = new Set<string>();
  for (const scope of certificate.scopes) {
    const basicUdiDi = scope.basicUdiDi === undefined ? undefined : normaliseBasicUdiDi(scope.basicUdiDi);
    const name = scope.name === undefined ? '' : normaliseText(scope.name);
    const product = name === '' ? '' : normaliseProductName(name);
    const keys: IdentityKey[] = [];
    if (basicUdiDi !== undefined) keys.push({ scheme: 'basic-udi-di', value: basicUdiDi });
    if (product !== '') keys.push({ scheme: 'product', value: product });
    if (keys.length === 0 || seen.has(keys.map((k) => k.value).join('|'))) continue;
    seen.add(keys.map((k) => k.value).join('|'));
    identities.push({
      keys,
      candidateKind: kind,
      displayName: name || basicUdiDi!,
      ...(product === '' ? {} : { keyText: name }),
      reason:
        basicUdiDi !== undefined
          ? `Basic UDI-DI ${basicUdiDi} i certifikatets omfattning`
          : `”${name}” i certifikatets omfattning`,
      ...(certificate.manufacturer === undefined ? {} : { manufacturer: certificate.manufacturer }),
      ...(srn === undefined ? {} : { manufacturerSrn: srn }),
      ...(basicUdiDi !== undefined && product !== '' ? {} : { mayCreate: false as const }),
      ...(product === '' ? { nameless: true as const } : {}),
    });
  }
  return identities;
}

export function identitiesOf(sourceId: string, item: RawItem): ItemIdentity[] {
  const title = normaliseText(item.title);
  if (item.kind === 'certificate') return certificateIdentities(item);

  const drug = drugIdentityParts(item);
  if (drug !== undefined) {
    return [
      {
        keys: drug.keys,
        candidateKind: 'drug',
        displayName: drug.displayName,
        reason: drug.reason,
        ...(drug.holder === undefined ? {} : { manufacturer: drug.holder }),
        ...(drug.nameless ? { nameless: true as const } : {}),
      },
    ];
  }

  if (
    item.kind === 'trial' &&
    item.product !== undefined &&
    isDescribedIntervention(item.product.tradeName)
  ) {
    return [
      {
        keys: [itemKey(sourceId, item)],
        candidateKind: 'method',
        displayName: title,
        reason: `prövning av en metod (${normaliseText(item.product.tradeName)})`,
      },
    ];
  }

  if (item.product !== undefined) {
    const facts = item.product;
    const keys: IdentityKey[] = [];
    const udiDi = facts.udiDi === undefined ? undefined : normaliseUdiDi(facts.udiDi);
    const basicUdiDi = facts.basicUdiDi === undefined ? undefined : normaliseBasicUdiDi(facts.basicUdiDi);
    const product = normaliseProductName(facts.tradeName);
    const srn = facts.manufacturerSrn === undefined ? undefined : normaliseSrn(facts.manufacturerSrn);
    if (udiDi !== undefined) keys.push({ scheme: 'udi-di', value: udiDi });
    if (basicUdiDi !== undefined) keys.push({ scheme: 'basic-udi-di', value: basicUdiDi });
    if (product !== '') keys.push({ scheme: 'product', value: product });
    const displayName = normaliseText(facts.tradeName) || title;
    let reason: string;
    if (udiDi !== undefined) reason = `UDI-DI ${udiDi} i registret`;
    else if (basicUdiDi !== undefined) reason = `Basic UDI-DI ${basicUdiDi} i registret`;
    else if (product !== '') {
      const register = facts.riskClass !== undefined || facts.legislation !== undefined;
      reason = register
        ? `handelsnamnet ”${displayName}” i registret`
        : `produktnamnet ”${displayName}” i källans strukturerade uppgifter`;
    } else reason = 'registerpost utan giltig identifierare';
    if (keys.length === 0) keys.push(itemKey(sourceId, item));
    return [
      {
        keys,
        candidateKind: kindOfProduct(facts, item),
        displayName,
        ...(product === '' ? {} : { keyText: facts.tradeName }),
        reason,
        // A trial's "manufacturer" is often its sponsor (a university, a region), not the maker.
        ...(facts.manufacturer === undefined || item.kind === 'trial'
          ? {}
          : { manufacturer: facts.manufacturer }),
        ...(srn === undefined || item.kind === 'trial' ? {} : { manufacturerSrn: srn }),
        ...(item.kind === 'safety-notice' && facts.manufacturer !== undefined
          ? { makerNamedOnly: true as const }
          : {}),
      },
    ];
  }

  if (NEVER_CANDIDATES.has(item.kind)) return [];

  const { names, where } = mentionsOf(item);
  const identities: ItemIdentity[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const key = normaliseProductName(name);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    identities.push({
      keys: [{ scheme: 'product', value: key }],
      candidateKind: textKind(item),
      ...(STATES_PRODUCT_KIND.has(item.kind) || isNtCouncilDecision(item)
        ? {}
        : { kindStated: false as const }),
      displayName: name,
      keyText: name,
      reason: `produktnamn nämns i ${where}: ”${name}”`,
    });
  }
  if (identities.length > 0) return identities;

  if (METHOD_KINDS.has(item.kind)) {
    return [
      {
        keys: [itemKey(sourceId, item)],
        candidateKind: 'method',
        // The method, not the report: TLV's "Hälsoekonomisk bedömning av X vid Y" is X vid Y.
        displayName: methodNameOf(title),
        reason:
          item.kind === 'hta-report' ? 'HTA-rapport utan produktnamn (metod)' : 'metod utan produktnamn',
      },
    ];
  }
  if (PRODUCT_KINDS.has(item.kind)) {
    return [
      {
        keys: [itemKey(sourceId, item)],
        candidateKind: textKind(item),
        displayName: title,
        reason: 'posten gäller en produkt men inget produktnamn kunde läsas ut',
      },
    ];
  }
  return [];
}
