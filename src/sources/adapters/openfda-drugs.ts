import { z } from 'zod';
import { parseSourceDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { DrugFacts, RawItem } from '../../domain/item.js';
import { cleanText } from '../html.js';
import { describeIssues, shortHash } from '../json-body.js';
import { readOpenFdaPage, OPENFDA_HOSTS } from '../openfda.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'openfda-drugs';
const DRUGS_AT_FDA =
  'https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo=';

export const OpenFdaDrugsOptions = z.strictObject({
  /**
   * Applications per request (openFDA allows up to 1000). One page a night: the search sorts the
   * newest approval first, and a night never brings more novel approvals than this.
   */
  limit: z.number().int().min(1).max(1000).default(100),
});
export type OpenFdaDrugsOptions = z.infer<typeof OpenFdaDrugsOptions>;

const Text = z.string().nullish();
const Strings = z.array(z.string()).nullish();
/** One application of `drug/drugsfda.json`; only the fields the mapping reads. */
const Application = z.object({
  application_number: z.string().regex(/^(NDA|BLA|ANDA)\d{6}$/),
  sponsor_name: Text,
  openfda: z
    .object({ brand_name: Strings, generic_name: Strings, substance_name: Strings, route: Strings })
    .nullish(),
  products: z
    .array(
      z.object({
        brand_name: Text,
        active_ingredients: z.array(z.object({ name: z.string() })).nullish(),
        marketing_status: Text,
        route: Text,
      }),
    )
    .nullish(),
  submissions: z.array(
    z.object({
      submission_type: z.string(),
      submission_status: Text,
      submission_status_date: Text,
      review_priority: Text,
      submission_class_code: Text,
      submission_class_code_description: Text,
    }),
  ),
});
type Application = z.infer<typeof Application>;

function titleCase(text: string): string {
  // openFDA writes names in capitals; brand names read better as the label shows them.
  return text
    .toLowerCase()
    .replace(/(^|[\s-])(\p{L})/gu, (_, lead: string, letter: string) => lead + letter.toUpperCase());
}

/** `20250808` → `2025-08-08`. */
function fdaDate(value: string | null | undefined): string | undefined {
  const text = value?.trim() ?? '';
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  return parseSourceDate(compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : text);
}

/**
 * A novel approval: the original application (`ORIG`) approved (`AP`), a new molecular entity
 * (class code `TYPE 1`) or a biologic licence (BLAs carry no class code). Generics (ANDA) and
 * supplements are not novel.
 */
function toItem(application: Application): RawItem | undefined {
  const number = application.application_number;
  if (number.startsWith('ANDA')) return undefined;
  const original = application.submissions.find(
    (s) => s.submission_type.toUpperCase() === 'ORIG' && (s.submission_status ?? '').toUpperCase() === 'AP',
  );
  if (original === undefined) return undefined;
  const classCode = (original.submission_class_code ?? '').toUpperCase();
  if (number.startsWith('NDA') && classCode !== 'TYPE 1') return undefined;
  const approvedOn = fdaDate(original.submission_status_date);
  const product = application.products?.[0];
  const brand = cleanText(product?.brand_name ?? application.openfda?.brand_name?.[0] ?? '');
  const ingredients = [
    ...new Set(
      (product?.active_ingredients ?? []).map((ingredient) =>
        // A biologic's FDA name carries a four-letter suffix the INN does not (`-rokl`).
        cleanText(ingredient.name)
          .toLowerCase()
          .replace(/-[a-z]{4}$/, ''),
      ),
    ),
  ];
  const inn =
    ingredients.length > 0
      ? ingredients.join(' / ')
      : (application.openfda?.generic_name?.[0] ?? application.openfda?.substance_name?.[0])?.toLowerCase();
  if (brand === '' && inn === undefined) return undefined;
  const holder = cleanText(application.sponsor_name ?? '');
  const brandName = brand === '' ? undefined : titleCase(brand);
  const priority = (original.review_priority ?? '').toUpperCase() === 'PRIORITY';
  const drug: DrugFacts = {
    ...(inn === undefined ? {} : { inn }),
    ...(brandName === undefined ? {} : { brandNames: [brandName] }),
    scope: 'new-substance',
    ...(priority ? { accelerated: true } : {}),
    ...(holder === '' ? {} : { holder }),
    event: 'approved-abroad',
    ...(approvedOn === undefined ? {} : { eventOn: approvedOn }),
  };
  const name = brandName ?? inn!;
  const kind = number.startsWith('BLA') ? 'BLA' : 'NDA';
  const summary = [
    `FDA ${kind} ${number.slice(kind.length)}: original application approved${approvedOn === undefined ? '' : ` ${approvedOn}`}.`,
    original.submission_class_code_description
      ? `${cleanText(original.submission_class_code_description)}.`
      : undefined,
    priority ? 'Priority review.' : undefined,
    product?.marketing_status ? `Marketing status: ${cleanText(product.marketing_status)}.` : undefined,
  ]
    .filter((part): part is string => part !== undefined)
    .join(' ');
  return {
    itemKey: number,
    kind: 'drug',
    title: `${name}${inn !== undefined && brandName !== undefined ? ` (${inn})` : ''}`.slice(0, 2000),
    url: `${DRUGS_AT_FDA}${number.replace(/^\D+/, '')}`,
    ...(approvedOn === undefined ? {} : { publishedAt: approvedOn }),
    summary,
    language: 'en',
    publicationType: `FDA-godkännande (${kind}, ny substans)`,
    product: { tradeName: name.slice(0, 500), ...(holder === '' ? {} : { manufacturer: holder }) },
    drug,
  };
}

/**
 * openFDA `drug/drugsfda`: FDA's novel drug approvals (new molecular entities and biologics),
 * newest first, as the "approved abroad first" signal for the EU.
 */
export const openfdaDrugs: SourceAdapter<OpenFdaDrugsOptions> = {
  id: ID,
  description: 'openFDA Drugs@FDA: novel drug and biologic approvals, newest first',
  profile: { kind: 'drug-agency', region: 'US' },
  hosts: OPENFDA_HOSTS,
  sources: [
    {
      id: ID,
      label: 'FDA (läkemedel, USA)',
      // Original applications approved since 2025, newest first; the adapter keeps new molecular
      // entities (class TYPE 1) and biologics (BLA). The "+" in "+TO+" and "+AND+" stays unencoded.
      urls: [
        {
          url: 'https://api.fda.gov/drug/drugsfda.json?search=submissions.submission_type:"ORIG"+AND+submissions.submission_status_date:[2025-01-01+TO+2099-12-31]&sort=submissions.submission_status_date:desc',
          verified: true,
          basis:
            "openFDA's drug/drugsfda endpoint with searches on submissions.submission_type and submissions.submission_status_date ranges and the same sort appears in public clients; the record shape (application_number, sponsor_name, openfda, products[].active_ingredients, submissions[].submission_class_code) is openFDA's documented drugsfda schema.",
        },
      ],
    },
  ],
  optionsSchema: OpenFdaDrugsOptions,
  acceptStatuses: [404],
  recordFields: ['application_number', 'submissions'],

  requests(source: SourceSpec<OpenFdaDrugsOptions>): FetchRequest[] {
    return source.urls.map((configured) => {
      const url = new URL(configured);
      url.searchParams.set('limit', String(source.options.limit));
      const search = url.searchParams.get('search') ?? '';
      return {
        key: `drugsfda-${shortHash(`${search}|${url.searchParams.get('sort') ?? ''}`)}`,
        url: url.toString(),
        accept: 'application/json',
      };
    });
  },

  parse(doc: FetchedDocument): ParseResult {
    const page = readOpenFdaPage(ID, doc);
    if (page === undefined) return { items: [], records: [] };
    const items: RawItem[] = [];
    const seen = new Set<string>();
    page.results.forEach((raw, index) => {
      const application = Application.safeParse(raw);
      if (!application.success) {
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): results.${index} is not a Drugs@FDA application (${describeIssues(application.error)})`,
        );
      }
      const item = toItem(application.data);
      if (item !== undefined && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    return { items, records: page.results };
  },
};

export default openfdaDrugs;
