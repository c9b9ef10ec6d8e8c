import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { SbuPublicationsOptions, sbuPublications } from './sbu-publications.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const REGIONAL_URL =
  'https://www.sbu.se/sv/sok/?q=&s=date&pt=/publication-type/regional-hta&ps=10&view=Classic&pdf=false';
const ALL_URL = 'https://www.sbu.se/sv/sok/?q=&s=date&ps=10&view=Classic&pdf=false';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'sbu-publications').map((f) => [f.name, f]));
function fixture(name: string): FetchedDocument {
  const found = fixtures.get(`sbu-publications/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found);
}

function spec(options: Partial<SbuPublicationsOptions> = {}): SourceSpec<SbuPublicationsOptions> {
  return {
    id: 'sbu-publications',
    urls: [REGIONAL_URL, ALL_URL],
    options: SbuPublicationsOptions.parse(options),
  };
}

function html(body: string, url = REGIONAL_URL): FetchedDocument {
  return {
    request: { key: 'list', url },
    url,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(body, 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function page(results: string): string {
  return `<!DOCTYPE html><html lang="sv"><head><title>Sök | SBU</title></head><body>
    <nav><a href="/sv/publikationer/">Publikationer</a></nav>
    <main><section class="search-result">${results}</section></main></body></html>`;
}

function hit(inner: string): string {
  return `<ol class="search-result-list"><li><article class="search-hit">${inner}</article></li></ol>`;
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

describe('sbu-publications requests', () => {
  it('plans one request per configured list, keyed by the list', () => {
    const requests = sbuPublications.requests(spec());
    expect(requests.map((r) => r.url)).toEqual([REGIONAL_URL, ALL_URL]);
    expect(requests[0]!.key).toBe(
      'list-sv-sok-q-s-date-pt-publication-type-regional-hta-ps-10-view-classic-pdf-false',
    );
    expect(requests[1]!.key).toBe('list-sv-sok-q-s-date-ps-10-view-classic-pdf-false');
    expect(requests.every((r) => r.accept === 'text/html')).toBe(true);
  });

  it('validates its options', () => {
    expect(SbuPublicationsOptions.parse({})).toEqual({ maxItems: 100 });
    expect(SbuPublicationsOptions.safeParse({ maxItems: 0 }).success).toBe(false);
    expect(SbuPublicationsOptions.safeParse({ maxitems: 5 }).success).toBe(false);
  });
});

describe('sbu-publications parse: the regional HTA list', () => {
  const { items, next } = sbuPublications.parse(fixture('regional-hta'), spec());

  it('reads every hit, newest first, with no next page', () => {
    expect(items).toHaveLength(10);
    expect(next).toBeUndefined();
    expect(items.map((item) => item.publishedAt)).toEqual(
      [...items.map((item) => item.publishedAt)].sort().reverse(),
    );
  });

  it('maps a hit to a complete item', () => {
    expect(items[0]).toEqual({
      itemKey:
        '/sv/publikationer/regional-hta/kontinuerlig-glukosmatning-med-freestyle-libre-3-vid-typ-2-diabetes',
      kind: 'hta-report',
      title: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
      url: 'https://www.sbu.se/sv/publikationer/regional-hta/kontinuerlig-glukosmatning-med-freestyle-libre-3-vid-typ-2-diabetes/',
      publishedAt: '2026-11-12',
      summary: expect.stringContaining('FreeStyle Libre 3 jämfört med kapillär blodsockermätning') as string,
      language: 'sv',
      publicationType: 'Regional HTA',
      region: 'HTA-centrum Västra Götalandsregionen',
    });
  });

  it('names the publishing unit of every regional report', () => {
    expect(items.map((item) => item.region)).toEqual([
      'HTA-centrum Västra Götalandsregionen',
      'Region Stockholm',
      'HTA Skåne',
      'CAMTÖ, Region Örebro län',
      'Region Östergötland',
      'Region Västerbotten',
      'HTA-centrum Västra Götalandsregionen',
      'HTA Skåne',
      'Region Uppsala',
      'HTA-centrum Västra Götalandsregionen',
    ]);
  });

  it('keeps product names as the title writes them', () => {
    const titles = items.map((item) => item.title);
    expect(titles).toContain('Tumörbehandlande elektriska fält (Optune) vid glioblastom');
    expect(titles).toContain('Realtids-CGM med Dexcom G7 för barn och ungdomar med typ 1-diabetes');
  });

  it('honours maxItems', () => {
    expect(sbuPublications.parse(fixture('regional-hta'), spec({ maxItems: 3 })).items).toHaveLength(3);
  });
});

describe('sbu-publications parse: the search across all types', () => {
  const { items } = sbuPublications.parse(fixture('all-types'), spec());
  const regional = sbuPublications.parse(fixture('regional-hta'), spec()).items;

  it('names each publication type as SBU does', () => {
    expect(new Set(items.map((item) => item.publicationType))).toEqual(
      new Set([
        'SBU Utvärderar',
        'SBU Kommenterar',
        'SBU Kartlägger',
        'SBU Bereder',
        'Upplysningstjänsten',
        'Regional HTA',
      ]),
    );
    expect(items.every((item) => item.kind === 'hta-report')).toBe(true);
  });

  it('gives a region only where the hit states one', () => {
    const prostate = items.find((item) => item.title === 'Robotassisterad kirurgi vid prostatacancer');
    expect(prostate?.region).toBeUndefined();
    expect(prostate?.publicationType).toBe('SBU Utvärderar');
  });

  it('keys a publication by its ?pub= id when the link carries one', () => {
    const bereder = items.find((item) => item.publicationType === 'SBU Bereder');
    expect(bereder?.itemKey).toBe('pub-142316');
    expect(bereder?.url).toBe(
      'https://www.sbu.se/sv/publikationer/sbu-bereder/insatser-for-att-forebygga-fall-hos-aldre-i-hemtjanst/?pub=142316',
    );
  });

  it('gives a report seen through both lists the same key', () => {
    const regionalKeys = new Set(regional.map((item) => item.itemKey));
    const shared = items.filter((item) => regionalKeys.has(item.itemKey)).map((item) => item.title);
    expect(shared).toHaveLength(5);
    expect(shared).toContain('Tumörbehandlande elektriska fält (Optune) vid glioblastom');
  });

  it('links to the public site when the bytes came from the fixture server', () => {
    const local = toFixtureUrl(ALL_URL, 'http://127.0.0.1:4010');
    const doc = { ...fixture('all-types'), url: local, request: { key: 'x', url: local } };
    expect(sbuPublications.parse(doc, spec()).items[0]!.url).toBe(
      'https://www.sbu.se/sv/publikationer/sbu-utvarderar/robotassisterad-kirurgi-vid-prostatacancer/',
    );
  });
});

describe('sbu-publications parse: empty and broken pages', () => {
  it('returns no items for a search with no hits', () => {
    expect(sbuPublications.parse(fixture('edge/empty'), spec())).toEqual({ items: [] });
  });

  it('reports a redesigned page as layout-changed', () => {
    expect(errorKindOf(() => sbuPublications.parse(fixture('edge/redesign'), spec()))).toBe('layout-changed');
  });

  it('reports a bot challenge as blocked', () => {
    expect(errorKindOf(() => sbuPublications.parse(fixture('edge/challenge'), spec()))).toBe('blocked');
  });

  it('does not take a result container without hits for an empty result', () => {
    const doc = html(
      page('<p class="search-result__summary">Din sökning gav <strong>214</strong> träffar.</p>'),
    );
    expect(errorKindOf(() => sbuPublications.parse(doc, spec()))).toBe('layout-changed');
  });

  it('accepts "0 träffar" as an empty result', () => {
    const doc = html(
      page('<p class="search-result__summary">Din sökning gav <strong>0</strong> träffar.</p>'),
    );
    expect(sbuPublications.parse(doc, spec()).items).toEqual([]);
  });

  it('reports hits that all lack a link as layout-changed', () => {
    const doc = html(page(hit('<span class="search-hit__type">Regional HTA</span><h3>Utan länk</h3>')));
    expect(errorKindOf(() => sbuPublications.parse(doc, spec()))).toBe('layout-changed');
  });

  it('distinguishes an empty body and a body that is not HTML', () => {
    expect(errorKindOf(() => sbuPublications.parse(html(''), spec()))).toBe('empty-body');
    expect(errorKindOf(() => sbuPublications.parse(html('{"results":[]}'), spec()))).toBe('parse');
  });

  it('does not mistake a page that mentions "captcha" for a block page when its markup is intact', () => {
    const doc = html(
      page(
        hit(
          `<span class="search-hit__type">SBU Kommenterar</span>
           <h3><a href="/sv/publikationer/sbu-kommenterar/captcha-och-tillganglighet/">Captcha och tillgänglighet</a></h3>`,
        ),
      ),
    );
    expect(sbuPublications.parse(doc, spec()).items).toHaveLength(1);
  });
});

describe('sbu-publications parse: hit details', () => {
  it('leaves publishedAt out when the hit states no full date', () => {
    const doc = html(
      page(
        hit(`<span class="search-hit__date">Publicerad: mars 2024</span>
             <h3><a class="search-hit__link" href="/sv/publikationer/regional-hta/x/">X</a></h3>`),
      ),
    );
    const [item] = sbuPublications.parse(doc, spec()).items;
    expect(item).toBeDefined();
    expect(item!.publishedAt).toBeUndefined();
  });

  it('marks news hits as news and keeps absolute links to other hosts', () => {
    const doc = html(
      page(
        hit(`<span class="search-hit__type">Nyhet</span>
             <h3><a class="search-hit__link" href="https://www.sbu.se/sv/aktuellt/nyheter/ny-rapport/">Ny rapport</a></h3>`),
      ),
    );
    const [item] = sbuPublications.parse(doc, spec()).items;
    expect(item?.kind).toBe('news');
    expect(item?.itemKey).toBe('/sv/aktuellt/nyheter/ny-rapport');
  });

  it('marks English pages as English', () => {
    const doc = html(
      page(hit(`<h3><a class="search-hit__link" href="/en/publications/sbu-assesses/x/">X</a></h3>`)).replace(
        'lang="sv"',
        'lang="en"',
      ),
    );
    expect(sbuPublications.parse(doc, spec()).items[0]?.language).toBe('en');
  });
});
