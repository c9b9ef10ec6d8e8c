/**
 * `npm run bench [-- --quick] [-- --only W1,W3]`: runs each workload in its own Node process (so
 * heap, GC state and peak RSS are its own), passes their output through, and ends with the
 * results table. Exits non-zero when a workload crashed or printed no JSON line; a missed goal is
 * a result, not a failure.
 */
import { spawn } from 'node:child_process';
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
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((arg) => arg.startsWith('--only'));
const only = onlyArg
  ? (onlyArg.includes('=') ? onlyArg.split('=')[1]! : (args[args.indexOf(onlyArg) + 1] ?? ''))
      .split(',')
      .map((w) => w.trim().toUpperCase())
  : Object.keys(WORKLOADS);

function runWorkload(name: string, file: string): Promise<WorkloadResult | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', file, ...(quick ? ['--quick'] : [])],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
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
for (const name of only) {
  const file = WORKLOADS[name];
  if (!file) {
    process.stderr.write(`[bench] unknown workload ${name}\n`);
    missing.push(name);
    continue;
  }
  process.stderr.write(`[bench] ${name}${quick ? ' (quick)' : ''}\n`);
  const result = await runWorkload(name, file);
  if (result) results.push(result);
  else missing.push(name);
}

process.stdout.write(`\n## Results${quick ? ' (quick)' : ''}\n\n${TABLE_HEADER}\n`);
for (const result of results) for (const goal of result.goals) process.stdout.write(`${tableRow(goal)}\n`);
const goals = results.flatMap((r) => r.goals).filter((g) => g.gated !== false);
process.stdout.write(
  `\n${goals.filter((g) => g.met).length} of ${goals.length} goals met; ${((performance.now() - started) / 1000).toFixed(0)} s.\n`,
);
if (missing.length > 0) {
  process.stderr.write(`[bench] no result from ${missing.join(', ')}\n`);
  process.exitCode = 1;
}
