import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { TlvOptions, kindForList, tlv } from './tlv.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const NEWS_URL = 'https://www.tlv.se/om-tlv/nyheter.html';
const HTA_URL = 'https://www.tlv.se/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'tlv').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.get(`tlv/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<TlvOptions> {
  return { id: 'tlv', urls: [HTA_URL, NEWS_URL], options: TlvOptions.parse(options) };
}

function html(body: string, url = NEWS_URL): FetchedDocument {
  return {
    request: { key: 'list', url },
    url,
    status: 200,
    headers: { 'content-type': 'text/html;charset=UTF-8' },
    body: Buffer.from(body, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function page(main: string): string {
  return `<!DOCTYPE html><html lang="sv"><head><title>Nyheter - TLV</title></head><body>
    <nav><ul><li><a href="/lakemedel.html">Läkemedel</a></li><li><a href="/om-tlv.html">Om TLV</a></li></ul></nav>
    <main>${main}</main>
    <footer><p>Senast uppdaterad 17 november 2026</p></footer></body></html>`;
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

describe('tlv options', () => {
  it('defaults to the device assessments as hta-report, the drug decisions as benefit-decision, the rest as news', () => {
    expect(TlvOptions.parse({})).toEqual({
      listKinds: {
        '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html': 'hta-report',
        '/beslut/beslut-lakemedel/generell-subvention.html': 'benefit-decision',
        '/beslut/beslut-lakemedel/begransad-subvention.html': 'benefit-decision',
        '/beslut/beslut-lakemedel/avslag-och-uteslutningar.html': 'benefit-decision',
      },
      defaultKind: 'news',
      maxItems: 100,
    });
  });

  it('rejects unknown kinds, keys that are neither URL nor path, and unknown options', () => {
    expect(TlvOptions.safeParse({ listKinds: { '/x.html': 'drug' } }).success).toBe(false);
    expect(TlvOptions.safeParse({ listKinds: { 'nyheter.html': 'news' } }).success).toBe(false);
    expect(TlvOptions.safeParse({ listKind: {} }).success).toBe(false);
  });
});

describe('kindForList', () => {
  const options = TlvOptions.parse({
    listKinds: {
      'https://www.tlv.se/om-tlv/nyheter.html': 'news',
      '/medicinteknik/': 'news',
      '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html': 'hta-report',
    },
    defaultKind: 'news',
  });

  it('matches a full URL, a path, and a fixture-server URL that ends with the path', () => {
    expect(kindForList(NEWS_URL, options)).toBe('news');
    expect(kindForList(HTA_URL, options)).toBe('hta-report');
    expect(kindForList(toFixtureUrl(HTA_URL, 'http://127.0.0.1:4010'), options)).toBe('hta-report');
  });

  it('falls back to defaultKind', () => {
    expect(
      kindForList(
        'https://www.tlv.se/tandvard/nyheter.html',
        TlvOptions.parse({ defaultKind: 'hta-report' }),
      ),
    ).toBe('hta-report');
  });
});

describe('tlv parse: health-economic assessments of devices', () => {
  const { items, next } = tlv.parse(fixture('halsoekonomiska-bedomningar'), spec());

  it('reads each assessment as an hta-report with its Swedish date', () => {
    expect(next).toBeUndefined();
    expect(items).toHaveLength(4);
    expect(items.every((item) => item.kind === 'hta-report' && item.language === 'sv')).toBe(true);
    expect(items[0]).toEqual({
      itemKey:
        '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik/avslutade-halsoekonomiska-bedomningar/halsoekonomisk-bedomning-av-freestyle-libre-3-vid-typ-1-diabetes.html',
      kind: 'hta-report',
      title: 'Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes',
      url: 'https://www.tlv.se/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik/avslutade-halsoekonomiska-bedomningar/halsoekonomisk-bedomning-av-freestyle-libre-3-vid-typ-1-diabetes.html',
      publishedAt: '2026-11-13',
      summary: expect.stringContaining('MTP-rådet') as string,
      language: 'sv',
    });
    expect(items[1]!.title).toBe(
      'Hälsoekonomisk bedömning av MiniMed 780G vid typ 1-diabetes hos barn och vuxna',
    );
    expect(items[1]!.publishedAt).toBe('2026-09-30');
  });

  it('reads the same kinds when the demo serves the list from the fixture server', () => {
    const local = toFixtureUrl(HTA_URL, 'http://127.0.0.1:4010');
    const viaServer = tlv.parse(fixture('halsoekonomiska-bedomningar', local), spec());
    expect(viaServer.items).toEqual(items);
  });

  it('ignores the navigation and the page footer', () => {
    expect(items.some((item) => item.url.endsWith('/lakemedel.html'))).toBe(false);
    expect(items.some((item) => item.title.startsWith('Senast uppdaterad'))).toBe(false);
  });
});

describe('tlv parse: news', () => {
  const { items } = tlv.parse(fixture('nyheter'), spec());

  it('reads news items as news', () => {
    expect(items).toHaveLength(6);
    expect(items.every((item) => item.kind === 'news')).toBe(true);
    expect(items.map((item) => item.publishedAt)).toEqual([
      '2026-11-17',
      '2026-11-11',
      '2026-11-05',
      '2026-10-29',
      '2026-10-20',
      '2026-10-08',
    ]);
  });

  it('keeps the product name where the news names one', () => {
    const eversense = items.find((item) => item.title.includes('Eversense E3'));
    expect(eversense?.summary).toContain('implanterbara glukossensorn Eversense E3');
  });

  it('honours maxItems', () => {
    expect(tlv.parse(fixture('nyheter'), spec({ maxItems: 2 })).items).toHaveLength(2);
  });
});

describe('tlv parse: empty and broken pages', () => {
  it('returns no items for an empty list', () => {
    expect(tlv.parse(fixture('edge/empty'), spec())).toEqual({ items: [] });
  });

  it('reports a redesign as layout-changed', () => {
    expect(errorKindOf(() => tlv.parse(fixture('edge/redesign'), spec()))).toBe('layout-changed');
  });

  it('reports an access-denied page as blocked', () => {
    expect(errorKindOf(() => tlv.parse(fixture('edge/access-denied'), spec()))).toBe('blocked');
  });

  it('accepts a "Det finns inga …" line without a list as empty', () => {
    const doc = html(page('<h1>Nyheter</h1><p>Det finns inga nyheter att visa.</p>'));
    expect(tlv.parse(doc, spec()).items).toEqual([]);
  });

  it('does not let a sentence that merely contains "det finns inga" pass a redesign as empty', () => {
    const doc = html(
      page(
        '<h1>Nyheter</h1><p>Det finns inga genvägar till jämlik vård, skriver TLV i en ny rapport om medicinteknik och regionernas införande.</p>',
      ),
    );
    expect(errorKindOf(() => tlv.parse(doc, spec()))).toBe('layout-changed');
  });

  it('reports a list whose entries changed shape as layout-changed', () => {
    const doc = html(
      page('<ul class="sol-article-list"><li><a href="/om-tlv/nyheter/a.html">A</a></li></ul>'),
    );
    expect(errorKindOf(() => tlv.parse(doc, spec()))).toBe('layout-changed');
  });

  it('distinguishes an empty body', () => {
    expect(errorKindOf(() => tlv.parse(html(' \n'), spec()))).toBe('empty-body');
  });
});

describe('tlv parse: item markup variants', () => {
  it('takes the title from the link text when there is no heading element', () => {
    const doc = html(
      page(`<ul><li><a href="/om-tlv/nyheter/nyhetsarkiv/a.html">Ny bedömning publicerad
            <div class="sol-article-item__date">Publicerad 3 mars 2026</div></a></li></ul>`),
    );
    expect(tlv.parse(doc, spec()).items).toEqual([
      {
        itemKey: '/om-tlv/nyheter/nyhetsarkiv/a.html',
        kind: 'news',
        title: 'Ny bedömning publicerad',
        url: 'https://www.tlv.se/om-tlv/nyheter/nyhetsarkiv/a.html',
        publishedAt: '2026-03-03',
        language: 'sv',
      },
    ]);
  });

  it('leaves publishedAt out when the date line has no full date', () => {
    const doc = html(
      page(`<ul class="sol-article-list"><li class="sol-article-item"><a href="/a.html">
            <span class="sol-article-item__heading">A</span>
            <div class="sol-article-item__date">Publicerad</div></a></li></ul>`),
    );
    expect(tlv.parse(doc, spec()).items[0]!.publishedAt).toBeUndefined();
  });
});

describe('tlv parse: benefit decisions (förmånsbeslut)', () => {
  const DECISIONS_URL = 'https://www.tlv.se/beslut/beslut-lakemedel/generell-subvention.html';

  it('reads each decision as a drug with a TLV decision on a prescription drug, dated by its archive path', () => {
    const items = tlv.parse(fixture('beslut-generell-subvention'), spec()).items;
    expect(items.map((item) => item.kind)).toEqual(['drug', 'drug', 'drug']);
    expect(items[0]).toMatchObject({
      itemKey:
        '/beslut/beslut-lakemedel/generell-subvention/arkiv/2026-11-12-dawnzera-ingar-i-hogkostnadsskyddet.html',
      title: 'Dawnzera (donidalorsen) ingår i högkostnadsskyddet',
      publishedAt: '2026-11-12',
      product: { tradeName: 'Dawnzera' },
      drug: {
        inn: 'donidalorsen',
        brandNames: ['Dawnzera'],
        supply: 'recept',
        event: 'tlv-decision',
        eventOn: '2026-11-12',
      },
    });
    expect(items[0]!.summary).toMatch(/^TLV:s förmånsbeslut \(generell subvention\)\./);
    expect(items[1]!.drug?.indication).toBe(
      'måttlig till svår atopisk dermatit hos vuxna och ungdomar som är aktuella för systemisk behandling',
    );
    // A heading without the substance still names the brand.
    expect(items[2]!.drug).toMatchObject({ brandNames: ['Voydeya'], supply: 'recept' });
    expect(items[2]!.drug?.inn).toBeUndefined();
  });

  it('reads the same decisions from the fixture server', () => {
    const local = toFixtureUrl(DECISIONS_URL, 'http://127.0.0.1:4010');
    const items = tlv.parse(fixture('beslut-generell-subvention', local), spec()).items;
    expect(items.every((item) => item.drug?.event === 'tlv-decision')).toBe(true);
  });

  it('keeps a decision list without decisions empty, and refuses a redesign, headless entries and a bot page', () => {
    expect(tlv.parse(fixture('edge/beslut-tom'), spec()).items).toEqual([]);
    expect(errorKindOf(() => tlv.parse(fixture('edge/beslut-ny-layout'), spec()))).toBe('layout-changed');
    expect(errorKindOf(() => tlv.parse(fixture('edge/beslut-utan-rubrik'), spec()))).toBe('layout-changed');
    expect(errorKindOf(() => tlv.parse(fixture('edge/beslut-blocked'), spec()))).toBe('blocked');
  });
});
