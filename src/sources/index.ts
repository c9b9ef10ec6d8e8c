import { clinicaltrials } from './adapters/clinicaltrials.js';
import { eudamedCertificates } from './adapters/eudamed-certificates.js';
import { emaEvaluation } from './adapters/ema-evaluation.js';
import { emaMedicines } from './adapters/ema-medicines.js';
import { councilLists } from './adapters/council-lists.js';
import { eudamedDevices } from './adapters/eudamed-devices.js';
import { eudamedBuildInfo } from './adapters/eudamed-build-info.js';
import { nyeMetoder } from './adapters/nye-metoder.js';
import { openfdaDevices } from './adapters/openfda-devices.js';
import { openfdaDrugs } from './adapters/openfda-drugs.js';
import { eurlexOj } from './adapters/eurlex-oj.js';
import { lakemedelsverketFsn } from './adapters/lakemedelsverket-fsn.js';
import { mdcgGuidance } from './adapters/mdcg-guidance.js';
import { regionalHtaList } from './adapters/regional-hta-list.js';
import { notifiedBodies } from './adapters/notified-bodies.js';
import { sbuPublications } from './adapters/sbu-publications.js';
import { tlv } from './adapters/tlv.js';
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
