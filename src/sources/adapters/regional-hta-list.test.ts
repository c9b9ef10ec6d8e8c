import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { RegionalHtaListOptions, regionalHtaList } from './regional-hta-list.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const fixtures = listFixtures(RECORDINGS_DIR, 'regional-hta-list');
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.find((f) => f.name === `regional-hta-list/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}

/** The regional units the adapter declares, with their production addresses and options. */
const configured = regionalHtaList.sources.map((source) => ({
  id: source.id,
  urls: source.urls.map((entry) => entry.url),
  options: source.options,
}));

function spec(url: string, options: Record<string, unknown> = {}): SourceSpec<RegionalHtaListOptions> {
  return { id: 'hta-test', urls: [url], options: RegionalHtaListOptions.parse(options) };
}

/** Parses the recording of a configured source with that source's own options. */
function parseConfigured(id: string) {
  const entry = configured.find((e) => e.id === id)!;
  const recording = fixtures.find((f) => f.url === entry.urls[0] && !f.name.includes('/edge/'))!;
  return regionalHtaList.parse(fixtureDocument(recording), spec(entry.urls[0]!, entry.options));
}

function errorOf(run: () => unknown): HorisontError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error;
    throw error;
  }
  return undefined;
}

describe('regional-hta-list configuration', () => {
  it('is used by at least five regional units, each with valid options and a recording', () => {
    expect(configured.map((entry) => entry.id)).toEqual(
      expect.arrayContaining(['hta-vgr', 'hta-skane', 'hta-stockholm', 'hta-ostergotland', 'hta-orebro']),
    );
    for (const entry of configured) {
      expect(RegionalHtaListOptions.safeParse(entry.options ?? {}).success, entry.id).toBe(true);
      expect(
        fixtures.some((f) => f.url === entry.urls[0]),
        entry.id,
      ).toBe(true);
    }
  });

  it('rejects selectors cheerio cannot run, bad patterns and unknown options', () => {
    const selectors = { container: 'ul[', item: 'li' };
    expect(RegionalHtaListOptions.safeParse({ selectors }).success).toBe(false);
    expect(RegionalHtaListOptions.safeParse({ emptyPattern: '(' }).success).toBe(false);
    expect(RegionalHtaListOptions.safeParse({ selector: {} }).success).toBe(false);
    expect(RegionalHtaListOptions.safeParse({ kind: 'drug' }).success).toBe(false);
  });
});

describe("regional-hta-list parse with each unit's selectors", () => {
  it('reads the Sitevision list of HTA-centrum Västra Götaland', () => {
    const { items, next } = parseConfigured('hta-vgr');
    expect(next).toBeUndefined();
    expect(items).toHaveLength(4);
    expect(items[0]).toEqual({
      itemKey:
        '/forskning/htacentrum/hta-rapporter/2026/kontinuerlig-glukosmatning-freestyle-libre-3-typ-2-diabetes',
      kind: 'hta-report',
      title:
        'Kontinuerlig glukosmätning med FreeStyle Libre 3 jämfört med kapillär provtagning hos vuxna med typ 2-diabetes och basinsulin',
      url: 'https://www.sahlgrenska.se/forskning/htacentrum/hta-rapporter/2026/kontinuerlig-glukosmatning-freestyle-libre-3-typ-2-diabetes/',
      publishedAt: '2026-11-04',
      summary: expect.stringMatching(/^HTA-rapport 2026:142\. Frågan är/) as unknown,
      language: 'sv',
      publicationType: 'HTA-rapport',
      region: 'Västra Götalandsregionen',
    });
    // A report without a summary line has none, rather than a copy of something else.
    expect(items[3]!.summary).toBeUndefined();
    expect(items[3]!.publishedAt).toBe('2026-07-02');
  });

  it('reads the report table of HTA Skåne and skips the ongoing project without a report', () => {
    const { items } = parseConfigured('hta-skane');
    expect(items.map((item) => [item.title, item.publishedAt])).toEqual([
      ['Tumörbehandlande elektriska fält (Optune) vid nydiagnostiserat glioblastom', '2026-10-14'],
      ['Digital kognitiv beteendeterapi vid insomni i primärvården', '2026-08-25'],
      ['Sensorbaserad fallprevention på särskilda boenden', '2026-05-11'],
    ]);
    expect(items[0]!.url).toBe(
      'https://vardgivare.skane.se/siteassets/3.-kompetens-och-utveckling/sakkunniggrupper/hta/rapporter/hta-rapport-2026-04-optune-glioblastom.pdf',
    );
    expect(items.every((item) => item.region === 'Region Skåne')).toBe(true);
  });

  it('reads the teaser cards of Region Stockholm, dates from the datetime attribute', () => {
    const { items } = parseConfigured('hta-stockholm');
    expect(items.map((item) => item.publishedAt)).toEqual(['2026-09-30', '2026-06-18', '2026-03-05']);
    expect(items[0]!.title).toBe(
      'Slutna system för insulintillförsel (AID) – MiniMed 780G och t:slim X2 med Control-IQ',
    );
    expect(items[2]!.summary).toBeUndefined();
  });

  it('reads the plain link list of Region Östergötland, dates from the item text', () => {
    const { items } = parseConfigured('hta-ostergotland');
    expect(items.map((item) => item.publishedAt)).toEqual(['2026-10-02', '2026-06-12', '2025-12-04']);
    expect(items[1]!.title).toBe(
      'Kontinuerlig glukosmätning (FreeStyle Libre 3, Dexcom G7) under graviditet vid typ 1-diabetes',
    );
    expect(items[1]!.url).toMatch(/^https:\/\/vardgivarwebb\.regionostergotland\.se\/download\/18\./);
    expect(items[1]!.region).toBe('Region Östergötland');
  });
});

describe('regional-hta-list: Camtö, Region Örebro län', () => {
  const camto = () => configured.find((entry) => entry.id === 'hta-orebro')!;
  const page = (main: string): FetchedDocument => ({
    request: { key: 'list', url: camto().urls[0]! },
    url: camto().urls[0]!,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(
      `<html lang="sv"><body><main id="main-content"><h1>HTA-enheten</h1>${main}</main></body></html>`,
    ),
    fetchedAt: '2026-11-20T01:00:00Z',
  });
  const parseCamto = (doc: FetchedDocument) =>
    regionalHtaList.parse(doc, spec(camto().urls[0]!, camto().options));

  it('reads the report links of the rich-text list, not the process steps above them', () => {
    const { items } = parseConfigured('hta-orebro');
    expect(items.map((item) => item.publishedAt)).toEqual(['2026-09-17', '2026-05-20', '2025-11-28']);
    expect(items[0]!.title).toBe('Hybridsal för endovaskulär aortakirurgi – en snabböversikt');
    expect(items[0]!.url).toMatch(/^https:\/\/www\.regionorebrolan\.se\/globalassets\/.+\.pdf$/);
    expect(items.every((item) => item.region === 'Region Örebro län')).toBe(true);
  });

  it('reads "Inga rapporter publicerade" as an empty list', () => {
    expect(parseCamto(page('<div class="rich-text"><p>Inga rapporter publicerade ännu.</p></div>'))).toEqual({
      items: [],
    });
  });

  it('names a page whose report list is gone as a layout change', () => {
    const error = errorOf(() =>
      parseCamto(page('<div class="rich-text"><p>Kontakta Camtö för frågor om HTA.</p></div>')),
    );
    expect(error?.kind).toBe('layout-changed');
    expect(errorOf(() => parseCamto(fixture('edge/redesign')))?.kind).toBe('layout-changed');
  });

  it('names a bot-check page as blocked', () => {
    expect(errorOf(() => parseCamto(fixture('edge/challenge')))?.kind).toBe('blocked');
  });
});

describe('regional-hta-list parse without selectors', () => {
  it('recognises every recorded layout and finds what the configured selectors find', () => {
    for (const entry of configured) {
      const recording = fixtures.find((f) => f.url === entry.urls[0] && !f.name.includes('/edge/'))!;
      const auto = regionalHtaList.parse(fixtureDocument(recording), spec(recording.url));
      const explicit = parseConfigured(entry.id);
      expect(
        auto.items.map((item) => [item.itemKey, item.title, item.publishedAt]),
        entry.id,
      ).toEqual(explicit.items.map((item) => [item.itemKey, item.title, item.publishedAt]));
    }
  });

  it('resolves links against the canonical URL, so a fixture-server fetch links to the public site', () => {
    const local = toFixtureUrl(
      'https://www.regionstockholm.se/verksamhet/halsa-och-vard/hta-enheten/rapporter/',
      'http://127.0.0.1:4010',
    );
    const { items } = regionalHtaList.parse(fixture('stockholm', local), spec(local));
    expect(items[0]!.url).toBe(
      'https://www.regionstockholm.se/verksamhet/halsa-och-vard/hta-enheten/rapporter/slutna-system-for-insulintillforsel/',
    );
  });
});

describe('regional-hta-list source health', () => {
  it('reads "Inga rapporter" as an empty list', () => {
    expect(
      regionalHtaList.parse(fixture('edge/inga-rapporter'), spec('https://www.sahlgrenska.se/x/')),
    ).toEqual({
      items: [],
    });
  });

  it('names a missing container as a layout change, with or without configured selectors', () => {
    const skane = configured.find((entry) => entry.id === 'hta-skane')!;
    for (const options of [{}, skane.options ?? {}]) {
      const error = errorOf(() =>
        regionalHtaList.parse(fixture('edge/redesign'), spec(skane.urls[0]!, options)),
      );
      expect(error?.kind).toBe('layout-changed');
      expect(error?.message).toMatch(/^parse\(regional-hta-list\): /);
    }
  });

  it('names a challenge page as blocked', () => {
    expect(
      errorOf(() => regionalHtaList.parse(fixture('edge/challenge'), spec('https://www.regionstockholm.se/')))
        ?.kind,
    ).toBe('blocked');
  });

  it('names a list whose entries lost their links as a layout change', () => {
    const html = `<html lang="sv"><body><main><ul class="sv-defaultlist"><li><span>Rapport utan länk</span></li></ul></main></body></html>`;
    const doc: FetchedDocument = {
      request: { key: 'list', url: 'https://www.sahlgrenska.se/x/' },
      url: 'https://www.sahlgrenska.se/x/',
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from(html),
      fetchedAt: '2026-11-20T01:00:00Z',
    };
    expect(errorOf(() => regionalHtaList.parse(doc, spec(doc.url)))?.kind).toBe('layout-changed');
  });
});
