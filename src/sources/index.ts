import { clinicaltrials } from './clinicaltrials.js';
import { eudamedCertificates } from './eudamed-certificates.js';
import { emaEvaluation } from './ema-evaluation.js';
import { emaMedicines } from './ema-medicines.js';
import { councilLists } from './council-lists.js';
import { eudamedDevices } from './eudamed-devices.js';
import { eudamedBuildInfo } from './eudamed-build-info.js';
import { nyeMetoder } from './nye-metoder.js';
import { openfdaDevices } from './openfda-devices.js';
import { openfdaDrugs } from './openfda-drugs.js';
import { eurlexOj } from './eurlex-oj.js';
import { lakemedelsverketFsn } from './lakemedelsverket-fsn.js';
import { mdcgGuidance } from './mdcg-guidance.js';
import { regionalHtaList } from './regional-hta-list.js';
import { notifiedBodies } from './notified-bodies.js';
import { sbuPublications } from './sbu-publications.js';
import { tlv } from './tlv.js';
import type { SourceAdapter } from './types.js';

/**
 * Every adapter, by id. One explicit line per adapter: adding a source is a visible diff here,
 * not a side effect of a file appearing in a directory.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options differ per adapter; config loading validates them with each adapter's own schema
export const adapters: Record<string, SourceAdapter<any>> = {
  [clinicaltrials.id]: clinicaltrials,
  [eudamedCertificates.id]: eudamedCertificates,
  [emaEvaluation.id]: emaEvaluation,
  [emaMedicines.id]: emaMedicines,
  [councilLists.id]: councilLists,
  [eudamedDevices.id]: eudamedDevices,
  [eudamedBuildInfo.id]: eudamedBuildInfo,
  [nyeMetoder.id]: nyeMetoder,
  [openfdaDevices.id]: openfdaDevices,
  [openfdaDrugs.id]: openfdaDrugs,
  [eurlexOj.id]: eurlexOj,
  [lakemedelsverketFsn.id]: lakemedelsverketFsn,
  [mdcgGuidance.id]: mdcgGuidance,
  [regionalHtaList.id]: regionalHtaList,
  [notifiedBodies.id]: notifiedBodies,
  [sbuPublications.id]: sbuPublications,
  [tlv.id]: tlv,
};

export function getAdapter(id: string): SourceAdapter<unknown> | undefined {
  // `hasOwn` keeps `constructor`, `toString` and friends from resolving as adapters.
  return Object.hasOwn(adapters, id) ? adapters[id] : undefined;
}
