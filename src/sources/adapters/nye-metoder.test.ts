import { readFileSync } from 'node:fs';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import {
  NyeMetoderOptions,
  kindForMethodType,
  normaliseMethodId,
  nyeMetoder,
  parseNorwegianDate,
} from './nye-metoder.js';
import { readWorkbook } from '../xlsx.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'nye-metoder').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.get(`nye-metoder/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}
const spec: SourceSpec<NyeMetoderOptions> = {
  id: 'nye-metoder',
  urls: [],
  options: NyeMetoderOptions.parse({}),
};

function errorOf(run: () => unknown): HorisontError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error;
    throw error;
  }
  return undefined;
}

describe('Norwegian helpers', () => {
  it('parses numeric and named Norwegian dates, and no impossible day', () => {
    expect(parseNorwegianDate('Sist oppdatert 12.11.2026')).toBe('2026-11-12');
    expect(parseNorwegianDate('3. november 2026')).toBe('2026-11-03');
    expect(parseNorwegianDate('17. mai 2026')).toBe('2026-05-17');
    expect(parseNorwegianDate('1. desember 2025')).toBe('2025-12-01');
    expect(parseNorwegianDate('31.02.2026')).toBeUndefined();
    expect(parseNorwegianDate('november 2026')).toBeUndefined();
  });

  it('normalises method ids with or without the ID prefix', () => {
    expect(normaliseMethodId('ID2023_075')).toBe('ID2023_075');
    expect(normaliseMethodId(' 2023_075 ')).toBe('ID2023_075');
    expect(normaliseMethodId('ID2021_104 a')).toBe('ID2021_104 A');
    expect(normaliseMethodId('2023-075')).toBeUndefined();
  });

  it('maps the three method types to kinds', () => {
    expect(kindForMethodType('Legemidler')).toBe('drug');
    expect(kindForMethodType('Medisinsk utstyr, diagnostikk og tester')).toBe('device');
    expect(kindForMethodType('Prosedyrer og organisatoriske tiltak')).toBe('method');
  });
});

describe('nye-metoder: decisions page and workbook', () => {
  it('names the workbook as the next request of the decisions page, and no items', () => {
    const result = nyeMetoder.parse(fixture('beslutning'), spec);
    expect(result.items).toEqual([]);
    expect(result.next).toEqual({
      key: 'list-globalassets-beslutningsforum-oversikt-over-beslutninger-xlsx',
      url: 'https://www.nyemetoder.no/globalassets/beslutningsforum/oversikt-over-beslutninger.xlsx',
      accept:
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/octet-stream;q=0.5',
    });
    expect(fixtures.get('nye-metoder/beslutninger')!.url).toBe(result.next!.url);
  });

  it('keeps the workbook request on the fixture server when the page came from it', () => {
    const local = toFixtureUrl(
      'https://www.nyemetoder.no/innforing-av-nye-metoder/beslutning/',
      'http://127.0.0.1:4010',
    );
    const { next } = nyeMetoder.parse(fixture('beslutning', local), spec);
    expect(next!.url).toBe(
      'http://127.0.0.1:4010/www.nyemetoder.no/globalassets/beslutningsforum/oversikt-over-beslutninger.xlsx',
    );
    expect(next!.key).toBe('list-globalassets-beslutningsforum-oversikt-over-beslutninger-xlsx');
  });

  it('reads Sheet1: shared and inline strings, entities, date serials', () => {
    const workbook = readWorkbook(
      readFileSync(fixtures.get('nye-metoder/beslutninger')!.bodyFile),
      'nye-metoder',
    );
    expect(workbook.date1904).toBe(false);
    expect(workbook.rows[0]).toEqual([
      'ID-nr',
      'Virkestoff',
      'Handelsenavn',
      'Bruksområde (indikasjon)',
      'Metodetype',
      'Fagområde',
      'Dato siste beslutning',
      'Gjeldende beslutning Kortversjon',
      'Gjeldende beslutning (Hele)',
    ]);
    expect(workbook.rows[2]![8]).toContain('effekt & sikkerhet');
    expect(workbook.rows[5]![5]).toBe('Kirurgi');
    expect(workbook.rows[1]![6]).toBe('46322');
  });

  it('maps decisions to device, drug and method items, one per method id', () => {
    const { items, next } = nyeMetoder.parse(fixture('beslutninger'), spec);
    expect(next).toBeUndefined();
    expect(items.map((item) => [item.itemKey, item.kind])).toEqual([
      ['beslutning/ID2023_075', 'device'],
      ['beslutning/ID2024_012', 'device'],
      ['beslutning/ID2024_033', 'drug'],
      ['beslutning/ID2022_118', 'method'],
      ['beslutning/ID2023_041', 'drug'],
    ]);
    const libre = items[0]!;
    expect(libre).toMatchObject({
      title:
        'FreeStyle Libre 3 – Kontinuerlig glukosemåling (CGM) og flash glukosemåling (isCGM) ved diabetes type 2 med basalinsulin',
      url: 'https://www.nyemetoder.no/innforing-av-nye-metoder/beslutning/',
      publishedAt: '2026-10-27',
      language: 'no',
      publicationType: 'Beslutning i Beslutningsforum (Medisinsk utstyr, diagnostikk og tester)',
      product: { tradeName: 'FreeStyle Libre 3' },
      references: [{ scheme: 'nye-metoder', value: 'ID2023_075' }],
    });
    expect(libre.summary).toMatch(/: Innføres\. Kontinuerlig glukosemåling og flash/);

    // Two indications of one drug: the newest decision leads, both are in the summary.
    const mounjaro = items[2]!;
    expect(mounjaro.publishedAt).toBe('2026-08-25');
    expect(mounjaro.title).toBe(
      'Mounjaro (tirzepatid) – Diabetes type 2 hos voksne som ikke oppnår tilstrekkelig glykemisk kontroll',
    );
    expect(mounjaro.summary).toContain('Innføres ikke.');
    expect(mounjaro.product).toEqual({ tradeName: 'Mounjaro' });

    // A procedure without a trade name has no product facts.
    expect(items[3]!.product).toBeUndefined();
    expect(items[3]!.title).toBe('Robotassistert kirurgi ved endetarmskreft');
  });

  it('reads the 1904 date system when the workbook declares it', () => {
    const workbookXml =
      '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><workbookPr date1904="1"/></workbook>';
    const sheet =
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1">' +
      [
        'ID-nr',
        'Virkestoff',
        'Handelsenavn',
        'Bruksområde (indikasjon)',
        'Metodetype',
        'Fagområde',
        'Dato siste beslutning',
        'Gjeldende beslutning Kortversjon',
        'Gjeldende beslutning (Hele)',
      ]
        .map((text, i) => `<c r="${String.fromCharCode(65 + i)}1" t="inlineStr"><is><t>${text}</t></is></c>`)
        .join('') +
      '</row><row r="2"><c r="A2" t="inlineStr"><is><t>2025_010</t></is></c><c r="E2" t="inlineStr"><is><t>Legemidler</t></is></c><c r="G2"><v>43769</v></c></row>' +
      '</sheetData></worksheet>';
    const bytes = zipSync({
      'xl/workbook.xml': strToU8(workbookXml),
      'xl/worksheets/sheet1.xml': strToU8(sheet),
    });
    const doc: FetchedDocument = {
      ...fixture('beslutninger'),
      body: Buffer.from(bytes),
    };
    const { items } = nyeMetoder.parse(doc, spec);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      itemKey: 'beslutning/ID2025_010',
      publishedAt: '2023-11-01',
      kind: 'drug',
    });
  });

  it('names a changed header as schema drift and a cut-off download as unreadable', () => {
    expect(errorOf(() => nyeMetoder.parse(fixture('edge/header-changed'), spec))?.message).toBe(
      'parse(nye-metoder): the decisions workbook header changed',
    );
    expect(errorOf(() => nyeMetoder.parse(fixture('edge/truncated'), spec))?.kind).toBe('parse');
  });

  it('names a decisions page without the workbook link as a layout change', () => {
    expect(errorOf(() => nyeMetoder.parse(fixture('edge/beslutning-uten-regneark'), spec))?.kind).toBe(
      'layout-changed',
    );
  });
});

describe('nye-metoder: method list', () => {
  it('maps method cards with their id, status and method type', () => {
    const { items } = nyeMetoder.parse(fixture('metoder'), spec);
    expect(items.map((item) => [item.itemKey, item.kind, item.updatedAt, item.publicationType])).toEqual([
      ['ID2026_089', 'device', '2026-11-12', 'Metodevarsel'],
      ['ID2026_071', 'device', '2026-11-03', 'Under metodevurdering'],
      ['ID2026_064', 'drug', '2026-10-28', 'Metodevarsel'],
      ['ID2023_075', 'device', '2026-10-27', 'Beslutning fattet'],
    ]);
    expect(items[0]).toMatchObject({
      title: 'Sensor for kontinuerlig glukosemåling med 15 dagers brukstid (Dexcom G7 15 Day)',
      url: 'https://www.nyemetoder.no/metoder/sensor-for-kontinuerlig-glukosemaling-med-15-dagers-brukstid/',
      language: 'no',
      references: [{ scheme: 'nye-metoder', value: 'ID2026_089' }],
      sourceVersion: 'Metodevarsel 2026-11-12',
    });
    // Prose names products, but only structured fields make product facts.
    expect(items.every((item) => item.product === undefined)).toBe(true);
    expect(items[2]!.summary).toBeUndefined();
  });

  it('reads "Ingen metoder" as empty and a block page as blocked', () => {
    expect(nyeMetoder.parse(fixture('edge/metoder-ingen-treff'), spec)).toEqual({ items: [] });
    expect(errorOf(() => nyeMetoder.parse(fixture('edge/blocked'), spec))?.kind).toBe('blocked');
  });
});
