import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { ClinicalTrialsOptions, clinicaltrials } from './clinicaltrials.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const CONFIGURED =
  'https://clinicaltrials.gov/api/v2/studies?query.locn=Sweden OR Norway OR Denmark OR Finland OR Iceland' +
  '&filter.advanced=AREA[InterventionType]DEVICE&sort=LastUpdatePostDate:desc&countTotal=true';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'clinicaltrials').map((f) => [f.name, f]));
function fixture(name: string, key?: string): FetchedDocument {
  const found = fixtures.get(`clinicaltrials/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, found.url, key);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<ClinicalTrialsOptions> {
  return { id: 'clinicaltrials', urls: [CONFIGURED], options: ClinicalTrialsOptions.parse(options) };
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

describe('clinicaltrials requests', () => {
  it('asks for JSON, the configured page size and newest update first, keyed as page 1', () => {
    const [request] = clinicaltrials.requests(spec({ pageSize: 3 }));
    const url = new URL(request!.url);
    expect(url.searchParams.get('pageSize')).toBe('3');
    expect(url.searchParams.get('sort')).toBe('LastUpdatePostDate:desc');
    expect(url.searchParams.get('format')).toBe('json');
    expect(url.searchParams.get('query.locn')).toBe('Sweden OR Norway OR Denmark OR Finland OR Iceland');
    expect(request!.key).toMatch(/^studies-[a-z0-9-]+-page-1$/);
    expect(request!.key).not.toContain(':');
  });

  it('plans the recorded first page for the demo configuration', () => {
    const [request] = clinicaltrials.requests(spec({ pageSize: 3 }));
    const recorded = new URL(fixtures.get('clinicaltrials/page-1')!.url);
    const planned = new URL(request!.url);
    recorded.searchParams.sort();
    planned.searchParams.sort();
    expect(planned.toString()).toBe(recorded.toString());
  });
});

describe('clinicaltrials parse', () => {
  const first = clinicaltrials.parse(fixture('page-1'), spec({ pageSize: 3 }));

  it('maps a device trial with an industry sponsor to a trial with product facts', () => {
    const dexcom = first.items.find((item) => item.itemKey === 'NCT06512345');
    expect(dexcom).toEqual({
      itemKey: 'NCT06512345',
      kind: 'trial',
      title: 'Accuracy and Wear of the Dexcom G7 15 Day CGM System in Adults With Type 1 Diabetes in Sweden',
      url: 'https://clinicaltrials.gov/study/NCT06512345',
      publishedAt: '2026-02-10',
      updatedAt: '2026-11-18',
      summary: expect.stringContaining('Sites: Sweden (Stockholm, Göteborg, Lund).') as unknown,
      language: 'en',
      sourceVersion: '2026-11-18',
      publicationType: 'interventional',
      product: { tradeName: 'Dexcom G7 15 Day CGM System', manufacturer: 'DexCom, Inc.' },
      references: [{ scheme: 'nct', value: 'NCT06512345' }],
    });
  });

  it('names no manufacturer for an academic sponsor and reads no EU CT number from other ids', () => {
    const minimed = first.items.find((item) => item.itemKey === 'NCT06234567')!;
    expect(minimed.product).toEqual({ tradeName: 'MiniMed 780G' });
    expect(minimed.references).toEqual([{ scheme: 'nct', value: 'NCT06234567' }]);
    expect(minimed.summary).toContain('Sites: Sweden (Göteborg, Linköping); Norway (Oslo).');
  });

  it('follows nextPageToken as page 2 and stops at maxPages', () => {
    expect(first.next).toBeDefined();
    const next = new URL(first.next!.url);
    expect(next.searchParams.get('pageToken')).toBe('NF0g5JGBlPMsZw');
    expect(next.searchParams.get('pageSize')).toBe('3');
    expect(first.next!.key).toMatch(/-page-2$/);
    expect(first.next!.key.replace(/-page-2$/, '')).toBe(
      clinicaltrials.requests(spec({ pageSize: 3 }))[0]!.key.replace(/-page-1$/, ''),
    );

    const capped = clinicaltrials.parse(fixture('page-1', first.next!.key), spec({ maxPages: 2 }));
    expect(capped.next).toBeUndefined();
    expect(clinicaltrials.parse(fixture('page-1'), spec({ maxPages: 1 })).next).toBeUndefined();
  });

  it('reads EU CT and EudraCT numbers, keeps partial dates absent, and names no drug sponsor as maker', () => {
    const second = clinicaltrials.parse(fixture('page-2'), spec());
    expect(second.next).toBeUndefined();
    const sema = second.items.find((item) => item.itemKey === 'NCT06001122')!;
    expect(sema.references).toEqual([
      { scheme: 'nct', value: 'NCT06001122' },
      { scheme: 'eu-ct', value: '2024-512345-22-00' },
    ]);
    expect(sema.product).toEqual({ tradeName: 'Dexcom G7' });
    expect(sema.summary).toContain('Denmark (Herlev); Sweden (Malmö); Finland (Helsinki)');
    expect(sema.summary).not.toContain('Germany');

    const optune = second.items.find((item) => item.itemKey === 'NCT05811223')!;
    expect(optune.references).toContainEqual({ scheme: 'eu-ct', value: '2022-003456-31' });
    expect(optune.publishedAt).toBeUndefined();
    expect(optune.updatedAt).toBe('2026-10-28');
    expect(optune.product).toEqual({ tradeName: 'Optune' });
  });

  it('tells an empty search, a block page, the legacy API shape and a truncated body apart', () => {
    expect(clinicaltrials.parse(fixture('edge/empty'), spec())).toEqual({ items: [], records: [] });
    expect(errorOf(() => clinicaltrials.parse(fixture('edge/rate-limit-page'), spec()))?.kind).toBe(
      'blocked',
    );
    const legacy = errorOf(() => clinicaltrials.parse(fixture('edge/legacy-v1'), spec()));
    expect(legacy?.kind).toBe('schema-drift');
    expect(legacy?.message).toMatch(/^parse\(clinicaltrials\): not a v2 study search page/);
    expect(errorOf(() => clinicaltrials.parse(fixture('edge/study-drift'), spec()))?.message).toContain(
      'studies.1',
    );
    expect(errorOf(() => clinicaltrials.parse(fixture('edge/truncated'), spec()))?.kind).toBe('parse');
  });
});
