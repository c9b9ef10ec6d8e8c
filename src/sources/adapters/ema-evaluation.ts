import type { CheerioAPI } from 'cheerio';
import { z } from 'zod';
import { ENGLISH_MONTHS, excelSerialToIsoDate, parseSourceDate } from '../../domain/dates.js';
import { normaliseEmaProductNumber } from '../../domain/drugs.js';
import { HorisontError } from '../../domain/errors.js';
import type { DrugFacts, RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, onFetchedOrigin, unrecognisedPage } from '../html.js';
import { isZip, pageNotWorkbook, pageOrWorkbookRequests, readWorkbook, XLSX_TYPE } from '../xlsx.js';
import type { Workbook } from '../xlsx.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'ema-evaluation';
const SITE = 'https://www.ema.europa.eu';
/** `…/applications-new-human-medicines-under-evaluation-november-2026_en.xlsx` */
const MONTHLY_FILE = /applications-new-human-medicines-under-evaluation-([a-z]+)-(\d{4})_en\.xlsx(?:$|[?#])/i;
/** The header row floats (around row 15); it is looked for in the first rows only. */
const HEADER_SEARCH_ROWS = 60;

export const EmaEvaluationOptions = z.strictObject({
  maxItems: z.number().int().min(1).max(2000).default(500),
});
export type EmaEvaluationOptions = z.infer<typeof EmaEvaluationOptions>;

/**
 * The columns read, by how their header cell starts (EMA words them like this since 2025; the
 * INN cell is the anchor that finds the header row). A missing column is a changed layout.
 */
export const EVALUATION_COLUMNS = {
  inn: 'international non-proprietary name',
  indication: 'indication',
  productNumber: 'ema prod. number',
  start: 'start of evaluation',
  orphan: 'orphan',
  prime: 'is prime',
  accelerated: 'accelerated assessment',
} as const;
type Column = keyof typeof EVALUATION_COLUMNS;

function schemaError(what: string): HorisontError {
  return new HorisontError('schema', `parse(${ID}): ${what}`);
}

/**
 * The header row: the first row with a cell that starts with the INN heading. A note above the
 * table also names the INN, inside a sentence, so "contains" would take the note for the header.
 */
function headerColumns(rows: readonly string[][]): { index: number; columns: Record<Column, number> } {
  const index = rows
    .slice(0, HEADER_SEARCH_ROWS)
    .findIndex((row) => row.some((cell) => cell.toLowerCase().startsWith(EVALUATION_COLUMNS.inn)));
  if (index < 0) {
    throw schemaError(
      'the header row ("International non-proprietary name (INN) / Common Name") was not found',
    );
  }
  const header = rows[index]!.map((cell) => cell.toLowerCase());
  const columns = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const [key, start] of Object.entries(EVALUATION_COLUMNS) as [Column, string][]) {
    const column = header.findIndex((cell) => cell.startsWith(start));
    if (column < 0) missing.push(start);
    else columns[key] = column;
  }
  if (missing.length > 0) throw schemaError(`the header row lacks the column(s) ${missing.join(', ')}`);
  return { index, columns };
}

/** "Data extracted 03 November 2026" above the table: the day the list describes. */
function extractedOn(rows: readonly string[][], date1904: boolean): string | undefined {
  for (const cell of rows.flat()) {
    const match = /data extracted(?: on)?:?\s*(.+)$/i.exec(cell);
    if (match) return cellDate(match[1]!, date1904);
  }
  return undefined;
}

function cellDate(text: string, date1904: boolean): string | undefined {
  const value = cleanText(text);
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return excelSerialToIsoDate(Number(value), date1904);
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (dmy) return parseSourceDate(`${dmy[3]}-${dmy[2]!.padStart(2, '0')}-${dmy[1]!.padStart(2, '0')}`);
  return parseSourceDate(value);
}

function flag(text: string | undefined): boolean | undefined {
  const value = cleanText(text ?? '').toLowerCase();
  if (value === '') return undefined;
  return value === 'y' || value === 'yes';
}

function evaluationItems(workbook: Workbook, url: string, options: EmaEvaluationOptions): RawItem[] {
  const { index, columns } = headerColumns(workbook.rows);
  const listedOn = extractedOn(workbook.rows.slice(0, index), workbook.date1904);
  const items: RawItem[] = [];
  const seen = new Set<string>();
  let unreadable = 0;
  for (const row of workbook.rows.slice(index + 1)) {
    if (row.every((cell) => cell === '')) continue;
    const cell = (column: Column): string => cleanText(row[columns[column]] ?? '');
    const inn = cell('inn');
    if (inn === '') {
      unreadable += 1;
      continue;
    }
    const number = normaliseEmaProductNumber(cell('productNumber'));
    const itemKey = number ?? `inn/${inn.toLowerCase()}`;
    if (seen.has(itemKey)) continue;
    seen.add(itemKey);
    const indication = cell('indication');
    const startedOn = cellDate(cell('start'), workbook.date1904);
    const orphan = flag(cell('orphan'));
    const prime = flag(cell('prime'));
    const accelerated = flag(cell('accelerated'));
    const drug: DrugFacts = {
      inn: inn.slice(0, 500),
      ...(indication === '' ? {} : { indication: indication.slice(0, 5000) }),
      // The list holds initial marketing-authorisation applications: substances new to the EU.
      scope: 'new-substance',
      ...(orphan === undefined ? {} : { orphan }),
      ...(prime === undefined ? {} : { prime }),
      ...(accelerated === undefined ? {} : { accelerated }),
      ...(number === undefined ? {} : { emaProductNumber: number }),
      event: 'under-evaluation',
      ...(startedOn === undefined ? {} : { eventOn: startedOn }),
    };
    const designations = [
      orphan === true ? 'orphan medicine' : undefined,
      prime === true ? 'PRIME' : undefined,
      accelerated === true ? 'accelerated assessment' : undefined,
    ].filter((part): part is string => part !== undefined);
    items.push({
      itemKey,
      kind: 'drug',
      title: inn.slice(0, 2000),
      url,
      ...(listedOn === undefined ? {} : { publishedAt: listedOn }),
      summary: [
        'Under evaluation by the CHMP (initial marketing-authorisation application)',
        startedOn === undefined ? undefined : `since ${startedOn}`,
        designations.length === 0 ? undefined : `(${designations.join(', ')})`,
      ]
        .filter(Boolean)
        .join(' ')
        .concat(indication === '' ? '.' : `. Indication: ${indication}`)
        .slice(0, 5000),
      language: 'en',
      publicationType: 'EMA: läkemedel under utvärdering (CHMP)',
      sourceVersion: (listedOn ?? startedOn ?? 'listed').slice(0, 100),
      drug,
      references: number === undefined ? [] : [{ scheme: 'ema', value: number }],
    });
  }
  if (items.length === 0 && unreadable > 0) {
    throw schemaError('no row below the header names a substance (INN)');
  }
  return items.slice(0, options.maxItems);
}

/** The month a file's name states, as `YYYY-MM`, for picking the newest. */
function monthOf(href: string): string | undefined {
  const match = MONTHLY_FILE.exec(href);
  if (!match) return undefined;
  const month = ENGLISH_MONTHS.indexOf(match[1]!.toLowerCase() as (typeof ENGLISH_MONTHS)[number]);
  return month < 0 ? undefined : `${match[2]}-${String(month + 1).padStart(2, '0')}`;
}

/**
 * The index page links one file per month; the newest is picked by the month and year in its
 * name, not by its place on the page.
 */
function indexPage($: CheerioAPI, doc: FetchedDocument): ParseResult {
  const files = $('a[href]')
    .toArray()
    .map((a) => absoluteUrl($(a).attr('href') ?? '', SITE))
    .filter((href): href is string => href !== undefined && new URL(href).host === new URL(SITE).host)
    .map((href) => ({ href, month: monthOf(href) }))
    .filter((file): file is { href: string; month: string } => file.month !== undefined)
    .sort((a, b) => b.month.localeCompare(a.month));
  const newest = files[0];
  if (newest === undefined) {
    throw unrecognisedPage($, ID, 'a monthly list of applications under evaluation (.xlsx)');
  }
  return {
    items: [],
    next: {
      key: listRequestKey(newest.href),
      url: onFetchedOrigin(newest.href, doc.request.url),
      accept: `${XLSX_TYPE}, application/octet-stream;q=0.5`,
    },
  };
}

/** The public address of a monthly file read from the fixture server or a replay. */
function publicUrl(requestUrl: string): string {
  const url = new URL(requestUrl);
  const site = new URL(SITE);
  return url.pathname.startsWith(`/${site.host}/`)
    ? `${SITE}${url.pathname.slice(site.host.length + 1)}`
    : url.toString();
}

/**
 * EMA's monthly list of applications for new human medicines under evaluation by the CHMP (an
 * XLSX whose header row floats below a note), found through its index page: substances (INN)
 * with indication, EMA product number, start of evaluation, orphan, PRIME and accelerated flags.
 */
export const emaEvaluation: SourceAdapter<EmaEvaluationOptions> = {
  id: ID,
  description: "EMA's monthly XLSX of new medicines under evaluation by the CHMP, via its index page",
  profile: { kind: 'drug-agency', region: 'EU' },
  hosts: {
    'www.ema.europa.eu': { minIntervalMs: 5000 }, // EMA sits behind a WAF that answers bursts with 403s
  },
  sources: [
    {
      id: ID,
      label: 'EMA (under utvärdering av CHMP)',
      // EMA's index of the monthly lists of new medicines under evaluation by the CHMP; the adapter
      // follows the link to the newest monthly XLSX (by the month in its name).
      urls: [
        {
          url: 'https://www.ema.europa.eu/en/medicines/medicines-human-use-under-evaluation',
          verified: true,
          basis:
            "Stored copy of the index page; four public codebases pick the newest applications-new-human-medicines-under-evaluation-{month}-{yyyy}_en.xlsx link from it and find the floating header row by the 'International non-proprietary name (INN) / Common Name' cell (columns 'Indication - Summary', 'EMA Prod. Number', 'Start of evaluation', 'Orphan Product', 'Is PRIME', 'Accelerated assessment').",
        },
      ],
    },
  ],
  optionsSchema: EmaEvaluationOptions,

  requests(source: SourceSpec<EmaEvaluationOptions>): FetchRequest[] {
    return pageOrWorkbookRequests(source.urls);
  },

  parse(doc: FetchedDocument, source: SourceSpec<EmaEvaluationOptions>): ParseResult {
    if (isZip(doc.body)) {
      return {
        items: evaluationItems(readWorkbook(doc.body, ID), publicUrl(doc.request.url), source.options),
      };
    }
    const $ = pageNotWorkbook(doc, ID, 'the monthly list');
    return indexPage($, doc);
  },
};

export default emaEvaluation;
