/**
 * W3: identity resolution of device records (src/domain/linkage.ts) against ground truth.
 *
 * Baseline: normalise every record with the project's normalisers (UDI-DI, trade name,
 * manufacturer) and hash the UDI-DIs into a map (the exact-identifier pass alone).
 */
import { normaliseUdiDi } from '../src/domain/identifiers.js';
import { LinkageIndex, pairwiseQuality } from '../src/domain/linkage.js';
import { normaliseManufacturer, normaliseProductName } from '../src/domain/normalise.js';
import { generateDevices } from './lib/devices.js';
import { atLeast, atMost, atMostRatio, collect, emit, isQuick, log, machine } from './lib/report.js';

const quick = isQuick();
/** CPU seconds of this process: the work is single-threaded, so this is its time on an idle core. */
function cpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
const started = performance.now();
const records = quick ? 50_000 : 1_000_000;
const incremental = quick ? 2_000 : 10_000;

log(`W3: generating ${records + incremental} device records`);
const corpus = generateDevices(records + incremental);
const indexed = corpus.records.slice(0, records);
const fresh = corpus.records.slice(records);
collect();

// Baseline: normalise + hash of every record.
let t = performance.now();
let c = cpu();
const byUdi = new Map<string, number>();
let exact = 0;
let checksum = 0;
for (let i = 0; i < indexed.length; i++) {
  const record = indexed[i]!;
  const udi = record.udiDi === undefined ? undefined : normaliseUdiDi(record.udiDi);
  const name = normaliseProductName(record.tradeName);
  const manufacturer = normaliseManufacturer(record.manufacturer ?? '');
  checksum += name.length + manufacturer.length;
  if (udi !== undefined) {
    if (byUdi.has(udi)) exact++;
    else byUdi.set(udi, i);
  }
}
const baselineSeconds = cpu() - c;
const baselineWall = (performance.now() - t) / 1000;
log(`W3: baseline normalise + hash ${baselineSeconds.toFixed(2)} s (${exact} exact UDI-DI duplicates)`);
byUdi.clear();
collect();

t = performance.now();
c = cpu();
const index = LinkageIndex.build(indexed);
const resolveSeconds = cpu() - c;
const resolveWall = (performance.now() - t) / 1000;
const stats = { ...index.stats };
const quality = pairwiseQuality(index.clusters(), corpus.truth.subarray(0, records));
log(
  `W3: resolved in ${resolveSeconds.toFixed(2)} s, ${stats.comparisons} comparisons, precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}`,
);

t = performance.now();
c = cpu();
index.link(fresh);
const linkSeconds = cpu() - c;
const linkWall = (performance.now() - t) / 1000;
const qualityAfterLink = pairwiseQuality(index.clusters(), corpus.truth);
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
log(`W3: linked ${incremental} new records in ${(linkSeconds * 1000).toFixed(0)} ms`);

emit({
  bench: 'horisont',
  workload: 'W3',
  title: 'identity resolution of device records',
  quick,
  seconds: (performance.now() - started) / 1000,
  params: {
    records,
    incremental,
    entities: corpus.entities,
    duplicates: corpus.duplicates,
    seed: 20261120,
    checksum,
  },
  baselines: { normaliseAndHashSeconds: baselineSeconds },
  metrics: {
    timing: 'CPU seconds of the process (wall seconds alongside)',
    baselineWall,
    resolveWall,
    linkWall,
    resolveSeconds,
    linkSeconds,
    stats,
    quality,
    qualityAfterLink,
    comparisonsPerRecord: stats.comparisons / records,
    peakRssBytes,
  },
  goals: [
    atMostRatio('W3a', 'resolve time', resolveSeconds, 's', baselineSeconds, 'normalise + hash', 6),
    atLeast('W3b', 'pairwise precision', quality.precision, '', 0.99),
    atLeast('W3c', 'pairwise recall', quality.recall, '', 0.98),
    atMost('W3d', 'comparisons per record', stats.comparisons / records, '', 20),
    atMost('W3e', 'peak RSS', peakRssBytes / 2 ** 30, 'GiB', 2),
    atMost('W3f', `link ${incremental} new records into the index`, linkSeconds, 's', 1),
  ],
  notes: [
    'Peak RSS is the process maximum and includes the generated corpus.',
    'Manufacturer normalisation is memoised by the resolver (a registry repeats each company); the baseline normalises every record.',
  ],
  machine: machine(),
});
