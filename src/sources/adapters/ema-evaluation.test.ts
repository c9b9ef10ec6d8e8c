import { describe, expect, it } from 'vitest';
import { HorisontError } from '../../domain/errors.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../fixtures/documents.js';
import { toFixtureUrl } from '../../fixtures/server.js';
import { EmaEvaluationOptions, emaEvaluation } from './ema-evaluation.js';
import type { FetchedDocument, SourceSpec } from '../types.js';

const fixtures = new Map(listFixtures(RECORDINGS_DIR, 'ema-evaluation').map((f) => [f.name, f]));
function fixture(name: string, requestUrl?: string): FetchedDocument {
  const found = fixtures.get(`ema-evaluation/${name}`);
  if (!found) throw new Error(`no fixture ${name}`);
  return fixtureDocument(found, requestUrl);
}
const spec: SourceSpec<EmaEvaluationOptions> = {
  id: 'ema-evaluation',
  urls: ['https://www.ema.europa.eu/en/medicines/medicines-human-use-under-evaluation'],
  options: EmaEvaluationOptions.parse({}),
};

function failure(run: () => unknown): HorisontError {
  try {
    run();
  } catch (error) {
    if (error instanceof HorisontError) return error;
    throw error;
  }
  throw new Error('expected a HorisontError');
}

describe('ema-evaluation: the index page', () => {
  it('asks for the newest monthly file by the month in its name, not its place on the page', () => {
    const { items, next } = emaEvaluation.parse(fixture('index'), spec);
    expect(items).toEqual([]);
    expect(next?.url).toBe(
      'https://www.ema.europa.eu/en/documents/report/applications-new-human-medicines-under-evaluation-november-2026_en.xlsx',
    );
  });

  it('keeps the fixture server as the origin of the next request', () => {
    const local = toFixtureUrl(spec.urls[0]!, 'http://127.0.0.1:4010');
    expect(emaEvaluation.parse(fixture('index', local), spec).next?.url).toBe(
      'http://127.0.0.1:4010/www.ema.europa.eu/en/documents/report/applications-new-human-medicines-under-evaluation-november-2026_en.xlsx',
    );
  });

  it('reports an index page without monthly files as a changed layout', () => {
    expect(failure(() => emaEvaluation.parse(fixture('edge/index-without-files'), spec)).kind).toBe(
      'layout-changed',
    );
  });
});

describe('ema-evaluation: the monthly list', () => {
  const items = emaEvaluation.parse(fixture('under-evaluation-november-2026'), spec).items;

  it('finds the header row below the note that also names the INN, and reads every application', () => {
    expect(items.map((item) => item.title)).toEqual([
      'ulefnersen',
      'obicetrapib / ezetimibe',
      'vepdegestrant',
      'brensocatib',
      'zopapogene imadenovec',
    ]);
  });

  it('reads each as a new substance under EU evaluation with indication, product number, start and flags', () => {
    expect(items[0]).toMatchObject({
      itemKey: 'EMEA/H/C/006512',
      kind: 'drug',
      publishedAt: '2026-11-03',
      url: 'https://www.ema.europa.eu/en/documents/report/applications-new-human-medicines-under-evaluation-november-2026_en.xlsx',
      drug: {
        inn: 'ulefnersen',
        indication:
          'Treatment of amyotrophic lateral sclerosis (ALS) in adults with a mutation in the FUS gene',
        scope: 'new-substance',
        orphan: true,
        prime: true,
        accelerated: true,
        emaProductNumber: 'EMEA/H/C/006512',
        event: 'under-evaluation',
        eventOn: '2026-06-26',
      },
      references: [{ scheme: 'ema', value: 'EMEA/H/C/006512' }],
    });
    expect(items[1]!.drug).toMatchObject({ orphan: false, prime: false, accelerated: false });
  });

  it('names the public file even when the bytes came from the fixture server', () => {
    const local = toFixtureUrl(items[0]!.url, 'http://127.0.0.1:4010');
    const viaServer = emaEvaluation.parse(fixture('under-evaluation-november-2026', local), spec).items;
    expect(viaServer).toEqual(items);
  });

  it('follows the header row when it moves down', () => {
    expect(emaEvaluation.parse(fixture('edge/header-moved'), spec).items.map((item) => item.title)).toEqual([
      'ulefnersen',
      'obicetrapib / ezetimibe',
    ]);
  });

  it('is broken, with the reason, when a column is missing or the header is gone; never zero items', () => {
    const missing = failure(() => emaEvaluation.parse(fixture('edge/column-missing'), spec));
    expect(missing.kind).toBe('schema');
    expect(missing.message).toBe('parse(ema-evaluation): the header row lacks the column(s) orphan');
    const header = failure(() => emaEvaluation.parse(fixture('edge/no-header'), spec));
    expect(header.kind).toBe('schema');
    expect(header.message).toMatch(/header row .* was not found/);
  });

  it('returns no items for a list with a header and no applications', () => {
    expect(emaEvaluation.parse(fixture('edge/empty'), spec).items).toEqual([]);
  });

  it('reports a bot page where the file should be as blocked, and a cut file as unreadable', () => {
    expect(failure(() => emaEvaluation.parse(fixture('edge/blocked'), spec)).kind).toBe('blocked');
    const doc = fixture('under-evaluation-november-2026');
    const cut = { ...doc, body: doc.body.subarray(0, Math.floor(doc.body.length / 2)) };
    expect(failure(() => emaEvaluation.parse(cut, spec)).message).toMatch(/^parse\(ema-evaluation\): /);
  });
});
