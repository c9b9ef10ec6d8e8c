import { z } from 'zod';
import { parseSourceDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { ItemReference, ProductFacts, RawItem } from '../../domain/item.js';
import { describeIssues, shortHash, slug } from '../json-body.js';
import { readOpenFdaPage, OPENFDA_HOSTS } from '../openfda.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'openfda-devices';
const CDRH = 'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs';
/** openFDA refuses larger offsets ("Skip value must 25000 or less."); past it, `search_after`. */
const MAX_SKIP = 25_000;

export const OpenFdaDevicesOptions = z.strictObject({
  /** Records per request; openFDA allows up to 1000. */
  limit: z.number().int().min(1).max(1000).default(100),
  /** Pages followed per configured URL and scan; the sort puts the newest decisions first. */
  maxPages: z.number().int().min(1).max(250).default(5),
});
export type OpenFdaDevicesOptions = z.infer<typeof OpenFdaDevicesOptions>;

const Text = z.string().nullish();
const OpenFdaSection = z
  .object({ device_name: Text, device_class: Text, medical_specialty_description: Text })
  .nullish();

/** One 510(k) or De Novo decision (`device/510k.json`); only the fields the mapping reads. */
const Clearance = z.object({
  k_number: z.string().regex(/^(K\d{6}|DEN\d{6})$/),
  device_name: z.string().min(1),
  applicant: Text,
  decision_date: Text,
  decision_code: Text,
  decision_description: Text,
  clearance_type: Text,
  product_code: Text,
  advisory_committee_description: Text,
  openfda: OpenFdaSection,
});
type Clearance = z.infer<typeof Clearance>;

/** One PMA decision, original or supplement (`device/pma.json`). */
const Approval = z.object({
  pma_number: z.string().regex(/^[PHN]\d{6}$/),
  supplement_number: Text,
  supplement_type: Text,
  supplement_reason: Text,
  trade_name: Text,
  generic_name: Text,
  applicant: Text,
  decision_date: Text,
  decision_code: Text,
  product_code: Text,
  advisory_committee_description: Text,
  ao_statement: Text,
  openfda: OpenFdaSection,
});
type Approval = z.infer<typeof Approval>;

type Endpoint = '510k' | 'pma';

/** Parameters the adapter owns; the rest of a configured URL is the search. */
const PAGING_PARAMS = new Set(['limit', 'skip', 'api_key']);

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed : undefined;
}

/** Which dataset a URL asks; the fixture server keeps the path's tail, so the tail decides. */
function endpointOf(url: string): Endpoint | undefined {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  if (/\/device\/510k\.json$/.test(path)) return '510k';
  if (/\/device\/pma\.json$/.test(path)) return 'pma';
  return undefined;
}

function sentence(parts: ReadonlyArray<string | undefined>): string | undefined {
  const text = parts.filter((part): part is string => part !== undefined).join(' ');
  return text ? text.slice(0, 5000) : undefined;
}

function classLine(openfda: Clearance['openfda']): string | undefined {
  const name = present(openfda?.device_name);
  const deviceClass = present(openfda?.device_class);
  if (!name && !deviceClass) return undefined;
  return `${name ?? 'Device'}${deviceClass ? `, class ${deviceClass}` : ''}.`;
}

function clearanceItem(record: Clearance): RawItem {
  const number = record.k_number;
  const deNovo = number.startsWith('DEN');
  const tradeName = present(record.device_name)!;
  const manufacturer = present(record.applicant);
  const publishedAt = record.decision_date ? parseSourceDate(record.decision_date) : undefined;
  const productCode = present(record.product_code);
  const product: ProductFacts = {
    tradeName: tradeName.slice(0, 500),
    ...(manufacturer ? { manufacturer } : {}),
  };
  const reference: ItemReference = { scheme: deNovo ? 'fda-de-novo' : 'fda-510k', value: number };
  const summary = sentence([
    present(record.decision_description) ? `${present(record.decision_description)}.` : undefined,
    present(record.clearance_type)
      ? `${present(record.clearance_type)} ${deNovo ? 'request' : '510(k)'}.`
      : undefined,
    manufacturer ? `Applicant: ${manufacturer}.` : undefined,
    productCode ? `Product code ${productCode}:` : undefined,
    classLine(record.openfda),
    present(record.advisory_committee_description)
      ? `Panel: ${present(record.advisory_committee_description)}.`
      : undefined,
  ]);
  return {
    itemKey: number,
    kind: 'device',
    title: `${tradeName} (${deNovo ? 'De Novo' : '510(k)'} ${number})`.slice(0, 2000),
    url: deNovo ? `${CDRH}/cfpmn/denovo.cfm?ID=${number}` : `${CDRH}/cfpmn/pmn.cfm?ID=${number}`,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary } : {}),
    language: 'en',
    publicationType: deNovo ? 'De Novo' : '510(k)',
    product,
    references: [reference],
  };
}

function approvalItem(record: Approval): RawItem {
  const supplement = present(record.supplement_number);
  // FDA's own databases write a supplement as P160048S045.
  const number = `${record.pma_number}${supplement ?? ''}`;
  const tradeName = present(record.trade_name) ?? present(record.generic_name) ?? record.pma_number;
  const manufacturer = present(record.applicant);
  const publishedAt = record.decision_date ? parseSourceDate(record.decision_date) : undefined;
  const productCode = present(record.product_code);
  const summary = sentence([
    supplement
      ? `PMA supplement ${supplement}${present(record.supplement_type) ? ` (${present(record.supplement_type)})` : ''}.`
      : 'Original PMA.',
    present(record.supplement_reason) ? `Reason: ${present(record.supplement_reason)}.` : undefined,
    manufacturer ? `Applicant: ${manufacturer}.` : undefined,
    productCode ? `Product code ${productCode}:` : undefined,
    classLine(record.openfda),
    present(record.ao_statement),
  ]);
  return {
    itemKey: number,
    kind: 'device',
    title: `${tradeName} (PMA ${record.pma_number}${supplement ? ` ${supplement}` : ''})`.slice(0, 2000),
    url: `${CDRH}/cfpma/pma.cfm?id=${number}`,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary } : {}),
    language: 'en',
    publicationType: supplement ? 'PMA supplement' : 'PMA',
    product: { tradeName: tradeName.slice(0, 500), ...(manufacturer ? { manufacturer } : {}) },
    references: [{ scheme: 'fda-pma', value: record.pma_number }],
  };
}

function requestKey(url: URL, skip: number): string {
  const endpoint = endpointOf(url.toString()) ?? slug(url.pathname, 20);
  const search = [...url.searchParams]
    .filter(([name]) => !PAGING_PARAMS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return `${endpoint}-${shortHash(search)}-skip-${skip}`;
}

function pageUrl(base: string, skip: number, limit?: number): URL {
  const url = new URL(base);
  if (limit !== undefined) url.searchParams.set('limit', String(limit));
  url.searchParams.set('skip', String(skip));
  return url;
}

function mapRecord(endpoint: Endpoint, raw: unknown, index: number): RawItem {
  const parsed = endpoint === '510k' ? Clearance.safeParse(raw) : Approval.safeParse(raw);
  if (!parsed.success) {
    // One drifted record means the shape changed for all; mapping the rest would hide it.
    throw new HorisontError(
      'schema-drift',
      `parse(${ID}): results.${index} is not a ${endpoint} record (${describeIssues(parsed.error)})`,
    );
  }
  return endpoint === '510k'
    ? clearanceItem(parsed.data as Clearance)
    : approvalItem(parsed.data as Approval);
}

/**
 * openFDA's device decisions: 510(k) clearances and De Novo grants (`device/510k.json`) and PMA
 * approvals with their supplements (`device/pma.json`), newest decision first, paged by `skip`.
 */
export const openfdaDevices: SourceAdapter<OpenFdaDevicesOptions> = {
  id: ID,
  description: 'openFDA device decisions: 510(k), De Novo and PMA approvals, newest first',
  profile: { kind: 'registry', region: 'US' },
  hosts: OPENFDA_HOSTS,
  sources: [
    {
      id: ID,
      label: 'FDA (USA)',
      // 510(k)/De Novo clearances and PMA approvals with supplements, newest decision first. The
      // range is a floor only (the far upper bound stands for "open"); paging is by skip (<= 25000).
      // A search without matches is a 404 NOT_FOUND, which the adapter reads as an empty list.
      urls: [
        {
          url: 'https://api.fda.gov/device/510k.json?search=decision_date:[2025-01-01+TO+2099-12-31]&sort=decision_date:desc',
          verified: true,
          basis:
            "openFDA's documented search/sort syntax (open.fda.gov device API docs); decision_date ranges with sort=decision_date:desc in public code. The far upper bound itself was not seen.",
        },
        {
          url: 'https://api.fda.gov/device/pma.json?search=decision_date:[2025-01-01+TO+2099-12-31]&sort=decision_date:desc',
          verified: true,
          basis: "As the 510(k) query; openFDA's own tests query pma decision_date ranges (FDA/openfda).",
        },
      ],
      options: {
        maxPages: 3,
      },
      // Recorded with 3 decisions per request: two 510(k) pages, one PMA page.
      recorded: { options: { limit: 3 } },
    },
  ],
  optionsSchema: OpenFdaDevicesOptions,
  // A search without matches (and a skip past the end) is a 404 with NOT_FOUND: read, not failed.
  acceptStatuses: [404],
  // Shared by 510(k) and PMA records; the numbers themselves are required by the record schemas.
  recordFields: ['applicant', 'decision_date', 'product_code'],

  requests(source: SourceSpec<OpenFdaDevicesOptions>): FetchRequest[] {
    return source.urls.map((configured) => {
      const skip = Number(new URL(configured).searchParams.get('skip') ?? '0');
      const url = pageUrl(configured, Number.isInteger(skip) && skip >= 0 ? skip : 0, source.options.limit);
      if (!url.searchParams.has('sort')) url.searchParams.set('sort', 'decision_date:desc');
      return {
        key: requestKey(url, Number(url.searchParams.get('skip'))),
        url: url.toString(),
        accept: 'application/json',
      };
    });
  },

  parse(doc: FetchedDocument, source: SourceSpec<OpenFdaDevicesOptions>): ParseResult {
    const found = readOpenFdaPage(ID, doc);
    if (found === undefined) return { items: [], records: [] };
    const { results, meta } = found;
    let endpoint = endpointOf(doc.request.url);
    if (endpoint === undefined && results.length > 0) {
      const first = results[0] as Record<string, unknown> | null;
      endpoint = first && typeof first === 'object' && 'k_number' in first ? '510k' : 'pma';
    }

    const items: RawItem[] = [];
    const seen = new Set<string>();
    results.forEach((raw, index) => {
      const item = mapRecord(endpoint ?? 'pma', raw, index);
      if (!seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });

    const nextSkip = meta.results.skip + Math.max(results.length, 1);
    const page = Math.floor(meta.results.skip / Math.max(meta.results.limit, 1)) + 1;
    const more = results.length > 0 && nextSkip < meta.results.total;
    if (!more || nextSkip > MAX_SKIP || page >= source.options.maxPages) return { items, records: results };
    const url = pageUrl(doc.request.url, nextSkip);
    return {
      items,
      records: results,
      next: { key: requestKey(url, nextSkip), url: url.toString(), accept: 'application/json' },
    };
  },
};

export default openfdaDevices;
