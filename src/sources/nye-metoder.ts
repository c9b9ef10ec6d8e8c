import type { CheerioAPI } from 'cheerio';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { excelSerialToIsoDate, parseSourceDate } from '../domain/dates.js';
import { HorisontError } from '../domain/errors.js';
import type { ItemKind, RawItem } from '../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from './html.js';
import type { Selection } from './html.js';
import { attributesOf, decodeXmlText, scanXml, XmlError } from './ooxml.js';
import type { XmlHandlers } from './ooxml.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from './types.js';

const ID = 'nye-metoder';
const SITE = 'https://www.nyemetoder.no';
const DECISIONS_PAGE = `${SITE}/innforing-av-nye-metoder/beslutning/`;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Workbook parts larger than this are not the decisions list (it is well under 1 MB). The cap
 * also bounds the reader's time: a hostile part this large is read in well under a second.
 */
const MAX_PART_BYTES = 4_000_000;
const MAX_ROWS = 5000;
/** Excel's own limit on the characters in one cell (Excel specifications and limits). */
const MAX_CELL_CHARS = 32_767;

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

function isoDay(year: number, month: number, day: number): string | undefined {
  const epoch = Date.UTC(year, month - 1, day);
  const iso = new Date(epoch).toISOString().slice(0, 10);
  // Date.UTC rolls 31.02 over into March; a date that rolled over was not a date.
  return iso === `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
    ? iso
    : undefined;
}

/** Norwegian dates: `12.11.2026`, `12. november 2026`, and ISO. */
export function parseNorwegianDate(text: string): string | undefined {
  const value = cleanText(text);
  const numeric = /(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/.exec(value);
  if (numeric) return isoDay(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
  // Norwegian month names (`12. november 2026`, `17. mai 2026`) are read by the shared parser.
  return parseSourceDate(value);
}

// ---------------------------------------------------------------------------------------------
// The decisions workbook (XLSX)

function workbookError(kind: 'parse' | 'schema' | 'too-large', what: string, cause?: unknown): HorisontError {
  return new HorisontError(kind, `parse(${ID}): ${what}`, cause === undefined ? {} : { cause });
}

/** Walks one part; a DTD (none of these parts has one) or broken nesting refuses the workbook. */
function readPart(part: Uint8Array, name: string, handlers: XmlHandlers): void {
  try {
    scanXml(new TextDecoder('utf-8').decode(part), handlers);
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    throw workbookError(
      'parse',
      error.reason === 'dtd'
        ? `${name} declares a DTD`
        : error.reason === 'too-deep'
          ? `${name} is nested too deeply`
          : `${name} is not well-formed XML`,
    );
  }
}

/**
 * The text of one cell or shared string: the `<t>` runs it holds (phonetic runs left out), at
 * most MAX_CELL_CHARS long, so a hostile text is refused before it is decoded in full.
 */
class CellText {
  private parts: string[] = [];
  private length = 0;

  add(raw: string, cdata: boolean): void {
    // A character reference is at most 10 characters: a raw run this long cannot decode short.
    if (this.length + raw.length > MAX_CELL_CHARS * 10) throw cellTooLong();
    const text = cdata ? raw : decodeXmlText(raw);
    this.length += text.length;
    if (this.length > MAX_CELL_CHARS) throw cellTooLong();
    this.parts.push(text);
  }

  take(): string {
    if (this.parts.length === 0) return '';
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.length = 0;
    return text;
  }
}

function cellTooLong(): HorisontError {
  return workbookError('too-large', `a cell holds more than the ${MAX_CELL_CHARS} characters Excel allows`);
}

function sharedStrings(part: Uint8Array): string[] {
  const strings: string[] = [];
  const text = new CellText();
  let inString = false;
  let inText = false;
  let phonetic = 0;
  readPart(part, 'xl/sharedStrings.xml', {
    open(name, _attributes, selfClosing) {
      if (name === 'si') inString = true;
      else if (name === 'rPh') phonetic += 1;
      else if (name === 't') inText = inString && phonetic === 0 && !selfClosing;
    },
    close(name) {
      if (name === 'si') {
        strings.push(text.take());
        inString = false;
      } else if (name === 'rPh') phonetic -= 1;
      else if (name === 't') inText = false;
    },
    text(raw, cdata) {
      if (inText) text.add(raw, cdata);
    },
  });
  return strings;
}

function isDate1904(part: Uint8Array | undefined): boolean {
  let date1904 = false;
  if (!part) return date1904;
  readPart(part, 'xl/workbook.xml', {
    open(name, attributes) {
      if (name !== 'workbookPr') return;
      const flag = attributesOf(attributes).get('date1904');
      date1904 = flag !== undefined && ['1', 'true'].includes(flag.toLowerCase());
    },
    close() {},
    text() {},
  });
  return date1904;
}

/** `B12` → 1 (zero-based column). */
function columnOf(reference: string): number | undefined {
  const letters = /^([A-Z]{1,3})\d+$/.exec(reference)?.[1];
  if (!letters) return undefined;
  return [...letters].reduce((sum, letter) => sum * 26 + letter.charCodeAt(0) - 64, 0) - 1;
}

interface Workbook {
  rows: string[][];
  date1904: boolean;
}

/** Sheet1's cells in document order: `<c r=".." t="..">` with its `<v>` or inline `<is>` text. */
function sheetRows(part: Uint8Array, shared: readonly string[]): string[][] {
  const rows: string[][] = [];
  let cells: string[] | undefined;
  let position = 0;
  let cell: { column: number | undefined; type: string | undefined } | undefined;
  const value = new CellText();
  const inline = new CellText();
  let reading: 'v' | 'is' | undefined;
  let inInline = false;
  let phonetic = 0;
  readPart(part, 'xl/worksheets/sheet1.xml', {
    open(name, attributes) {
      if (name === 'row') {
        if (rows.length >= MAX_ROWS) {
          throw workbookError('parse', `the decisions sheet has over ${MAX_ROWS} rows`);
        }
        cells = [];
        position = 0;
      } else if (name === 'c' && cells) {
        const attrs = attributesOf(attributes);
        const reference = attrs.get('r');
        cell = { column: reference === undefined ? position : columnOf(reference), type: attrs.get('t') };
        position += 1;
      } else if (name === 'v' && cell) reading = 'v';
      else if (name === 'is' && cell) inInline = true;
      else if (name === 'rPh') phonetic += 1;
      else if (name === 't' && inInline && phonetic === 0) reading = 'is';
    },
    close(name) {
      if (name === 'row' && cells) {
        const row = cells;
        rows.push(Array.from({ length: row.length }, (_, index) => cleanText(row[index] ?? '')));
        cells = undefined;
      } else if (name === 'c' && cell && cells) {
        const text = value.take();
        const inlineText = inline.take();
        if (cell.column !== undefined && cell.column <= 50) {
          cells[cell.column] = cellValue(cell.type, text, inlineText, shared);
        }
        cell = undefined;
      } else if (name === 'v' || name === 't') reading = undefined;
      else if (name === 'is') inInline = false;
      else if (name === 'rPh') phonetic -= 1;
    },
    text(raw, cdata) {
      if (reading === 'v') value.add(raw, cdata);
      else if (reading === 'is') inline.add(raw, cdata);
    },
  });
  return rows;
}

function cellValue(
  type: string | undefined,
  value: string,
  inline: string,
  shared: readonly string[],
): string {
  if (type === 's') {
    const index = Number(value);
    if (value.trim() === '' || !Number.isInteger(index) || index < 0 || index >= shared.length) {
      throw workbookError('parse', 'a cell points outside the shared strings');
    }
    return shared[index]!;
  }
  return type === 'inlineStr' ? inline : value;
}

/**
 * Sheet1 of the workbook as rows of cell texts (numbers as written, shared and inline strings
 * resolved). Pure: bytes in, strings out; linear in the size of the parts.
 */
export function readWorkbook(bytes: Uint8Array): Workbook {
  const wanted = new Set(['xl/workbook.xml', 'xl/sharedStrings.xml', 'xl/worksheets/sheet1.xml']);
  let parts: Record<string, Uint8Array>;
  try {
    parts = unzipSync(bytes, {
      filter: (file) => {
        if (!wanted.has(file.name)) return false;
        if (file.originalSize > MAX_PART_BYTES) throw workbookError('too-large', `${file.name} is too large`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof HorisontError) throw error;
    throw workbookError('parse', 'the decisions workbook is not a readable XLSX (zip)', error);
  }
  const sheetPart = parts['xl/worksheets/sheet1.xml'];
  if (!sheetPart) throw workbookError('schema', 'the decisions workbook has no xl/worksheets/sheet1.xml');
  const date1904 = isDate1904(parts['xl/workbook.xml']);
  const sharedPart = parts['xl/sharedStrings.xml'];
  const shared = sharedPart ? sharedStrings(sharedPart) : [];
  return { rows: sheetRows(sheetPart, shared), date1904 };
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
    throw workbookError('schema', 'the decisions workbook header changed');
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
  if (rows.length === 0 && unreadable > 0) throw workbookError('schema', 'no row has a method id (ID-nr)');

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

/**
 * The workbook link from the decisions page, on the same origin the page was fetched from: behind
 * the fixture server (or a replay) the public host is the first path segment of the request.
 */
function workbookRequest(href: string, requestUrl: string): FetchRequest | undefined {
  const link = absoluteUrl(href, SITE);
  if (!link) return undefined;
  const target = new URL(link);
  const request = new URL(requestUrl);
  let url = target.toString();
  if (target.host !== request.host && request.pathname.startsWith(`/${target.host}/`)) {
    url = `${request.origin}/${target.host}${target.pathname}${target.search}`;
  }
  return { key: listRequestKey(link), url, accept: `${XLSX_TYPE}, application/octet-stream;q=0.5` };
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

function isZip(body: Buffer): boolean {
  return body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
}

/**
 * Nye Metoder (Norway): the method list (new methods, metodevarsler and their status) and the
 * decisions of Beslutningsforum, published as one XLSX linked from the decisions page. The
 * decisions page yields no items itself, only the workbook as its next request.
 */
export const nyeMetoder: SourceAdapter<NyeMetoderOptions> = {
  id: ID,
  description: 'Nye Metoder (Norway): method list and the decisions workbook (XLSX)',
  optionsSchema: NyeMetoderOptions,

  requests(source: SourceSpec<NyeMetoderOptions>): FetchRequest[] {
    return source.urls.map((url) => ({
      key: listRequestKey(url),
      url,
      accept: /\.xlsx$/i.test(new URL(url).pathname) ? XLSX_TYPE : 'text/html',
    }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<NyeMetoderOptions>): ParseResult {
    if (isZip(doc.body)) return { items: decisionItems(readWorkbook(doc.body), source.options) };
    const path = new URL(doc.request.url).pathname;
    if (/\.xlsx$/i.test(path) && !/^\s*</.test(doc.body.subarray(0, 512).toString('latin1'))) {
      throw new HorisontError('parse', `parse(${ID}): the decisions workbook is not an XLSX file`);
    }
    const $ = loadHtml(ID, doc);
    if (/\.xlsx$/i.test(path)) throw unrecognisedPage($, ID, 'the decisions workbook');
    return /\/beslutning\/?$/.test(path) ? decisionsPage($, doc) : methodsPage($, source.options);
  },
};
