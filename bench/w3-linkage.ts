/**
 * W3: identity resolution at EUDAMED scale, on the production path. A world of EUDAMED-shaped
 * device registrations with 12 % duplicates and other sources' items about the same devices
 * (bench/lib/w3-world.ts: trials, PMAs, certificates, Swedish HTA titles, with their hard cases)
 * is stored in `source_items` of a freshly migrated schema of its own; then a process of its own
 * (bench/lib/w3-resolve-child.ts) runs the resolve stage's job (src/workers/resolve.ts
 * `resolveJob`) over it, page by page as production does, and a night's delta after it.
 *
 * Baseline, in the same run: normalise every record with the project's normalisers (UDI-DI,
 * trade name, manufacturer, the manufacturer memoised as the resolver memoises it) and hash the
 * UDI-DIs into a map: the exact-identifier pass alone, single-threaded. Wall time against wall
 * time: the resolver runs PostgreSQL beside it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { normaliseUdiDi } from '../src/domain/identifiers.js';
import { normaliseManufacturer, normaliseProductName } from '../src/domain/normalise.js';
import { migrate } from '../src/store/migrate.js';
import { canonicalJson, sha256 } from '../src/store/items.js';
import { pairwiseQuality } from './lib/pairwise.js';
import { generateWorld } from './lib/w3-world.js';
import { atLeast, atMost, atMostRatio, collect, emit, isQuick, log, machine, runId } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const REPO = fileURLToPath(new URL('../', import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Experiments only: W3_RECORDS sizes the world between quick and full (texts scale with it),
// W3_DELTA the night's delta; W3_KEEP_SCHEMA keeps the resolved world for EXPLAIN and for
// bench/w3-misses.ts; W3_STATEMENTS prints each phase's costliest statements (see
// bench/lib/w3-resolve-child.ts).
const registrations = Number(process.env.W3_RECORDS ?? (quick ? 10_000 : 1_000_000));
const texts = Math.round(registrations / 20);
const delta = Number(process.env.W3_DELTA ?? (quick ? 500 : 10_000));
/** EUDAMED's registrations in 2026: what a deployment's first backfill resolves. */
const FULL_EUDAMED = 3_200_000;

function cpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

log(`W3: generating ${registrations + delta} registrations and ${texts} other items`);
const world = generateWorld(registrations + delta, texts);
const total = world.items.length;
const main = total - delta;
collect();

// Baseline: normalise + hash of every record, makers memoised.
let t = performance.now();
const c = cpu();
const byUdi = new Map<string, number>();
const makers = new Map<string, string>();
let checksum = 0;
for (let i = 0; i < total; i++) {
  const product = world.items[i]!.product;
  if (product === undefined) continue;
  const udi = product.udiDi === undefined ? undefined : normaliseUdiDi(product.udiDi);
  const name = normaliseProductName(product.tradeName);
  const raw = product.manufacturer ?? '';
  let maker = makers.get(raw);
  if (maker === undefined) {
    maker = normaliseManufacturer(raw);
    makers.set(raw, maker);
  }
  checksum += name.length + maker.length;
  if (udi !== undefined && !byUdi.has(udi)) byUdi.set(udi, i);
}
const baselineWall = (performance.now() - t) / 1000;
const baselineCpu = cpu() - c;
byUdi.clear();
makers.clear();
log(`W3: baseline normalise + hash ${baselineWall.toFixed(2)} s wall, ${baselineCpu.toFixed(2)} s CPU`);

const schema = `bench_w3_${runId()}`;
const setup = new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: `-c search_path=${schema}` });
await migrate(setup, schema);
await setup.query(`insert into sources (id, adapter, enabled) values ('w3', 'w3', true)`);
// Stored as the parse stage stores them, in id order (ids 1…total), not timed.
t = performance.now();
const CHUNK = 5000;
for (let start = 0; start < total; start += CHUNK) {
  const chunk = world.items.slice(start, start + CHUNK);
  const json = chunk.map((item) => canonicalJson(item));

  await setup.query(
    `insert into source_items (id, source_id, item_key, kind, title, url, content_hash, data)
     select $1::bigint + t.n, 'w3', t.data->>'itemKey', t.data->>'kind', t.data->>'title', t.data->>'url',
            ($3::text[])[t.n], t.data
     from jsonb_array_elements($2::jsonb) with ordinality as t(data, n)`,
    [start, `[${json.join(',')}]`, json.map((j) => sha256(j))],
  );
}
await setup.query(`select setval(pg_get_serial_sequence('source_items', 'id'), $1)`, [total]);
// Only the tables filled here: the resolver's own (empty now) are analysed as they grow by the
// resolving process's stand-in for autovacuum; analysed empty, their plans would scan them whole.
await setup.query('analyze source_items, sources');
log(`W3: stored ${total} items in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const truth = world.truth;
const textKinds = world.textKinds;
(world as { items: unknown }).items = [];
collect();

interface PhaseResult {
  phase: string;
  records: number;
  pages: number;
  wallSeconds: number;
  cpuSeconds: number;
  deadlocksRetried: number;
  comparisons: number;
  merged: number;
  flagged: number;
  fullBlocks: number;
  created: number;
  scoreJobs: number;
  peakRssBytes: number;
}

/** Runs the resolving process over the phases and returns its JSON lines. */
function resolveInChild(phases: string[]): Promise<PhaseResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        // BENCH_W3_CPU_PROFILE=<dir>: a CPU profile of the resolving process.
        ...(process.env.BENCH_W3_CPU_PROFILE === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_W3_CPU_PROFILE}`]),
        '--import',
        'tsx',
        'bench/lib/w3-resolve-child.ts',
        schema,
        ...phases,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATABASE_URL } },
    );
    const results: PhaseResult[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) results.push(JSON.parse(line) as PhaseResult);
    });
    child.on('close', (code) =>
      code === 0 ? resolve(results) : reject(new Error(`resolve child exited ${code}`)),
    );
  });
}

log(`W3: resolving ${main} items, then a delta of ${delta}`);
const [resolved, night] = await resolveInChild([`backfill:1-${main}`, `delta:${main + 1}-${total}`]);
if (resolved === undefined || night === undefined) {
  throw new Error('W3: the resolving process reported nothing');
}
log(
  `W3: resolved in ${resolved.wallSeconds.toFixed(1)} s wall (${resolved.cpuSeconds.toFixed(1)} s CPU in node), ` +
    `${resolved.comparisons} comparisons; delta in ${night.wallSeconds.toFixed(2)} s`,
);

/** The live candidate each item ended on (an item without a candidate is its own cluster). */
async function clusters(upTo: number): Promise<Int32Array> {
  const rows = await setup.query<{ item_id: string; cluster: number }>(
    `select e.item_id, dense_rank() over (order by coalesce(c.merged_into, c.id)) as cluster
     from evidence e join candidates c on c.id = e.candidate_id where e.item_id <= $1`,
    [upTo],
  );
  const out = new Int32Array(upTo).map((_, i) => -1 - i);
  for (const row of rows.rows) out[Number(row.item_id) - 1] = row.cluster;
  // Clusters and unlinked items (negative) in one non-negative numbering.
  const offset = upTo + 1;
  return out.map((x) => (x < 0 ? offset - x : x));
}
const quality = pairwiseQuality(await clusters(main), truth.subarray(0, main));
const qualityAfterDelta = pairwiseQuality(await clusters(total), truth);
const flags = await setup.query<{ n: number }>('select count(*)::int as n from possible_duplicates');
if (process.env.W3_KEEP_SCHEMA === undefined) await setup.query(`drop schema ${schema} cascade`);
else log(`W3: kept schema ${schema}`);
await setup.end();

const comparisonsPerRecord = resolved.comparisons / main;
const perRecordWall = resolved.wallSeconds / main;
const projection = perRecordWall * FULL_EUDAMED;
log(
  `W3: precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}; ` +
    `${comparisonsPerRecord.toFixed(2)} comparisons per record; 3.2M projected at ${(projection / 60).toFixed(0)} min`,
);

emit({
  bench: 'horisont',
  workload: 'W3',
  title: 'identity resolution at EUDAMED scale (production resolve path, PostgreSQL)',
  quick,
  seconds: (performance.now() - started) / 1000,
  params: {
    registrations: world.registrations - delta,
    texts: world.texts,
    textKinds,
    delta,
    entities: world.entities,
    duplicates: world.duplicates,
    seed: 20261120,
    checksum,
  },
  baselines: { normaliseAndHashWallSeconds: baselineWall, normaliseAndHashCpuSeconds: baselineCpu },
  metrics: {
    timing: 'wall seconds; the resolver runs in a process of its own with PostgreSQL beside it',
    resolved,
    night,
    quality,
    qualityAfterDelta,
    possibleDuplicates: flags.rows[0]!.n,
    comparisonsPerRecord,
    microsecondsPerRecord: perRecordWall * 1e6,
    projectedFullBackfillSeconds: projection,
  },
  goals: [
    atMostRatio(
      'W3a',
      'resolve time (wall)',
      resolved.wallSeconds,
      's',
      baselineWall,
      'normalise + hash',
      10,
    ),
    atLeast('W3b', 'pairwise precision', quality.precision, '', 0.99),
    atLeast('W3c', 'pairwise recall', quality.recall, '', 0.98),
    atMost('W3d', 'comparisons per record', comparisonsPerRecord, '', 20),
    atMost('W3e', 'peak RSS of the resolving process', resolved.peakRssBytes / 2 ** 30, 'GiB', 2),
    atMost('W3f', `a night's delta of ${delta} into the resolved world`, night.wallSeconds, 's', 2),
    atMost(
      'W3g',
      `projected backfill of ${FULL_EUDAMED.toLocaleString('en-US')} registrations`,
      projection / 60,
      'min',
      60,
    ),
  ],
  notes: [
    'Comparisons are the name pairs the resolver scored (src/domain/resolver.ts), within the page and against the names its blocks returned; exact identifiers are not counted.',
    `The projection scales this run's wall time per record to ${FULL_EUDAMED.toLocaleString('en-US')} records; blocks grow with the register, so it is a lower bound.`,
    'PostgreSQL runs on the same two cores; its memory is not in the peak RSS.',
  ],
  machine: machine(),
});
