import { z } from 'zod';

/**
 * What a source item is about. Drives routing (MTP-rådet vs NT-rådet) and how it is resolved.
 * Every label has a Swedish name in `ITEM_KIND_LABELS` (score.ts), which the compiler holds
 * complete; resolution (identity.ts) decides which kinds make candidates of their own.
 */
export const ItemKind = z.enum([
  /** A medical device under MDR/MDD/AIMDD (a register record, an FDA clearance). */
  'device',
  /** An in-vitro diagnostic under IVDR/IVDD. */
  'ivd',
  'drug',
  /** A method or procedure (Nye Metoder's "prosedyrer", a regional method assessment). */
  'method',
  'guidance',
  /** A field safety notice or recall. */
  'safety-notice',
  'trial',
  'news',
  'hta-report',
  /** A notified body's MDR/IVDR certificate: an early signal of a (high-risk) device. */
  'certificate',
  /** A legal act or official notice (EUR-Lex, notified-body designations). */
  'regulation',
  /** An entry on MTP-rådet's or NT-rådet's own lists: the product is already handled nationally. */
  'council-decision',
]);
export type ItemKind = z.infer<typeof ItemKind>;

/** `YYYY-MM-DD`, or a full ISO 8601 date-time with offset. Never invented: absent when unknown. */
export const IsoDate = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'expected an ISO 8601 date',
  );

const HttpUrl = z
  .string()
  .max(2048)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'expected an http(s) URL');

/** Structured product facts, when the source states them (registries); never guessed from prose. */
export const ProductFacts = z.object({
  tradeName: z.string().min(1).max(500),
  manufacturer: z.string().min(1).max(500).optional(),
  manufacturerSrn: z.string().max(64).optional(),
  /** UDI-DI as published (GTIN-14, HIBC, …). */
  udiDi: z.string().max(64).optional(),
  basicUdiDi: z.string().max(64).optional(),
  /** EUDAMED risk-class code, e.g. `refdata.risk-class.class-iib`. */
  riskClass: z.string().max(100).optional(),
  /** e.g. `mdr`, `ivdr`, `mdd`. */
  legislation: z.string().max(20).optional(),
  emdnCodes: z.array(z.string().max(32)).max(50).optional(),
  /** e.g. `on-the-market`. */
  marketStatus: z.string().max(100).optional(),
  implantable: z.boolean().optional(),
});
export type ProductFacts = z.infer<typeof ProductFacts>;

/** Identifiers other than UDI that tie an item to products, trials or documents elsewhere. */
export const ItemReference = z.object({
  scheme: z.enum([
    'nct',
    'eu-ct',
    'fda-510k',
    'fda-de-novo',
    'fda-pma',
    'certificate',
    'notified-body',
    'nye-metoder',
    'sbu',
    'mdcg',
    'celex',
    'atc',
    /** EMA product number, `EMEA/H/C/006123`. */
    'ema',
  ]),
  value: z.string().min(1).max(100),
});
export type ItemReference = z.infer<typeof ItemReference>;

/** One device or group of devices a certificate covers, as the notified body states it. */
export const CertificateScope = z.object({
  basicUdiDi: z.string().max(64).optional(),
  /** The device's name, trade name or model as the scope states it. */
  name: z.string().min(1).max(500).optional(),
  /** EUDAMED risk-class code, e.g. `refdata.risk-class.class-iii`. */
  riskClass: z.string().max(100).optional(),
  catalogueNumbers: z.array(z.string().min(1).max(100)).max(50).optional(),
});
export type CertificateScope = z.infer<typeof CertificateScope>;

/** A notified body's certificate: who issued it, for what, when, and the devices it covers. */
export const CertificateFacts = z.object({
  number: z.string().min(1).max(100),
  /** Notified-body number, four digits (`0197`). */
  notifiedBody: z.string().max(100).optional(),
  notifiedBodyName: z.string().max(500).optional(),
  /** e.g. `MDR technical documentation`, `IVDR quality management system`. */
  type: z.string().max(200).optional(),
  /** e.g. `mdr`, `ivdr`. */
  legislation: z.string().max(20).optional(),
  /** e.g. `issued`, `supplemented`, `withdrawn`. */
  status: z.string().max(50).optional(),
  issuedOn: IsoDate.optional(),
  validFrom: IsoDate.optional(),
  expiresOn: IsoDate.optional(),
  manufacturer: z.string().min(1).max(500).optional(),
  manufacturerSrn: z.string().max(64).optional(),
  /** The devices covered; absent when only the certificate search was read. */
  scopes: z.array(CertificateScope).max(200).optional(),
});
export type CertificateFacts = z.infer<typeof CertificateFacts>;

/** Where a drug stands, as one source states it: the drug's history events come from these. */
export const DrugEvent = z.enum([
  /** On EMA's list of applications under evaluation by the CHMP. */
  'under-evaluation',
  'positive-opinion',
  'negative-opinion',
  /** The European Commission's marketing authorisation. */
  'eu-approval',
  'withdrawn',
  /** Approved outside the EU first (FDA). */
  'approved-abroad',
  /** TLV's benefit decision (förmånsbeslut) on a prescription drug. */
  'tlv-decision',
  /** TLV's health-economic assessment of a requisition drug (klinikläkemedelsuppdraget). */
  'tlv-assessment',
  /** A Nordic body's recommendation (Denmark's Medicinrådet). */
  'nordic-recommendation',
  /** A clinical trial of the drug. */
  'trial',
]);
export type DrugEvent = z.infer<typeof DrugEvent>;

/**
 * Structured drug facts, when the source states them (EMA's lists, FDA, TLV, trial registries).
 * Identity links drugs by substance (INN) and indication, EMA product number and brand names
 * (src/domain/drugs.ts); a drug without an indication is kept, shown as "indikation saknas".
 */
export const DrugFacts = z.object({
  /** The active substance (INN) as the source writes it; several joined by " / ". */
  inn: z.string().min(1).max(500).optional(),
  brandNames: z.array(z.string().min(1).max(200)).max(20).optional(),
  /** ATC code, e.g. `N06DX04`. */
  atc: z.string().max(20).optional(),
  /** The indication (or therapeutic area when that is all the source gives). */
  indication: z.string().min(1).max(5000).optional(),
  /**
   * `new-substance`: a medicine not authorised before (an initial application, a novel approval);
   * `new-indication`: an extension of indication of a known substance, its own candidate.
   */
  scope: z.enum(['new-substance', 'new-indication']).optional(),
  orphan: z.boolean().optional(),
  /** EMA's PRIME scheme. */
  prime: z.boolean().optional(),
  conditional: z.boolean().optional(),
  /** Accelerated assessment (EU) or priority review (FDA). */
  accelerated: z.boolean().optional(),
  /** How it reaches patients where the source says (seed 004): requisition or prescription. */
  supply: z.enum(['rekvisition', 'recept']).optional(),
  /** The marketing-authorisation holder, applicant or sponsor. */
  holder: z.string().min(1).max(500).optional(),
  /** EMA product number, `EMEA/H/C/006123`. */
  emaProductNumber: z.string().max(40).optional(),
  event: DrugEvent.optional(),
  /** The event's date as the source states it (opinion, decision, approval, list extraction). */
  eventOn: IsoDate.optional(),
  /** The expected EU decision (a CHMP opinion is followed by the Commission's decision). */
  expectedDecisionOn: IsoDate.optional(),
  /** A trial's phase as registered (`PHASE3`, `PHASE2/PHASE3`). */
  phase: z.string().max(40).optional(),
  /** A trial's sites in the Nordic countries, by country. */
  nordicSites: z.array(z.string().min(1).max(100)).max(10).optional(),
});
export type DrugFacts = z.infer<typeof DrugFacts>;

/**
 * One item as a source adapter parsed it. The pipeline validates every adapter's output with
 * this schema before storing it.
 */
export const RawItem = z.object({
  /** Stable per source across fetches (registry id, report number, canonical URL). */
  itemKey: z.string().min(1).max(500),
  kind: ItemKind,
  title: z.string().min(1).max(2000),
  url: HttpUrl,
  publishedAt: IsoDate.optional(),
  updatedAt: IsoDate.optional(),
  summary: z.string().max(20_000).optional(),
  language: z.enum(['sv', 'en', 'no']).optional(),
  /** The source's own revision marker (EUDAMED `versionNumber`); a change means "changed". */
  sourceVersion: z.string().max(100).optional(),
  /** Publication type as the source names it (`SBU Utvärderar`, `Regional HTA`, …). */
  publicationType: z.string().max(200).optional(),
  /** For regional HTA: the publishing region or unit (`Västra Götalandsregionen`, …). */
  region: z.string().max(200).optional(),
  product: ProductFacts.optional(),
  /** For a notified body's certificate: its facts and the devices it covers. */
  certificate: CertificateFacts.optional(),
  /** For a drug: its substance, indication, designations and procedure dates. */
  drug: DrugFacts.optional(),
  references: z.array(ItemReference).max(50).optional(),
});
export type RawItem = z.infer<typeof RawItem>;
