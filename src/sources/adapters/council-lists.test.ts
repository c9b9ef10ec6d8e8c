import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { CouncilListsOptions, councilLists, embeddedArray } from './council-lists.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'council-lists').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.get(`council-lists/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}
const spec: SourceSpec<CouncilListsOptions> = {
  id: 'council-lists',
  urls: [],
  options: CouncilListsOptions.parse({}),
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

describe('embeddedArray', () => {
  it('cuts out the array and nothing after it, brackets inside strings included', () => {
    const text = `x = {"items":[{"productName":"A [x]","url":"/a"},{"productName":"B }]","url":"/b"}],"filters":[{"v":1}]};`;
    expect(embeddedArray(text)).toEqual({
      json: '[{"productName":"A [x]","url":"/a"},{"productName":"B }]","url":"/b"}]',
    });
    expect(embeddedArray('no list here')).toBeUndefined();
    expect(embeddedArray('[{"productName":"A","url":"/a"},{"productName":"B')).toEqual({
      unterminated: true,
    });
  });
});

describe('council-lists: NT-rådet recommendations', () => {
  const { items, next } = councilLists.parse(fixture('nt-radets-rekommendationer'), spec);

  it('maps each product page once, to a council decision with the product name and ATC codes', () => {
    expect(next).toBeUndefined();
    expect(items).toHaveLength(6);
    expect(items[0]).toEqual({
      itemKey: '/produktinfo/mounjaro-tirzepatid',
      kind: 'council-decision',
      title: 'Mounjaro (tirzepatid)',
      url: 'https://samverkanlakemedel.se/produktinfo/mounjaro-tirzepatid',
      publishedAt: '2026-10-23',
      summary:
        'NT-rådet rekommenderar regionerna att avvakta med att använda Mounjaro vid fetma i väntan på TLV:s hälsoekonomiska bedömning.',
      language: 'sv',
      publicationType: 'NT-rådets rekommendation',
      product: { tradeName: 'Mounjaro' },
      references: [{ scheme: 'atc', value: 'A10BX16' }],
    });
  });

  it('keeps the newest recommendation of a product listed twice', () => {
    const enhertu = items.filter((item) => item.product?.tradeName === 'Enhertu');
    expect(enhertu).toHaveLength(1);
    expect(enhertu[0]!.publishedAt).toBe('2026-05-29');
  });

  it('reads substance lists, arrays and epoch-millisecond dates as the Swedish day', () => {
    const kaftrio = items.find((item) => item.product?.tradeName === 'Kaftrio')!;
    expect(kaftrio.title).toBe('Kaftrio (ivakaftor, tezakaftor, elexakaftor)');
    const leqembi = items.find((item) => item.product?.tradeName === 'Leqembi')!;
    expect(leqembi.references).toEqual([{ scheme: 'atc', value: 'N06DX04' }]);
    const casgevy = items.find((item) => item.product?.tradeName === 'Casgevy')!;
    expect(casgevy.publishedAt).toBe('2025-08-22');
    expect(casgevy.itemKey).toBe('/produktinfo/casgevy-exagamglogen-autotemcel');
  });

  it('links to the public site when the bytes came through the fixture server', () => {
    const local = toFixtureUrl(
      fixtures.get('council-lists/nt-radets-rekommendationer')!.url,
      'http://127.0.0.1:4010',
    );
    const viaServer = councilLists.parse(fixture('nt-radets-rekommendationer', local), spec);
    expect(viaServer.items.map((item) => item.url)).toEqual(items.map((item) => item.url));
  });
});

describe('council-lists: MTP-rådet product list', () => {
  it('maps each product to a council decision whose trade name is the product name', () => {
    const { items } = councilLists.parse(fixture('mtp-produkter'), spec);
    expect(items.map((item) => item.product?.tradeName)).toEqual([
      'FreeStyle Libre',
      'MiniMed 670G',
      'Optune',
      'FoundationOne CDx',
      't:slim X2 med Control-IQ',
    ]);
    expect(items[0]).toMatchObject({
      itemKey: '/medicinteknik---ordnat-inforande/produkter/freestyle-libre',
      kind: 'council-decision',
      url: 'https://samverkanlakemedel.se/medicinteknik---ordnat-inforande/produkter/freestyle-libre.html',
      publishedAt: '2019-03-15',
      publicationType: 'MTP-rådet: produkt i nationellt ordnat införande',
    });
    // No date on the page: none invented.
    expect(items[4]!.publishedAt).toBeUndefined();
    expect(items.every((item) => item.references === undefined)).toBe(true);
  });
});

describe('council-lists source health', () => {
  it('reads "Inga träffar" as empty and tells block pages, redesigns, truncation and drift apart', () => {
    expect(councilLists.parse(fixture('edge/mtp-inga-traffar'), spec)).toEqual({ items: [] });
    const cases: Array<[string, string]> = [
      ['edge/access-denied', 'blocked'],
      ['edge/nt-redesign', 'layout-changed'],
      ['edge/nt-truncated', 'parse'],
      ['edge/nt-drift', 'schema'],
    ];
    for (const [name, kind] of cases) {
      const error = errorOf(() => councilLists.parse(fixture(name), spec));
      expect(error?.kind, name).toBe(kind);
      expect(error?.message.startsWith('parse(council-lists): '), name).toBe(true);
    }
  });
});
