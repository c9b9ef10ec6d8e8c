import { z } from 'zod';
import { addMonths } from '../../domain/lifecycle.js';
import { normaliseEmaProductNumber } from '../../domain/drugs.js';
import { parseSourceDate, toIsoDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { DrugFacts, RawItem } from '../../domain/item.js';
import { cleanText, listRequestKey } from '../html.js';
import { describeIssues, readJsonBody } from '../json-body.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'ema-medicines';
const SITE = 'https://www.ema.europa.eu';

export const EmaMedicinesOptions = z.strictObject({
  /**
   * Months back from the fetch that an opinion or authorisation counts as news: the table holds
   * every centrally authorised medicine since 1995, and only the recent ones are horizon scanning.
   */
  recentMonths: z.number().int().min(1).max(240).default(24),
  maxItems: z.number().int().min(1).max(5000).default(500),
});
export type EmaMedicinesOptions = z.infer<typeof EmaMedicinesOptions>;

/** EMA writes the report as `{meta, data: […]}`; some copies of it are the bare list. */
const Envelope = z.union([z.object({ data: z.array(z.unknown()) }), z.array(z.unknown())]);

const Text = z.string().nullish();
/** One medicine of the report (medicines-output-medicines_json-report); only the fields read. */
const Medicine = z.object({
  category: Text,
  name_of_medicine: z.string().min(1),
  ema_product_number: z.string().min(1),
  medicine_status: Text,
  opinion_status: Text,
  international_non_proprietary_name_common_name: Text,
  active_substance: Text,
  therapeutic_area_mesh: Text,
  atc_code_human: Text,
  therapeutic_indication: Text,
  marketing_authorisation_developer_applicant_holder: Text,
  orphan_medicine: Text,
  conditional_approval: Text,
  accelerated_assessment: Text,
  prime_priority_medicine: Text,
  generic: Text,
  biosimilar: Text,
  opinion_date: Text,
  european_commission_decision_date: Text,
  marketing_authorisation_date: Text,
  medicine_url: Text,
});
type Medicine = z.infer<typeof Medicine>;

function present(value: string | null | undefined): string | undefined {
  const text = value === null || value === undefined ? '' : cleanText(value);
  return text === '' ? undefined : text;
}

/** EMA's dates: `25/09/2026` (day first, as the website shows them) or ISO. */
export function emaDate(value: string | null | undefined): string | undefined {
  const text = present(value);
  if (text === undefined) return undefined;
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (dmy) return toIsoDate(Number(dmy[3]), Number(dmy[2]), Number(dmy[1]));
  return parseSourceDate(text);
}

function yes(value: string | null | undefined): boolean | undefined {
  const text = present(value)?.toLowerCase();
  return text === undefined ? undefined : text === 'yes' || text === 'y' || text === 'true';
}

function medicineUrl(medicine: Medicine): string {
  const url = present(medicine.medicine_url);
  if (url !== undefined && /^https?:\/\//i.test(url) && URL.canParse(url)) return url;
  return `${SITE}/en/medicines/human/EPAR/${encodeURIComponent(medicine.name_of_medicine.toLowerCase())}`;
}

function toItem(medicine: Medicine): RawItem | undefined {
  // A generic or biosimilar copies a known substance: not a new therapy for the councils.
  if (yes(medicine.generic) === true || yes(medicine.biosimilar) === true) return undefined;
  const status = present(medicine.medicine_status)?.toLowerCase() ?? '';
  const opinion = present(medicine.opinion_status)?.toLowerCase() ?? '';
  const name = cleanText(medicine.name_of_medicine);
  const inn =
    present(medicine.international_non_proprietary_name_common_name) ?? present(medicine.active_substance);
  const opinionOn = emaDate(medicine.opinion_date);
  const decisionOn =
    emaDate(medicine.european_commission_decision_date) ?? emaDate(medicine.marketing_authorisation_date);
  let event: DrugFacts['event'];
  let eventOn: string | undefined;
  if (status.startsWith('authorised') || status.startsWith('conditional')) {
    event = 'eu-approval';
    eventOn = decisionOn;
  } else if (status === 'opinion' || status.startsWith('pending')) {
    event = opinion.startsWith('neg') ? 'negative-opinion' : 'positive-opinion';
    eventOn = opinionOn;
  } else if (status.startsWith('refused')) {
    event = 'negative-opinion';
    eventOn = opinionOn;
  } else if (status.startsWith('withdrawn')) {
    event = 'withdrawn';
  } else {
    return undefined;
  }
  const indication = present(medicine.therapeutic_indication) ?? present(medicine.therapeutic_area_mesh);
  const holder = present(medicine.marketing_authorisation_developer_applicant_holder);
  const number = normaliseEmaProductNumber(medicine.ema_product_number) ?? medicine.ema_product_number;
  const drug: DrugFacts = {
    ...(inn === undefined ? {} : { inn }),
    brandNames: [name],
    ...(present(medicine.atc_code_human) === undefined ? {} : { atc: present(medicine.atc_code_human)! }),
    ...(indication === undefined ? {} : { indication: indication.slice(0, 5000) }),
    scope: 'new-substance',
    ...(yes(medicine.orphan_medicine) === undefined ? {} : { orphan: yes(medicine.orphan_medicine)! }),
    ...(yes(medicine.conditional_approval) === undefined
      ? {}
      : { conditional: yes(medicine.conditional_approval)! }),
    ...(yes(medicine.accelerated_assessment) === undefined
      ? {}
      : { accelerated: yes(medicine.accelerated_assessment)! }),
    ...(yes(medicine.prime_priority_medicine) === undefined
      ? {}
      : { prime: yes(medicine.prime_priority_medicine)! }),
    ...(holder === undefined ? {} : { holder }),
    emaProductNumber: number.slice(0, 40),
    event,
    ...(eventOn === undefined ? {} : { eventOn }),
    // The Commission decides about 67 days after a positive opinion (EMA's procedure timetable).
    ...(event === 'positive-opinion' && opinionOn !== undefined
      ? { expectedDecisionOn: addDays(opinionOn, 67) }
      : {}),
  };
  const summary = [
    inn === undefined ? undefined : `INN: ${inn}.`,
    `Status: ${present(medicine.medicine_status) ?? 'okänd'}${opinion === '' ? '' : ` (opinion ${opinion})`}.`,
    indication === undefined ? undefined : `Indication: ${indication}`,
  ]
    .filter((part): part is string => part !== undefined)
    .join(' ')
    .slice(0, 5000);
  return {
    itemKey: number,
    kind: 'drug',
    title: `${name}${inn === undefined ? '' : ` (${inn})`}`.slice(0, 2000),
    url: medicineUrl(medicine),
    ...(eventOn === undefined ? {} : { publishedAt: eventOn }),
    summary,
    language: 'en',
    publicationType: 'EMA: centralt godkända läkemedel',
    sourceVersion: `${status} ${eventOn ?? ''}`.trim().slice(0, 100),
    product: { tradeName: name.slice(0, 500), ...(holder === undefined ? {} : { manufacturer: holder }) },
    drug,
    references: [{ scheme: 'ema', value: number.slice(0, 100) }],
  };
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The date that makes a medicine recent: its opinion or the Commission's decision. */
function latestDate(item: RawItem): string | undefined {
  return item.drug?.eventOn ?? item.publishedAt;
}

/**
 * EMA's table of centrally authorised medicines (the JSON report, refreshed twice a day): new
 * authorisations, opinions and refusals of the last months, with INN, ATC, indication, holder,
 * orphan, conditional, accelerated and PRIME flags.
 */
export const emaMedicines: SourceAdapter<EmaMedicinesOptions> = {
  id: ID,
  description: "EMA's centrally authorised medicines (JSON report): recent opinions and authorisations",
  profile: { kind: 'drug-agency', region: 'EU' },
  hosts: {
    'www.ema.europa.eu': { minIntervalMs: 5000 }, // EMA sits behind a WAF that answers bursts with 403s
  },
  sources: [
    {
      id: ID,
      label: 'EMA (godkända läkemedel)',
      // EMA's table of centrally authorised medicines as JSON (refreshed twice a day); the adapter
      // keeps opinions and authorisations of the last recentMonths.
      urls: [
        {
          url: 'https://www.ema.europa.eu/en/documents/report/medicines-output-medicines_json-report_en.json',
          verified: true,
          basis:
            "Called by several public clients (EMA connectors in TypeScript, Python and Java) with the field names the adapter reads (name_of_medicine, ema_product_number, medicine_status, international_non_proprietary_name_common_name, therapeutic_indication, marketing_authorisation_developer_applicant_holder, orphan_medicine, prime_priority_medicine); EMA's 'download medicine data' page describes the JSON report, refreshed twice a day.",
        },
      ],
    },
  ],
  optionsSchema: EmaMedicinesOptions,
  recordFields: ['name_of_medicine', 'ema_product_number', 'medicine_status'],

  requests(source: SourceSpec<EmaMedicinesOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'application/json' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<EmaMedicinesOptions>): ParseResult {
    const envelope = Envelope.safeParse(readJsonBody(ID, doc));
    if (!envelope.success) {
      throw new HorisontError(
        'schema-drift',
        `parse(${ID}): not the medicines report (${describeIssues(envelope.error)})`,
      );
    }
    const records = Array.isArray(envelope.data) ? envelope.data : envelope.data.data;
    const since = addMonths(doc.fetchedAt.slice(0, 10), -source.options.recentMonths);
    const items: RawItem[] = [];
    const seen = new Set<string>();
    records.forEach((raw, index) => {
      const medicine = Medicine.safeParse(raw);
      if (!medicine.success) {
        throw new HorisontError(
          'schema-drift',
          `parse(${ID}): data.${index} is not a medicine record (${describeIssues(medicine.error)})`,
        );
      }
      const category = present(medicine.data.category)?.toLowerCase();
      if (category !== undefined && category !== 'human') return;
      const item = toItem(medicine.data);
      if (item === undefined || seen.has(item.itemKey)) return;
      const date = latestDate(item);
      // Undated withdrawals and old authorisations are the established market, not news.
      if (date === undefined || date < since) return;
      seen.add(item.itemKey);
      items.push(item);
    });
    return { items: items.slice(0, source.options.maxItems), records };
  },
};

export default emaMedicines;
