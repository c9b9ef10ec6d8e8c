import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfiguredSource } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import { RawItem } from '../../src/domain/item.js';
import { fixtureDocument, listFixtures } from '../../src/fixtures/documents.js';
import type { FixtureServer } from '../../src/fixtures/server.js';
import { startFixtureServer, toFixtureUrl } from '../../src/fixtures/server.js';
import type { FetchRequest, ParseResult } from '../../src/sources/types.js';
import { SCENARIO_DIR as SCENARIO, loadLabels, nameMatches } from '../triage/labels.js';
import type { Product, Tag } from '../triage/labels.js';

/**
 * The labelled scenario of the triage evaluation (issue 16): its recordings are what the real
 * adapters read when the fixture server serves them at the URLs sources.yaml makes the adapters
 * request, and labels.yaml is well formed, findable in those items and covers every category the
 * evaluation needs. Nothing here looks at scores.
 */

/** The scan of the scenario runs in the night of its as-of date. */
const SCANNED_AT = '2026-12-01T01:00:00Z';

interface ScannedItem {
  sourceId: string;
  item: RawItem;
}

const labels = loadLabels();
const products = labels.products;
const byId = new Map(products.map((product) => [product.id, product]));
const tagged = (tag: Tag): Product[] => products.filter((product) => product.tags.includes(tag));

function matches(product: Product, item: RawItem): boolean {
  return nameMatches(product, item.title) || nameMatches(product, item.product?.tradeName ?? '');
}

/** One request through the fixture server, parsed as the parse worker would. */
async function read(source: ConfiguredSource, request: FetchRequest): Promise<ParseResult> {
  const response = await fetch(request.url, { headers: { accept: request.accept ?? '*/*' } });
  expect(response.status, `${source.id}: ${request.url}`).toBe(200);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const doc = {
    request,
    url: request.url,
    status: response.status,
    headers,
    body: Buffer.from(await response.arrayBuffer()),
    fetchedAt: SCANNED_AT,
  };
  return source.adapter.parse(doc, source);
}

/**
 * Follows one source's requests through the fixture server, as the fetch and parse workers do on
 * a first scan: every page, and the detail of every listed record, whose item replaces the listed
 * one of the same key.
 */
async function scan(
  source: ConfiguredSource,
  origin: string,
): Promise<{ items: RawItem[]; requests: number }> {
  const local = { ...source, urls: source.urls.map((url) => toFixtureUrl(url, origin)) };
  const items = new Map<string, RawItem>();
  const listed: RawItem[] = [];
  let requests = 0;
  for (const first of source.adapter.requests(local)) {
    for (let request: FetchRequest | undefined = first; request;) {
      requests += 1;
      const result = await read(local, request);
      listed.push(...result.items);
      for (const detail of result.details ?? []) {
        requests += 1;
        const [item, ...more] = (await read(local, detail.request)).items;
        expect(more, detail.request.url).toEqual([]);
        expect(item?.itemKey, detail.request.url).toBe(detail.itemKey);
        items.set(detail.itemKey, item!);
      }
      request = result.next;
    }
  }
  return { items: listed.map((item) => items.get(item.itemKey) ?? item), requests };
}

describe('triage evaluation scenario', () => {
  let server: FixtureServer;
  let sources: ConfiguredSource[];
  const scanned: ScannedItem[] = [];
  const requestsBySource = new Map<string, number>();

  beforeAll(async () => {
    sources = (await loadConfig(SCENARIO)).sources;
    server = await startFixtureServer({ root: SCENARIO, port: 0 });
    for (const source of sources) {
      const { items, requests } = await scan(source, server.origin);
      requestsBySource.set(source.id, requests);
      scanned.push(...items.map((item) => ({ sourceId: source.id, item })));
    }
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('recordings', () => {
    it('cover the sources whose adapters carry products', () => {
      expect(sources.map((source) => source.adapterId).sort()).toEqual(
        [
          'clinicaltrials',
          'council-lists',
          'eudamed-certificates',
          'eudamed-devices',
          'lakemedelsverket-fsn',
          'nye-metoder',
          'openfda-devices',
          'regional-hta-list',
          'regional-hta-list',
          'regional-hta-list',
          'regional-hta-list',
          'sbu-publications',
          'tlv',
        ].sort(),
      );
    });

    it('are each requested once by the scan and none is left over', () => {
      for (const source of sources) {
        const recorded = listFixtures(SCENARIO, source.id).filter(
          (fixture) => !fixture.name.includes('/edge/'),
        );
        expect(requestsBySource.get(source.id), source.id).toBe(recorded.length);
      }
      expect(new Set(server.hits.map((hit) => hit.path)).size).toBe(server.hits.length);
    });

    it('parse as their metadata says, with production URLs and no fetch after the as-of night', () => {
      for (const source of sources) {
        for (const fixture of listFixtures(SCENARIO, source.id)) {
          expect(fixture.url.startsWith('https://'), fixture.name).toBe(true);
          expect(fixture.fetchedAt <= SCANNED_AT, fixture.name).toBe(true);
          const result = source.adapter.parse(fixtureDocument(fixture), source);
          expect(result.items.length, fixture.name).toBe(fixture.expect.items);
          expect(result.next !== undefined, fixture.name).toBe(fixture.expect.next);
        }
      }
    });

    it('give schema-valid items, one per key within a source', () => {
      expect(scanned.length).toBeGreaterThan(200);
      const byKey = new Map<string, RawItem>();
      for (const { sourceId, item } of scanned) {
        const checked = RawItem.safeParse(item);
        expect(checked.success, `${sourceId} ${item.itemKey}: ${JSON.stringify(checked.error?.issues)}`).toBe(
          true,
        );
        // SBU's two searches both list a regional report: the same publication, the same item.
        const key = `${sourceId} ${item.itemKey}`;
        const seen = byKey.get(key);
        if (seen) expect(item, key).toEqual(seen);
        byKey.set(key, item);
      }
    });

    it('state no evidence date after the as-of date', () => {
      for (const { sourceId, item } of scanned) {
        for (const date of [item.publishedAt, item.updatedAt]) {
          if (date !== undefined) {
            expect(date.slice(0, 10) <= labels.asOf, `${sourceId} ${item.itemKey}: ${date}`).toBe(true);
          }
        }
      }
    });
  });

  describe('labels', () => {
    it('are judged as of 2026-12-01 and hold at least 64 products with unique ids and matches', () => {
      expect(labels.asOf).toBe('2026-12-01');
      expect(products.length).toBeGreaterThanOrEqual(64);
      expect(byId.size).toBe(products.length);
      const needles = products.map((product) => product.match.nameIncludes.toLowerCase());
      expect(new Set(needles).size).toBe(needles.length);
    });

    it('find every product in the scanned items, and no item for two products', () => {
      for (const product of products) {
        expect(
          scanned.some(({ item }) => matches(product, item)),
          `${product.id}: no item title or trade name includes "${product.match.nameIncludes}"`,
        ).toBe(true);
      }
      for (const { sourceId, item } of scanned) {
        const owners = products.filter((product) => matches(product, item)).map((product) => product.id);
        expect(owners.length, `${sourceId} "${item.title}" matches ${owners.join(', ')}`).toBeLessThanOrEqual(
          1,
        );
      }
    });

    it('keep routing, status, label and stage consistent with one another', () => {
      for (const product of products) {
        const where = product.id;
        expect(product.label === 'already-handled', where).toBe(product.status.startsWith('hanteras-av-'));
        if (product.status === 'hanteras-av-mtp-radet') expect(product.routing, where).toBe('MTP-rådet');
        if (product.status === 'hanteras-av-nt-radet') expect(product.routing, where).toBe('NT-rådet');
        expect(product.label === 'out-of-remit', where).toBe(product.routing === 'utanför');
        if (product.label === 'established') expect(product.stage, where).toBe('established');
        if (product.label === 'should-nominate') {
          expect(['pre-market', 'market-entry'], where).toContain(product.stage);
        }
        if (product.kind === 'drug') expect(['NT-rådet', 'TLV', 'båda'], where).toContain(product.routing);
        else expect(['MTP-rådet', 'båda', 'utanför'], where).toContain(product.routing);
        expect(product.status === 'omprovning', where).toBe(product.tags.includes('reconsider'));
      }
    });

    it('cover pre-market high-risk devices, AI decision support and IVDs', () => {
      const preMarket = tagged('pre-market-high-risk');
      expect(preMarket.length).toBeGreaterThanOrEqual(8);
      for (const product of preMarket) {
        expect([product.kind, product.stage], product.id).toEqual(['device', 'pre-market']);
      }
      const ai = tagged('ai-decision-support');
      expect(ai.length).toBeGreaterThanOrEqual(6);
      for (const product of ai) expect(product.stage, product.id).toBe('market-entry');
      const ivd = tagged('ivd');
      expect(ivd.length).toBeGreaterThanOrEqual(4);
      for (const product of ivd) expect(product.kind, product.id).toBe('ivd');
    });

    it('pair each new generation with its established predecessor from the same source names', () => {
      const newGenerations = tagged('new-generation');
      expect(newGenerations.length).toBeGreaterThanOrEqual(6);
      for (const product of newGenerations) {
        expect(['pre-market', 'market-entry'], product.id).toContain(product.stage);
        const predecessor = byId.get(product.predecessor ?? '');
        expect(predecessor, `${product.id} names no known predecessor`).toBeDefined();
        expect(predecessor!.tags, predecessor!.id).toContain('predecessor');
        expect([predecessor!.label, predecessor!.stage], predecessor!.id).toEqual([
          'established',
          'established',
        ]);
      }
      expect(tagged('predecessor').length).toBe(newGenerations.length);
    });

    it('hold established products, some of them in important areas', () => {
      const established = tagged('established');
      expect(established.length).toBeGreaterThanOrEqual(10);
      for (const product of established) expect(product.label, product.id).toBe('established');
      const important = established.filter((product) => /cancer|diabetes/i.test(product.reason));
      expect(important.length).toBeGreaterThanOrEqual(2);
    });

    it("hold products, methods and drugs on the councils' lists, two of them to reconsider", () => {
      const listed = tagged('council-listed');
      expect(listed.filter((product) => product.kind !== 'drug').length).toBeGreaterThanOrEqual(6);
      expect(listed.filter((product) => product.kind === 'drug').length).toBeGreaterThanOrEqual(4);
      expect(tagged('reconsider').length).toBeGreaterThanOrEqual(2);
      for (const product of listed) {
        const onList = scanned.some(
          ({ sourceId, item }) =>
            sourceId === 'council-lists' && item.kind === 'council-decision' && matches(product, item),
        );
        expect(onList, `${product.id} is not on a council list`).toBe(true);
      }
    });

    it("tell requisition drugs from prescription drugs, with one of seed 004's exceptions", () => {
      const requisition = tagged('requisition-drug');
      expect(requisition.length).toBeGreaterThanOrEqual(4);
      for (const product of requisition) {
        expect([product.kind, product.routing], product.id).toEqual(['drug', 'NT-rådet']);
      }
      const prescription = tagged('prescription-drug');
      expect(prescription.length).toBeGreaterThanOrEqual(3);
      const exceptions = tagged('prescription-exception');
      expect(exceptions.length).toBeGreaterThanOrEqual(1);
      for (const product of prescription) {
        expect(product.routing, product.id).toBe(
          product.tags.includes('prescription-exception') ? 'NT-rådet' : 'TLV',
        );
      }
      expect(prescription.filter((product) => product.routing === 'TLV').length).toBeGreaterThanOrEqual(3);
    });

    it('hold methods whose only evidence is HTA reports', () => {
      const methods = tagged('hta-method');
      expect(methods.length).toBeGreaterThanOrEqual(6);
      for (const product of methods) {
        expect(product.kind, product.id).toBe('method');
        const kinds = new Set(
          scanned.filter(({ item }) => matches(product, item)).map(({ item }) => item.kind),
        );
        expect([...kinds], product.id).toEqual(['hta-report']);
      }
    });

    it('hold new low-importance products and products outside the remit', () => {
      const low = tagged('low-importance');
      expect(low.length).toBeGreaterThanOrEqual(4);
      for (const product of low) {
        expect([product.label, product.stage], product.id).toEqual(['low', 'market-entry']);
      }
      const outside = tagged('out-of-remit');
      expect(outside.length).toBeGreaterThanOrEqual(2);
      for (const product of outside) expect(product.label, product.id).toBe('out-of-remit');
    });
  });
});
