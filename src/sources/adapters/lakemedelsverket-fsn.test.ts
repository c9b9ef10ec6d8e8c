import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { LakemedelsverketFsnOptions, lakemedelsverketFsn } from './lakemedelsverket-fsn.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const LIST = 'https://www.lakemedelsverket.se/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'lakemedelsverket-fsn').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.get(`lakemedelsverket-fsn/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<LakemedelsverketFsnOptions> {
  return { id: 'lakemedelsverket-fsn', urls: [LIST], options: LakemedelsverketFsnOptions.parse(options) };
}

function html(body: string, url = LIST): FetchedDocument {
  return {
    request: { key: 'list', url },
    url,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(`<!DOCTYPE html><html lang="sv"><body><main>${body}</main></body></html>`, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function errorKindOf(run: () => unknown): ErrorKind | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error.kind;
    throw error;
  }
  return undefined;
}

describe('lakemedelsverket-fsn requests', () => {
  it('asks for each configured list page', () => {
    expect(lakemedelsverketFsn.requests(spec())).toEqual([
      {
        key: 'list-sv-medicinteknik-folj-upp-anvandning-sakerhetsmeddelanden',
        url: LIST,
        accept: 'text/html',
      },
    ]);
  });
});

describe('lakemedelsverket-fsn parse: the two recorded pages', () => {
  const page1 = lakemedelsverketFsn.parse(fixture('page-1'), spec());
  const page2 = lakemedelsverketFsn.parse(fixture('page-2', page1.next!.url), spec());
  const all = [...page1.items, ...page2.items];

  it('pages with ?page=N to the last page', () => {
    expect(page1.items).toHaveLength(10);
    expect(page1.next).toEqual({
      key: 'list-sv-medicinteknik-folj-upp-anvandning-sakerhetsmeddelanden-page-2',
      url: `${LIST}?page=2`,
      accept: 'text/html',
    });
    expect(page2.items).toHaveLength(4);
    expect(page2.next).toBeUndefined();
  });

  it('maps an entry to a safety notice with the product and manufacturer it names', () => {
    expect(page1.items[0]).toEqual({
      itemKey:
        '/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden/2026/sakerhetsmeddelande-minimed-780g-insulinpump-avbruten-insulintillforsel-vid-batteribyte',
      kind: 'safety-notice',
      title:
        'Säkerhetsmeddelande: MiniMed 780G insulinpump – risk för avbruten insulintillförsel vid batteribyte',
      url: 'https://www.lakemedelsverket.se/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden/2026/sakerhetsmeddelande-minimed-780g-insulinpump-avbruten-insulintillforsel-vid-batteribyte',
      publishedAt: '2026-11-18',
      summary:
        'Tillverkaren informerar om att insulintillförseln i sällsynta fall inte återupptas automatiskt efter batteribyte. Användare ska kontrollera pumpens status efter varje byte.',
      language: 'sv',
      publicationType: 'Uppdaterad bruksanvisning',
      product: { tradeName: 'MiniMed 780G', manufacturer: 'Medtronic MiniMed, Inc.' },
    });
  });

  it('reads unpadded Swedish dates and the update date', () => {
    const eversense = all.find((item) => item.product?.tradeName === 'Eversense E3');
    expect(eversense).toMatchObject({ publishedAt: '2026-10-28', updatedAt: '2026-11-05' });
    expect(all.find((item) => item.product?.tradeName === 'MiniMed 640G')?.publishedAt).toBe('2021-06-16');
  });

  it('names fixture-world products for the resolver to link', () => {
    const names = all.flatMap((item) => (item.product ? [item.product.tradeName] : []));
    expect(names).toEqual(
      expect.arrayContaining(['MiniMed 780G', 'Guardian 4 Sensor', 'Eversense E3', 'Dexcom G6', 'Optune']),
    );
  });

  it('puts the manufacturer in the summary when no product is named', () => {
    const braun = all.find((item) => item.title.includes('infusionsaggregat med backventil'));
    expect(braun?.product).toBeUndefined();
    expect(braun?.summary?.endsWith('Tillverkare: B. Braun Melsungen AG.')).toBe(true);
  });

  it('follows the next page on the fixture server it was served from', () => {
    const local = toFixtureUrl(LIST, 'http://127.0.0.1:4010');
    expect(lakemedelsverketFsn.parse(fixture('page-1', local), spec()).next?.url).toBe(
      'http://127.0.0.1:4010/www.lakemedelsverket.se/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden?page=2',
    );
  });

  it('stops at maxPages', () => {
    expect(lakemedelsverketFsn.parse(fixture('page-1'), spec({ maxPages: 1 })).next).toBeUndefined();
  });
});

describe('lakemedelsverket-fsn parse: markup variants', () => {
  it('reads plain list items with Label: value lines and a "Nästa" link', () => {
    const { items, next } = lakemedelsverketFsn.parse(
      html(`<ul>
        <li><a href="/sv/x/fsn-1">Säkerhetsmeddelande om pump</a><p>Publicerad: 3 mars 2026</p>
          <p>Tillverkare: Exempel AB</p><p>Produktnamn: Pump X2</p></li>
        <li><a href="/sv/x/fsn-2/">Säkerhetsmeddelande utan datum</a><p>Publicerad:</p></li>
      </ul><nav><a href="?page=3">3</a><a href="?page=2">Nästa sida</a></nav>`),
      spec(),
    );
    expect(items).toEqual([
      {
        itemKey: '/sv/x/fsn-1',
        kind: 'safety-notice',
        title: 'Säkerhetsmeddelande om pump',
        url: 'https://www.lakemedelsverket.se/sv/x/fsn-1',
        publishedAt: '2026-03-03',
        language: 'sv',
        product: { tradeName: 'Pump X2', manufacturer: 'Exempel AB' },
      },
      {
        itemKey: '/sv/x/fsn-2',
        kind: 'safety-notice',
        title: 'Säkerhetsmeddelande utan datum',
        url: 'https://www.lakemedelsverket.se/sv/x/fsn-2/',
        language: 'sv',
      },
    ]);
    expect(new URL(next!.url).searchParams.get('page')).toBe('2');
  });

  it('never pages backwards', () => {
    const doc = html(
      '<ul><li><a href="/sv/x/a">A</a><p>Publicerad: 1 maj 2026</p></li></ul><a rel="next" href="?page=2">Nästa</a>',
      `${LIST}?page=3`,
    );
    expect(lakemedelsverketFsn.parse(doc, spec()).next).toBeUndefined();
  });

  it('lists an entry linked twice once and caps the items per page', () => {
    const entry = '<li><a href="/sv/x/a">A</a><p>Publicerad: 1 maj 2026</p></li>';
    expect(lakemedelsverketFsn.parse(html(`<ul>${entry}${entry}</ul>`), spec()).items).toHaveLength(1);
    const many = Array.from(
      { length: 5 },
      (_, i) => `<li><a href="/sv/x/${i}">N ${i}</a><p>Publicerad: 1 maj 2026</p></li>`,
    ).join('');
    expect(lakemedelsverketFsn.parse(html(`<ul>${many}</ul>`), spec({ maxItems: 3 })).items).toHaveLength(3);
  });
});

describe('lakemedelsverket-fsn parse: edge cases', () => {
  it('returns no items when the page says there are none', () => {
    expect(lakemedelsverketFsn.parse(fixture('edge/empty'), spec())).toEqual({ items: [] });
  });

  it.each([
    ['edge/redesign', 'layout-changed'],
    ['edge/blocked', 'blocked'],
  ] as const)('%s → %s', (name, kind) => {
    expect(errorKindOf(() => lakemedelsverketFsn.parse(fixture(name), spec()))).toBe(kind);
  });

  it('keeps the body out of error messages', () => {
    expect.assertions(1);
    try {
      lakemedelsverketFsn.parse(fixture('edge/redesign'), spec());
    } catch (error) {
      expect((error as Error).message).toBe(
        'parse(lakemedelsverket-fsn): the list of safety notices (entries with "Publicerad") not found',
      );
    }
  });
});
