/**
 * What the domain may know about a source: its adapter declares it (src/sources/adapters) and
 * the configuration hands it in as data, so no rule tells a source by its id or name.
 */
export const SOURCE_KINDS = [
  /** A register of devices, certificates or notified bodies (EUDAMED, openFDA's device clearances). */
  'registry',
  /** A register of clinical trials (ClinicalTrials.gov). */
  'trial-registry',
  /** An agency or unit that publishes health technology assessments (SBU, the regions, Nye Metoder). */
  'hta-agency',
  /** The agency of health-economic assessments and reimbursement decisions (TLV). */
  'reimbursement-agency',
  /** An agency that evaluates and approves drugs (EMA, the FDA's drug approvals). */
  'drug-agency',
  /** A regulator's notices and guidance (Läkemedelsverket's safety notices, the MDCG). */
  'regulator',
  /** Where laws and acts are published (the EU's Official Journal). */
  'legislation',
  /** The councils' own lists (MTP-rådet, NT-rådet). */
  'council',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Where the source's decisions apply: a country (ISO 3166-1 alpha-2), the EU, or no one place. */
export const SOURCE_REGIONS = ['SE', 'NO', 'EU', 'US', 'international'] as const;
export type SourceRegion = (typeof SOURCE_REGIONS)[number];

export interface SourceProfile {
  kind: SourceKind;
  region: SourceRegion;
}

/** Each configured source's profile, by source id (plain data: it is part of what scoring hashes). */
export type SourceProfiles = Readonly<Record<string, SourceProfile>>;

export function profileOf(profiles: SourceProfiles, sourceId: string): SourceProfile | undefined {
  return Object.hasOwn(profiles, sourceId) ? profiles[sourceId] : undefined;
}
