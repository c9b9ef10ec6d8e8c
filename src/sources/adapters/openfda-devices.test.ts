import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { OpenFdaDevicesOptions, openfdaDevices } from './openfda-devices.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const SEARCH = 'search=decision_date:[2025-01-01+TO+2099-12-31]&sort=decision_date:desc';
const CLEARANCES = `https://api.fda.gov/device/510k.json?${SEARCH}`;
const APPROVALS = `https://api.fda.gov/device/pma.json?${SEARCH}`;

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'openfda-devices').map((f) => [f.name, f]));
function fixture(name: string): FetchedDocument {
  const found = fixtures.get(`openfda-devices/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<OpenFdaDevicesOptions> {
  return {
    id: 'openfda-devices',
    urls: [CLEARANCES, APPROVALS],
    options: OpenFdaDevicesOptions.parse(options),
  };
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

describe('openfda-devices requests', () => {
  it('plans the first page of each dataset with limit and skip, newest decision first', () => {
    const requests = openfdaDevices.requests(spec({ limit: 3 }));
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      const url = new URL(request.url);
      expect(url.searchParams.get('limit')).toBe('3');
      expect(url.searchParams.get('skip')).toBe('0');
      expect(url.searchParams.get('search')).toBe('decision_date:[2025-01-01 TO 2099-12-31]');
      expect(url.searchParams.get('sort')).toBe('decision_date:desc');
      expect(request.key).toMatch(/^(510k|pma)-[0-9a-f]{10}-skip-0$/);
    }
    // The recorded demo pages are exactly what the demo configuration plans.
    const recorded = ['openfda-devices/510k-page-0', 'openfda-devices/pma-page-0'].map((name) => {
      const url = new URL(fixtures.get(name)!.url);
      url.searchParams.sort();
      return url.toString();
    });
    const planned = requests.map((request) => {
      const url = new URL(request.url);
      url.searchParams.sort();
      return url.toString();
    });
    expect(planned).toEqual(recorded);
  });
});

describe('openfda-devices parse', () => {
  it('maps 510(k) clearances and De Novo grants with their numbers and applicant', () => {
    const result = openfdaDevices.parse(fixture('510k-page-0'), spec({ limit: 3 }));
    expect(result.items.map((item) => item.itemKey)).toEqual(['K252318', 'DEN250031', 'K251977']);
    const [dexcom, deNovo] = result.items;
    expect(dexcom).toMatchObject({
      kind: 'device',
      title: 'Dexcom G7 15 Day Continuous Glucose Monitoring System (510(k) K252318)',
      url: 'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/pmn.cfm?ID=K252318',
      publishedAt: '2026-11-06',
      publicationType: '510(k)',
      product: {
        tradeName: 'Dexcom G7 15 Day Continuous Glucose Monitoring System',
        manufacturer: 'DexCom, Inc.',
      },
      references: [{ scheme: 'fda-510k', value: 'K252318' }],
    });
    expect(dexcom!.summary).toContain('Product code QBJ:');
    expect(deNovo).toMatchObject({
      url: 'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/denovo.cfm?ID=DEN250031',
      publicationType: 'De Novo',
      references: [{ scheme: 'fda-de-novo', value: 'DEN250031' }],
      product: { tradeName: 'NeuroLumen Delirium Monitor', manufacturer: 'Lumen Neurodiagnostics AB' },
    });
    expect(result.next).toBeDefined();
    expect(new URL(result.next!.url).searchParams.get('skip')).toBe('3');
    expect(result.next!.key).toMatch(/^510k-[0-9a-f]{10}-skip-3$/);
  });

  it('reads compact YYYYMMDD decision dates and stops after the last page', () => {
    const result = openfdaDevices.parse(fixture('510k-page-1'), spec({ limit: 3 }));
    expect(result.items.find((item) => item.itemKey === 'K251806')?.publishedAt).toBe('2026-10-15');
    expect(result.next).toBeUndefined();
  });

  it('keys PMA supplements as FDA writes them and references the PMA number', () => {
    const result = openfdaDevices.parse(fixture('pma-page-0'), spec({ limit: 3 }));
    expect(result.items.map((item) => item.itemKey)).toEqual(['P160048S045', 'P100034S052', 'P250012']);
    const eversense = result.items[0]!;
    expect(eversense).toMatchObject({
      title: 'Eversense 365 Continuous Glucose Monitoring System (PMA P160048 S045)',
      url: 'https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpma/pma.cfm?id=P160048S045',
      publishedAt: '2026-11-10',
      publicationType: 'PMA supplement',
      product: {
        tradeName: 'Eversense 365 Continuous Glucose Monitoring System',
        manufacturer: 'Senseonics, Incorporated',
      },
      references: [{ scheme: 'fda-pma', value: 'P160048' }],
    });
    expect(eversense.summary).toMatch(/^PMA supplement S045 \(180-Day\)\. Reason: Change Design/);
    expect(result.items[2]).toMatchObject({
      publicationType: 'PMA',
      summary: expect.stringMatching(/^Original PMA\./) as unknown,
    });
  });

  it('stops at maxPages', () => {
    expect(openfdaDevices.parse(fixture('510k-page-0'), spec({ maxPages: 1 })).next).toBeUndefined();
  });

  it('reads NOT_FOUND as no matches, other API errors, drift and block pages as failures', () => {
    expect(openfdaDevices.parse(fixture('edge/no-matches'), spec())).toEqual({ items: [], records: [] });
    const badRequest = errorOf(() => openfdaDevices.parse(fixture('edge/skip-too-large'), spec()));
    expect(badRequest?.kind).toBe('parse');
    expect(badRequest?.message).toBe('parse(openfda-devices): the API answered with error BAD_REQUEST');
    expect(errorOf(() => openfdaDevices.parse(fixture('edge/results-object'), spec()))?.kind).toBe(
      'schema-drift',
    );
    expect(errorOf(() => openfdaDevices.parse(fixture('edge/gateway-block'), spec()))?.kind).toBe('blocked');
  });

  it('rejects a record that is not a decision of the dataset it came from', () => {
    const doc = fixture('510k-page-0');
    const moved: FetchedDocument = { ...doc, request: { ...doc.request, url: APPROVALS } };
    expect(errorOf(() => openfdaDevices.parse(moved, spec()))?.message).toMatch(
      /^parse\(openfda-devices\): results\.0 is not a pma record/,
    );
  });
});
