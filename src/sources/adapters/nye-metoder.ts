import type { CheerioAPI } from 'cheerio';
import { z } from 'zod';
import { excelSerialToIsoDate, parseSourceDate, toIsoDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { ItemKind, RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, onFetchedOrigin, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import { isZip, pageNotWorkbook, pageOrWorkbookRequests, readWorkbook, XLSX_TYPE } from '../xlsx.js';
import type { Workbook } from '../xlsx.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'nye-metoder';
const SITE = 'https://www.nyemetoder.no';
const DECISIONS_PAGE = `${SITE}/innforing-av-nye-metoder/beslutning/`;

export const NyeMetoderOptions = z.strictObject({
  /** Upper bound on items taken from one list page or workbook. */
  maxItems: z.number().int().min(1).max(5000).default(3000),
});
export type NyeMetoderOptions = z.infer<typeof NyeMetoderOptions>;

/** Sheet1's header row, exactly as Nye Metoder writes it. */
export const DECISION_HEADER = [
  'ID-nr',
  'Virkestoff',
  'Handelsenavn',
  'Bruksområde (indikasjon)',
  'Metodetype',
  'Fagområde',
  'Dato siste beslutning',
  'Gjeldende beslutning Kortversjon',
  'Gjeldende beslutning (Hele)',
] as const;

const KIND_BY_METHOD_TYPE: ReadonlyMap<string, ItemKind> = new Map<string, ItemKind>([
  ['legemidler', 'drug'],
  ['medisinsk utstyr, diagnostikk og tester', 'device'],
  ['prosedyrer og organisatoriske tiltak', 'method'],
]);

/** `Legemidler` → drug, `Medisinsk utstyr, diagnostikk og tester` → device, procedures → method. */
export function kindForMethodType(methodType: string): ItemKind {
  return KIND_BY_METHOD_TYPE.get(cleanText(methodType).toLowerCase()) ?? 'method';
}

// `ID2023_075`, `ID2021_104 A`; the workbook has been seen without the `ID` prefix.
const METHOD_ID = /^(?:ID)?(\d{4}_\d{3})(?: ?([A-Z]))?$/i;

/** `ID2023_075`, `2023_075` → `ID2023_075`; undefined for anything else. */
export function normaliseMethodId(text: string): string | undefined {
  const match = METHOD_ID.exec(cleanText(text));
  if (!match) return undefined;
  return `ID${match[1]}${match[2] ? ` ${match[2].toUpperCase()}` : ''}`;
}

/** Norwegian dates: `12.11.2026`, `12. november 2026`, and ISO. */
export function parseNorwegianDate(text: string): string | undefined {
  const value = cleanText(text);
  const numeric = /(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/.exec(value);
  if (numeric) return toIsoDate(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
  // Norwegian month names (`12. november 2026`, `17. mai 2026`) are read by the shared parser.
  return parseSourceDate(value);
}

// ---------------------------------------------------------------------------------------------
// The decisions workbook (XLSX)

function workbookError(what: string): HorisontError {
  return new HorisontError('schema', `parse(${ID}): ${what}`);
}

interface DecisionRow {
  id: string;
  substance: string;
  tradeName: string;
  indication: string;
  methodType: string;
  field: string;
  date: string | undefined;
  decision: string;
  decisionText: string;
}

function rowDate(text: string, date1904: boolean): string | undefined {
  if (text === '') return undefined;
  // Dates are numeric cells holding serials; a text cell holding a date is read as written.
  return /^\d+(\.\d+)?$/.test(text) ? excelSerialToIsoDate(Number(text), date1904) : parseNorwegianDate(text);
}

function decisionItems(workbook: Workbook, options: NyeMetoderOptions): RawItem[] {
  const [header, ...body] = workbook.rows;
  const expected = DECISION_HEADER.map((name) => name.toLowerCase());
  const actual = (header ?? []).slice(0, expected.length).map((name) => name.toLowerCase());
  if (actual.join('|') !== expected.join('|')) {
    throw workbookError('the decisions workbook header changed');
  }

  const rows: DecisionRow[] = [];
  let unreadable = 0;
  for (const cells of body) {
    if (cells.every((cell) => cell === '')) continue;
    const id = normaliseMethodId(cells[0] ?? '');
    if (!id) {
      unreadable += 1;
      continue;
    }
    rows.push({
      id,
      substance: cells[1] ?? '',
      tradeName: cells[2] ?? '',
      indication: cells[3] ?? '',
      methodType: cells[4] ?? '',
      field: cells[5] ?? '',
      date: rowDate(cells[6] ?? '', workbook.date1904),
      decision: cells[7] ?? '',
      decisionText: cells[8] ?? '',
    });
  }
  if (rows.length === 0 && unreadable > 0) throw workbookError('no row has a method id (ID-nr)');

  // One method can have several rows (one per indication): one item per method, newest date first.
  const byId = new Map<string, DecisionRow[]>();
  for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const items = [...byId.entries()].map(([id, group]): RawItem => {
    const sorted = [...group].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
    const latest = sorted[0]!;
    const name = latest.tradeName || latest.substance || latest.indication || id;
    const subject = latest.tradeName && latest.substance ? `${latest.tradeName} (${latest.substance})` : name;
    const indications = [...new Set(sorted.map((row) => row.indication).filter(Boolean))];
    const summary = sorted
      .map((row) =>
        [
          row.indication ? `${row.indication}:` : undefined,
          row.decision ? `${row.decision}.` : undefined,
          row.decisionText || undefined,
        ]
          .filter(Boolean)
          .join(' '),
      )
      .join(' | ')
      .slice(0, 5000);
    const tradeName = latest.tradeName;
    return {
      itemKey: `beslutning/${id}`,
      kind: kindForMethodType(latest.methodType),
      title: `${subject}${indications[0] && indications[0] !== subject ? ` – ${indications[0]}` : ''}`.slice(
        0,
        2000,
      ),
      url: DECISIONS_PAGE,
      ...(latest.date ? { publishedAt: latest.date } : {}),
      ...(summary ? { summary } : {}),
      language: 'no',
      publicationType:
        `Beslutning i Beslutningsforum${latest.methodType ? ` (${latest.methodType})` : ''}`.slice(0, 200),
      ...(tradeName ? { product: { tradeName: tradeName.slice(0, 500) } } : {}),
      references: [{ scheme: 'nye-metoder', value: id }],
    };
  });
  return items.slice(0, options.maxItems);
}

// ---------------------------------------------------------------------------------------------
// The HTML pages

/** The workbook link from the decisions page, on the origin the page was fetched from. */
function workbookRequest(href: string, requestUrl: string): FetchRequest | undefined {
  const link = absoluteUrl(href, SITE);
  if (!link) return undefined;
  return {
    key: listRequestKey(link),
    url: onFetchedOrigin(link, requestUrl),
    accept: `${XLSX_TYPE}, application/octet-stream;q=0.5`,
  };
}

function decisionsPage($: CheerioAPI, doc: FetchedDocument): ParseResult {
  const links = [
    ...new Set(
      $('a[href]')
        .toArray()
        .map((a) => $(a).attr('href') ?? '')
        .filter((href) => /\.xlsx(?:$|[?#])/i.test(href))
        .map((href) => absoluteUrl(href, SITE))
        .filter((href): href is string => href !== undefined && new URL(href).host === new URL(SITE).host),
    ),
  ];
  if (links.length === 0) throw unrecognisedPage($, ID, 'the link to the decisions workbook (.xlsx)');
  if (links.length > 1) {
    throw new HorisontError(
      'layout-changed',
      `parse(${ID}): the decisions page links ${links.length} workbooks`,
    );
  }
  const next = workbookRequest(links[0]!, doc.request.url);
  if (!next) throw new HorisontError('layout-changed', `parse(${ID}): the workbook link is not http(s)`);
  return { items: [], next };
}

function methodCard(card: Selection): RawItem | undefined {
  const link = card.find('a[href]').first();
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  const title = cleanText(card.find('.method-card__title, h2, h3').first().text()) || cleanText(link.text());
  const idText = cleanText(card.find('.method-card__id').first().text());
  const id =
    normaliseMethodId(idText) ?? normaliseMethodId(/ID\d{4}_\d{3}/.exec(cleanText(card.text()))?.[0] ?? '');
  if (!url || !title || !id) return undefined;
  const status = cleanText(card.find('.method-card__status').first().text());
  const methodType = cleanText(card.find('.method-card__type').first().text());
  const time = card.find('time').first();
  const updatedAt = time.length > 0 ? parseNorwegianDate(time.attr('datetime') ?? time.text()) : undefined;
  const summary = cleanText(card.find('.method-card__summary, p').first().text());
  return {
    itemKey: id,
    kind: kindForMethodType(methodType),
    title: title.slice(0, 2000),
    url,
    ...(updatedAt ? { updatedAt } : {}),
    ...(summary ? { summary: summary.slice(0, 5000) } : {}),
    language: 'no',
    ...(status ? { publicationType: status.slice(0, 200) } : {}),
    ...(status ? { sourceVersion: `${status}${updatedAt ? ` ${updatedAt}` : ''}`.slice(0, 100) } : {}),
    references: [{ scheme: 'nye-metoder', value: id }],
  };
}

function methodsPage($: CheerioAPI, options: NyeMetoderOptions): ParseResult {
  const list = $('.method-list').first();
  if (list.length === 0) throw unrecognisedPage($, ID, 'the method list (.method-list)');
  const cards = list.find('article, li.method-card');
  if (cards.length === 0) {
    const text = cleanText(list.text());
    if (text === '' || /^(ingen (metoder|treff|resultater))\b/i.test(text)) return { items: [] };
    throw new HorisontError('layout-changed', `parse(${ID}): the method list has no method cards`);
  }
  const items: RawItem[] = [];
  const seen = new Set<string>();
  cards.each((_, element) => {
    const item = methodCard($(element));
    if (item && !seen.has(item.itemKey)) {
      seen.add(item.itemKey);
      items.push(item);
    }
  });
  if (items.length === 0) {
    throw new HorisontError('layout-changed', `parse(${ID}): no method card has an id, a title and a link`);
  }
  return { items: items.slice(0, options.maxItems) };
}

/**
 * Nye Metoder (Norway): the method list (new methods, metodevarsler and their status) and the
 * decisions of Beslutningsforum, published as one XLSX linked from the decisions page. The
 * decisions page yields no items itself, only the workbook as its next request.
 */
export const nyeMetoder: SourceAdapter<NyeMetoderOptions> = {
  id: ID,
  description: 'Nye Metoder (Norway): method list and the decisions workbook (XLSX)',
  profile: { kind: 'hta-agency', region: 'NO' },
  sources: [
    // Nye Metoder (Norway). The decisions page links one XLSX (replaced after each Beslutningsforum
    // meeting); the adapter follows that link as the page's next request. The method list
    // (/metoder/) is not scanned in production: it renders client-side from Optimizely Graph (a
    // 2026-10-02 capture), so its served HTML has no method cards. The adapter still reads cards
    // where a page serves them (the demo's recording).
    {
      id: ID,
      label: 'Nye Metoder (Norge)',
      urls: [
        {
          url: 'https://www.nyemetoder.no/innforing-av-nye-metoder/beslutning/',
          verified: true,
          basis:
            "A public parser finds the page's single .xlsx link and expects the headers the adapter reads (ID-nr, Virkestoff, Handelsenavn, ..., Gjeldende beslutning); page captured 2026-10-02.",
        },
      ],
      // The decisions page leads to the recorded workbook (demo/fixtures/nye-metoder/beslutninger.xlsx,
      // built by scripts/make-nye-metoder-xlsx.ts). Unlike production, the demo also reads the
      // recorded method list, which keeps the adapter's card parser exercised.
      recorded: {
        urls: [
          'https://www.nyemetoder.no/metoder/',
          'https://www.nyemetoder.no/innforing-av-nye-metoder/beslutning/',
        ],
      },
    },
  ],
  optionsSchema: NyeMetoderOptions,

  requests(source: SourceSpec<NyeMetoderOptions>): FetchRequest[] {
    return pageOrWorkbookRequests(source.urls);
  },

  parse(doc: FetchedDocument, source: SourceSpec<NyeMetoderOptions>): ParseResult {
    if (isZip(doc.body)) return { items: decisionItems(readWorkbook(doc.body, ID), source.options) };
    const $ = pageNotWorkbook(doc, ID, 'the decisions workbook');
    const path = new URL(doc.request.url).pathname;
    return /\/beslutning\/?$/.test(path) ? decisionsPage($, doc) : methodsPage($, source.options);
  },
};

export default nyeMetoder;
