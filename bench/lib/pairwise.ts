/**
 * Pairwise quality of a clustering against ground truth (W3): every pair of records put in one
 * cluster is a predicted link; every pair of records of one true entity is a true link.
 */
export interface PairwiseQuality {
  precision: number;
  recall: number;
  truePositives: number;
  predictedPairs: number;
  truePairs: number;
}

export function pairwiseQuality(predicted: ArrayLike<number>, truth: ArrayLike<number>): PairwiseQuality {
  if (predicted.length !== truth.length) throw new Error('pairwiseQuality: lengths differ');
  const pairs = (n: number): number => (n * (n - 1)) / 2;
  const cells = new Map<number, number>();
  const clusterSizes = new Map<number, number>();
  const entitySizes = new Map<number, number>();
  let stride = 1;
  for (let i = 0; i < truth.length; i++) stride = Math.max(stride, truth[i]! + 1);
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    const cell = p * stride + t;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    clusterSizes.set(p, (clusterSizes.get(p) ?? 0) + 1);
    entitySizes.set(t, (entitySizes.get(t) ?? 0) + 1);
  }
  let truePositives = 0;
  for (const n of cells.values()) truePositives += pairs(n);
  let predictedPairs = 0;
  for (const n of clusterSizes.values()) predictedPairs += pairs(n);
  let truePairs = 0;
  for (const n of entitySizes.values()) truePairs += pairs(n);
  return {
    precision: predictedPairs === 0 ? 1 : truePositives / predictedPairs,
    recall: truePairs === 0 ? 1 : truePositives / truePairs,
    truePositives,
    predictedPairs,
    truePairs,
  };
}
