import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSourcesOffline } from '../../src/cli/sources-commands.js';
import { configureSources } from '../../src/config/sources.js';
import { HorisontError } from '../../src/domain/errors.js';
import { RawItem } from '../../src/domain/item.js';
import { SOURCE_KINDS, SOURCE_REGIONS } from '../../src/domain/source-profile.js';
import { fixtureDocument, listFixtures } from '../../src/fixtures/documents.js';
import { toFixtureUrl } from '../../src/fixtures/server.js';
import type { AdapterRegistry } from '../../src/sources/index.js';
import { readDocument } from '../../src/sources/read.js';
import type { ReadResult } from '../../src/sources/read.js';
import type { SourceAdapter, SourceSpec } from '../../src/sources/types.js';

/**
 * The source contract: every adapter of a registry against every recording of it, the shared
 * rules an adapter's output must keep whatever the source. Source-specific expectations live
 * beside each adapter. Documents are read as the pipeline reads them (`readDocument`: sanitised
 * items and, for structured sources, the record-field check with no history).
 */

function specFor(adapter: SourceAdapter<unknown>, url: string): SourceSpec<unknown> {
  return { id: adapter.id, urls: [url], options: adapter.optionsSchema.parse({}) };
}

function parseOrError(run: () => ReadResult): ReadResult | HorisontError {
  try {
    return run();
  } catch (error) {
    if (error instanceof HorisontError) return error;
    throw error;
  }
}

export function describeSourceContract(dirs: {
  adapters: AdapterRegistry;
  /** Where the adapters' modules are. */
  adaptersDir: string;
  /** Where their recordings are: `<adapter-id>/` each. */
  recordingsDir: string;
}): void {
  describe.each(Object.values(dirs.adapters).map((adapter) => [adapter.id, adapter] as const))(
    'adapter %s',
    (id, adapter: SourceAdapter<unknown>) => {
      const fixtures = listFixtures(dirs.recordingsDir, id);

      it('has a kebab-case id equal to its file name, and a description', () => {
        expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(existsSync(path.join(dirs.adaptersDir, `${id}.ts`))).toBe(true);
        expect(adapter.description.length).toBeGreaterThan(10);
      });

      it('declares what the domain may know of it, and its sources with their names and evidence', () => {
        expect(SOURCE_KINDS).toContain(adapter.profile.kind);
        expect(SOURCE_REGIONS).toContain(adapter.profile.region);
        expect(adapter.sources.length).toBeGreaterThan(0);
        const problems: string[] = [];
        const sources = configureSources({
          adapters: { [id]: adapter },
          use: 'production',
          entries: [],
          file: 'contract',
          defaultSchedule: '0 2 * * *',
          problems,
        });
        expect(problems).toEqual([]);
        for (const source of sources) {
          expect(source.label.length).toBeGreaterThan(1);
          // Every production address states what public material it rests on.
          expect(source.evidence.map((evidence) => evidence.url)).toEqual(source.urls);
        }
      });

      it('reads its recordings page after page as its sources are recorded', () => {
        const problems: string[] = [];
        const sources = configureSources({
          adapters: { [id]: adapter },
          use: 'recorded',
          entries: [],
          file: 'contract',
          defaultSchedule: '0 2 * * *',
          problems,
        });
        expect(problems).toEqual([]);
        for (const check of checkSourcesOffline({ sources }, dirs.recordingsDir)) {
          expect(check, check.sourceId).toMatchObject({
            ok: true,
            detail: expect.stringContaining('inspelade sidor lästa'),
          });
        }
      });

      it('has served fixtures and edge cases for an empty list and a broken document', () => {
        const served = fixtures.filter((f) => !f.name.includes('/edge/'));
        const edge = fixtures.filter((f) => f.name.includes('/edge/'));
        expect(served.length).toBeGreaterThan(0);
        expect(edge.some((f) => f.expect.items === 0)).toBe(true);
        expect(edge.some((f) => f.expect.error !== undefined)).toBe(true);
      });

      it('accepts empty options (every option has a default)', () => {
        expect(adapter.optionsSchema.safeParse({}).success).toBe(true);
      });

      it('plans requests whose keys differ exactly when their URLs do, without ":" (BullMQ job ids)', () => {
        const urls = [...new Set(fixtures.map((f) => f.url))];
        const requests = adapter.requests({ id, urls, options: adapter.optionsSchema.parse({}) });
        expect(requests.length).toBe(urls.length);
        const keyByUrl = new Map(requests.map((r) => [r.url, r.key]));
        expect(new Set(keyByUrl.values()).size).toBe(keyByUrl.size);
        for (const request of requests) {
          expect(request.key).not.toContain(':');
          expect(URL.canParse(request.url)).toBe(true);
        }
      });

      describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
        const doc = fixtureDocument(fixture);
        const spec = specFor(adapter, fixture.url);
        const expected = fixture.expect;

        if (expected.error) {
          it(`throws a HorisontError of kind ${expected.error}`, () => {
            const outcome = parseOrError(() => readDocument(adapter, doc, spec));
            expect(outcome).toBeInstanceOf(HorisontError);
            expect((outcome as HorisontError).kind).toBe(expected.error);
            // Messages name the component and never carry the body.
            expect((outcome as HorisontError).message.startsWith(`parse(${id}): `)).toBe(true);
            expect((outcome as HorisontError).message.length).toBeLessThan(500);
          });
          return;
        }

        const result = readDocument(adapter, doc, spec);

        it('returns items that pass the RawItem schema', () => {
          for (const item of result.items) {
            const checked = RawItem.safeParse(item);
            expect(checked.success, JSON.stringify(checked.error?.issues)).toBe(true);
          }
        });

        if (expected.items !== undefined) {
          it(`returns ${expected.items} items`, () => {
            expect(result.items).toHaveLength(expected.items!);
          });
        }

        if (adapter.recordFields) {
          it('hands back its wire records, each carrying the fields it declares', () => {
            expect(result.census).toBeDefined();
            expect(result.census!.records).toBeGreaterThanOrEqual(result.items.length);
            expect(result.census!.lacking).toBe(0);
          });
        }

        it('gives unique item keys within the document', () => {
          const keys = result.items.map((item) => item.itemKey);
          expect(new Set(keys).size).toBe(keys.length);
        });

        it('states no date after the fetch', () => {
          const fetchedDay = fixture.fetchedAt.slice(0, 10);
          for (const item of result.items) {
            for (const date of [item.publishedAt, item.updatedAt]) {
              if (date === undefined) continue;
              expect(Number.isNaN(Date.parse(date))).toBe(false);
              expect(date.slice(0, 10) <= fetchedDay, `${item.itemKey}: ${date}`).toBe(true);
            }
          }
        });

        it('parses identically twice', () => {
          expect(readDocument(adapter, fixtureDocument(fixture), spec)).toEqual(result);
        });

        it(expected.next ? 'names the next page' : 'names no next page', () => {
          if (expected.next) {
            expect(result.next).toBeDefined();
            expect(URL.canParse(result.next!.url)).toBe(true);
            expect(result.next!.key).not.toContain(':');
          } else {
            expect(result.next).toBeUndefined();
          }
        });

        it('gives the same items when the bytes come from the fixture server', () => {
          // The demo rewrites every configured URL onto the fixture origin before planning requests.
          const local = toFixtureUrl(fixture.url, 'http://127.0.0.1:4010');
          const viaServer = readDocument(adapter, fixtureDocument(fixture, local), specFor(adapter, local));
          expect(viaServer.items).toEqual(result.items);
        });
      });
    },
  );
}
