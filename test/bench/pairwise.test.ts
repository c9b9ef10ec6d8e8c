import { describe, expect, it } from 'vitest';
import { pairwiseQuality } from '../../bench/lib/pairwise.js';

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
