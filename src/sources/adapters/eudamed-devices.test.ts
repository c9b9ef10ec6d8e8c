import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { EudamedDevicesOptions, eudamedDevices } from './eudamed-devices.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const BASE = 'https://ec.europa.eu/tools/eudamed/api/devices/udiDiData';
const CONFIGURED = `${BASE}?iso2Code=en&languageIso2Code=en`;

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'eudamed-devices').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string, key?: string): FetchedDocument {
  const found = fixtures.get(`eudamed-devices/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl, key);
}

function spec(
  options: Record<string, unknown> = { pageSize: 5 },
  urls = [CONFIGURED],
): SourceSpec<EudamedDevicesOptions> {
  return { id: 'eudamed-devices', urls, options: EudamedDevicesOptions.parse(options) };
}

function json(
  value: unknown,
  url = `${BASE}?page=0&size=5&pageSize=5&iso2Code=en&languageIso2Code=en`,
): FetchedDocument {
  return {
    request: { key: 'page-0', url },
    url,
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

function pageOf(content: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    content,
    totalPages: 1,
    totalElements: content.length,
    last: true,
    size: 5,
    number: 0,
    sort: [],
    first: true,
    numberOfElements: content.length,
    ...extra,
  };
}

/** A search hit as the listing returns it: most fields null. */
function hit(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    basicUdi: null,
    primaryDi: null,
    uuid: '3f1d2c4b-0a9e-4d7f-8b6a-5c4d3e2f1a0b',
    ulid: '01KB00000000000000000000AA',
    riskClass: null,
    tradeName: null,
    manufacturerName: null,
    manufacturerSrn: null,
    deviceStatusType: null,
    latestVersion: true,
    versionNumber: 1,
    deviceName: null,
    deviceModel: null,
    lastUpdateDate: null,
    reference: null,
    applicableLegislation: null,
    ...fields,
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

function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('eudamed-devices options', () => {
  it('defaults to the largest page the API serves', () => {
    expect(EudamedDevicesOptions.parse({})).toEqual({ pageSize: 300, maxPages: 50 });
  });

  it('refuses page sizes the API would silently cap', () => {
    expect(EudamedDevicesOptions.safeParse({ pageSize: 301 }).success).toBe(false);
    expect(EudamedDevicesOptions.safeParse({ pageSize: 0 }).success).toBe(false);
    expect(EudamedDevicesOptions.safeParse({ pagesize: 5 }).success).toBe(false);
  });
});

describe('eudamed-devices requests', () => {
  it('asks for page 0 with both size parameters and the language parameters', () => {
    const [request, ...rest] = eudamedDevices.requests(spec({}, [BASE]));
    expect(rest).toHaveLength(0);
    expect(request!.key).toBe('page-0');
    expect(request!.accept).toBe('application/json');
    expect(query(request!.url)).toEqual({
      page: '0',
      size: '300',
      pageSize: '300',
      iso2Code: 'en',
      languageIso2Code: 'en',
    });
  });

  it('keeps the configured filters and languages and keys each query by its filters', () => {
    const requests = eudamedDevices.requests(
      spec({ pageSize: 5 }, [
        `${BASE}?riskClassCode=refdata.risk-class.class-iii&languageIso2Code=sv`,
        `${BASE}?riskClassCode=refdata.risk-class.class-iib`,
      ]),
    );
    expect(query(requests[0]!.url)).toEqual({
      riskClassCode: 'refdata.risk-class.class-iii',
      languageIso2Code: 'sv',
      page: '0',
      size: '5',
      pageSize: '5',
      iso2Code: 'en',
    });
    expect(requests.map((r) => r.key)).toEqual([
      'riskclasscode-refdata-risk-class-class-iii-page-0',
      'riskclasscode-refdata-risk-class-class-iib-page-0',
    ]);
  });

  it('plans the URL the demo recording was made from', () => {
    const [request] = eudamedDevices.requests(spec());
    expect(query(request!.url)).toEqual(query(fixtures.get('eudamed-devices/page-0')!.url));
  });
});

describe('eudamed-devices parse: the three recorded pages', () => {
  const [first] = eudamedDevices.requests(spec());
  const page0 = eudamedDevices.parse(fixture('page-0', first!.url, first!.key), spec());
  const page1 = eudamedDevices.parse(fixture('page-1', page0.next!.url, page0.next!.key), spec());
  const page2 = eudamedDevices.parse(fixture('page-2', page1.next!.url, page1.next!.key), spec());

  it('pages through to the last page', () => {
    expect(page0.items).toHaveLength(5);
    expect(page0.next?.key).toBe('page-1');
    expect(query(page0.next!.url)).toMatchObject({ page: '1', size: '5', pageSize: '5' });
    expect(page1.next?.key).toBe('page-2');
    expect(query(page1.next!.url)).toMatchObject({ page: '2', size: '5', pageSize: '5' });
    expect(page2.items).toHaveLength(3);
    expect(page2.next).toBeUndefined();
  });

  it('maps a search hit to an item with the registry facts', () => {
    expect(page0.items[0]).toEqual({
      itemKey: '05021791005734',
      kind: 'device',
      title: 'FreeStyle Libre 3 Sensor',
      url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/dcb442cd-fdcb-40ca-a834-90f3949ce93e',
      updatedAt: '2026-10-28',
      sourceVersion: '3',
      product: {
        tradeName: 'FreeStyle Libre 3 Sensor',
        manufacturer: 'Abbott Diabetes Care Ltd',
        manufacturerSrn: 'GB-MF-000002513',
        udiDi: '05021791005734',
        basicUdiDi: '5021791FSL3CGMML',
        riskClass: 'refdata.risk-class.class-iib',
        legislation: 'mdr',
        marketStatus: 'on-the-market',
      },
    });
  });

  it('keeps two generations of one product line apart', () => {
    const libre = page0.items.filter((item) => item.title.startsWith('FreeStyle Libre'));
    expect(libre.map((item) => item.itemKey)).toEqual(['05021791005734', '05021791004805']);
    expect(new Set(libre.map((item) => item.product?.basicUdiDi)).size).toBe(2);
  });

  it('leaves updatedAt out where the listing has no lastUpdateDate', () => {
    const g6 = page0.items.find((item) => item.title.startsWith('Dexcom G6'));
    expect(g6?.updatedAt).toBeUndefined();
    expect(g6?.sourceVersion).toBe('4');
  });

  it('reads IVDR class C as an in-vitro diagnostic and a withdrawn device as such', () => {
    const afinion = page2.items.find((item) => item.title === 'Afinion HbA1c');
    expect(afinion?.kind).toBe('ivd');
    expect(afinion?.product?.legislation).toBe('ivdr');
    const insight = page2.items.find((item) => item.title === 'Accu-Chek Insight');
    expect(insight?.product?.marketStatus).toBe('no-longer-on-the-market');
  });

  it('carries only valid GS1 GTIN-14 UDI-DIs in the recordings', () => {
    for (const item of [...page0.items, ...page1.items, ...page2.items]) {
      const digits = item.product!.udiDi!;
      expect(digits).toMatch(/^\d{14}$/);
      const sum = [...digits.slice(0, 13)]
        .reverse()
        .reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 3 : 1), 0);
      expect((10 - (sum % 10)) % 10, digits).toBe(Number(digits[13]));
    }
  });

  it('follows the fixture server URL it was served from', () => {
    const local = toFixtureUrl(first!.url, 'http://127.0.0.1:4010');
    const result = eudamedDevices.parse(fixture('page-0', local, 'page-0'), spec());
    expect(
      result.next!.url.startsWith('http://127.0.0.1:4010/ec.europa.eu/tools/eudamed/api/devices/udiDiData?'),
    ).toBe(true);
    expect(result.items).toEqual(page0.items);
  });
});

describe('eudamed-devices parse: when to stop', () => {
  const five = Array.from({ length: 5 }, (_, i) => hit({ primaryDi: `0000000000000${i}`, uuid: `u-${i}` }));

  it('stops at maxPages', () => {
    const doc = json(pageOf(five, { last: false, totalPages: 10, number: 1, first: false }));
    expect(eudamedDevices.parse(doc, spec({ pageSize: 5, maxPages: 2 })).next).toBeUndefined();
    expect(eudamedDevices.parse(doc, spec({ pageSize: 5, maxPages: 3 })).next?.key).toBe('page-2');
  });

  it('stops when the page count is reached even if last is not set', () => {
    const doc = json(pageOf(five, { last: false, totalPages: 1 }));
    expect(eudamedDevices.parse(doc, spec()).next).toBeUndefined();
  });

  it('stops on an empty page', () => {
    const doc = json(pageOf([], { last: false, totalPages: 4, totalElements: 20 }));
    expect(eudamedDevices.parse(doc, spec())).toEqual({ items: [], records: [] });
  });

  it('keeps the filter part of the key on the next page', () => {
    const url = `${BASE}?riskClassCode=refdata.risk-class.class-iii&page=0&size=5&pageSize=5&iso2Code=en&languageIso2Code=en`;
    const doc = { ...json(pageOf(five, { last: false, totalPages: 2 }), url) };
    doc.request = { key: 'riskclasscode-refdata-risk-class-class-iii-page-0', url };
    expect(eudamedDevices.parse(doc, spec()).next?.key).toBe(
      'riskclasscode-refdata-risk-class-class-iii-page-1',
    );
  });
});

describe('eudamed-devices parse: field variants', () => {
  it('falls back to the uuid as key and to other names as title', () => {
    const [item] = eudamedDevices.parse(
      json(pageOf([hit({ deviceModel: 'CGM-X', reference: 'R1' })])),
      spec(),
    ).items;
    expect(item?.itemKey).toBe('3f1d2c4b-0a9e-4d7f-8b6a-5c4d3e2f1a0b');
    expect(item?.title).toBe('CGM-X');
    expect(item?.product).toEqual({ tradeName: 'CGM-X' });
  });

  it('reads legislation given as a plain code and EMDN codes when the hit has them', () => {
    const [item] = eudamedDevices.parse(
      json(
        pageOf([
          hit({
            primaryDi: '07350000000007',
            tradeName: ' Glukosmätare ',
            applicableLegislation: 'refdata.applicable-legislation.ivdr',
            cndNomenclatures: [{ code: 'W0104010101' }, { code: ' ' }],
          }),
        ]),
      ),
      spec(),
    ).items;
    expect(item?.kind).toBe('ivd');
    expect(item?.title).toBe('Glukosmätare');
    expect(item?.product?.legislation).toBe('ivdr');
    expect(item?.product?.emdnCodes).toEqual(['W0104010101']);
  });

  it('normalises EMDN codes stored with a leading space and a sloppily written SRN', () => {
    const [item] = eudamedDevices.parse(
      json(
        pageOf([
          hit({
            primaryDi: '07350000000007',
            tradeName: 'Sensor',
            manufacturerSrn: ' se-mf-12345 ',
            cndNomenclatures: [{ code: ' Z12040115' }, { code: 'z12040115' }, { code: 'not emdn' }],
          }),
        ]),
      ),
      spec(),
    ).items;
    expect(item?.product?.emdnCodes).toEqual(['Z12040115']);
    expect(item?.product?.manufacturerSrn).toBe('SE-MF-000012345');
  });

  it('keeps the newest version when a UDI-DI appears twice on a page', () => {
    const { items } = eudamedDevices.parse(
      json(
        pageOf([
          hit({ primaryDi: '07350000000007', uuid: 'old', versionNumber: 2, tradeName: 'Old' }),
          hit({ primaryDi: '07350000000007', uuid: 'new', versionNumber: 3, tradeName: 'New' }),
        ]),
      ),
      spec(),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ title: 'New', sourceVersion: '3' });
  });

  it('reads a device without version or legislation', () => {
    const [item] = eudamedDevices.parse(
      json(pageOf([hit({ primaryDi: '07350000000007', tradeName: 'X', versionNumber: null })])),
      spec(),
    ).items;
    expect(item?.sourceVersion).toBeUndefined();
    expect(item?.product?.legislation).toBeUndefined();
    expect(item?.kind).toBe('device');
  });
});

describe('eudamed-devices parse: empty and broken documents', () => {
  it('returns no items for an empty result', () => {
    expect(eudamedDevices.parse(fixture('edge/empty'), spec())).toEqual({ items: [], records: [] });
  });

  it.each([
    ['edge/malformed', 'parse'],
    ['edge/blocked', 'blocked'],
    ['edge/envelope-drift', 'schema-drift'],
    ['edge/item-drift', 'schema-drift'],
  ] as const)('%s → %s', (name, kind) => {
    expect(errorKindOf(() => eudamedDevices.parse(fixture(name), spec()))).toBe(kind);
  });

  it('tells an HTML error page that is not a block page apart as parse', () => {
    expect(
      errorKindOf(() => eudamedDevices.parse(json('<html><body>Service Unavailable</body></html>'), spec())),
    ).toBe('parse');
  });

  it('reports an empty body', () => {
    expect(errorKindOf(() => eudamedDevices.parse(json(''), spec()))).toBe('empty-body');
  });

  it('reports JSON that is not an object page as schema', () => {
    expect(errorKindOf(() => eudamedDevices.parse(json('[]'), spec()))).toBe('schema-drift');
    expect(errorKindOf(() => eudamedDevices.parse(json(pageOf([42])), spec()))).toBe('schema-drift');
  });

  it('keeps bodies out of error messages', () => {
    expect.assertions(2);
    try {
      eudamedDevices.parse(fixture('edge/item-drift'), spec());
    } catch (error) {
      expect((error as Error).message).toMatch(/^parse\(eudamed-devices\): content\.0 is not a device hit/);
      expect((error as Error).message).not.toContain('FreeStyle');
    }
  });
});
