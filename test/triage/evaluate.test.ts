import { describe, expect, it } from 'vitest';
import { UNKNOWN, boundFailures, judgeTriage } from './evaluate.js';
import type { ScoredCandidate } from './evaluate.js';
import type { Labels, Product } from './labels.js';

// The metric definitions of the triage evaluation on a handful of hand-made candidates.

function product(id: string, label: Product['label'], extra: Partial<Product> = {}): Product {
  return {
    id,
    match: { nameIncludes: id },
    kind: 'device',
    label,
    routing: 'MTP-rådet',
    status: 'ej-hanterad',
    stage: label === 'established' ? 'established' : 'market-entry',
    tags: ['established'],
    reason: 'A product written for the metric definitions of the evaluation.',
    ...extra,
  };
}

function ranked(
  rows: Array<Partial<ScoredCandidate> & { name: string; total: number | null }>,
): ScoredCandidate[] {
  return rows.map((row, index) => ({
    id: `c${index}`,
    rank: index + 1,
    band: 'medel',
    council: 'MTP-rådet',
    nominate: false,
    stage: UNKNOWN,
    processStatus: UNKNOWN,
    ...row,
  }));
}

const labels = (...products: Product[]): Labels => ({ asOf: '2026-12-01', products });

describe('judgeTriage', () => {
  it('counts a pair right only when the should-nominate product scores strictly higher', () => {
    const e = judgeTriage(
      labels(
        product('alfa', 'should-nominate'),
        product('beta', 'should-nominate'),
        product('gamma', 'should-nominate'),
        product('delta', 'established'),
        product('epsilon', 'low'),
      ),
      ranked([
        { name: 'Alfa', total: 60 },
        { name: 'Beta', total: 40 },
        { name: 'Delta', total: 40 },
      ]),
    );
    // alfa beats delta and the missing epsilon; beta ties delta (wrong) and beats epsilon;
    // gamma has no candidate and loses both.
    expect(e.pairwise).toMatchObject({ correct: 3, total: 6 });
    expect(e.pairwise.wrong).toEqual([
      { shouldNominate: 'beta', other: 'delta' },
      { shouldNominate: 'gamma', other: 'delta' },
      { shouldNominate: 'gamma', other: 'epsilon' },
    ]);
    expect(e.missing).toEqual(['gamma', 'epsilon']);
  });

  it("takes the best-ranked candidate for a product's rank, and every candidate for flags", () => {
    const e = judgeTriage(
      labels(product('alfa', 'should-nominate'), product('delta', 'established')),
      ranked([
        { name: 'Alfa System', total: 70, band: 'hög' },
        { name: 'Delta', total: 50 },
        { name: 'Alfa', total: 20, council: 'utanför' },
        { name: 'Delta Pod', total: 10, nominate: true },
      ]),
    );
    expect(e.pairwise.value).toBe(1);
    expect(e.recall).toMatchObject({ correct: 1, total: 1 });
    expect(e.routing).toMatchObject({ correct: 2, total: 2 });
    expect(e.establishedFlagged.map((f) => f.candidate.name)).toEqual(['Delta Pod']);
    expect(e.split).toEqual([
      { product: 'alfa', candidates: ['Alfa System', 'Alfa'] },
      { product: 'delta', candidates: ['Delta', 'Delta Pod'] },
    ]);
    expect(boundFailures(e)).toEqual(['1 established/low candidate(s) in the top band or nominated']);
  });

  it('matches routing exactly and tabulates label against council', () => {
    const e = judgeTriage(
      labels(
        product('alfa', 'should-nominate'),
        product('beta', 'should-nominate', { kind: 'drug', routing: 'NT-rådet' }),
      ),
      ranked([
        { name: 'Alfa', total: 50, council: 'båda' },
        { name: 'Beta', total: 40, council: 'NT-rådet' },
      ]),
    );
    expect(e.routing).toMatchObject({ correct: 1, total: 2 });
    expect(e.routing.confusion).toEqual({ 'MTP-rådet': { båda: 1 }, 'NT-rådet': { 'NT-rådet': 1 } });
    expect(boundFailures(e)).toEqual(['routing 0.500 < 0.98']);
  });

  it('wants council-listed products recognised, and only a reconsideration nominated', () => {
    const e = judgeTriage(
      labels(
        product('alfa', 'already-handled', { status: 'hanteras-av-mtp-radet' }),
        product('beta', 'should-nominate', { status: 'omprovning' }),
        product('gamma', 'already-handled', { status: 'hanteras-av-mtp-radet' }),
      ),
      ranked([
        { name: 'Beta', total: 70, nominate: true, processStatus: 'omprovning' },
        { name: 'Alfa', total: 60, nominate: true, processStatus: 'hanteras-av-mtp-radet' },
        { name: 'Gamma', total: 10 },
      ]),
    );
    expect(e.alreadyHandled.products).toBe(3);
    expect(e.alreadyHandled.unrecognised).toEqual([
      { product: 'gamma', candidate: 'Gamma', expected: 'hanteras-av-mtp-radet', actual: UNKNOWN },
    ]);
    expect(e.alreadyHandled.nominated.map((f) => f.product)).toEqual(['alfa']);
    expect(e.status).toMatchObject({ correct: 2, total: 3 });
  });
});
