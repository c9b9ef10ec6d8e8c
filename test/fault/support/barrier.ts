import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMMIT_POINTS } from '../../../src/queue/pipeline.js';
import type { CommitHook, CommitPoint } from '../../../src/queue/pipeline.js';

/**
 * The fault tests' barriers: the pipeline's commit hook that pauses a job at a named point of
 * its commit so that a SIGKILL, a database restart or a second worker lands at a deterministic
 * spot. Given to in-process apps by the fault world and to worker processes by
 * `worker-main.ts`; production code never imports it. Off unless `HORISONT_TEST_BARRIER` is set
 * (read at each pass, so a test can switch it on and off), and refused outside `NODE_ENV=test`.
 *
 * - `HORISONT_TEST_BARRIER`: comma-separated hold rules `<point>@<queue>[~<job id regexp>][#<n>]`,
 *   or `trace` to only record passes. `#n` holds only the first n matching jobs of the process.
 * - `HORISONT_TEST_BARRIER_DIR`: where each process appends one JSON line per pass
 *   (`trace-<pid>.jsonl`: event pass|hold|released, point, queue, job id, pid) and where a file
 *   named `release` lets every held job go on.
 *
 * The points are the pipeline's COMMIT_POINTS (`begin`, `before-commit`, `after-commit`).
 */
interface Rule {
  point: CommitPoint;
  queue: string;
  jobPattern: RegExp | undefined;
  remaining: number;
}

export class TestBarrierRefused extends Error {
  constructor() {
    super('HORISONT_TEST_BARRIER is a test-only setting and needs NODE_ENV=test; unset it');
    this.name = 'TestBarrierRefused';
  }
}

/** Throws when barriers are asked for outside the test environment. */
export function assertBarrierAllowed(env: NodeJS.ProcessEnv = process.env): void {
  if (env.HORISONT_TEST_BARRIER && env.NODE_ENV !== 'test') throw new TestBarrierRefused();
}

function parseRules(spec: string): Rule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'trace')
    .map((part) => {
      const match = /^([a-z-]+)@([a-z]+)(?:~([^#]+))?(?:#(\d+))?$/.exec(part);
      const point = match?.[1] as CommitPoint | undefined;
      if (!match || !point || !COMMIT_POINTS.includes(point)) {
        throw new Error(`HORISONT_TEST_BARRIER: cannot read rule ${JSON.stringify(part)}`);
      }
      return {
        point,
        queue: match[2]!,
        jobPattern: match[3] === undefined ? undefined : new RegExp(match[3]),
        remaining: match[4] === undefined ? Number.POSITIVE_INFINITY : Number(match[4]),
      };
    });
}

let cached: { spec: string; rules: Rule[] } | undefined;

function rulesFor(spec: string): Rule[] {
  if (cached?.spec !== spec) cached = { spec, rules: parseRules(spec) };
  return cached.rules;
}

function record(dir: string, event: string, point: CommitPoint, queue: string, jobId: string): void {
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    path.join(dir, `trace-${process.pid}.jsonl`),
    `${JSON.stringify({ event, point, queue, jobId, pid: process.pid, at: Date.now() })}\n`,
  );
}

/** Holds the job while a rule of `HORISONT_TEST_BARRIER` matches and `release` does not exist. */
export const envBarrier: CommitHook = async (point, queue, jobId) => {
  const spec = process.env.HORISONT_TEST_BARRIER;
  if (!spec) return;
  assertBarrierAllowed();
  const dir = process.env.HORISONT_TEST_BARRIER_DIR;
  if (!dir) throw new Error('HORISONT_TEST_BARRIER needs HORISONT_TEST_BARRIER_DIR');
  const release = path.join(dir, 'release');
  const rule = rulesFor(spec).find(
    (r) =>
      r.point === point &&
      r.queue === queue &&
      r.remaining > 0 &&
      (r.jobPattern === undefined || r.jobPattern.test(jobId)),
  );
  if (!rule || existsSync(release)) {
    record(dir, 'pass', point, queue, jobId);
    return;
  }
  rule.remaining -= 1;
  record(dir, 'hold', point, queue, jobId);
  while (!existsSync(release)) await sleep(20);
  record(dir, 'released', point, queue, jobId);
};
