/**
 * `npm run bench [-- --quick] [-- --only W1,W3]`: runs each workload in its own Node process (so
 * heap, GC state and peak RSS are its own), passes their output through, and ends with the
 * results table. Exits non-zero when a workload crashed or printed no JSON line; a missed goal is
 * a result, not a failure.
 *
 * W6 and W7 share the scale worlds (bench/lib/scale-world.ts) this runner creates before them and
 * drops at the end: W7 runs first (it only reads), then W6 re-scores the large world. Run alone,
 * each creates its own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TABLE_HEADER, tableRow } from './lib/report.js';
import type { WorkloadResult } from './lib/report.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const WORKLOADS: Record<string, string> = {
  W1: 'bench/w1-queue.ts',
  W2: 'bench/w2-parse.ts',
  W3: 'bench/w3-linkage.ts',
  W4: 'bench/w4-upsert.ts',
  W5: 'bench/w5-scan.ts',
  // W7 before W6: W7 reads the shared worlds, W6 re-scores the large one.
  W7: 'bench/w7-workbench.ts',
  W6: 'bench/w6-rescore.ts',
};
/** Candidates of the scale worlds each workload uses (W6's is W7's large one). */
const SCALE_WORLDS: Record<string, readonly number[]> = {
  W6: quick() ? [10_000] : [1_000_000],
  W7: quick() ? [1_000, 10_000] : [10_000, 1_000_000],
};

function quick(): boolean {
  return process.argv.includes('--quick');
}

const args = process.argv.slice(2);
const quickRun = quick();
const onlyArg = args.find((arg) => arg.startsWith('--only'));
const only = onlyArg
  ? (onlyArg.includes('=') ? onlyArg.split('=')[1]! : (args[args.indexOf(onlyArg) + 1] ?? ''))
      .split(',')
      .map((w) => w.trim().toUpperCase())
  : Object.keys(WORKLOADS);
// In the run order, whatever order --only names them in.
only.sort((a, b) => {
  const order = Object.keys(WORKLOADS);
  return (order.indexOf(a) + 1 || Infinity) - (order.indexOf(b) + 1 || Infinity);
});

/** Schemas of the scale worlds created for this run, by candidate count. */
const worlds = new Map<number, string>();
const worldEnv: Record<string, string> = {};

function scaleWorldCommand(...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'bench/lib/scale-world-child.ts', ...args], {
    cwd: REPO,
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  }).toString();
}

function ensureWorlds(sizes: readonly number[]): void {
  for (const size of sizes) {
    if (worlds.has(size)) continue;
    process.stderr.write(`[bench] scale world of ${size} candidates\n`);
    const world = JSON.parse(scaleWorldCommand('create', String(size))) as { schema: string };
    worlds.set(size, world.schema);
    worldEnv[`BENCH_SCALE_WORLD_${size}`] = world.schema;
    worldEnv[`BENCH_SCALE_WORLD_${size}_INFO`] = JSON.stringify(world);
  }
}

function runWorkload(name: string, file: string): Promise<WorkloadResult | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', file, ...(quickRun ? ['--quick'] : [])],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...worldEnv } },
    );
    let result: WorkloadResult | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      if (line.startsWith('{')) {
        try {
          const parsed = JSON.parse(line) as WorkloadResult;
          if (parsed.bench === 'horisont' && parsed.workload === name) result = parsed;
        } catch {
          // Not ours.
        }
      }
    });
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`[bench] ${name} exited with ${code}\n`);
      resolve(result);
    });
  });
}

const results: WorkloadResult[] = [];
const missing: string[] = [];
const started = performance.now();
try {
  for (const name of only) {
    const file = WORKLOADS[name];
    if (!file) {
      process.stderr.write(`[bench] unknown workload ${name}\n`);
      missing.push(name);
      continue;
    }
    process.stderr.write(`[bench] ${name}${quickRun ? ' (quick)' : ''}\n`);
    try {
      ensureWorlds(SCALE_WORLDS[name] ?? []);
    } catch (error) {
      process.stderr.write(
        `[bench] ${name}: no scale world: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      missing.push(name);
      continue;
    }
    const result = await runWorkload(name, file);
    if (result) results.push(result);
    else missing.push(name);
  }
} finally {
  for (const schema of worlds.values()) scaleWorldCommand('drop', schema);
}
results.sort((a, b) => a.workload.localeCompare(b.workload));

process.stdout.write(`\n## Results${quickRun ? ' (quick)' : ''}\n\n${TABLE_HEADER}\n`);
for (const result of results) for (const goal of result.goals) process.stdout.write(`${tableRow(goal)}\n`);
const goals = results.flatMap((r) => r.goals).filter((g) => g.gated !== false);
process.stdout.write(
  `\n${goals.filter((g) => g.met).length} of ${goals.length} goals met; ${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
);
if (missing.length > 0) {
  process.stderr.write(`[bench] no result from ${missing.join(', ')}\n`);
  process.exitCode = 1;
}
