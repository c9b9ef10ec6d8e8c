import { z } from 'zod';
import { parseSourceDate } from '../domain/dates.js';
import { normaliseCertificateNumber, normaliseNotifiedBodyNumber } from '../domain/identifiers.js';
import { HorisontError } from '../domain/errors.js';
import type { ItemReference, RawItem } from '../domain/item.js';
import {
  RefCode,
  SpringPage,
  describeIssues,
  eudamedPageKey,
  eudamedPageUrl,
  lastSegment,
  nextEudamedPage,
  present,
  readEudamedJson,
} from './eudamed-api.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from './types.js';

const ID = 'eudamed-certificates';
const CERTIFICATE_PAGE = 'https://ec.europa.eu/tools/eudamed/#/screen/certificates/';

export const EudamedCertificatesOptions = z.strictObject({
  /** Certificates per page; the API caps `size` at 300. */
  pageSize: z.number().int().min(1).max(300).default(300),
  /**
   * Pages followed per configured URL and scan. The register held about 4,500 certificates in
   * 2026 and the search has no "changed since" filter, so the default reads all of it.
   */
  maxPages: z.number().int().min(1).max(1000).default(25),
});
export type EudamedCertificatesOptions = z.infer<typeof EudamedCertificatesOptions>;

const Text = z.string().nullish();

/**
 * One search record. `certificateNumber` and `notifiedBodySrn` must be present as keys (null is
 * allowed): a renamed field would otherwise pass as "no number" and silently rekey every item.
 */
const CertificateHit = z.object({
  uuid: z.string().min(1),
  certificateNumber: z.string().nullable(),
  notifiedBodySrn: z.string().nullable(),
  actorSrn: Text,
  actorName: Text,
  certificateType: RefCode,
  certificateStatus: RefCode,
  issueDate: Text,
  expiryDate: Text,
  startingValidityDate: Text,
  versionNumber: z.number().int().nullish(),
  revisionNumber: z.union([z.number().int(), z.string()]).nullish(),
  latestVersion: z.boolean().nullish(),
});
type CertificateHit = z.infer<typeof CertificateHit>;

// `refdata.certificate-mdr-type.quality-management-system` → MDR, quality management system.
const TYPE_CODE = /certificate-([a-z]+)-type\.([a-z0-9-]+)$/;

function typeOf(code: string | undefined): { legislation?: string; label?: string } {
  const match = code ? TYPE_CODE.exec(code.toLowerCase()) : null;
  if (!match) return {};
  return { legislation: match[1]!.toUpperCase(), label: match[2]!.replace(/-/g, ' ') };
}

function isoDay(text: string | null | undefined): string | undefined {
  return text ? parseSourceDate(text) : undefined;
}

function toItem(hit: CertificateHit): RawItem {
  const number = present(hit.certificateNumber);
  const notifiedBody = present(hit.notifiedBodySrn);
  const { legislation, label } = typeOf(present(hit.certificateType?.code));
  const statusCode = present(hit.certificateStatus?.code);
  const status = statusCode ? lastSegment(statusCode) : undefined;
  const manufacturer = present(hit.actorName);
  const manufacturerSrn = present(hit.actorSrn);
  const issued = isoDay(hit.issueDate);
  const validFrom = isoDay(hit.startingValidityDate);
  const expires = isoDay(hit.expiryDate);

  const kindLabel = [legislation, label, 'certificate'].filter(Boolean).join(' ');
  const title = [
    `${kindLabel.charAt(0).toUpperCase()}${kindLabel.slice(1)} ${number ?? hit.uuid}`,
    notifiedBody ? `(notified body ${notifiedBody})` : undefined,
  ]
    .filter(Boolean)
    .join(' ');

  // The search names the manufacturer but no device, so there are no product facts to state:
  // a manufacturer is not a trade name, and a guessed one would make a candidate of a company.
  const summary = [
    manufacturer
      ? `Manufacturer: ${manufacturer}${manufacturerSrn ? ` (${manufacturerSrn})` : ''}.`
      : manufacturerSrn
        ? `Manufacturer SRN: ${manufacturerSrn}.`
        : undefined,
    status ? `Status: ${status}.` : undefined,
    validFrom || expires
      ? `Valid${validFrom ? ` from ${validFrom}` : ''}${expires ? ` until ${expires}` : ''}.`
      : undefined,
  ]
    .filter(Boolean)
    .join(' ');

  const references: ItemReference[] = [];
  if (number) {
    references.push({
      scheme: 'certificate',
      value: (normaliseCertificateNumber(number) ?? number).slice(0, 100),
    });
  }
  if (notifiedBody) {
    const nb = normaliseNotifiedBodyNumber(notifiedBody) ?? notifiedBody;
    references.push({ scheme: 'notified-body', value: nb.slice(0, 100) });
  }

  return {
    // The NB and its certificate number identify the certificate across versions (the uuid
    // changes with each version); two NBs may use the same number scheme.
    itemKey: number ? `${notifiedBody ?? 'nb-unknown'}:${number}` : hit.uuid,
    kind: 'certificate',
    title,
    url: `${CERTIFICATE_PAGE}${encodeURIComponent(hit.uuid)}`,
    ...(issued ? { publishedAt: issued } : {}),
    ...(summary ? { summary } : {}),
    language: 'en',
    ...(hit.versionNumber !== null && hit.versionNumber !== undefined
      ? { sourceVersion: String(hit.versionNumber) }
      : {}),
    ...(kindLabel !== 'certificate' ? { publicationType: kindLabel } : {}),
    ...(references.length > 0 ? { references } : {}),
  };
}

function firstRequest(configured: string, pageSize: number): FetchRequest {
  const url = eudamedPageUrl(configured, 0, pageSize);
  return { key: eudamedPageKey(url, 0), url: url.toString(), accept: 'application/json' };
}

/**
 * EUDAMED's certificate search (the UI API behind the public site): the MDR/IVDR certificates
 * notified bodies have issued, at manufacturer level. An issued certificate is an early signal of
 * a (higher-risk) device on its way to the market.
 */
export const eudamedCertificates: SourceAdapter<EudamedCertificatesOptions> = {
  id: ID,
  description: "EUDAMED MDR/IVDR certificates from the public site's certificate search API",
  optionsSchema: EudamedCertificatesOptions,
  recordFields: ['uuid', 'certificateNumber', 'notifiedBodySrn', 'actorSrn'],

  requests(source: SourceSpec<EudamedCertificatesOptions>): FetchRequest[] {
    return source.urls.map((configured) => firstRequest(configured, source.options.pageSize));
  },

  parse(doc: FetchedDocument, source: SourceSpec<EudamedCertificatesOptions>): ParseResult {
    const envelope = SpringPage.safeParse(readEudamedJson(ID, doc));
    if (!envelope.success) {
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): not a certificate search page (${describeIssues(envelope.error)})`,
      );
    }
    const page = envelope.data;

    const byKey = new Map<string, { item: RawItem; version: number }>();
    page.content.forEach((raw, index) => {
      const hit = CertificateHit.safeParse(raw);
      if (!hit.success) {
        // One drifted record means the shape changed for all; mapping the rest would hide it.
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): content.${index} is not a certificate record (${describeIssues(hit.error)})`,
        );
      }
      const item = toItem(hit.data);
      // With version history on, one certificate appears once per version: keep the newest.
      const version = hit.data.versionNumber ?? -1;
      const previous = byKey.get(item.itemKey);
      if (!previous || version > previous.version) byKey.set(item.itemKey, { item, version });
    });
    const items = [...byKey.values()].map((entry) => entry.item);

    const next = nextEudamedPage(page, doc, source.options.maxPages);
    return next ? { items, next, records: page.content } : { items, records: page.content };
  },
};
