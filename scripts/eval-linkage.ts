/**
 * `npm run eval:linkage`: resolves the ground-truth set (test/fixtures/linkage) with the
 * production resolver on PostgreSQL ($DATABASE_URL, a schema of its own) and prints pairwise
 * precision, recall and F1. `--verbose` lists every wrong and missed link; `--explain <cluster,…>`
 * shows how the items of those ground-truth clusters were linked.
 */
import { DEFAULT_CONFIG_DIR, loadConfig } from '../src/config/load.js';
import { parseEnv } from '../src/env.js';
import { loadEvalSet } from '../test/linkage/eval-set.js';
import { evaluateLinkage } from '../test/linkage/evaluate.js';

const env = parseEnv();
const config = await loadConfig(env.HORISONT_CONFIG_DIR ?? DEFAULT_CONFIG_DIR);
const entries = loadEvalSet();
const explainAt = process.argv.indexOf('--explain');
const explain = explainAt > 0 ? (process.argv[explainAt + 1] ?? '').split(',') : [];
const run = await evaluateLinkage(entries, { databaseUrl: env.DATABASE_URL, config, explain });
const { scores } = run;
const clusters = new Set(entries.map((e) => e.cluster)).size;
console.log(
  JSON.stringify({
    workload: 'eval:linkage',
    settings: `${config.files.resolution} (version ${config.resolution.version})`,
    items: scores.items,
    clusters,
    predictedClusters: run.clusters.length,
    truePairs: scores.truePairs,
    predictedPairs: scores.predictedPairs,
    correctPairs: scores.correctPairs,
    precision: Number(scores.precision.toFixed(4)),
    recall: Number(scores.recall.toFixed(4)),
    f1: Number(scores.f1.toFixed(4)),
    flaggedPairs: run.flags.flaggedPairs,
    flaggedTrueDuplicates: run.flags.trueDuplicates,
    flagPrecision: Number(run.flags.precision.toFixed(4)),
  }),
);
console.log(
  `precision ${scores.precision.toFixed(4)}  recall ${scores.recall.toFixed(4)}  F1 ${scores.f1.toFixed(4)}  ` +
    `(${scores.items} items, ${clusters} true clusters, ${run.clusters.length} predicted)`,
);
console.log(
  `possible duplicates flagged ${run.flags.flaggedPairs}, of which true duplicates ${run.flags.trueDuplicates} ` +
    `(${(run.flags.precision * 100).toFixed(0)} %)`,
);
if (process.argv.includes('--verbose')) {
  for (const [a, b] of run.falseLinks) console.log(`wrong link:  ${a}  ~  ${b}`);
  for (const [a, b] of run.missedLinks) console.log(`missed link: ${a}  ~  ${b}`);
  for (const [a, b] of run.flags.falseFlags) console.log(`false flag:  ${a.join(', ')}  ~  ${b.join(', ')}`);
}
for (const row of run.explanations) {
  console.log(
    `${row.cluster}  ${row.candidate.slice(0, 8)}  ${row.item}\n    ${row.confidence.toFixed(2)} ${row.reason}`,
  );
}
