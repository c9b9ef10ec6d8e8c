import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { EudamedCertificatesOptions, eudamedCertificates } from './eudamed-certificates.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const BASE = 'https://ec.europa.eu/tools/eudamed/api/certificates/search/';
const CONFIGURED = `${BASE}?iso2Code=en&languageIso2Code=en&sort=notifiedBodySrn%2Casc&entityTypeCode=certificate.certificates`;

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'eudamed-certificates').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string, key?: string): FetchedDocument {
  const found = fixtures.get(`eudamed-certificates/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl, key);
}

function spec(
  options: Record<string, unknown> = { pageSize: 6 },
  urls = [CONFIGURED],
): SourceSpec<EudamedCertificatesOptions> {
  return { id: 'eudamed-certificates', urls, options: EudamedCertificatesOptions.parse(options) };
}

function json(value: unknown): FetchedDocument {
  const url = `${BASE}?page=0&size=6&pageSize=6&iso2Code=en&languageIso2Code=en`;
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
    size: 6,
    number: 0,
    first: true,
    ...extra,
  };
}

function record(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    ulid: '01KB00000000000000000000AA',
    uuid: 'c266239c-462c-4840-9017-4efac3289fbc',
    notifiedBodySrn: '0633',
    actorSrn: 'SE-MF-000012345',
    actorName: 'Exempel Medical AB',
    certificateNumber: 'Z-25-052-S-IX-E',
    certificateType: { code: 'refdata.certificate-mdr-type.quality-management-system' },
    issueDate: '2025-09-17T00:00:00',
    expiryDate: '2030-09-16T00:00:00',
    startingValidityDate: '2025-09-17T00:00:00',
    certificateStatus: { code: 'refdata.certificate-status.issued' },
    versionNumber: 1,
    latestVersion: true,
    revisionNumber: null,
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

describe('eudamed-certificates options', () => {
  it('defaults to the largest page and enough pages for the whole register', () => {
    expect(EudamedCertificatesOptions.parse({})).toEqual({ pageSize: 300, maxPages: 25 });
  });

  it('refuses page sizes the API would silently cap and unknown options', () => {
    expect(EudamedCertificatesOptions.safeParse({ pageSize: 301 }).success).toBe(false);
    expect(EudamedCertificatesOptions.safeParse({ size: 5 }).success).toBe(false);
  });
});

describe('eudamed-certificates requests', () => {
  it('asks for page 0 with both size parameters and keeps sort and entity type', () => {
    const [request, ...rest] = eudamedCertificates.requests(spec({}));
    expect(rest).toHaveLength(0);
    expect(request!.accept).toBe('application/json');
    expect(request!.key).toBe('sort-notifiedbodysrn-asc-entitytypecode-certificate-certificates-page-0');
    expect(query(request!.url)).toEqual({
      iso2Code: 'en',
      languageIso2Code: 'en',
      sort: 'notifiedBodySrn,asc',
      entityTypeCode: 'certificate.certificates',
      page: '0',
      size: '300',
      pageSize: '300',
    });
  });

  it('plans the URL the demo recording was made from', () => {
    const [request] = eudamedCertificates.requests(spec());
    expect(query(request!.url)).toEqual(query(fixtures.get('eudamed-certificates/page-0')!.url));
  });
});

describe('eudamed-certificates parse: the two recorded pages', () => {
  const [first] = eudamedCertificates.requests(spec());
  const page0 = eudamedCertificates.parse(fixture('page-0', first!.url, first!.key), spec());
  const page1 = eudamedCertificates.parse(fixture('page-1', page0.next!.url, page0.next!.key), spec());
  const all = [...page0.items, ...page1.items];

  it('pages through to the last page', () => {
    expect(page0.items).toHaveLength(6);
    expect(page0.next?.key).toBe('sort-notifiedbodysrn-asc-entitytypecode-certificate-certificates-page-1');
    expect(query(page0.next!.url)).toMatchObject({ page: '1', size: '6', pageSize: '6' });
    expect(page1.items).toHaveLength(4);
    expect(page1.next).toBeUndefined();
  });

  it('maps a certificate record without inventing product facts', () => {
    const libre = all.find((item) => item.itemKey === '2797:MDR 765209');
    expect(libre).toEqual({
      itemKey: '2797:MDR 765209',
      kind: 'certificate',
      title: 'MDR technical documentation certificate MDR 765209 (notified body 2797)',
      url: expect.stringMatching(
        /^https:\/\/ec\.europa\.eu\/tools\/eudamed\/#\/screen\/certificates\/[0-9a-f-]{36}$/,
      ),
      publishedAt: '2026-08-12',
      summary:
        'Manufacturer: Abbott Diabetes Care Ltd (GB-MF-000002513). Status: issued. Valid from 2026-08-12 until 2031-08-11.',
      language: 'en',
      sourceVersion: '1',
      publicationType: 'MDR technical documentation certificate',
      certificate: {
        number: 'MDR 765209',
        notifiedBody: '2797',
        type: 'MDR technical documentation',
        legislation: 'mdr',
        status: 'issued',
        issuedOn: '2026-08-12',
        validFrom: '2026-08-12',
        expiresOn: '2031-08-11',
        manufacturer: 'Abbott Diabetes Care Ltd',
        manufacturerSrn: 'GB-MF-000002513',
      },
      references: [
        { scheme: 'certificate', value: 'MDR 765209' },
        { scheme: 'notified-body', value: '2797' },
      ],
    });
    // The search says nothing of the devices: no product facts, no scopes.
    expect(all.every((item) => item.product === undefined && item.certificate?.scopes === undefined)).toBe(
      true,
    );
  });

  it('plans the detail of every listed certificate, keyed by its version, on the serving host', () => {
    expect(page0.details).toHaveLength(6);
    expect(page1.details).toHaveLength(4);
    const minimed = page1.details!.find((detail) => detail.itemKey === '2797:MDR 701902');
    expect(minimed?.request).toEqual({
      key: 'certificate-ddd31b40-39f5-4389-b2ba-32e38703b7f6-v5',
      url: 'https://ec.europa.eu/tools/eudamed/api/certificates/ddd31b40-39f5-4389-b2ba-32e38703b7f6?languageIso2Code=en',
      accept: 'application/json',
    });
    // Every planned detail is recorded, so the demo reads them all.
    for (const detail of [...page0.details!, ...page1.details!]) {
      expect([...fixtures.values()].some((f) => f.url === detail.request.url)).toBe(true);
    }
    const local = toFixtureUrl(first!.url, 'http://127.0.0.1:4010');
    const viaServer = eudamedCertificates.parse(fixture('page-0', local, first!.key), spec());
    expect(viaServer.details![0]!.request.url).toBe(
      `http://127.0.0.1:4010/ec.europa.eu/tools/eudamed/api/certificates/${viaServer.details![0]!.request.key.slice(12, 48)}?languageIso2Code=en`,
    );
  });

  it('covers the fixture world manufacturers and real notified bodies', () => {
    const summaries = all.map((item) => item.summary ?? '').join('\n');
    for (const srn of [
      'GB-MF-000002513',
      'CH-MF-000013806',
      'US-MF-000016620',
      'US-MF-000009377',
      'US-MF-000001742',
    ]) {
      expect(summaries).toContain(srn);
    }
    const bodies = new Set(
      all.flatMap((item) => item.references ?? []).filter((r) => r.scheme === 'notified-body'),
    );
    expect([...bodies].map((r) => r.value).sort()).toEqual([
      '0123',
      '0123',
      '0197',
      '0344',
      '0344',
      '2797',
      '2797',
      '2797',
      '2797',
      '2797',
    ]);
  });

  it('reads IVDR certificates and non-issued statuses', () => {
    const ivdr = all.find((item) => item.itemKey === '0123:V1 119845 0004 Rev. 00');
    expect(ivdr?.title).toBe(
      'IVDR technical documentation certificate V1 119845 0004 Rev. 00 (notified body 0123)',
    );
    const minimed = all.find((item) => item.itemKey === '2797:MDR 701902');
    expect(minimed?.summary).toContain('Status: amended.');
    expect(minimed?.sourceVersion).toBe('5');
  });

  it('follows the fixture server URL it was served from', () => {
    const local = toFixtureUrl(first!.url, 'http://127.0.0.1:4010');
    const result = eudamedCertificates.parse(fixture('page-0', local, first!.key), spec());
    expect(
      result.next!.url.startsWith(
        'http://127.0.0.1:4010/ec.europa.eu/tools/eudamed/api/certificates/search/?',
      ),
    ).toBe(true);
    expect(result.items).toEqual(page0.items);
  });
});

describe('eudamed-certificates parse: the recorded details', () => {
  const details = [...fixtures.values()].filter((f) => f.name.startsWith('eudamed-certificates/detail-'));
  const read = (name: string) => eudamedCertificates.parse(fixture(name), spec());

  it('gives each certificate under the key its listing gave it, with the devices it covers', () => {
    expect(details).toHaveLength(10);
    const { items, next, details: more } = read('detail-ddd31b40-39f5-4389-b2ba-32e38703b7f6');
    expect(next).toBeUndefined();
    expect(more).toBeUndefined();
    expect(items).toHaveLength(1);
    const [minimed] = items;
    expect(minimed).toMatchObject({
      itemKey: '2797:MDR 701902',
      kind: 'certificate',
      title: 'MDR quality management system certificate MDR 701902 (notified body 2797)',
      publishedAt: '2022-09-19',
      sourceVersion: '5',
    });
    expect(minimed!.summary).toBe(
      'Manufacturer: Medtronic MiniMed, Inc. (US-MF-000001742). Status: amended. ' +
        'Valid from 2022-09-19 until 2027-09-18.',
    );
    expect(minimed!.certificate).toEqual({
      number: 'MDR 701902',
      notifiedBody: '2797',
      notifiedBodyName: 'BSI Group The Netherlands B.V.',
      type: 'MDR quality management system',
      legislation: 'mdr',
      status: 'amended',
      issuedOn: '2022-09-19',
      validFrom: '2022-09-19',
      expiresOn: '2027-09-18',
      manufacturer: 'Medtronic MiniMed, Inc.',
      manufacturerSrn: 'US-MF-000001742',
      scopes: [
        {
          basicUdiDi: '643169MM780G27',
          name: 'MiniMed 780G Insulin Pump System',
          riskClass: 'refdata.risk-class.class-iib',
        },
        { basicUdiDi: '643169GST4LF', name: 'Guardian 4 Sensor', riskClass: 'refdata.risk-class.class-iib' },
      ],
    });
  });

  it('names only devices the device recordings register, and one certified before its registration', () => {
    const devices = ['page-0', 'page-1', 'page-2'].flatMap(
      (page) =>
        (
          JSON.parse(readFileSync(`${RECORDINGS_DIR}eudamed-devices/${page}.json`, 'utf8')) as {
            content: Array<{ basicUdi: string; tradeName: string }>;
          }
        ).content,
    );
    const registered = new Map(devices.map((device) => [device.basicUdi, device.tradeName]));
    const unregistered: string[] = [];
    for (const detail of details) {
      const [item] = read(detail.name.slice('eudamed-certificates/'.length)).items;
      expect(item!.certificate!.scopes!.length).toBeGreaterThan(0);
      for (const scope of item!.certificate!.scopes!) {
        const name = registered.get(scope.basicUdiDi!);
        if (name === undefined) unregistered.push(scope.name!);
        else expect(scope.name).toBe(name);
      }
    }
    expect(unregistered).toEqual(['Dexcom G7 15 Day Continuous Glucose Monitoring System']);
  });

  it('lists and details agree on key, title and dates', () => {
    const [first] = eudamedCertificates.requests(spec());
    const page0 = eudamedCertificates.parse(fixture('page-0', first!.url, first!.key), spec());
    for (const listed of page0.items) {
      const planned = page0.details!.find((detail) => detail.itemKey === listed.itemKey)!;
      const recording = [...fixtures.values()].find((f) => f.url === planned.request.url)!;
      const [detailed] = eudamedCertificates.parse(
        fixtureDocument(recording, planned.request.url, planned.request.key),
        spec(),
      ).items;
      expect(detailed).toMatchObject({
        itemKey: listed.itemKey,
        title: listed.title,
        url: listed.url,
        publishedAt: listed.publishedAt,
        sourceVersion: listed.sourceVersion,
      });
      expect({ ...detailed!.certificate, scopes: undefined, notifiedBodyName: undefined }).toEqual({
        ...listed.certificate,
        scopes: undefined,
        notifiedBodyName: undefined,
      });
    }
  });

  it('reads a configured detail URL as that one certificate', () => {
    const url =
      'https://ec.europa.eu/tools/eudamed/api/certificates/883b5d80-c5bd-4c63-bfdf-7ba00c0ebdf9?languageIso2Code=en';
    expect(eudamedCertificates.requests(spec({}, [url]))).toEqual([
      { key: 'certificate-883b5d80-c5bd-4c63-bfdf-7ba00c0ebdf9', url, accept: 'application/json' },
    ]);
  });
});

describe('eudamed-certificates parse: detail variants', () => {
  const url = `${BASE.replace('/search/', '/')}c266239c-462c-4840-9017-4efac3289fbc?languageIso2Code=en`;
  function detailDoc(fields: Record<string, unknown>): FetchedDocument {
    const body = {
      uuid: 'c266239c-462c-4840-9017-4efac3289fbc',
      certificateNumber: 'Z-25-052-S-IX-E',
      notifiedBody: { srn: '0633', name: { texts: [{ text: 'DQS Medizinprodukte GmbH' }] } },
      manufacturer: { srn: 'SE-MF-000012345', name: 'Exempel Medical AB' },
      type: { code: 'refdata.certificate-mdr-type.technical-documentation' },
      status: { code: 'refdata.certificate-status.issued' },
      issueDate: '2025-09-17T00:00:00',
      versionNumber: 2,
      scopes: [],
      ...fields,
    };
    return { ...json(body), request: { key: 'detail', url }, url };
  }
  const scopesOf = (fields: Record<string, unknown>) =>
    eudamedCertificates.parse(detailDoc(fields), spec()).items[0]!.certificate!.scopes;

  it('reads the Basic UDI-DI however basicUdiData gives it, and multilingual names', () => {
    expect(
      scopesOf({
        scopes: [
          { basicUdiData: '7350001EXA1', name: 'Exempla One' },
          { basicUdiData: { basicUdi: '7350001EXA2' }, name: { texts: [{ text: 'Exempla Two' }] } },
          {
            basicUdiData: { basicUdi: { code: '7350001EXA3' } },
            riskClasses: [{ code: 'refdata.risk-class.class-iii' }],
          },
          { basicUdiData: null, name: 'Exempla Four', referenceCatalogueNumber: 'EX-4' },
          { basicUdiData: null, name: null, deviceGroupIdentification: 'Catheters' },
        ],
      }),
    ).toEqual([
      { basicUdiDi: '7350001EXA1', name: 'Exempla One' },
      { basicUdiDi: '7350001EXA2', name: 'Exempla Two' },
      { basicUdiDi: '7350001EXA3', riskClass: 'refdata.risk-class.class-iii' },
      { name: 'Exempla Four', catalogueNumbers: ['EX-4'] },
    ]);
  });

  it('keeps a certificate whose detail lists no devices, and names its body', () => {
    const [item] = eudamedCertificates.parse(detailDoc({ scopes: null }), spec()).items;
    expect(item!.itemKey).toBe('0633:Z-25-052-S-IX-E');
    expect(item!.certificate).toMatchObject({ notifiedBodyName: 'DQS Medizinprodukte GmbH', scopes: [] });
  });

  it('fails as drift when the detail or a scope changed shape', () => {
    expect(errorKindOf(() => eudamedCertificates.parse(detailDoc({ scopes: undefined }), spec()))).toBe(
      'schema-drift',
    );
    expect(errorKindOf(() => eudamedCertificates.parse(detailDoc({ scopes: [{ name: 42 }] }), spec()))).toBe(
      'schema-drift',
    );
    expect(
      errorKindOf(() => eudamedCertificates.parse(detailDoc({ content: [], uuid: undefined }), spec())),
    ).toBe('schema-drift');
  });
});

describe('eudamed-certificates parse: record variants', () => {
  it('keeps the newest version when version history lists a certificate twice', () => {
    const { items } = eudamedCertificates.parse(
      json(
        pageOf([
          record({
            uuid: 'v2',
            versionNumber: 2,
            certificateStatus: { code: 'refdata.certificate-status.supplemented' },
          }),
          record({ uuid: 'v1', versionNumber: 1, latestVersion: false }),
        ]),
      ),
      spec(),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ itemKey: '0633:Z-25-052-S-IX-E', sourceVersion: '2' });
    expect(items[0]!.url.endsWith('/v2')).toBe(true);
  });

  it('keys the same number at two notified bodies apart', () => {
    const { items } = eudamedCertificates.parse(
      json(pageOf([record({ uuid: 'a' }), record({ uuid: 'b', notifiedBodySrn: '0197' })])),
      spec(),
    );
    expect(items.map((item) => item.itemKey)).toEqual(['0633:Z-25-052-S-IX-E', '0197:Z-25-052-S-IX-E']);
  });

  it('leaves missing dates, names and versions out', () => {
    const [item] = eudamedCertificates.parse(
      json(
        pageOf([
          record({
            actorName: null,
            issueDate: null,
            startingValidityDate: null,
            expiryDate: null,
            versionNumber: null,
            certificateType: null,
          }),
        ]),
      ),
      spec(),
    ).items;
    expect(item?.publishedAt).toBeUndefined();
    expect(item?.sourceVersion).toBeUndefined();
    expect(item?.publicationType).toBeUndefined();
    expect(item?.title).toBe('Certificate Z-25-052-S-IX-E (notified body 0633)');
    expect(item?.summary).toBe('Manufacturer SRN: SE-MF-000012345. Status: issued.');
  });

  it('falls back to the record uuid when the number is null', () => {
    const [item] = eudamedCertificates.parse(
      json(pageOf([record({ certificateNumber: null, notifiedBodySrn: null })])),
      spec(),
    ).items;
    expect(item?.itemKey).toBe('c266239c-462c-4840-9017-4efac3289fbc');
    expect(item?.references).toBeUndefined();
  });

  it('stops at maxPages and on an empty page', () => {
    const six = Array.from({ length: 6 }, (_, i) => record({ uuid: `u-${i}`, certificateNumber: `C-${i}` }));
    const doc = json(pageOf(six, { last: false, totalPages: 10, number: 1, first: false }));
    expect(eudamedCertificates.parse(doc, spec({ maxPages: 2 })).next).toBeUndefined();
    expect(eudamedCertificates.parse(doc, spec({ maxPages: 3 })).next?.key).toBe('page-2');
    const empty = json(pageOf([], { last: false, totalPages: 4, totalElements: 20 }));
    expect(eudamedCertificates.parse(empty, spec())).toEqual({ items: [], records: [] });
  });
});

describe('eudamed-certificates parse: empty and broken documents', () => {
  it('returns no items for a manufacturer without certificates', () => {
    expect(eudamedCertificates.parse(fixture('edge/empty'), spec())).toEqual({ items: [], records: [] });
  });

  it.each([
    ['edge/malformed', 'parse'],
    ['edge/blocked', 'blocked'],
    ['edge/envelope-drift', 'schema-drift'],
    ['edge/item-drift', 'schema-drift'],
    ['edge/detail-scope-drift', 'schema-drift'],
  ] as const)('%s → %s', (name, kind) => {
    expect(errorKindOf(() => eudamedCertificates.parse(fixture(name), spec()))).toBe(kind);
  });

  it('reports an empty body and non-page JSON', () => {
    expect(errorKindOf(() => eudamedCertificates.parse(json(''), spec()))).toBe('empty-body');
    expect(errorKindOf(() => eudamedCertificates.parse(json('[]'), spec()))).toBe('schema-drift');
    expect(errorKindOf(() => eudamedCertificates.parse(json('<html><body>Oops</body></html>'), spec()))).toBe(
      'parse',
    );
  });

  it('keeps bodies out of error messages', () => {
    expect.assertions(2);
    try {
      eudamedCertificates.parse(fixture('edge/item-drift'), spec());
    } catch (error) {
      expect((error as Error).message).toMatch(
        /^parse\(eudamed-certificates\): content\.0 is not a certificate record/,
      );
      expect((error as Error).message).not.toContain('MiniMed');
    }
  });
});
