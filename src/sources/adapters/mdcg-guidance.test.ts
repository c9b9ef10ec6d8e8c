import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { MdcgGuidanceOptions, mdcgGuidance, normaliseMdcgId } from './mdcg-guidance.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const PAGE =
  'https://health.ec.europa.eu/medical-devices-sector/new-regulations/guidance-mdcg-endorsed-documents-and-other-guidance_en';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'mdcg-guidance').map((f) => [f.name, f]));
function fixture(name: string): FetchedDocument {
  const found = fixtures.get(`mdcg-guidance/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<MdcgGuidanceOptions> {
  return { id: 'mdcg-guidance', urls: [PAGE], options: MdcgGuidanceOptions.parse(options) };
}

function html(body: string): FetchedDocument {
  return {
    request: { key: 'list', url: PAGE },
    url: PAGE,
    status: 200,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
    body: Buffer.from(`<!DOCTYPE html><html lang="en"><body><main>${body}</main></body></html>`, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

const HEAD = '<thead><tr><th>Reference</th><th>Title</th><th>Publication</th></tr></thead>';
const link = (uuid: string, text: string, file = 'doc_en.pdf') =>
  `<a href="/document/download/${uuid}_en?filename=${file}">${text}</a>`;
const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';

function errorKindOf(run: () => unknown): ErrorKind | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error.kind;
    throw error;
  }
  return undefined;
}

describe('normaliseMdcgId', () => {
  it.each([
    ['MDCG 2021-6 - rev.1', 'MDCG 2021-6 rev.1'],
    ['MDCG 2021-12 Rev. 1', 'MDCG 2021-12 rev.1'],
    ['MDCG  2019-11  rev.1', 'MDCG 2019-11 rev.1'],
    ['MDCG 2020-13 -', 'MDCG 2020-13'],
    ['MDCG 2024-16 Annex', 'MDCG 2024-16 Annex'],
    ['MDCG 2021-15/MDCG 2024-7 Annex', 'MDCG 2021-15/MDCG 2024-7 Annex'],
    ['MDCG 2024-1-5', 'MDCG 2024-1-5'],
  ])('%s → %s', (raw, normalised) => {
    expect(normaliseMdcgId(raw)).toBe(normalised);
  });

  it('reads other references as no MDCG id', () => {
    expect(normaliseMdcgId('Q&A rev.1')).toBeUndefined();
    expect(normaliseMdcgId('2023/C 163/06')).toBeUndefined();
  });
});

describe('mdcg-guidance parse: the recorded page', () => {
  const { items, next } = mdcgGuidance.parse(fixture('guidance'), spec());
  const byId = (id: string) => items.find((item) => item.references?.some((r) => r.value === id));

  it('reads one item per linked PDF, once each, and no next page', () => {
    expect(items).toHaveLength(28);
    expect(new Set(items.map((item) => item.itemKey)).size).toBe(28);
    expect(next).toBeUndefined();
    expect(items.every((item) => /^[0-9a-f-]{36}$/.test(item.itemKey))).toBe(true);
  });

  it('maps a row to a guidance item keyed by the Europa document id, without a day', () => {
    expect(byId('MDCG 2025-5')).toEqual({
      itemKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'guidance',
      title:
        'MDCG 2025-5: Questions & Answers regarding performance studies of in vitro diagnostic medical devices under regulation (EU) 2017/746',
      url: expect.stringMatching(
        /^https:\/\/health\.ec\.europa\.eu\/document\/download\/[0-9a-f-]{36}_en\?filename=mdcg_2025-5_en\.pdf$/,
      ),
      summary:
        'Topic: Clinical investigation and evaluation, performance studies and evaluation. Publication: June 2025.',
      language: 'en',
      sourceVersion: '2025-06',
      publicationType: 'MDCG guidance',
      references: [{ scheme: 'mdcg', value: 'MDCG 2025-5' }],
    });
    expect(items.every((item) => item.publishedAt === undefined && item.updatedAt === undefined)).toBe(true);
  });

  it('keeps revisions, appendices, annexes and forms apart', () => {
    for (const id of [
      'MDCG 2022-5 rev.1',
      'MDCG 2021-6 rev.1',
      'MDCG 2021-12 rev.1',
      'MDCG 2024-5',
      'MDCG 2024-5 Appendix A',
      'MDCG 2020-10/1 rev.1',
      'MDCG 2020-10/2 rev.1',
      'MDCG 2023-2',
      'MDCG 2023-2 MDR form',
      'MDCG 2023-2 IVDR form',
      'MDCG 2021-15/MDCG 2024-7 Annex',
    ]) {
      expect(byId(id), id).toBeDefined();
    }
    expect(byId('MDCG 2024-5 Appendix A')?.title).toBe(
      'MDCG 2024-5 Appendix A: Appendix A of the MDCG 2024-5',
    );
    expect(byId('MDCG 2020-10/2 rev.1')?.title).toBe(
      'MDCG 2020-10/2 rev.1: Appendix: Clinical investigation summary safety report form',
    );
    expect(byId('MDCG 2023-2 IVDR form')?.title).toBe('MDCG 2023-2 IVDR form: List of Standard Fees');
  });

  it('lists an annex linked from two rows once', () => {
    expect(
      items.filter((item) => item.references?.[0]?.value === 'MDCG 2021-15/MDCG 2024-7 Annex'),
    ).toHaveLength(1);
  });

  it('reads the text around a link: rev after the link, the id beside a linked title word', () => {
    expect(byId('MDCG 2021-6 rev.1')?.url).toContain('filename=mdcg_2021-6_en.pdf');
    expect(byId('MDCG 2021-24')?.title).toBe('MDCG 2021-24: Guidance on classification of medical devices');
  });

  it('skips spreadsheets and Word copies by default', () => {
    expect(items.some((item) => /\.(xlsx|docx)$/.test(item.url))).toBe(false);
    expect(byId('MDCG 2025-3')).toBeUndefined();
    expect(byId('MDCG 2020-13')?.url).toContain('.pdf');
  });

  it('takes rows without an MDCG id and documents linked from the title cell', () => {
    const commission = items.find((item) => item.title.startsWith('Commission Guidance on the content'));
    expect(commission?.references).toBeUndefined();
    expect(commission?.publicationType).toBeUndefined();
    const note = items.find((item) => item.title.startsWith('Background note'));
    expect(note?.summary).toBe('Topic: Borderline and Classification. Publication: September 2025.');
    const manual = items.find((item) => item.title.startsWith('Manual on borderline'));
    expect(manual?.title).toBe(
      'Manual on borderline and classification under Regulations (EU) 2017/745 and 2017/746 v4',
    );
  });

  it('reads month-year dates written without a space', () => {
    expect(byId('MDCG 2024-5')?.sourceVersion).toBe('2024-04');
  });

  it('takes spreadsheets when asked to', () => {
    const withSheets = mdcgGuidance.parse(fixture('guidance'), spec({ fileTypes: ['pdf', 'xlsx'] })).items;
    expect(withSheets).toHaveLength(30);
    expect(withSheets.find((item) => item.references?.[0]?.value === 'MDCG 2024-16 Annex')?.title).toBe(
      'MDCG 2024-16 Annex: Device Identification table',
    );
  });

  it('caps the number of items', () => {
    expect(mdcgGuidance.parse(fixture('guidance'), spec({ maxItems: 5 })).items).toHaveLength(5);
  });
});

describe('mdcg-guidance parse: markup variants', () => {
  it('pairs lines split by <br> and a single date for several documents', () => {
    const { items } = mdcgGuidance.parse(
      html(
        `<h3>Topic A</h3><table>${HEAD}<tbody><tr><td>${link(U1, 'MDCG 2026-1')}<br>${link(U2, 'MDCG 2026-1 Annex')}</td><td>Main title<br>Annex title</td><td>March 2026</td></tr></tbody></table>`,
      ),
      spec(),
    );
    expect(items.map((item) => [item.itemKey, item.title, item.sourceVersion])).toEqual([
      [U1, 'MDCG 2026-1: Main title', '2026-03'],
      [U2, 'MDCG 2026-1 Annex: Annex title', '2026-03'],
    ]);
  });

  it('keys a direct file link by its path and leaves a missing date out', () => {
    const { items } = mdcgGuidance.parse(
      html(
        `<table>${HEAD}<tbody><tr><td><a href="/health/sites/default/files/md_sector/docs/md_mdcg_2019_9_en.pdf">MDCG 2019-9 rev.1</a></td><td></td><td></td></tr></tbody></table>`,
      ),
      spec(),
    );
    expect(items).toEqual([
      {
        itemKey: '/health/sites/default/files/md_sector/docs/md_mdcg_2019_9_en.pdf',
        kind: 'guidance',
        title: 'MDCG 2019-9 rev.1: MDCG 2019-9 rev.1',
        url: 'https://health.ec.europa.eu/health/sites/default/files/md_sector/docs/md_mdcg_2019_9_en.pdf',
        language: 'en',
        publicationType: 'MDCG guidance',
        references: [{ scheme: 'mdcg', value: 'MDCG 2019-9 rev.1' }],
      },
    ]);
  });

  it('reports rows that link no document of the accepted types as a layout change', () => {
    const doc = html(
      `<table>${HEAD}<tbody><tr><td><a href="/latest-updates/mdcg-2026-1_en">MDCG 2026-1</a></td><td>T</td><td>May 2026</td></tr></tbody></table>`,
    );
    expect(errorKindOf(() => mdcgGuidance.parse(doc, spec()))).toBe('layout-changed');
  });

  it('ignores tables that are not guidance tables', () => {
    const doc = html(
      '<table><tr><th>Country</th><th>Contact</th></tr><tr><td>SE</td><td>x</td></tr></table>',
    );
    expect(errorKindOf(() => mdcgGuidance.parse(doc, spec()))).toBe('layout-changed');
  });
});

describe('mdcg-guidance parse: edge cases', () => {
  it('returns no items for tables without rows', () => {
    expect(mdcgGuidance.parse(fixture('edge/empty-tables'), spec())).toEqual({ items: [] });
  });

  it.each([
    ['edge/redesign', 'layout-changed'],
    ['edge/forbidden', 'blocked'],
  ] as const)('%s → %s', (name, kind) => {
    expect(errorKindOf(() => mdcgGuidance.parse(fixture(name), spec()))).toBe(kind);
  });

  it('plans one request per configured page', () => {
    const requests = mdcgGuidance.requests(spec());
    expect(requests).toEqual([
      {
        key: 'list-medical-devices-sector-new-regulations-guidance-mdcg-endorsed-documents-and-other-guidance-en',
        url: PAGE,
        accept: 'text/html',
      },
    ]);
  });
});
