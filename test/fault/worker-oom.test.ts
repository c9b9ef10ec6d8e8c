import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { assertInvariants } from '../helpers/invariants.js';
import type { Oracle } from '../helpers/invariants.js';
import { prepareWorld } from './support/scenario.js';
import type { World, WorkerProcess } from './support/world.js';

/**
 * A worker process killed by its memory limit mid-job (issue 21). Workers run with a heap cap
 * (`--max-old-space-size`) too small for the largest page the size cap lets through: openFDA
 * answers with 19 MB of 510(k) records. The worker parsing it dies of "JavaScript heap out of
 * memory"; the restarted one takes the stalled job over and dies the same way; BullMQ then fails
 * the job (stalled more than allowed) and the pipeline records it, so the run completes with that
 * source failed as `internal`, the other source fine and the worker serving on. The next run,
 * with openFDA's usual page, reads it; nothing was lost or doubled and decisions are intact.
 */

const HEAP_MB = 96;
const SOURCES = ['openfda-devices', 'tlv'];

let world: World;
let app: AppContext;
let oracle: Oracle;
let decisionsBefore: string;

beforeAll(async () => {
  ({ world, oracle, decisionsBefore } = await prepareWorld({}, SOURCES));
  app = await world.app();
});
afterAll(async () => {
  await world?.close();
});

/** openFDA's first 510(k) page with `records` results instead of 3: just under the 20 MB body cap. */
function hugePage(records: number): { path: string; body: string } {
  const dir = path.join(world.fixturesDir, 'openfda-devices');
  const page = JSON.parse(readFileSync(path.join(dir, '510k-page-0.json'), 'utf8')) as {
    results: Array<Record<string, unknown>>;
  };
  const meta = JSON.parse(readFileSync(path.join(dir, '510k-page-0.meta.json'), 'utf8')) as { url: string };
  const first = page.results[0]!;
  page.results = Array.from({ length: records }, (_, i) => ({
    ...first,
    k_number: `K9${String(i).padStart(5, '0')}`,
    device_name: `${String(first.device_name)} ${i}`,
  }));
  const url = new URL(meta.url);
  return { path: `/${url.host}${url.pathname}${url.search}`, body: JSON.stringify(page) };
}

function cappedWorker(): WorkerProcess {
  return world.startWorker({ env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } });
}

async function diedOfMemory(worker: WorkerProcess): Promise<void> {
  await worker.exited;
  expect(worker.child.signalCode).toBe('SIGABRT');
  expect(worker.stderr.join('')).toMatch(/JavaScript heap out of memory/);
}

/** The parse job of the snapshot holding the huge page. */
async function hugePageJob(runId: string): Promise<string> {
  const [row] = await world.query<{ job_id: string }>(
    `select j.job_id from run_jobs j
     join snapshots s on s.id = (j.data->>'snapshotId')::bigint
     join bodies b on b.hash = s.body_hash
     where j.run_id = $1 and j.queue = 'parse' and octet_length(b.body) > 18000000`,
    [runId],
  );
  return row!.job_id;
}

describe('a worker killed by its heap limit mid-job', () => {
  it('restarted workers go on, the job that kills them fails with a kind, the run completes', async () => {
    const huge = hugePage(22_000);
    expect(huge.body.length).toBeGreaterThan(18_000_000);
    expect(huge.body.length).toBeLessThan(20 * 1024 * 1024);
    world.source.on(huge.path, { kind: 'body', contentType: 'application/json', body: huge.body });

    const first = cappedWorker();
    const runId = await world.startRun(SOURCES);
    await diedOfMemory(first);
    const killedJob = await hugePageJob(runId);
    // Still active in BullMQ: no worker is left to see that its lock has lapsed.
    expect(await (await app.pipeline.queues.parse.getJob(killedJob))?.getState()).toBe('active');

    // The supervisor starts it again, with the same limit: the stalled job comes back to it.
    const second = cappedWorker();
    await diedOfMemory(second);

    const third = cappedWorker();
    const summary = await world.waitForRun(runId, 120_000);
    const openfda = summary.sources.find((s) => s.source_id === 'openfda-devices')!;
    expect(openfda).toMatchObject({ status: 'failed', error_kind: 'internal' });
    expect(openfda.error_message).toMatch(/died each time/);
    expect(summary.sources.find((s) => s.source_id === 'tlv')!.status).toMatch(/^(ok|unchanged)$/);
    const [job] = await world.query<{ done: boolean; failed: boolean; error_kind: string }>(
      'select done, failed, error_kind from run_jobs where run_id = $1 and job_id = $2',
      [runId, killedJob],
    );
    expect(job).toEqual({ done: true, failed: true, error_kind: 'internal' });
    const bull = await app.pipeline.queues.parse.getJob(killedJob);
    expect(bull?.failedReason).toBe('job stalled more than allowable limit');
    expect(bull?.stalledCounter).toBe(2);
    expect(third.exitCode()).toBeNull();

    // openFDA's usual page again: the same capped worker reads it.
    world.source.clear();
    const again = await world.waitForRun(await world.startRun(['openfda-devices']), 120_000);
    expect(again.sources[0]!.status).toBe('ok');
    expect(third.exitCode()).toBeNull();
    const stored = await world.query<{ n: number }>(
      `select count(*)::int as n from source_items where source_id = 'openfda-devices' and item_key like '%K9%'`,
    );
    expect(stored[0]!.n).toBe(0);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
