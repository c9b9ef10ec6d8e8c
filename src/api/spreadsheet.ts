import { strToU8, zipSync } from 'fflate';
import { xmlText } from '../text/xml.js';

/**
 * One table written as CSV or as an XLSX workbook, for people who open it in Excel or
 * LibreOffice. Pure: rows in, bytes out.
 *
 * Text cells hold scraped text (product names, makers' names, titles). A spreadsheet program
 * reads a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or carriage return, the
 * same) as a formula, so such text could run as one where the file is opened (OWASP "CSV
 * injection"). Every text cell that starts with one of them is prefixed with an apostrophe,
 * the form the programs themselves use for "this is text"; numbers are written as numbers.
 */

export type Cell = string | number | null;

export interface Table {
  /** The sheet's name in a workbook (at most 31 characters, no `[]:*?/\`). */
  name: string;
  header: readonly string[];
  rows: readonly (readonly Cell[])[];
  /** Column widths in characters, for the workbook; missing ones take the header's width. */
  widths?: readonly number[];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would read as a formula, made inert. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

// --- CSV ---------------------------------------------------------------------------------------

/**
 * Excel in a Swedish locale splits a double-clicked CSV file on semicolons (the list separator
 * where the comma is the decimal mark) and reads it as UTF-8 only after a byte order mark.
 */
const CSV_SEPARATOR = ';';
const BOM = '\uFEFF';

function csvField(cell: Cell): string {
  if (cell === null) return '';
  // A decimal comma, as the locale that reads the semicolons expects.
  const text = typeof cell === 'number' ? String(cell).replace('.', ',') : neutralise(cell);
  return /[";\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 records (CRLF, doubled quotes) with a semicolon separator and a byte order mark. */
export function toCsv(table: Table): string {
  const lines = [table.header, ...table.rows].map((row) => row.map(csvField).join(CSV_SEPARATOR));
  return `${BOM}${lines.join('\r\n')}\r\n`;
}

// --- XLSX --------------------------------------------------------------------------------------

/** Excel refuses to open a cell longer than this. */
const MAX_CELL_CHARS = 32_767;
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** `A`, `B`, … `Z`, `AA`, … for a zero-based column index. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

function xlsxCell(cell: Cell, ref: string, style: number): string {
  if (cell === null || cell === '') return '';
  const s = style === 0 ? '' : ` s="${style}"`;
  if (typeof cell === 'number') return `<c r="${ref}"${s}><v>${cell}</v></c>`;
  const text = xmlText(neutralise(cell).slice(0, MAX_CELL_CHARS));
  const space = text !== text.trim() ? ' xml:space="preserve"' : '';
  return `<c r="${ref}"${s} t="inlineStr"><is><t${space}>${text}</t></is></c>`;
}

function sheetXml(table: Table): string {
  const columns = table.header.length;
  const last = `${columnName(columns - 1)}${table.rows.length + 1}`;
  const rows = [table.header, ...table.rows].map((row, r) => {
    const cells = row.map((cell, c) => xlsxCell(cell, `${columnName(c)}${r + 1}`, r === 0 ? 1 : 0));
    return `<row r="${r + 1}">${cells.join('')}</row>`;
  });
  const cols = table.header.map((title, c) => {
    const width = Math.min(80, Math.max(8, table.widths?.[c] ?? title.length + 2));
    return `<col min="${c + 1}" max="${c + 1}" width="${width}" customWidth="1"/>`;
  });
  return (
    `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><dimension ref="A1:${last}"/>` +
    // The header row stays in view while scrolling.
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' +
    `<cols>${cols.join('')}</cols><sheetData>${rows.join('')}</sheetData>` +
    `<autoFilter ref="A1:${last}"/></worksheet>`
  );
}

/** Every part gets this time, so the same table always gives the same bytes. */
const PART_TIME = '1980-01-01T00:00:00Z';

/** A workbook of one sheet: a bold, frozen header row with filters, text cells as text. */
export function toXlsx(table: Table): Uint8Array {
  const sheetName = xmlText(table.name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31));
  const last = `${columnName(table.header.length - 1)}${table.rows.length + 1}`;
  const parts: Record<string, string> = {
    '[Content_Types].xml':
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      '</Types>',
    '_rels/.rels': `<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml':
      `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets>` +
      `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${sheetName.replace(/'/g, "''")}'!$A$1:$${last.replace(/(\d+)$/, '$$$1')}</definedName></definedNames></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `<Relationships xmlns="${PKG_REL_NS}">` +
      `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
    'xl/styles.xml':
      `<styleSheet xmlns="${MAIN_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>',
    'xl/worksheets/sheet1.xml': sheetXml(table),
  };
  return zipSync(
    Object.fromEntries(
      Object.entries(parts).map(([name, xml]) => [
        name,
        [strToU8(`${DECLARATION}${xml}`), { mtime: PART_TIME, level: 6 }],
      ]),
    ),
  );
}
