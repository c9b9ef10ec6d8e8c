import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { endState } from '../helpers/state.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const TABLES = [
  'bodies',
  'snapshots',
  'fetch_state',
  'source_items',
  'candidates',
  'candidate_keys',
  'evidence',
  'scores',
  'reports',
  'nominations',
  'run_jobs',
  'run_sources',
];

/** Every row of the pipeline's tables, without the columns that only say when a row was touched. */
async function tableState() {
  const state: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = await h.query<{ row: Record<string, unknown> }>(`select to_jsonb(t) as row from ${table} t`);
    state[table] = rows
      .map(({ row }) => {
        for (const key of ['updated_at', 'last_seen_at', 'fetched_at', 'finished_at']) delete row[key];
        return JSON.stringify(row);
      })
      .sort();
  }
  return state;
}

describe('every stage is idempotent', () => {
  it('running every job of a finished run a second time leaves the database as it was', async () => {
    await h.scan();
    const before = await tableState();
    const ended = await endState(h);
    const app = await h.app();

    // The same messages again, as BullMQ would deliver them after a lost lock or a crash.
    const jobs = await h.query<{ queue: string; job_id: string; data: unknown }>(
      'select queue, job_id, data from run_jobs order by created_at, job_id',
    );
    expect(jobs.length).toBeGreaterThan(20);
    await app.pipeline.enqueue(
      jobs.map((job) => ({ queue: job.queue, jobId: `again-${job.job_id}`, data: job.data })),
    );
    for (let waited = 0; (await app.pipeline.pendingJobs()) > 0; waited += 100) {
      if (waited > 60_000) throw new Error('re-run did not drain');
      await sleep(100);
    }

    const after = await tableState();
    for (const table of TABLES) {
      const added = after[table]!.filter((row) => !before[table]!.includes(row));
      const removed = before[table]!.filter((row) => !after[table]!.includes(row));
      expect({ table, added, removed }).toEqual({ table, added: [], removed: [] });
    }
    expect(await endState(h)).toEqual(ended);
    const nominations = await app.pipeline.nominations.getJobCounts('waiting', 'completed', 'active');
    expect(nominations.waiting).toBe(before.nominations!.length);
  });
});
