import { z } from 'zod';
import { parseSourceDate, toIsoDate } from '../../domain/dates.js';
import { normaliseEmdnCode, normaliseSrn } from '../../domain/identifiers.js';
import { HorisontError } from '../../domain/errors.js';
import type { ItemKind, ProductFacts, RawItem } from '../../domain/item.js';
import { describeIssues, readJsonBody } from '../json-body.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';
import { EUDAMED_HOSTS, eudamedPageKey, eudamedPageUrl } from '../eudamed-api.js';

const ID = 'eudamed-devices';
const DEVICE_PAGE = 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/';

export const EudamedDevicesOptions = z.strictObject({
  /** Devices per page; the API caps `size` at 300. */
  pageSize: z.number().int().min(1).max(300).default(300),
  /** Pages followed per configured URL and scan; the API has no "changed since" filter. */
  maxPages: z.number().int().min(1).max(10_000).default(50),
});
export type EudamedDevicesOptions = z.infer<typeof EudamedDevicesOptions>;

/** Spring Data `Page`, as every EUDAMED list endpoint returns it. */
const PageEnvelope = z.object({
  content: z.array(z.unknown()),
  number: z.number().int().min(0),
  size: z.number().int().min(0),
  totalElements: z.number().int().min(0),
  totalPages: z.number().int().min(0),
  last: z.boolean(),
  first: z.boolean().optional(),
  numberOfElements: z.number().int().min(0).optional(),
});

const RefCode = z.object({ code: z.string().min(1) }).nullish();
const Text = z.string().nullish();

/**
 * One search hit. Only what the mapping reads is declared; the listing carries some thirty more
 * fields, most of them null here and filled only in detail calls.
 */
const DeviceHit = z.object({
  uuid: z.string().min(1),
  primaryDi: Text,
  basicUdi: Text,
  tradeName: Text,
  deviceName: Text,
  deviceModel: Text,
  reference: Text,
  manufacturerName: Text,
  manufacturerSrn: Text,
  riskClass: RefCode,
  deviceStatusType: RefCode,
  versionNumber: z.number().int().nullish(),
  latestVersion: z.boolean().nullish(),
  lastUpdateDate: Text,
  applicableLegislation: z.union([z.string(), z.object({ code: z.string().min(1) })]).nullish(),
  cndNomenclatures: z.array(z.object({ code: z.string().min(1) })).nullish(),
});
type DeviceHit = z.infer<typeof DeviceHit>;

/** `refdata.device-model-status.on-the-market` → `on-the-market`. */
function lastSegment(code: string): string {
  return code.slice(code.lastIndexOf('.') + 1).toLowerCase();
}

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

// IVDR classes A–D and the IVDD list classes exist only for in-vitro diagnostics.
const IVD_RISK_CLASS = /\.(class-[a-d]|ivd-[a-z-]+)$/;

function kindOf(riskClass: string | undefined, legislation: string | undefined): ItemKind {
  if (legislation === 'ivdr' || legislation === 'ivdd') return 'ivd';
  return riskClass !== undefined && IVD_RISK_CLASS.test(riskClass) ? 'ivd' : 'device';
}

/** EUDAMED's own form: a local ISO date-time such as `2026-10-28T14:05:31.207`. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]*)?$/;

/**
 * The day of `lastUpdateDate`. EUDAMED's own form is read directly, with the same result as
 * `parseSourceDate` (the date at the start, checked to be a real day); the general matchers cost
 * ≈ 10 µs a record, three times `JSON.parse` of the whole record (W2).
 */
function updatedAtOf(text: string): string | undefined {
  const iso = ISO_DATE_TIME.exec(text);
  return iso ? toIsoDate(Number(iso[1]), Number(iso[2]), Number(iso[3])) : parseSourceDate(text);
}

function toItem(hit: DeviceHit): RawItem {
  const udiDi = present(hit.primaryDi);
  const tradeName =
    present(hit.tradeName) ??
    present(hit.deviceName) ??
    present(hit.deviceModel) ??
    present(hit.reference) ??
    udiDi ??
    hit.uuid;
  const riskClass = present(hit.riskClass?.code);
  const legislationCode = present(
    typeof hit.applicableLegislation === 'string'
      ? hit.applicableLegislation
      : hit.applicableLegislation?.code,
  );
  const legislation = legislationCode ? lastSegment(legislationCode) : undefined;
  const statusCode = present(hit.deviceStatusType?.code);
  const marketStatus = statusCode ? lastSegment(statusCode) : undefined;
  // EUDAMED stores some codes with a leading space; what is no EMDN code at all is dropped.
  const emdnCodes = [
    ...new Set((hit.cndNomenclatures ?? []).flatMap((c) => normaliseEmdnCode(c.code) ?? [])),
  ];
  const manufacturer = present(hit.manufacturerName);
  const rawSrn = present(hit.manufacturerSrn);
  const manufacturerSrn = rawSrn === undefined ? undefined : (normaliseSrn(rawSrn) ?? rawSrn);
  const basicUdiDi = present(hit.basicUdi);
  const updatedAt = hit.lastUpdateDate ? updatedAtOf(hit.lastUpdateDate) : undefined;

  const product: ProductFacts = {
    tradeName,
    ...(manufacturer ? { manufacturer } : {}),
    ...(manufacturerSrn ? { manufacturerSrn } : {}),
    ...(udiDi ? { udiDi } : {}),
    ...(basicUdiDi ? { basicUdiDi } : {}),
    ...(riskClass ? { riskClass } : {}),
    ...(legislation ? { legislation } : {}),
    ...(emdnCodes.length > 0 ? { emdnCodes: emdnCodes.slice(0, 50) } : {}),
    ...(marketStatus ? { marketStatus } : {}),
  };
  return {
    // The UDI-DI is the product's identity across versions; the uuid changes with each version.
    itemKey: udiDi ?? hit.uuid,
    kind: kindOf(riskClass, legislation),
    title: tradeName,
    url: `${DEVICE_PAGE}${encodeURIComponent(hit.uuid)}`,
    ...(updatedAt ? { updatedAt } : {}),
    ...(hit.versionNumber !== null && hit.versionNumber !== undefined
      ? { sourceVersion: String(hit.versionNumber) }
      : {}),
    product,
  };
}

/**
 * EUDAMED's device search (the UI API behind the public site), paged through. One item per
 * UDI-DI, with the registry's product facts.
 */
export const eudamedDevices: SourceAdapter<EudamedDevicesOptions> = {
  id: ID,
  description: "EUDAMED device registrations (UDI-DI) from the public site's search API",
  profile: { kind: 'registry', region: 'EU' },
  hosts: EUDAMED_HOSTS,
  sources: [
    {
      id: ID,
      label: 'EUDAMED (produkter)',
      urls: [
        {
          url: 'https://ec.europa.eu/tools/eudamed/api/devices/udiDiData?iso2Code=en&languageIso2Code=en',
          verified: true,
          basis:
            'Used by several public scrapers (e.g. zdavatz/eudamed2firstbase, AG-Kollotzek/eudamed-api-field-guide, Delapro/EUDAMED) with these parameters; measured in 2026.',
        },
      ],
      recorded: { options: { pageSize: 5 } },
    },
  ],
  optionsSchema: EudamedDevicesOptions,
  // A renamed tradeName or primaryDi otherwise passes (both may be null) and re-keys every item.
  recordFields: ['uuid', 'primaryDi', 'tradeName', 'manufacturerName'],

  requests(source: SourceSpec<EudamedDevicesOptions>): FetchRequest[] {
    return source.urls.map((configured) => {
      const url = eudamedPageUrl(configured, 0, source.options.pageSize);
      return { key: eudamedPageKey(url, 0), url: url.toString(), accept: 'application/json' };
    });
  },

  parse(doc: FetchedDocument, source: SourceSpec<EudamedDevicesOptions>): ParseResult {
    const envelope = PageEnvelope.safeParse(readJsonBody(ID, doc));
    if (!envelope.success) {
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): not a device search page (${describeIssues(envelope.error)})`,
      );
    }
    const page = envelope.data;

    const byKey = new Map<string, { item: RawItem; version: number }>();
    page.content.forEach((raw, index) => {
      const hit = DeviceHit.safeParse(raw);
      if (!hit.success) {
        // One drifted record means the shape changed for all; mapping the rest would hide it.
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): content.${index} is not a device hit (${describeIssues(hit.error)})`,
        );
      }
      const item = toItem(hit.data);
      const version = hit.data.versionNumber ?? -1;
      const previous = byKey.get(item.itemKey);
      if (!previous || version > previous.version) byKey.set(item.itemKey, { item, version });
    });
    const items = [...byKey.values()].map((entry) => entry.item);

    const nextPage = page.number + 1;
    const more = !page.last && nextPage < page.totalPages && page.content.length > 0;
    if (!more || nextPage >= source.options.maxPages) return { items, records: page.content };
    const url = eudamedPageUrl(doc.request.url, nextPage);
    return {
      items,
      records: page.content,
      next: { key: eudamedPageKey(url, nextPage), url: url.toString(), accept: 'application/json' },
    };
  },
};

export default eudamedDevices;
