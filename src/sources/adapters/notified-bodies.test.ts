import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import type { ErrorKind } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { NotifiedBodiesOptions, notifiedBodies } from './notified-bodies.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const LIST = 'https://ec.europa.eu/tools/eudamed/api/ses/notifiedBodies';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'notified-bodies').map((f) => [f.name, f]));
function fixture(name: string): FetchedDocument {
  const found = fixtures.get(`notified-bodies/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found);
}

function spec(options: Record<string, unknown> = {}): SourceSpec<NotifiedBodiesOptions> {
  return { id: 'notified-bodies', urls: [LIST], options: NotifiedBodiesOptions.parse(options) };
}

function json(value: unknown, url = LIST): FetchedDocument {
  return {
    request: { key: 'list', url },
    url,
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
    fetchedAt: '2026-11-20T01:00:00Z',
  };
}

const body = (number: string, extra: Record<string, unknown> = {}) => ({
  uuid: `uuid-${number}`,
  name: `Body ${number}`,
  eudamedIdentifier: number,
  legislationStatusMap: { 'refdata.applicable-legislation.mdr': { code: 'refdata.x.designated' } },
  ...extra,
});

function errorKindOf(run: () => unknown): ErrorKind | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error.kind;
    throw error;
  }
  return undefined;
}

describe('notified-bodies requests', () => {
  it('asks for the bare list', () => {
    expect(notifiedBodies.requests(spec())).toEqual([
      { key: 'list-tools-eudamed-api-ses-notifiedbodies', url: LIST, accept: 'application/json' },
    ]);
  });
});

describe('notified-bodies parse: the recorded list', () => {
  const { items, next } = notifiedBodies.parse(fixture('list'), spec());

  it('reads every body, keyed by NB number, without paging', () => {
    expect(items).toHaveLength(15);
    expect(items.every((item) => /^\d{4}$/.test(item.itemKey))).toBe(true);
    expect(items.map((item) => item.itemKey)).toEqual(
      expect.arrayContaining(['0123', '0197', '0344', '2797']),
    );
    expect(next).toBeUndefined();
  });

  it('maps a body to a regulation item with its designation status', () => {
    expect(items.find((item) => item.itemKey === '2797')).toEqual({
      itemKey: '2797',
      kind: 'regulation',
      title: 'Notified body 2797 – BSI Group The Netherlands B.V.',
      url: expect.stringMatching(
        /^https:\/\/ec\.europa\.eu\/tools\/eudamed\/#\/screen\/notified-bodies\/[0-9a-f-]{36}$/,
      ),
      summary: 'Status under MDR: designated; IVDR: designated.',
      language: 'en',
      sourceVersion: 'mdr=designated;ivdr=designated',
      publicationType: 'Notified body',
      references: [{ scheme: 'notified-body', value: '2797' }],
    });
  });

  it('keeps the non-standard ids EUDAMED gives some bodies in the URL', () => {
    expect(items.find((item) => item.itemKey === '2862')?.url).toBe(
      'https://ec.europa.eu/tools/eudamed/#/screen/notified-bodies/CD48A569E4688334E05343E4A79E78D8',
    );
  });

  it('leaves an empty status entry out', () => {
    const dare = items.find((item) => item.itemKey === '1912');
    expect(dare?.summary).toBe('Status under MDR: designated.');
    expect(dare?.sourceVersion).toBe('mdr=designated');
  });

  it('states no dates: the list has none', () => {
    expect(items.every((item) => item.publishedAt === undefined && item.updatedAt === undefined)).toBe(true);
  });
});

describe('notified-bodies parse: variants', () => {
  it('reads multilingual names, missing names and a missing status map', () => {
    const { items } = notifiedBodies.parse(
      json([
        body('0001', { name: { texts: [{ text: ' ' }, { text: 'Organisme Exemple' }] } }),
        body('0002', { name: null, legislationStatusMap: null }),
      ]),
      spec(),
    );
    expect(items.map((item) => [item.title, item.summary, item.sourceVersion])).toEqual([
      ['Notified body 0001 – Organisme Exemple', 'Status under MDR: designated.', 'mdr=designated'],
      ['Notified body 0002', undefined, undefined],
    ]);
  });

  it('changes the version marker when a designation changes', () => {
    const before = notifiedBodies.parse(json([body('0003')]), spec()).items[0]!;
    const after = notifiedBodies.parse(
      json([
        body('0003', {
          legislationStatusMap: {
            'refdata.applicable-legislation.ivdr': { code: 'refdata.x.designated' },
            'refdata.applicable-legislation.mdr': { code: 'refdata.x.suspended' },
          },
        }),
      ]),
      spec(),
    ).items[0]!;
    expect(before.sourceVersion).toBe('mdr=designated');
    expect(after.sourceVersion).toBe('mdr=suspended;ivdr=designated');
    expect(after.itemKey).toBe(before.itemKey);
  });

  it('lists a body twice once', () => {
    expect(notifiedBodies.parse(json([body('0004'), body('0004')]), spec()).items).toHaveLength(1);
  });

  it('follows a paged answer of the same entries', () => {
    const url = `${LIST}?page=0&size=2&pageSize=2&languageIso2Code=en`;
    const page = {
      content: [body('0005'), body('0006')],
      number: 0,
      size: 2,
      totalElements: 3,
      totalPages: 2,
      last: false,
    };
    const result = notifiedBodies.parse(json(page, url), spec());
    expect(result.items.map((item) => item.itemKey)).toEqual(['0005', '0006']);
    expect(result.next?.key).toBe('notified-bodies-page-1');
    expect(new URL(result.next!.url).searchParams.get('page')).toBe('1');
    expect(notifiedBodies.parse(json(page, url), spec({ maxPages: 1 })).next).toBeUndefined();
  });
});

describe('notified-bodies parse: empty and broken documents', () => {
  it('returns no items for an empty list', () => {
    expect(notifiedBodies.parse(fixture('edge/empty'), spec())).toEqual({ items: [], records: [] });
  });

  it.each([
    ['edge/malformed', 'parse'],
    ['edge/blocked', 'blocked'],
    ['edge/envelope-drift', 'schema-drift'],
    ['edge/item-drift', 'schema-drift'],
  ] as const)('%s → %s', (name, kind) => {
    expect(errorKindOf(() => notifiedBodies.parse(fixture(name), spec()))).toBe(kind);
  });

  it('keeps bodies out of error messages', () => {
    expect.assertions(2);
    try {
      notifiedBodies.parse(fixture('edge/item-drift'), spec());
    } catch (error) {
      expect((error as Error).message).toMatch(/^parse\(notified-bodies\): entry 0 is not a notified body/);
      expect((error as Error).message).not.toContain('TÜV');
    }
  });
});
