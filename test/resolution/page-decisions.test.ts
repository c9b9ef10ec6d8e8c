import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { RawItem } from '../../src/domain/item.js';
import { normaliseManufacturer } from '../../src/domain/normalise.js';
import { ResolutionSettings } from '../../src/domain/resolution.js';
import type { PageLookup, PageItem, ResolverContext } from '../../src/domain/resolver.js';
import { decidePage, pageEntries } from '../../src/domain/resolver.js';

const ctx: ResolverContext = {
  settings: ResolutionSettings.parse(
    parse(readFileSync(new URL('../../config/resolution.yaml', import.meta.url), 'utf8')),
  ),
  manufacturerKey: normaliseManufacturer,
  relatedMakers: () => false,
};

/** Nothing stored yet: the page decides among its own entries. */
const EMPTY: PageLookup = {
  owners: new Map(),
  namesByBlock: new Map(),
  candidates: new Map(),
  pins: new Map(),
  separated: new Set(),
  waiting: [],
};

const item = (id: number, sourceId: string, raw: Omit<RawItem, 'url'>): PageItem => ({
  id,
  sourceId,
  item: { url: `https://example.org/${id}`, ...raw },
});

// Inspire Medical Systems' Inspire V, cleared by the FDA and registered in EUDAMED, and another
// company's "Inspire V" under a certificate: the same name, and makers sharing their first word.
const clearance = item(1, 'openfda-devices', {
  itemKey: 'P130008S099',
  kind: 'device',
  title: 'Inspire V System (PMA P130008 S099)',
  product: { tradeName: 'Inspire V System', manufacturer: 'Inspire Medical Systems, Inc.' },
});
const registration = item(2, 'eudamed-devices', {
  itemKey: '00851016005028',
  kind: 'device',
  title: 'Inspire V Implantable Pulse Generator',
  product: {
    tradeName: 'Inspire V Implantable Pulse Generator',
    manufacturer: 'Inspire Medical Systems, Inc.',
    manufacturerSrn: 'US-MF-000015390',
    udiDi: '00851016005028',
    basicUdiDi: '851016INSPIREVUAS9',
  },
});
const certificate = item(3, 'eudamed-certificates', {
  itemKey: '0459:52177 rev. 0',
  kind: 'certificate',
  title: 'MDR quality management system certificate 52177 rev. 0 (notified body 0459)',
  certificate: {
    number: '52177 rev. 0',
    manufacturer: 'Inspire Surgical SAS',
    manufacturerSrn: 'FR-MF-000041233',
    scopes: [{ basicUdiDi: '3701222INSPIREVHL4', name: 'Inspire V' }],
  },
});

/** The page's items grouped by the candidate each ends on. */
function groups(items: PageItem[]): number[][] {
  const entries = pageEntries(items, ctx);
  const decision = decidePage(entries, EMPTY, ctx);
  const byCandidate = new Map<string, number[]>();
  for (const link of decision.links) {
    const itemId = entries[link.entry]!.itemId;
    byCandidate.set(link.candidate, [...(byCandidate.get(link.candidate) ?? []), itemId]);
  }
  return [...byCandidate.values()].map((ids) => ids.sort()).sort((a, b) => a[0]! - b[0]!);
}

describe('decidePage: names on one page', () => {
  it("links a name to its own maker's product rather than to a namesake's whose maker shares a word", () => {
    expect(groups([clearance, registration, certificate])).toEqual([[1, 2], [3]]);
  });

  it('never joins two makers through a third entry that matches both', () => {
    // Without the registration, the clearance matches only the namesake, by the makers' shared
    // first word; with a second registration of another maker it matches two that conflict.
    const other = item(4, 'eudamed-devices', {
      itemKey: '05999999000017',
      kind: 'device',
      title: 'Inspire V',
      product: {
        tradeName: 'Inspire V',
        manufacturer: 'Inspire Instruments GmbH',
        manufacturerSrn: 'DE-MF-000099123',
        basicUdiDi: '5999999INSPIREV01',
      },
    });
    expect(groups([clearance, certificate, other])).toEqual([[1], [3], [4]]);
  });

  // NordHeart Medical's pacemaker, and a Swedish HTA title naming it by the maker's name alone.
  const pacemaker = item(5, 'openfda-devices', {
    itemKey: 'P250012',
    kind: 'device',
    title: 'NordHeart Leadless Atrial Pacemaker System (PMA P250012)',
    product: {
      tradeName: 'NordHeart Leadless Atrial Pacemaker System',
      manufacturer: 'NordHeart Medical AB',
    },
  });
  const hta = item(6, 'hta-vgr', {
    itemKey: '/hta/blyfri-formakspacemaker-nordheart',
    kind: 'hta-report',
    title: 'Blyfri förmakspacemaker (NordHeart) – tidig bedömning',
    language: 'sv',
  });
  const lead = item(7, 'openfda-devices', {
    itemKey: 'P250013',
    kind: 'device',
    title: 'NordHeart Ventricular Lead (PMA P250013)',
    product: { tradeName: 'NordHeart Ventricular Lead', manufacturer: 'NordHeart Medical AB' },
  });

  it("links a product named by its maker's name in an HTA title to the maker's one product", () => {
    expect(groups([pacemaker, hta])).toEqual([[5, 6]]);
  });

  it("keeps a maker's name apart when the maker has two products by that name", () => {
    expect(groups([pacemaker, hta, lead])).toEqual([[5], [6], [7]]);
  });
});

describe('decidePage: generation markers', () => {
  it('links "Name Gen 2" in a trial title to the registered "Name 2", never to "Name 3"', () => {
    const registration = (id: number, name: string, basic: string): PageItem =>
      item(id, 'eudamed-devices', {
        itemKey: `0735000000${id}`,
        kind: 'device',
        title: name,
        product: {
          tradeName: name,
          manufacturer: 'Kavoro Medical AB',
          manufacturerSrn: 'SE-MF-000077001',
          basicUdiDi: basic,
        },
      });
    const trial = item(3, 'clinicaltrials', {
      itemKey: 'NCT07000001',
      kind: 'trial',
      title: 'Kavoro Gen 2 in Patients With Heart Failure',
      language: 'en',
      product: { tradeName: 'Kavoro Gen 2', manufacturer: 'Karolinska Institutet' },
    });
    const news = item(4, 'tlv', {
      itemKey: '/nyheter/kavoro',
      kind: 'news',
      title: 'TLV inleder hälsoekonomisk bedömning av Kavoro Gen 2 vid hjärtsvikt',
      language: 'sv',
    });
    expect(
      groups([
        registration(1, 'Kavoro 2', '7350000KAVORO2A'),
        registration(2, 'Kavoro 3', '7350000KAVORO3B'),
        trial,
        news,
      ]),
    ).toEqual([[1, 3, 4], [2]]);
  });
});
