import { describe, expect, it } from 'vitest';
import {
  allowedEdits,
  boundedEditDistance,
  LinkageIndex,
  pairwiseQuality,
  resolveDuplicates,
} from './linkage.js';
import type { LinkageRecord } from './linkage.js';

describe('boundedEditDistance', () => {
  it.each([
    ['identical', 'velora', 'velora', 2, 0],
    ['substitution', 'velora', 'vel0ra', 2, 1],
    ['first character', 'velora', 'xelora', 2, 1],
    ['insertion', 'velora', 'veloara', 2, 1],
    ['deletion', 'velora', 'elora', 2, 1],
    ['adjacent transposition counts once', 'velora', 'evlora', 2, 1],
    ['two edits', 'velora', 'xelorb', 2, 2],
    ['over the cap', 'velora', 'quistan', 2, 3],
    ['length difference over the cap', 'ab', 'abcdef', 2, 3],
    ['empty', '', 'abc', 5, 3],
  ])('%s', (_name, a, b, max, expected) => {
    expect(boundedEditDistance(a, b, max)).toBe(expected);
  });

  it('allows more edits for longer names', () => {
    expect([3, 4, 7, 8, 20].map(allowedEdits)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('resolveDuplicates', () => {
  const records: LinkageRecord[] = [
    // 0–3: one device under four registrations.
    { udiDi: '05021791005734', tradeName: 'Velora Stent X200', manufacturer: 'Mölnlycke Health Care AB' },
    {
      udiDi: '(01)05021791005734',
      tradeName: 'VELORA STENT X200',
      manufacturer: 'Molnlycke Health Care AB (publ)',
    },
    { tradeName: 'Xelora Stent X200', manufacturer: 'Mölnlycke Health Care AB' },
    { udiDi: '5021791005734', tradeName: 'Velora® Stent X200', manufacturer: 'MÖLNLYCKE HEALTH CARE' },
    // 4: the same brand, another model: another device.
    { udiDi: '05021791004805', tradeName: 'Velora Stent X300', manufacturer: 'Mölnlycke Health Care AB' },
    // 5: the same trade name from another company: another device.
    { udiDi: '04006381333931', tradeName: 'Velora Stent X200', manufacturer: 'Quistan Medical GmbH' },
    // 6: a typo in the first letters, no UDI-DI, legal form spelt out.
    { tradeName: 'Qiustan Flow G7', manufacturer: 'Quistan Medical G.m.b.H.' },
    { udiDi: '00614141999996', tradeName: 'Quistan Flow G7', manufacturer: 'Quistan Medical GmbH' },
  ];

  it('links shared and reformatted UDI-DIs, typos and legal-form and diacritic variants', () => {
    const { clusters, stats } = resolveDuplicates(records);
    const c = Array.from(clusters);
    expect(new Set([c[0], c[1], c[2], c[3]]).size).toBe(1);
    expect(c[6]).toBe(c[7]);
    expect(stats.exactUdiLinks).toBe(2);
  });

  it('keeps other models, other companies and other UDI-DIs apart', () => {
    const c = Array.from(resolveDuplicates(records).clusters);
    expect(c[4]).not.toBe(c[0]);
    expect(c[5]).not.toBe(c[0]);
    expect(c[6]).not.toBe(c[0]);
    expect(new Set(c).size).toBe(4);
  });

  it('never chains two different UDI-DIs together through a record without one', () => {
    const { clusters, stats } = resolveDuplicates([
      { udiDi: '05021791005734', tradeName: 'Lumo Pump 12', manufacturer: 'Acme AB' },
      { tradeName: 'Lumo Pump 12', manufacturer: 'Acme AB' },
      { udiDi: '04006381333931', tradeName: 'Lumo Pump 12', manufacturer: 'Acme AB' },
    ]);
    expect(clusters[0]).not.toBe(clusters[2]);
    expect(stats.refusedByUdi).toBeGreaterThan(0);
  });

  it('learns a manufacturer rename from shared UDI-DIs and links records by name under either', () => {
    const renamed: LinkageRecord[] = [
      { udiDi: '05021791005734', tradeName: 'Alpha One 1', manufacturer: 'Old Name AB' },
      { udiDi: '05021791005734', tradeName: 'Alpha One 1', manufacturer: 'New Name AB' },
      { udiDi: '05021791004805', tradeName: 'Beta Two 2', manufacturer: 'Old Name AB' },
      { udiDi: '05021791004805', tradeName: 'Beta Two 2', manufacturer: 'New Name AB' },
      { udiDi: '04006381333931', tradeName: 'Gamma Three 3', manufacturer: 'Old Name AB' },
      { tradeName: 'Gamma Thre 3', manufacturer: 'New Name AB' },
    ];
    const { clusters, stats } = resolveDuplicates(renamed);
    expect(stats.manufacturerAliases).toBe(1);
    expect(clusters[4]).toBe(clusters[5]);
  });

  it('gives the same clusters whatever the input order', () => {
    const forward = Array.from(resolveDuplicates(records).clusters);
    const reversed = Array.from(resolveDuplicates([...records].reverse()).clusters).reverse();
    const same = (c: number[]) => c.map((x) => c.indexOf(x));
    expect(same(reversed)).toEqual(same(forward));
  });
});

describe('LinkageIndex.link', () => {
  it('links new records against the index and among themselves', () => {
    const index = LinkageIndex.build([
      { udiDi: '05021791005734', tradeName: 'Velora Stent X200', manufacturer: 'Acme AB' },
      { tradeName: 'Quistan Flow G7', manufacturer: 'Beta GmbH' },
    ]);
    const linked = index.link([
      { tradeName: 'Velroa Stent X200', manufacturer: 'Acme' },
      { tradeName: 'Quistan Flow G7', manufacturer: 'Beta G.m.b.H.' },
      { tradeName: 'Novel Device 9', manufacturer: 'Gamma Oy' },
      { tradeName: 'Novell Device 9', manufacturer: 'Gamma' },
    ]);
    expect(index.size).toBe(6);
    expect(linked[0]).toBe(index.clusterOf(0));
    expect(linked[1]).toBe(index.clusterOf(1));
    expect(linked[2]).toBe(linked[3]);
    expect(linked[2]).not.toBe(index.clusterOf(0));
  });
});

describe('pairwiseQuality', () => {
  it('counts pairs within clusters against pairs within true entities', () => {
    // Truth: {0,1,2} {3}; predicted: {0,1} {2,3}.
    expect(pairwiseQuality([0, 0, 2, 2], [0, 0, 0, 1])).toEqual({
      precision: 0.5,
      recall: 1 / 3,
      truePositives: 1,
      predictedPairs: 2,
      truePairs: 3,
    });
  });
});
