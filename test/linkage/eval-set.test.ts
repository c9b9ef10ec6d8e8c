import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { HorisontConfig } from '../../src/config/load.js';
import { RawItem } from '../../src/domain/item.js';
import { EVAL_SET_DIR, HARD_CASES, hardCasesOf, loadEvalSet } from './eval-set.js';
import type { EvalEntry } from './eval-set.js';

/**
 * Checks the evaluation set itself, not the resolver: size, spread over sources and languages,
 * items exactly as adapters emit them, and labels that say what the items show.
 */

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
/** The day the set was compiled: no source could have stated a later date. */
const COMPILED = '2026-11-23';

const entries = loadEvalSet();
let config: HorisontConfig;

beforeAll(async () => {
  config = await loadConfig(CONFIG_DIR);
});

function groupBy<T>(values: readonly T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return groups;
}

const byCluster = groupBy(entries, (entry) => entry.cluster);

/**
 * A UDI-DI as GTIN-14 (without "(01)", spaces, and padded), or undefined when it is not a GTIN.
 * Written here on purpose rather than imported: the set must be checked independently of the
 * normaliser it evaluates.
 */
function gtin14(udiDi: string): string | undefined {
  const digits = udiDi.replace(/^\(01\)/, '').replace(/\s+/g, '');
  if (!/^\d{8}$|^\d{12,14}$/.test(digits)) return undefined;
  return digits.padStart(14, '0');
}

function validCheckDigit(gtin: string): boolean {
  const body = [...gtin.slice(0, -1)].reverse();
  const sum = body.reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === Number(gtin.at(-1));
}

function hasIdentifier(entry: EvalEntry): boolean {
  const product = entry.item.product;
  return Boolean(
    product?.udiDi ||
    product?.basicUdiDi ||
    entry.item.drug?.emaProductNumber ||
    (entry.item.references?.length ?? 0) > 0,
  );
}

function labelled(label: string): EvalEntry[] {
  return entries.filter((entry) => hardCasesOf(entry).includes(label));
}

describe('the linkage evaluation set (test/fixtures/linkage)', () => {
  it('holds at least 300 items from at least 6 configured sources', () => {
    expect(entries.length).toBeGreaterThanOrEqual(300);
    const sources = new Set(entries.map((entry) => entry.sourceId));
    expect(sources.size).toBeGreaterThanOrEqual(6);
    const configured = new Set(config.sources.map((source) => source.id));
    for (const source of sources) expect(configured.has(source), source).toBe(true);
  });

  it('has items in Swedish, English and Norwegian', () => {
    const languages = new Set(entries.map((entry) => entry.item.language));
    for (const language of ['sv', 'en', 'no']) expect(languages.has(language as 'sv')).toBe(true);
  });

  it('gives each item exactly as the RawItem schema keeps it (no field the adapters do not emit)', () => {
    const files = groupBy(entries, (entry) => entry.sourceId);
    for (const source of files.keys()) {
      const raw = JSON.parse(readFileSync(`${EVAL_SET_DIR}${source}.json`, 'utf8')) as Array<{
        item: unknown;
      }>;
      for (const { item } of raw) expect(RawItem.parse(item)).toEqual(item);
    }
  });

  it('matches each regional HTA unit to its configured region', () => {
    for (const source of config.sources.filter((s) => s.adapterId === 'regional-hta-list')) {
      const region = (source.options as { region?: string }).region;
      for (const entry of entries.filter((e) => e.sourceId === source.id)) {
        expect(entry.item.region, entry.item.itemKey).toBe(region);
      }
    }
  });

  it('repeats no item key within a source', () => {
    for (const [source, items] of groupBy(entries, (entry) => entry.sourceId)) {
      const keys = items.map((entry) => entry.item.itemKey);
      expect(new Set(keys).size, source).toBe(keys.length);
    }
  });

  it('has at least 60 clusters, at least 30 with items from two or more sources, and singletons', () => {
    expect(byCluster.size).toBeGreaterThanOrEqual(60);
    const clusters = [...byCluster.values()];
    const multiSource = clusters.filter((items) => new Set(items.map((e) => e.sourceId)).size >= 2);
    expect(multiSource.length).toBeGreaterThanOrEqual(30);
    expect(clusters.filter((items) => items.length === 1).length).toBeGreaterThanOrEqual(10);
  });

  it('has at least five methods or products in all three languages', () => {
    const trilingual = [...byCluster.values()].filter(
      (items) => new Set(items.map((e) => e.item.language).filter(Boolean)).size === 3,
    );
    expect(trilingual.length).toBeGreaterThanOrEqual(5);
  });

  it('uses only known labels, labels every hard-case category, and the README counts them', () => {
    const counts = new Map<string, number>();
    for (const entry of entries) {
      for (const label of hardCasesOf(entry)) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    for (const label of counts.keys()) expect(Object.keys(HARD_CASES), label).toContain(label);
    for (const label of Object.keys(HARD_CASES)) {
      expect(counts.get(label) ?? 0, label).toBeGreaterThanOrEqual(3);
    }

    const readme = readFileSync(`${EVAL_SET_DIR}README.md`, 'utf8');
    const table = new Map(
      [...readme.matchAll(/^\| `([a-z-]+)` \| (\d+) \|/gm)].map((match) => [match[1]!, Number(match[2])]),
    );
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(counts));

    const multiSource = [...byCluster.values()].filter(
      (items) => new Set(items.map((e) => e.sourceId)).size >= 2,
    );
    const sources = new Set(entries.map((entry) => entry.sourceId));
    expect(readme).toContain(`${entries.length} items from ${sources.size} sources`);
    expect(readme).toContain(
      `${byCluster.size} clusters: ${multiSource.length} with items from two or more sources`,
    );
  });

  it('labels honestly where the item shows it', () => {
    for (const entry of labelled('no-identifier')) {
      expect(hasIdentifier(entry), entry.item.itemKey).toBe(false);
    }
    for (const entry of labelled('manufacturer-only')) {
      expect(entry.item.product, entry.item.itemKey).toBeUndefined();
    }
    for (const entry of labelled('udi-format')) {
      const udiDi = entry.item.product?.udiDi ?? '';
      expect(udiDi, entry.item.itemKey).not.toMatch(/^\d{14}$/);
      expect(gtin14(udiDi), entry.item.itemKey).toBeDefined();
    }
    for (const entry of labelled('shared-basic-udi')) {
      const siblings = byCluster
        .get(entry.cluster)!
        .filter(
          (other) => other !== entry && other.item.product?.basicUdiDi === entry.item.product?.basicUdiDi,
        );
      expect(siblings.length, entry.item.itemKey).toBeGreaterThan(0);
    }
    for (const entry of labelled('translated')) {
      const languages = new Set(
        byCluster
          .get(entry.cluster)!
          .map((e) => e.item.language)
          .filter(Boolean),
      );
      expect(languages.size, entry.item.itemKey).toBeGreaterThanOrEqual(2);
    }
    for (const entry of labelled('shared-pma')) {
      const pma = entry.item.references?.find((r) => r.scheme === 'fda-pma')?.value;
      const elsewhere = entries.filter(
        (other) =>
          other.cluster !== entry.cluster &&
          other.item.references?.some((r) => r.scheme === 'fda-pma' && r.value === pma),
      );
      expect(elsewhere.length, entry.item.itemKey).toBeGreaterThan(0);
    }
    // Every identifier-less item in a cluster with others is labelled, so the count means something.
    const unlabelled = entries.filter(
      (entry) =>
        !hasIdentifier(entry) &&
        byCluster.get(entry.cluster)!.length > 1 &&
        !hardCasesOf(entry).includes('no-identifier'),
    );
    expect(unlabelled.map((entry) => entry.item.itemKey)).toEqual([]);
  });

  it('writes every UDI-DI as a GTIN with a valid GS1 check digit, however it is formatted', () => {
    for (const entry of entries) {
      const udiDi = entry.item.product?.udiDi;
      if (udiDi === undefined) continue;
      const gtin = gtin14(udiDi);
      expect(gtin, udiDi).toBeDefined();
      expect(validCheckDigit(gtin!), udiDi).toBe(true);
    }
  });

  it("puts items sharing a UDI-DI, Basic UDI-DI (a certificate scope's too), NCT number or Nye Metoder id in one cluster", () => {
    const keys = (entry: EvalEntry): string[] => {
      const product = entry.item.product;
      const gtin = product?.udiDi === undefined ? undefined : gtin14(product.udiDi);
      return [
        ...(gtin ? [`udi:${gtin}`] : []),
        ...(product?.basicUdiDi ? [`basic:${product.basicUdiDi}`] : []),
        ...(entry.item.certificate?.scopes ?? []).flatMap((scope) =>
          scope.basicUdiDi ? [`basic:${scope.basicUdiDi}`] : [],
        ),
        ...(entry.item.references ?? [])
          .filter((r) => r.scheme === 'nct' || r.scheme === 'nye-metoder')
          .map((r) => `${r.scheme}:${r.value}`),
      ];
    };
    const clustersByKey = new Map<string, Set<string>>();
    for (const entry of entries) {
      for (const key of keys(entry)) {
        clustersByKey.set(key, (clustersByKey.get(key) ?? new Set()).add(entry.cluster));
      }
    }
    const split = [...clustersByKey].filter(([, clusters]) => clusters.size > 1).map(([key]) => key);
    expect(split).toEqual([]);
  });

  it(`states no date after the set was compiled (${COMPILED})`, () => {
    for (const entry of entries) {
      for (const date of [entry.item.publishedAt, entry.item.updatedAt]) {
        if (date !== undefined) {
          expect(date.slice(0, 10) <= COMPILED, `${entry.item.itemKey}: ${date}`).toBe(true);
        }
      }
    }
  });
});
