import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';
import type { HorisontConfig } from '../../src/config/load.js';
import { parseEnv } from '../../src/env.js';
import { loadEvalSet } from './eval-set.js';
import type { EvalEntry } from './eval-set.js';
import { evaluateLinkage, shuffled } from './evaluate.js';
import type { EvaluationRun } from './evaluate.js';

/**
 * The production resolver on the ground-truth set (test/fixtures/linkage), on PostgreSQL: the
 * quality bounds of issue #4, and the same clusters whatever the arrival order and however many
 * workers resolve at once.
 */
const databaseUrl = parseEnv().DATABASE_URL;
let config: HorisontConfig;
let entries: EvalEntry[];
let inOrder: EvaluationRun;

beforeAll(async () => {
  config = await loadConfig(DEFAULT_CONFIG_DIR);
  entries = loadEvalSet();
  inOrder = await evaluateLinkage(entries, { databaseUrl, config });
});

describe('identity resolution on the evaluation set', () => {
  it('links with pairwise precision ≥ 0.98 and F1 ≥ 0.95', () => {
    const { precision, f1 } = inOrder.scores;
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(f1).toBeGreaterThanOrEqual(0.95);
  });

  it('flags possible duplicates that mostly are: at least half of the flagged pairs are one product', () => {
    expect(inOrder.flags.flaggedPairs).toBeGreaterThan(0);
    expect(inOrder.flags.precision).toBeGreaterThanOrEqual(0.5);
  });

  it.each([3, 7, 11])('gives the same clusters when the items arrive shuffled (seed %i)', async (seed) => {
    const run = await evaluateLinkage(entries, {
      databaseUrl,
      config,
      order: shuffled(entries.length, seed),
    });
    expect(run.clusters).toEqual(inOrder.clusters);
  });

  it('gives the same clusters with four concurrent workers as with one', async () => {
    const run = await evaluateLinkage(entries, {
      databaseUrl,
      config,
      order: shuffled(entries.length, 2026),
      workers: 4,
      batchSize: 5,
    });
    expect(run.clusters).toEqual(inOrder.clusters);
  });
});
