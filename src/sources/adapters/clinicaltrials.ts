import { z } from 'zod';
import { HorisontError } from '../../domain/errors.js';
import { findEuCtNumber, normaliseNctId } from '../../domain/identifiers.js';
import type { DrugFacts, ItemReference, ProductFacts, RawItem } from '../../domain/item.js';
import { cleanText } from '../html.js';
import { describeIssues, readJsonBody, shortHash, slug } from '../json-body.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'clinicaltrials';
const STUDY_PAGE = 'https://clinicaltrials.gov/study/';
const DEFAULT_SORT = 'LastUpdatePostDate:desc';

export const ClinicalTrialsOptions = z.strictObject({
  /** Studies per page; the API allows up to 1000. */
  pageSize: z.number().int().min(1).max(1000).default(100),
  /**
   * Pages followed per configured URL and scan. The list is sorted by last update, newest
   * first, so the head of it is what changed since the last night.
   */
  maxPages: z.number().int().min(1).max(1000).default(5),
  /** Countries whose sites are named in the summary (the query decides which studies come). */
  siteCountries: z.array(z.string().min(1)).default(['Sweden', 'Norway', 'Denmark', 'Finland', 'Iceland']),
});
export type ClinicalTrialsOptions = z.infer<typeof ClinicalTrialsOptions>;

/** `{studies, nextPageToken, totalCount}`; the legacy v1 API answered in another shape. */
const Envelope = z.object({
  studies: z.array(z.unknown()),
  nextPageToken: z.string().min(1).optional(),
  totalCount: z.number().int().min(0).optional(),
});

const Text = z.string().nullish();
const DateStruct = z.object({ date: z.string(), type: z.string().optional() }).nullish();

/** Only what the mapping reads; a study record carries far more. */
const Study = z.object({
  protocolSection: z.object({
    identificationModule: z.object({
      nctId: z.string().regex(/^NCT\d{8}$/),
      briefTitle: Text,
      officialTitle: Text,
      acronym: Text,
      secondaryIdInfos: z.array(z.object({ id: z.string(), type: Text, domain: Text })).nullish(),
    }),
    statusModule: z
      .object({
        overallStatus: Text,
        studyFirstPostDateStruct: DateStruct,
        lastUpdatePostDateStruct: DateStruct,
      })
      .nullish(),
    sponsorCollaboratorsModule: z
      .object({ leadSponsor: z.object({ name: z.string(), class: Text }).nullish() })
      .nullish(),
    descriptionModule: z.object({ briefSummary: Text }).nullish(),
    conditionsModule: z.object({ conditions: z.array(z.string()).nullish() }).nullish(),
    designModule: z.object({ studyType: Text, phases: z.array(z.string()).nullish() }).nullish(),
    armsInterventionsModule: z
      .object({
        interventions: z
          .array(z.object({ type: Text, name: z.string(), otherNames: z.array(z.string()).nullish() }))
          .nullish(),
      })
      .nullish(),
    contactsLocationsModule: z
      .object({
        locations: z.array(z.object({ facility: Text, city: Text, country: Text })).nullish(),
      })
      .nullish(),
  }),
});
type Study = z.infer<typeof Study>;

/** Parameters the adapter owns; everything else in a configured URL is the query. */
const PAGING_PARAMS = new Set(['pageToken', 'pageSize', 'format', 'countTotal']);

/** `2024-07-15` only: partial dates (`2024-07`) are not a day, and a day is never guessed. */
function fullDate(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? trimmed : undefined;
}

function present(value: string | null | undefined): string | undefined {
  const trimmed = value === null || value === undefined ? undefined : cleanText(value);
  return trimmed ? trimmed : undefined;
}

function referencesOf(study: Study): ItemReference[] {
  const identification = study.protocolSection.identificationModule;
  const references: ItemReference[] = [
    { scheme: 'nct', value: normaliseNctId(identification.nctId) ?? identification.nctId },
  ];
  const seen = new Set<string>();
  for (const secondary of identification.secondaryIdInfos ?? []) {
    const type = (secondary.type ?? '').toUpperCase();
    // Grant and sponsor numbers can look like anything; only registry ids are read as EU CT.
    if (!['EUDRACT_NUMBER', 'CTIS', 'REGISTRY', 'OTHER'].includes(type)) continue;
    // EudraCT `2021-004567-12` and CTIS `2025-521234-17-00`, however the sponsor prefixed them.
    const number = findEuCtNumber(secondary.id);
    if (number === undefined || seen.has(number)) continue;
    const registry = `${secondary.domain ?? ''} ${secondary.id}`;
    if (type === 'OTHER' || type === 'REGISTRY') {
      if (!/eudra|ctis|eu ?ct|clinical trials? information system|eu trial/i.test(registry)) continue;
    }
    seen.add(number);
    references.push({ scheme: 'eu-ct', value: number });
  }
  return references;
}

/**
 * Product facts only from structured fields: the first device intervention's name is the trade
 * name as the registrant wrote it; the lead sponsor is the manufacturer only when it is a company
 * and the trial tests no drug, because a drug company's trial uses other companies' devices as
 * measuring tools.
 */
function productOf(study: Study): ProductFacts | undefined {
  const interventions = study.protocolSection.armsInterventionsModule?.interventions ?? [];
  const device = interventions.find((intervention) => intervention.type?.toUpperCase() === 'DEVICE');
  const tradeName = present(device?.name);
  if (!tradeName) return undefined;
  const sponsor = study.protocolSection.sponsorCollaboratorsModule?.leadSponsor;
  const testsDrug = interventions.some((intervention) =>
    ['DRUG', 'BIOLOGICAL', 'GENETIC', 'COMBINATION_PRODUCT'].includes(intervention.type?.toUpperCase() ?? ''),
  );
  const manufacturer =
    sponsor?.class?.toUpperCase() === 'INDUSTRY' && !testsDrug ? present(sponsor.name) : undefined;
  return { tradeName: tradeName.slice(0, 500), ...(manufacturer ? { manufacturer } : {}) };
}

const DRUG_TYPES = new Set(['DRUG', 'BIOLOGICAL', 'GENETIC']);
/** Interventions that are a comparison, not the drug tested. */
const COMPARATOR = /\b(placebo|standard of care|best supportive care|usual care|saline|vehicle)\b/i;

/**
 * Drug facts of a drug trial (no device intervention): the first tested drug's name is the
 * substance as the registrant wrote it (an INN or a development code), the first condition the
 * indication, the lead sponsor the holder when it is a company. A device trial has none.
 */
function drugOf(study: Study, countries: readonly string[]): DrugFacts | undefined {
  const interventions = study.protocolSection.armsInterventionsModule?.interventions ?? [];
  if (interventions.some((intervention) => intervention.type?.toUpperCase() === 'DEVICE')) return undefined;
  const tested = interventions.find(
    (intervention) =>
      DRUG_TYPES.has(intervention.type?.toUpperCase() ?? '') && !COMPARATOR.test(intervention.name),
  );
  const inn = present(tested?.name);
  if (inn === undefined) return undefined;
  const indication = present(study.protocolSection.conditionsModule?.conditions?.[0]);
  const phases = (study.protocolSection.designModule?.phases ?? []).filter((phase) => phase !== 'NA');
  const sponsor = study.protocolSection.sponsorCollaboratorsModule?.leadSponsor;
  const holder = sponsor?.class?.toUpperCase() === 'INDUSTRY' ? present(sponsor.name) : undefined;
  const nordic = [...sitesByCountry(study, countries).keys()];
  return {
    inn: inn.slice(0, 500),
    ...(indication === undefined ? {} : { indication: indication.slice(0, 5000) }),
    ...(phases.length === 0 ? {} : { phase: phases.join('/').slice(0, 40) }),
    ...(holder === undefined ? {} : { holder }),
    ...(nordic.length === 0 ? {} : { nordicSites: nordic.slice(0, 10) }),
    event: 'trial',
  };
}

function sitesByCountry(study: Study, countries: readonly string[]): Map<string, Set<string>> {
  const wanted = new Set(countries.map((country) => country.toLowerCase()));
  const byCountry = new Map<string, Set<string>>();
  for (const location of study.protocolSection.contactsLocationsModule?.locations ?? []) {
    const country = present(location.country);
    if (!country || !wanted.has(country.toLowerCase())) continue;
    const place = present(location.city) ?? present(location.facility);
    const places = byCountry.get(country) ?? new Set<string>();
    if (place) places.add(place);
    byCountry.set(country, places);
  }
  return byCountry;
}

function sitesLine(study: Study, countries: readonly string[]): string | undefined {
  const byCountry = sitesByCountry(study, countries);
  if (byCountry.size === 0) return undefined;
  const parts = [...byCountry].map(([country, places]) =>
    places.size > 0 ? `${country} (${[...places].join(', ')})` : country,
  );
  return `Sites: ${parts.join('; ')}.`;
}

function toItem(study: Study, options: ClinicalTrialsOptions): RawItem {
  const section = study.protocolSection;
  const identification = section.identificationModule;
  const nctId = identification.nctId;
  const title = present(identification.briefTitle) ?? present(identification.officialTitle) ?? nctId;
  const publishedAt = fullDate(section.statusModule?.studyFirstPostDateStruct?.date);
  const lastUpdate = present(section.statusModule?.lastUpdatePostDateStruct?.date);
  const updatedAt = fullDate(lastUpdate);
  const status = present(section.statusModule?.overallStatus);
  const summary = [
    status ? `Status: ${status}.` : undefined,
    sitesLine(study, options.siteCountries),
    present(section.descriptionModule?.briefSummary),
  ]
    .filter((part): part is string => part !== undefined)
    .join(' ')
    .slice(0, 5000);
  const studyType = present(section.designModule?.studyType);
  const product = productOf(study);
  const drug = product === undefined ? drugOf(study, options.siteCountries) : undefined;
  return {
    itemKey: nctId,
    kind: 'trial',
    title: title.slice(0, 2000),
    url: `${STUDY_PAGE}${nctId}`,
    ...(publishedAt ? { publishedAt } : {}),
    ...(updatedAt ? { updatedAt } : {}),
    ...(summary ? { summary } : {}),
    language: 'en',
    ...(lastUpdate ? { sourceVersion: lastUpdate.slice(0, 100) } : {}),
    ...(studyType ? { publicationType: studyType.toLowerCase() } : {}),
    ...(product ? { product } : {}),
    ...(drug ? { drug } : {}),
    references: referencesOf(study),
  };
}

/** The query part of a URL, as a readable slug plus a digest so long queries stay distinct. */
function queryKey(url: URL): string {
  const params = [...url.searchParams].filter(([name]) => !PAGING_PARAMS.has(name));
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = params.map(([name, value]) => `${name}=${value}`).join('&');
  const readable = slug(params.map(([, value]) => value).join(' '), 60);
  return `studies-${readable ? `${readable}-` : ''}${shortHash(text)}`;
}

/** The page number a request key carries (`…-page-3`), 1 for the first request. */
function pageOf(key: string): number {
  const match = /-page-(\d+)$/.exec(key);
  return match ? Number(match[1]) : 1;
}

/**
 * ClinicalTrials.gov API v2 study search: trials with device interventions, or drug and biological
 * trials of phase 2–3 and later, with sites in the Nordic countries (the query is in the configured
 * URL), newest update first, followed through `nextPageToken`. A drug trial carries drug facts.
 */
export const clinicaltrials: SourceAdapter<ClinicalTrialsOptions> = {
  id: ID,
  description: 'ClinicalTrials.gov API v2: device or drug trials with Nordic sites, newest update first',
  profile: { kind: 'trial-registry', region: 'international' },
  hosts: {
    'clinicaltrials.gov': { minIntervalMs: 1000 }, // robots.txt Crawl-delay: 1; ~50 requests/minute is the cited safe rate
  },
  sources: [
    {
      id: ID,
      label: 'ClinicalTrials.gov',
      // Device interventions with sites in the Nordic countries, newest update first; paged through
      // nextPageToken. Verify live that AREA[InterventionType] is accepted by filter.advanced.
      urls: [
        {
          url: 'https://clinicaltrials.gov/api/v2/studies?query.locn=Sweden OR Norway OR Denmark OR Finland OR Iceland&filter.advanced=AREA[InterventionType]DEVICE&sort=LastUpdatePostDate:desc&countTotal=true',
          verified: true,
          basis:
            "The v2 API's documented parameters (clinicaltrials.gov/data-api docs; AREA[...] syntax at clinicaltrials.gov/api/gui/ref/expr); AREA[InterventionType]DEVICE with countTotal=true in a public adapter noted as verified live 2026-07-09.",
        },
      ],
      // Recorded with 3 studies per page: two pages through nextPageToken.
      recorded: { options: { pageSize: 3 } },
    },
    // Drug sources (issue 18): NT-rådet's side. Evidence for each URL: docs/sources.md, "Drug
    // sources". They cover a drug from its phase 2–3 trials with Nordic sites, through EMA's
    // evaluation and the CHMP's opinion, to approval in the EU and abroad.
    {
      id: 'clinicaltrials-drugs',
      label: 'ClinicalTrials.gov (läkemedel)',
      // Drug and biological trials of phase 2 and later with sites in the Nordic countries, newest
      // update first: the second query next to the device query above (same adapter and politeness).
      urls: [
        {
          url: 'https://clinicaltrials.gov/api/v2/studies?query.locn=Sweden OR Norway OR Denmark OR Finland OR Iceland&filter.advanced=(AREA[InterventionType]DRUG OR AREA[InterventionType]BIOLOGICAL) AND AREA[Phase](PHASE2 OR PHASE3 OR PHASE4)&sort=LastUpdatePostDate:desc&countTotal=true',
          verified: false,
          basis:
            'Same endpoint, sort and AREA[...] syntax as the verified device query (clinicaltrials.gov/api/gui/ref/expr documents AREA[field] with OR/AND and grouping; InterventionType DRUG/BIOLOGICAL and Phase PHASE2-4 are the v2 enum values). This exact combination was not seen in public use: verify live.',
        },
      ],
      // Recorded with 3 studies per page.
      recorded: { options: { pageSize: 3 } },
    },
  ],
  optionsSchema: ClinicalTrialsOptions,
  recordFields: [
    'protocolSection.identificationModule.nctId',
    'protocolSection.identificationModule.briefTitle',
    'protocolSection.statusModule.lastUpdatePostDateStruct.date',
  ],

  requests(source: SourceSpec<ClinicalTrialsOptions>): FetchRequest[] {
    return source.urls.map((configured) => {
      const url = new URL(configured);
      url.searchParams.set('pageSize', String(source.options.pageSize));
      if (!url.searchParams.has('sort')) url.searchParams.set('sort', DEFAULT_SORT);
      if (!url.searchParams.has('format')) url.searchParams.set('format', 'json');
      // A configured token (a replayed page) is its own request, not page 1 again.
      const token = url.searchParams.get('pageToken');
      const key = `${queryKey(url)}${token ? `-token-${shortHash(token)}` : '-page-1'}`;
      return { key, url: url.toString(), accept: 'application/json' };
    });
  },

  parse(doc: FetchedDocument, source: SourceSpec<ClinicalTrialsOptions>): ParseResult {
    const envelope = Envelope.safeParse(readJsonBody(ID, doc));
    if (!envelope.success) {
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): not a v2 study search page (${describeIssues(envelope.error)})`,
      );
    }
    const items: RawItem[] = [];
    const seen = new Set<string>();
    envelope.data.studies.forEach((raw, index) => {
      const study = Study.safeParse(raw);
      if (!study.success) {
        // One drifted record means the shape changed for all; mapping the rest would hide it.
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): studies.${index} is not a study record (${describeIssues(study.error)})`,
        );
      }
      const item = toItem(study.data, source.options);
      if (!seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });

    const token = envelope.data.nextPageToken;
    const page = pageOf(doc.request.key);
    const records = envelope.data.studies;
    if (!token || records.length === 0 || page >= source.options.maxPages) return { items, records };
    const url = new URL(doc.request.url);
    url.searchParams.set('pageToken', token);
    return {
      items,
      records,
      next: { key: `${queryKey(url)}-page-${page + 1}`, url: url.toString(), accept: 'application/json' },
    };
  },
};

export default clinicaltrials;
