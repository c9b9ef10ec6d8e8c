import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { parseSourceDate } from '../../src/domain/dates.js';
import { HorisontError } from '../../src/domain/errors.js';
import { normaliseBasicUdiDi, normaliseUdiDi } from '../../src/domain/identifiers.js';
import { RawItem } from '../../src/domain/item.js';
import { extractProductMentions } from '../../src/domain/mentions.js';
import { normaliseManufacturer, normaliseProductName, normaliseText } from '../../src/domain/normalise.js';
import { parseRetryAfter, resolveRedirect } from '../../src/fetch/http-client.js';
import { parseRobotsTxt } from '../../src/fetch/robots.js';
import { assertUrlAllowed, isBlockedAddress } from '../../src/fetch/ssrf-guard.js';
import { RECORDINGS_DIR, fixtureDocument, listFixtures } from '../../src/fixtures/documents.js';
import type { RecordedFixture } from '../../src/fixtures/documents.js';
import { loadAdapters } from '../../src/sources/index.js';
import type { FetchedDocument, ParseResult, SourceAdapter } from '../../src/sources/types.js';
import { upsertItems } from '../../src/store/items.js';
import { withTransaction } from '../../src/store/db.js';
import { createWorld } from './support/world.js';
import type { World } from './support/world.js';

/**
 * P1–P5: hostile and random documents into every parser and normaliser. Property runs use a
 * fixed seed (FC_SEED overrides it, FC_RUNS makes a longer nightly run); a failure prints the
 * seed and path to replay it.
 */

const adapters = await loadAdapters();
const SEED = Number(process.env.FC_SEED ?? 20261123);
const RUNS = Number(process.env.FC_RUNS ?? 40);
fc.configureGlobal({ seed: SEED, numRuns: RUNS });

/** A parse must end in a result or a HorisontError, never anything else, and quickly. */
const PARSE_BUDGET_MS = 200;

type Outcome = { ok: ParseResult } | { error: HorisontError };

function parseSafely(adapter: SourceAdapter<unknown>, doc: FetchedDocument): Outcome {
  const spec = { id: adapter.id, urls: [doc.request.url], options: adapter.optionsSchema.parse({}) };
  try {
    return { ok: adapter.parse(doc, spec) };
  } catch (error) {
    if (error instanceof HorisontError) return { error };
    throw new Error(`${adapter.id} threw ${String(error)} instead of a HorisontError`, { cause: error });
  }
}

function timed(adapter: SourceAdapter<unknown>, doc: FetchedDocument): { outcome: Outcome; took: number } {
  const started = performance.now();
  const outcome = parseSafely(adapter, doc);
  return { outcome, took: performance.now() - started };
}

function timedParse(adapter: SourceAdapter<unknown>, doc: FetchedDocument): Outcome {
  const { outcome, took } = timed(adapter, doc);
  // Parsing is deterministic: an input that is slow to parse is slow every time, while a pause
  // of a box shared with other work (a GC, another process) is not. Over budget twice fails.
  if (took > PARSE_BUDGET_MS) {
    const again = timed(adapter, doc).took;
    if (again > PARSE_BUDGET_MS) {
      throw new Error(`${adapter.id} took ${Math.round(took)} ms, then ${Math.round(again)} ms`);
    }
  }
  if ('ok' in outcome) {
    for (const item of outcome.ok.items) {
      // What reaches the pipeline is validated there; a parser may return drift, not garbage types.
      expect(typeof item).toBe('object');
    }
  }
  return outcome;
}

const served = new Map<string, RecordedFixture>();
for (const id of Object.keys(adapters)) {
  const first = listFixtures(RECORDINGS_DIR, id).find((f) => !f.name.includes('/edge/'));
  if (first) served.set(id, first);
}

function withBody(fixture: RecordedFixture, body: Uint8Array | string): FetchedDocument {
  return { ...fixtureDocument(fixture), body: Buffer.from(body) };
}

// Warm every adapter once so the time budget measures parsing, not module start-up and JIT.
beforeAll(() => {
  for (const [id, fixture] of served) parseSafely(adapters[id]!, fixtureDocument(fixture));
});

describe('P5 random input into every adapter', () => {
  it.each([...served.keys()])(
    '%s: random bytes, random text and mutated recordings end in a result or a HorisontError within 200 ms',
    (id) => {
      const adapter = adapters[id]!;
      const fixture = served.get(id)!;
      const recorded = fixtureDocument(fixture).body;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
          timedParse(adapter, withBody(fixture, bytes));
        }),
      );
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
          timedParse(adapter, withBody(fixture, text));
        }),
      );
      // The real document cut short, or with a slice replaced by random bytes.
      fc.assert(
        fc.property(
          fc.nat({ max: recorded.length }),
          fc.nat({ max: recorded.length }),
          fc.uint8Array({ maxLength: 64 }),
          (at, cut, noise) => {
            timedParse(adapter, withBody(fixture, recorded.subarray(0, cut)));
            const mutated = Buffer.concat([
              recorded.subarray(0, at),
              Buffer.from(noise),
              recorded.subarray(at + noise.length),
            ]);
            timedParse(adapter, withBody(fixture, mutated));
          },
        ),
        { numRuns: Math.max(10, Math.round(RUNS / 2)) },
      );
    },
  );

  it('parsing is deterministic: the same bytes twice give the same result', () => {
    for (const [id, fixture] of served) {
      const adapter = adapters[id]!;
      expect(parseSafely(adapter, fixtureDocument(fixture))).toEqual(
        parseSafely(adapter, fixtureDocument(fixture)),
      );
    }
  });
});

describe('P5 normalisers and small parsers', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 300 });

  it('text and name normalisation is idempotent and total', () => {
    fc.assert(
      fc.property(text, (s) => {
        for (const normalise of [normaliseText, normaliseProductName, normaliseManufacturer]) {
          const once = normalise(s);
          expect(normalise(once)).toBe(once);
        }
      }),
    );
  });

  it('UDI-DI normalisation is idempotent where it accepts', () => {
    const udi = fc.oneof(
      text,
      fc.stringMatching(/^[0-9 ()-]{8,20}$/),
      fc.stringMatching(/^\+?[A-Z0-9$/.-]{4,30}$/),
    );
    fc.assert(
      fc.property(udi, (s) => {
        for (const normalise of [normaliseUdiDi, normaliseBasicUdiDi]) {
          const once = normalise(s);
          if (once !== undefined) expect(normalise(once)).toBe(once);
        }
      }),
    );
  });

  it('dates, mentions, robots.txt, Retry-After and redirects never throw anything unclassified', () => {
    fc.assert(
      fc.property(text, (s) => {
        const date = parseSourceDate(s);
        if (date !== undefined) expect(date).toMatch(/^\d{4}-\d{2}-\d{2}/);
        const started = performance.now();
        expect(Array.isArray(extractProductMentions(s))).toBe(true);
        expect(performance.now() - started).toBeLessThan(PARSE_BUDGET_MS);
        parseRobotsTxt(s, 'Horisont');
        const wait = parseRetryAfter(s);
        if (wait !== undefined) expect(wait).toBeGreaterThanOrEqual(0);
        try {
          resolveRedirect(new URL('https://www.tlv.se/a/b'), s, 302);
        } catch (error) {
          expect(error).toBeInstanceOf(HorisontError);
        }
      }),
    );
  });

  it('the SSRF guard classifies any host and URL without throwing anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.domain(), text), (host) => {
        expect(typeof isBlockedAddress(host)).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true }), text), (href) => {
        if (!URL.canParse(href)) return;
        try {
          assertUrlAllowed(new URL(href), []);
        } catch (error) {
          expect(error).toMatchObject({ kind: 'ssrf-blocked' });
        }
      }),
    );
  });
});

describe('P1–P4 hostile documents', () => {
  const eurlex = adapters['eurlex-oj']!;
  const eurlexFixture = served.get('eurlex-oj')!;
  const nye = adapters['nye-metoder']!;
  const workbook = listFixtures(RECORDINGS_DIR, 'nye-metoder').find((f) => f.bodyFile.endsWith('.xlsx'))!;

  function rss(item: string, prolog = ''): string {
    return `<?xml version="1.0"?>${prolog}<rss version="2.0"><channel><title>OJ</title>${item}</channel></rss>`;
  }
  function xlsxWith(edit: (part: string) => string, name = 'xl/sharedStrings.xml'): Buffer {
    const parts = unzipSync(fixtureDocument(workbook).body);
    parts[name] = strToU8(edit(strFromU8(parts[name]!)));
    return Buffer.from(zipSync(parts));
  }

  it('P1 entity expansion (nested entities, one large entity many times, 10^6 character references) is capped in < 1 s', () => {
    const laughs =
      '<!DOCTYPE rss [<!ENTITY a "lol lol lol lol lol lol lol lol lol lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>';
    const big = `<!DOCTYPE rss [<!ENTITY big "${'x'.repeat(100_000)}">]>`;
    const refs = '&#65;'.repeat(1_000_000);
    const cases: Array<[SourceAdapter<unknown>, FetchedDocument]> = [
      [
        eurlex,
        withBody(
          eurlexFixture,
          rss(
            '<item><title>CELEX:32026R0001: &e;</title><link>https://eur-lex.europa.eu/a</link></item>',
            laughs,
          ),
        ),
      ],
      [
        eurlex,
        withBody(
          eurlexFixture,
          rss(
            `<item><title>CELEX:32026R0001: ${'&big;'.repeat(1000)}</title><link>https://eur-lex.europa.eu/a</link></item>`,
            big,
          ),
        ),
      ],
      [
        eurlex,
        withBody(
          eurlexFixture,
          rss(
            `<item><title>CELEX:32026R0001: ${refs}</title><link>https://eur-lex.europa.eu/a</link></item>`,
          ),
        ),
      ],
      [
        nye,
        withBody(
          workbook,
          xlsxWith((x) =>
            x
              .replace(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                `<?xml version="1.0"?>${laughs.replace('rss', 'sst')}`,
              )
              .replace('<t>ID-nr</t>', '<t>&e;</t>'),
          ),
        ),
      ],
      [
        nye,
        withBody(
          workbook,
          xlsxWith((x) => x.replace('<t>ID-nr</t>', `<t>${refs}</t>`)),
        ),
      ],
    ];
    for (const [adapter, doc] of cases) {
      const started = performance.now();
      const outcome = parseSafely(adapter, doc);
      const took = performance.now() - started;
      console.info(`P1 ${adapter.id}: ${Math.round(took)} ms`);
      expect(took).toBeLessThan(1000);
      const text = JSON.stringify('ok' in outcome ? outcome.ok.items : outcome.error.message);
      expect(text).not.toContain('lol lol lol lol lol lol lol lol lol lol lol');
      expect(text.length).toBeLessThan(3_000_000);
    }
  });

  it('P1 hostile workbook parts (references and elements by the million) are refused or read in < 1 s', () => {
    const refs = (n: number) => '&#65;'.repeat(n);
    const cases: Array<[string, Buffer, string]> = [
      // 5 MB: over the part cap, refused before a byte is parsed.
      [
        '10^6 references in one shared string',
        xlsxWith((x) => x.replace('<t>ID-nr</t>', `<t>${refs(1_000_000)}</t>`)),
        'too-large',
      ],
      // Under the part cap, but more than an Excel cell can hold.
      [
        '600,000 references in one shared string',
        xlsxWith((x) => x.replace('<t>ID-nr</t>', `<t>${refs(600_000)}</t>`)),
        'too-large',
      ],
      [
        '600,000 references in one inline string',
        xlsxWith(
          (x) =>
            x.replace(
              '<c r="A1" t="s"><v>0</v></c>',
              `<c r="A1" t="inlineStr"><is><t>${refs(600_000)}</t></is></c>`,
            ),
          'xl/worksheets/sheet1.xml',
        ),
        'too-large',
      ],
      // Within every cap: read, linearly.
      [
        '780,000 references over 130 strings',
        xlsxWith((x) => x.replace('</sst>', `${`<si><t>${refs(6000)}</t></si>`.repeat(130)}</sst>`)),
        'ok',
      ],
      [
        '280,000 empty shared strings',
        xlsxWith((x) => x.replace('</sst>', `${'<si><t/></si>'.repeat(280_000)}</sst>`)),
        'ok',
      ],
      [
        '900,000 empty cells in one row',
        xlsxWith(
          (x) => x.replace('<row r="1" spans="1:9">', `<row r="1" spans="1:9">${'<c/>'.repeat(900_000)}`),
          'xl/worksheets/sheet1.xml',
        ),
        'ok',
      ],
    ];
    for (const [what, body, expected] of cases) {
      const started = performance.now();
      const outcome = parseSafely(nye, withBody(workbook, body));
      const took = performance.now() - started;
      console.info(`P1 nye-metoder, ${what}: ${Math.round(took)} ms`);
      expect(took).toBeLessThan(1000);
      expect('ok' in outcome ? 'ok' : outcome.error.kind).toBe(expected);
    }
  });

  it('P2 external entities are never resolved: no file content, no request', () => {
    const xxe = (target: string) => `<!DOCTYPE rss [<!ENTITY x SYSTEM "${target}">]>`;
    for (const target of ['file:///etc/passwd', 'http://127.0.0.1:9/secret']) {
      const outcome = parseSafely(
        eurlex,
        withBody(
          eurlexFixture,
          rss(
            '<item><title>CELEX:32026R0001: &x;</title><link>https://eur-lex.europa.eu/a</link></item>',
            xxe(target),
          ),
        ),
      );
      expect(JSON.stringify(outcome)).not.toContain('root:');
      const workbookOutcome = parseSafely(
        nye,
        withBody(
          workbook,
          xlsxWith((x) =>
            x
              .replace(
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                `<?xml version="1.0"?>${xxe(target).replace('rss', 'sst')}`,
              )
              .replace('<t>ID-nr</t>', '<t>&x;</t>'),
          ),
        ),
      );
      expect(JSON.stringify(workbookOutcome)).not.toContain('root:');
    }
  });

  it('P3 prototype keys in JSON and XML pollute nothing', () => {
    const polluted = (): unknown => (Object.prototype as Record<string, unknown>).polluted;
    for (const id of [
      'eudamed-devices',
      'openfda-devices',
      'clinicaltrials',
      'notified-bodies',
      'eudamed-certificates',
    ]) {
      const fixture = served.get(id)!;
      const json = fixtureDocument(fixture).body.toString('utf8');
      const hostile = json.replace(
        '{',
        '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}},',
      );
      parseSafely(adapters[id]!, withBody(fixture, hostile));
    }
    parseSafely(
      nye,
      withBody(
        workbook,
        xlsxWith((x) =>
          x.replace(
            '<si><t>ID-nr</t></si>',
            '<si><t>ID-nr</t><__proto__><polluted>yes</polluted></__proto__><constructor><prototype><polluted>yes</polluted></prototype></constructor></si>',
          ),
        ),
      ),
    );
    parseSafely(
      eurlex,
      withBody(
        eurlexFixture,
        rss(
          '<item><title>CELEX:32026R0001: x</title><__proto__><polluted>yes</polluted></__proto__><link>https://eur-lex.europa.eu/a</link></item>',
        ),
      ),
    );
    expect(polluted()).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('P4 10,000-deep nesting gives a typed error or a result, never a stack overflow', () => {
    const deepXml = `${'<a>'.repeat(10_000)}x${'</a>'.repeat(10_000)}`;
    const deepJson = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const deepHtml = `<html><body>${'<div>'.repeat(10_000)}x${'</div>'.repeat(10_000)}</body></html>`;
    for (const [id, fixture] of served) {
      for (const body of [deepXml, deepJson, deepHtml]) parseSafely(adapters[id]!, withBody(fixture, body));
    }
    parseSafely(
      nye,
      withBody(
        workbook,
        xlsxWith((x) => x.replace('<t>ID-nr</t>', `<t>${deepXml}</t>`)),
      ),
    );
    const huge = parseSafely(
      eurlex,
      withBody(eurlexFixture, rss(`<item><title>${'x'.repeat(6_000_000)}</title></item>`)),
    );
    expect('error' in huge && huge.error.kind).toBe('too-large');
  });
});

describe('P5 ingesting twice equals ingesting once', () => {
  let world: World;
  let app: AppContext;
  let snapshotId: number;

  beforeAll(async () => {
    world = await createWorld();
    app = await world.app();
    const runId = randomUUID();
    await world.query(`insert into runs (id, run_key, trigger) values ($1, $2, 'test')`, [runId, runId]);
    const [snapshot] = await world.query<{ id: string }>(
      `insert into snapshots (run_id, source_id, request_key, url, status, headers, unchanged)
       values ($1, 'tlv', 'p5', 'https://www.tlv.se/', 200, '{}', false) returning id`,
      [runId],
    );
    snapshotId = Number(snapshot!.id);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('the second upsert of any items changes nothing', async () => {
    const item = fc
      .record({
        itemKey: fc.stringMatching(/^[a-z0-9-]{1,40}$/),
        kind: fc.constantFrom('news', 'hta-report', 'device', 'guidance'),
        title: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
        url: fc.webUrl(),
        summary: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      })
      .map((raw) => RawItem.safeParse(raw))
      .filter((parsed) => parsed.success)
      .map((parsed) => parsed.data);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(item, { selector: (i) => i.itemKey, maxLength: 20 }), async (items) => {
        const first = await withTransaction(app.db, (tx) => upsertItems(tx, 'tlv', snapshotId, items));
        const second = await withTransaction(app.db, (tx) => upsertItems(tx, 'tlv', snapshotId, items));
        expect(second).toEqual({ newIds: [], changedIds: [] });
        expect(first.newIds.length + first.changedIds.length).toBeLessThanOrEqual(items.length);
      }),
      { numRuns: 25 },
    );
  });
});
