import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { normaliseUdiDi } from '../../src/domain/identifiers.js';
import { normaliseManufacturer, normaliseProductName } from '../../src/domain/normalise.js';
import { generateDevices } from './devices.js';
import { collect } from './report.js';

/**
 * The machine's speed, measured in the same run as a goal that has no baseline of its own (W5b's
 * CPU budget): CPU time per record to normalise a device record's UDI-DI, trade name and
 * manufacturer with the project's normalisers and hash its UDI-DI into a map — the baseline W3
 * measured at the time of the figures in docs/benchmarks.md (every record's manufacturer
 * normalised, none cached). Single-threaded, no I/O, allocation-heavy like the pipeline's own
 * work. The normalisers are production code: a change that makes them faster moves the
 * calibration, so docs/benchmarks.md records the calibration of each run next to its figures.
 */
export interface Calibration {
  records: number;
  /** CPU seconds for all records, one pass after generating them (as W3 measured it). */
  seconds: number;
  /** CPU microseconds per record. */
  microsPerRecord: number;
}

/**
 * W3's baseline (1,000,000 records, normalise + hash, one pass) took 20.5 s of CPU in the full
 * run whose W5b was 36.1 s (docs/benchmarks.md, 2026-12-06, main at `005da25`): 20.5 µs a record
 * on the machine of those figures, where W5b's goal is 30 s. The per-record cost grows with the
 * record count (a larger map and heap: 10.5 µs at 200,000 records, 14.9 µs at 1,000,000 on the
 * same machine), so the full run calibrates on 1,000,000 records like the reference.
 */
export const REFERENCE_RECORDS = 1_000_000;
export const REFERENCE_MICROS_PER_RECORD = 20.5;

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Measures {@link Calibration} on `records` generated device records (generation not timed). */
export function calibrate(records: number): Calibration {
  const corpus = generateDevices(records).records;
  collect();
  const byUdi = new Map<string, number>();
  let checksum = 0;
  const start = cpuSeconds();
  for (let i = 0; i < corpus.length; i++) {
    const record = corpus[i]!;
    const udi = record.udiDi === undefined ? undefined : normaliseUdiDi(record.udiDi);
    const name = normaliseProductName(record.tradeName);
    const manufacturer = normaliseManufacturer(record.manufacturer ?? '');
    checksum += name.length + manufacturer.length;
    if (udi !== undefined && !byUdi.has(udi)) byUdi.set(udi, i);
  }
  const seconds = cpuSeconds() - start;
  if (checksum === 0) throw new Error('calibration: nothing normalised');
  return { records, seconds, microsPerRecord: (seconds / records) * 1e6 };
}

/**
 * {@link calibrate} in a process of its own (bench/lib/calibrate-child.ts), so its million
 * records neither stay in the caller's heap nor share its garbage collector.
 */
export function calibrateInChild(records: number): Promise<Calibration> {
  const file = fileURLToPath(new URL('./calibrate-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', file, String(records)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`calibration exited with ${code}`));
      else resolve(JSON.parse(out) as Calibration);
    });
  });
}
