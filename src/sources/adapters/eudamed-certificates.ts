import { z } from 'zod';
import { parseSourceDate } from '../../domain/dates.js';
import { normaliseCertificateNumber, normaliseNotifiedBodyNumber } from '../../domain/identifiers.js';
import { HorisontError } from '../../domain/errors.js';
import type { CertificateFacts, CertificateScope, ItemReference, RawItem } from '../../domain/item.js';
import {
  MultilingualText,
  RefCode,
  SpringPage,
  eudamedPageKey,
  eudamedPageUrl,
  lastSegment,
  nextEudamedPage,
  present,
  textOf,
  EUDAMED_HOSTS,
} from '../eudamed-api.js';
import { describeIssues, readJsonBody } from '../json-body.js';
import type {
  DetailRequest,
  FetchedDocument,
  FetchRequest,
  ParseResult,
  SourceAdapter,
  SourceSpec,
} from '../types.js';

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

/** An actor as the detail names it (manufacturer, notified body). */
const Actor = z.object({ srn: Text, name: z.union([z.string(), MultilingualText]).nullish() }).nullish();

/**
 * A scope's `basicUdiData`. Public scrapers store it as it comes and nobody has shown its
 * content; it is read as the Basic UDI-DI record it names (`basicUdi` as a string or as a
 * `{ code }` like the device detail's `primaryDi`), or as the identifier itself.
 */
const Code = z.union([z.string(), z.object({ code: Text })]);
const BasicUdiData = z.union([z.string(), z.object({ basicUdi: Code.nullish(), code: Text })]).nullish();

/** One device or device group the certificate covers (`scopes[]` of the detail). */
const Scope = z.object({
  name: z.union([z.string(), MultilingualText]).nullish(),
  basicUdiData: BasicUdiData,
  riskClasses: z.array(z.object({ code: z.string().min(1) })).nullish(),
  referenceCatalogueNumber: Text,
});
type Scope = z.infer<typeof Scope>;

/**
 * The certificate detail (`/api/certificates/{uuid}`): the search record's facts under other
 * names (`type`, `status`, the actors as objects) and the scopes. `certificateNumber`,
 * `notifiedBody` and `scopes` must be present as keys, as in the search.
 */
const CertificateDetail = z.object({
  uuid: z.string().min(1),
  certificateNumber: z.string().nullable(),
  notifiedBody: Actor,
  manufacturer: Actor,
  type: RefCode,
  status: RefCode,
  issueDate: Text,
  expiryDate: Text,
  startingValidityDate: Text,
  versionNumber: z.number().int().nullish(),
  scopes: z.array(z.unknown()).nullable(),
});
type CertificateDetail = z.infer<typeof CertificateDetail>;

/**
 * The fields every detail record carries (the search's `recordFields` are named otherwise). Not
 * `scopes`: a certificate may list none, and the schema already requires the key.
 */
const DETAIL_FIELDS = ['uuid', 'certificateNumber', 'notifiedBody'] as const;

/** What the search and the detail both say about a certificate, in one shape. */
interface CertificateRecord {
  uuid: string;
  number: string | undefined;
  notifiedBody: string | undefined;
  notifiedBodyName?: string | undefined;
  manufacturer: string | undefined;
  manufacturerSrn: string | undefined;
  typeCode: string | undefined;
  statusCode: string | undefined;
  issueDate: string | null | undefined;
  startingValidityDate: string | null | undefined;
  expiryDate: string | null | undefined;
  versionNumber: number | null | undefined;
  /** Only from the detail: absent means the covered devices were not read. */
  scopes?: CertificateScope[];
}

// `refdata.certificate-mdr-type.quality-management-system` → MDR, quality management system.
const TYPE_CODE = /certificate-([a-z]+)-type\.([a-z0-9-]+)$/;

function typeOf(code: string | undefined): { legislation?: string; label?: string } {
  const match = code ? TYPE_CODE.exec(code.toLowerCase()) : null;
  if (!match) return {};
  return { legislation: match[1]!.toUpperCase(), label: match[2]!.replace(/-/g, ' ') };
}

function basicUdiOf(data: Scope['basicUdiData']): string | undefined {
  if (data === null || data === undefined) return undefined;
  if (typeof data === 'string') return present(data);
  const inner = data.basicUdi;
  if (typeof inner === 'string') return present(inner);
  return present(inner?.code) ?? present(data.code);
}

function toScope(scope: Scope): CertificateScope | undefined {
  const basicUdiDi = basicUdiOf(scope.basicUdiData);
  const name = textOf(scope.name);
  if (basicUdiDi === undefined && name === undefined) return undefined;
  const riskClass = present(scope.riskClasses?.[0]?.code);
  const catalogue = present(scope.referenceCatalogueNumber);
  return {
    ...(basicUdiDi === undefined ? {} : { basicUdiDi: basicUdiDi.slice(0, 64) }),
    ...(name === undefined ? {} : { name: name.slice(0, 500) }),
    ...(riskClass === undefined ? {} : { riskClass: riskClass.slice(0, 100) }),
    ...(catalogue === undefined ? {} : { catalogueNumbers: [catalogue.slice(0, 100)] }),
  };
}

function fromHit(hit: CertificateHit): CertificateRecord {
  return {
    uuid: hit.uuid,
    number: present(hit.certificateNumber),
    notifiedBody: present(hit.notifiedBodySrn),
    manufacturer: present(hit.actorName),
    manufacturerSrn: present(hit.actorSrn),
    typeCode: present(hit.certificateType?.code),
    statusCode: present(hit.certificateStatus?.code),
    issueDate: hit.issueDate,
    startingValidityDate: hit.startingValidityDate,
    expiryDate: hit.expiryDate,
    versionNumber: hit.versionNumber,
  };
}

function fromDetail(detail: CertificateDetail): CertificateRecord {
  const scopes = (detail.scopes ?? []).map((raw, index) => {
    const scope = Scope.safeParse(raw);
    if (!scope.success) {
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): scopes.${index} is not a certificate scope (${describeIssues(scope.error)})`,
      );
    }
    return toScope(scope.data);
  });
  return {
    uuid: detail.uuid,
    number: present(detail.certificateNumber),
    notifiedBody: present(detail.notifiedBody?.srn),
    notifiedBodyName: textOf(detail.notifiedBody?.name),
    manufacturer: textOf(detail.manufacturer?.name),
    manufacturerSrn: present(detail.manufacturer?.srn),
    typeCode: present(detail.type?.code),
    statusCode: present(detail.status?.code),
    issueDate: detail.issueDate,
    startingValidityDate: detail.startingValidityDate,
    expiryDate: detail.expiryDate,
    versionNumber: detail.versionNumber,
    scopes: scopes.filter((scope): scope is CertificateScope => scope !== undefined).slice(0, 200),
  };
}

function toItem(record: CertificateRecord): RawItem {
  const { number, notifiedBody, manufacturer, manufacturerSrn, scopes } = record;
  const { legislation, label } = typeOf(record.typeCode);
  const status = record.statusCode ? lastSegment(record.statusCode) : undefined;
  const issued = parseSourceDate(record.issueDate ?? '');
  const validFrom = parseSourceDate(record.startingValidityDate ?? '');
  const expires = parseSourceDate(record.expiryDate ?? '');
  const nb =
    notifiedBody === undefined ? undefined : (normaliseNotifiedBodyNumber(notifiedBody) ?? notifiedBody);

  const kindLabel = [legislation, label, 'certificate'].filter(Boolean).join(' ');
  const title = [
    `${kindLabel.charAt(0).toUpperCase()}${kindLabel.slice(1)} ${number ?? record.uuid}`,
    notifiedBody ? `(notified body ${notifiedBody})` : undefined,
  ]
    .filter(Boolean)
    .join(' ');

  // The search names the manufacturer but no device (a manufacturer is not a trade name, and a
  // guessed one would make a candidate of a company). The detail's scopes name the devices; they
  // stay structured (`certificate.scopes`) rather than repeated in the text, where the triage
  // would read the devices' words a second time as the certificate's.
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
  if (nb) references.push({ scheme: 'notified-body', value: nb.slice(0, 100) });

  const certificate: CertificateFacts | undefined = number
    ? {
        number: number.slice(0, 100),
        ...(nb ? { notifiedBody: nb.slice(0, 100) } : {}),
        ...(record.notifiedBodyName ? { notifiedBodyName: record.notifiedBodyName.slice(0, 500) } : {}),
        ...(kindLabel !== 'certificate' ? { type: kindLabel.replace(/ certificate$/, '') } : {}),
        ...(legislation ? { legislation: legislation.toLowerCase() } : {}),
        ...(status ? { status } : {}),
        ...(issued ? { issuedOn: issued } : {}),
        ...(validFrom ? { validFrom } : {}),
        ...(expires ? { expiresOn: expires } : {}),
        ...(manufacturer ? { manufacturer: manufacturer.slice(0, 500) } : {}),
        ...(manufacturerSrn ? { manufacturerSrn: manufacturerSrn.slice(0, 64) } : {}),
        ...(scopes ? { scopes } : {}),
      }
    : undefined;

  return {
    // The NB and its certificate number identify the certificate across versions (the uuid
    // changes with each version); two NBs may use the same number scheme.
    itemKey: number ? `${notifiedBody ?? 'nb-unknown'}:${number}` : record.uuid,
    kind: 'certificate',
    title,
    url: `${CERTIFICATE_PAGE}${encodeURIComponent(record.uuid)}`,
    ...(issued ? { publishedAt: issued } : {}),
    ...(summary ? { summary } : {}),
    language: 'en',
    ...(record.versionNumber !== null && record.versionNumber !== undefined
      ? { sourceVersion: String(record.versionNumber) }
      : {}),
    ...(kindLabel !== 'certificate' ? { publicationType: kindLabel } : {}),
    ...(certificate ? { certificate } : {}),
    ...(references.length > 0 ? { references } : {}),
  };
}

/** `/api/certificates/{uuid}` (not `/api/certificates/search/`): the uuid, else undefined. */
function detailUuidOf(url: string): string | undefined {
  const match = /\/certificates\/([^/?#]+)\/?$/.exec(new URL(url).pathname);
  const segment = match ? decodeURIComponent(match[1]!) : undefined;
  return segment === undefined || segment === 'search' ? undefined : segment;
}

/**
 * The detail request of a certificate, on the host of `base` (the listing it was found in, so the
 * fixture server serves it too). Its key names the listed version: a new version is a new
 * request, one already read is not asked for again.
 */
function detailRequest(base: string, uuid: string, version?: number | null): FetchRequest {
  const url = new URL(base);
  const at = url.pathname.lastIndexOf('/certificates/');
  url.pathname = `${url.pathname.slice(0, at)}/certificates/${encodeURIComponent(uuid)}`;
  url.search = '';
  url.searchParams.set('languageIso2Code', 'en');
  const suffix = version === null || version === undefined ? '' : `-v${version}`;
  const key = `certificate-${uuid.toLowerCase().replace(/[^a-z0-9]+/g, '-')}${suffix}`;
  return { key, url: url.toString(), accept: 'application/json' };
}

function parseDetail(doc: FetchedDocument): ParseResult {
  const raw = readJsonBody(ID, doc);
  const detail = CertificateDetail.safeParse(raw);
  if (!detail.success) {
    throw new HorisontError(
      'schema-drift',
      `parse(${ID}): not a certificate detail (${describeIssues(detail.error)})`,
    );
  }
  return { items: [toItem(fromDetail(detail.data))], records: [raw], recordFields: DETAIL_FIELDS };
}

function parseList(doc: FetchedDocument, source: SourceSpec<EudamedCertificatesOptions>): ParseResult {
  const envelope = SpringPage.safeParse(readJsonBody(ID, doc));
  if (!envelope.success) {
    throw new HorisontError(
      'schema-drift',
      `parse(${ID}): not a certificate search page (${describeIssues(envelope.error)})`,
    );
  }
  const page = envelope.data;

  const byKey = new Map<string, { item: RawItem; hit: CertificateHit; version: number }>();
  page.content.forEach((raw, index) => {
    const hit = CertificateHit.safeParse(raw);
    if (!hit.success) {
      // One drifted record means the shape changed for all; mapping the rest would hide it.
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): content.${index} is not a certificate record (${describeIssues(hit.error)})`,
      );
    }
    const item = toItem(fromHit(hit.data));
    // With version history on, one certificate appears once per version: keep the newest.
    const version = hit.data.versionNumber ?? -1;
    const previous = byKey.get(item.itemKey);
    if (!previous || version > previous.version) byKey.set(item.itemKey, { item, hit: hit.data, version });
  });
  const kept = [...byKey.values()];
  const items = kept.map((entry) => entry.item);
  const details: DetailRequest[] = kept.map(({ item, hit }) => ({
    itemKey: item.itemKey,
    request: detailRequest(doc.request.url, hit.uuid, hit.versionNumber),
  }));

  const next = nextEudamedPage(page, doc, source.options.maxPages);
  return {
    items,
    ...(next ? { next } : {}),
    ...(details.length > 0 ? { details } : {}),
    records: page.content,
  };
}

/** The search's first page; a configured detail URL reads that one certificate. */
function firstRequest(configured: string, pageSize: number): FetchRequest {
  const uuid = detailUuidOf(configured);
  if (uuid !== undefined) return detailRequest(configured, uuid);
  const url = eudamedPageUrl(configured, 0, pageSize);
  return { key: eudamedPageKey(url, 0), url: url.toString(), accept: 'application/json' };
}

/**
 * EUDAMED's certificate search (the UI API behind the public site): the MDR/IVDR certificates
 * notified bodies have issued, at manufacturer level, and for each new or changed one its detail
 * (`/api/certificates/{uuid}`), whose scopes name the devices covered by Basic UDI-DI and name.
 * An issued certificate is an early signal of a (higher-risk) device on its way to the market.
 */
export const eudamedCertificates: SourceAdapter<EudamedCertificatesOptions> = {
  id: ID,
  description: "EUDAMED MDR/IVDR certificates from the public site's certificate search API",
  profile: { kind: 'registry', region: 'EU' },
  hosts: EUDAMED_HOSTS,
  sources: [
    {
      id: ID,
      label: 'EUDAMED (certifikat)',
      // MDR/IVDR certificates (about 4,500 in 2026); no "changed since" filter, so the whole search
      // is paged through each night and changes are found by versionNumber.
      urls: [
        {
          url: 'https://ec.europa.eu/tools/eudamed/api/certificates/search/?iso2Code=en&languageIso2Code=en&sort=notifiedBodySrn%2Casc&entityTypeCode=certificate.certificates',
          verified: true,
          basis:
            'Same parameters in two public scrapers; a 2026 note measured the whole register at size=300 (AG-Kollotzek/eudamed-api-field-guide).',
        },
      ],
      recorded: { options: { pageSize: 6, maxPages: 25 } },
    },
  ],
  optionsSchema: EudamedCertificatesOptions,
  recordFields: ['uuid', 'certificateNumber', 'notifiedBodySrn', 'actorSrn'],

  requests(source: SourceSpec<EudamedCertificatesOptions>): FetchRequest[] {
    return source.urls.map((configured) => firstRequest(configured, source.options.pageSize));
  },

  parse(doc: FetchedDocument, source: SourceSpec<EudamedCertificatesOptions>): ParseResult {
    return detailUuidOf(doc.request.url) === undefined ? parseList(doc, source) : parseDetail(doc);
  },
};

export default eudamedCertificates;
