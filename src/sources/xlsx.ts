/**
 * A reader for the first sheet of an XLSX workbook, as the sources publish their lists (Nye
 * Metoder's decisions, EMA's applications under evaluation): bounded in part size, rows and cell
 * length, with no DTDs. Pure: bytes in, strings out.
 */
import { unzipSync } from 'fflate';
import { HorisontError } from '../domain/errors.js';
import type { CheerioAPI } from 'cheerio';
import { cleanText, listRequestKey, loadHtml, unrecognisedPage } from './html.js';
import type { FetchedDocument, FetchRequest } from './types.js';
import { decodeXML } from 'entities';
import { attributesOf, scanXml, XmlError } from './ooxml.js';
import type { XmlHandlers } from './ooxml.js';

/**
 * Workbook parts larger than this are not a list a source publishes (those are well under 1 MB). The cap
 * also bounds the reader's time: a hostile part this large is read in well under a second.
 */
const MAX_PART_BYTES = 4_000_000;
const MAX_ROWS = 5000;
/** Excel's own limit on the characters in one cell (Excel specifications and limits). */
const MAX_CELL_CHARS = 32_767;

/** Thrown inside the reader; `readWorkbook` names the source it reads for. */
class WorkbookError extends Error {
  constructor(
    readonly kind: 'parse' | 'schema' | 'too-large',
    readonly what: string,
    options: { cause?: unknown } = {},
  ) {
    super(what, options);
  }
}

function workbookError(kind: WorkbookError['kind'], what: string, cause?: unknown): WorkbookError {
  return new WorkbookError(kind, what, cause === undefined ? {} : { cause });
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
    const text = cdata ? raw : decodeXML(raw);
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

function cellTooLong(): WorkbookError {
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

export interface Workbook {
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
          throw workbookError('parse', `the first sheet has over ${MAX_ROWS} rows`);
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
export function readWorkbook(bytes: Uint8Array, source: string): Workbook {
  try {
    return readParts(bytes);
  } catch (error) {
    if (!(error instanceof WorkbookError)) throw error;
    throw new HorisontError(error.kind, `parse(${source}): ${error.what}`, { cause: error.cause ?? error });
  }
}

function readParts(bytes: Uint8Array): Workbook {
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
    if (error instanceof WorkbookError) throw error;
    throw workbookError('parse', 'the workbook is not a readable XLSX (zip)', error);
  }
  const sheetPart = parts['xl/worksheets/sheet1.xml'];
  if (!sheetPart) throw workbookError('schema', 'the workbook has no xl/worksheets/sheet1.xml');
  const date1904 = isDate1904(parts['xl/workbook.xml']);
  const sharedPart = parts['xl/sharedStrings.xml'];
  const shared = sharedPart ? sharedStrings(sharedPart) : [];
  return { rows: sheetRows(sheetPart, shared), date1904 };
}

/** Whether the body starts like a zip file (an XLSX), not like an HTML error or bot page. */
export function isZip(body: Uint8Array): boolean {
  return body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The first requests of a source whose URLs are pages linking a workbook, or workbooks. */
export function pageOrWorkbookRequests(urls: readonly string[]): FetchRequest[] {
  return urls.map((url) => ({
    key: listRequestKey(url),
    url,
    accept: /\.xlsx$/i.test(new URL(url).pathname) ? XLSX_TYPE : 'text/html',
  }));
}

/**
 * A document that is not a workbook, as an HTML page to read. Asked for as a workbook (`.xlsx`),
 * an HTML answer is a bot check or an error page (blocked or unrecognised) and other bytes are a
 * broken download: both throw, naming `what` the workbook is.
 */
export function pageNotWorkbook(doc: FetchedDocument, source: string, what: string): CheerioAPI {
  const asked = /\.xlsx$/i.test(new URL(doc.request.url).pathname);
  if (asked && !/^\s*</.test(Buffer.from(doc.body.subarray(0, 512)).toString('latin1'))) {
    throw new HorisontError('parse', `parse(${source}): ${what} is not an XLSX file`);
  }
  const $ = loadHtml(source, doc);
  if (asked) throw unrecognisedPage($, source, what);
  return $;
}
