import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from './context.js';
import { withTransaction } from '../store/db.js';
import { openRun, runSummary } from '../store/runs.js';
import type { RunSummary, PlannedJob } from '../store/runs.js';
import { planSourceScan } from '../workers/scan.js';

export class UnknownSourceError extends Error {}

/** Starts a run for the given sources (default: every enabled one) and returns its id. */
export async function startRun(
  ctx: AppContext,
  sourceIds: string[] = [],
  trigger = 'manual',
): Promise<string> {
  const known = new Map(ctx.config.sources.map((source) => [source.id, source]));
  const unknown = sourceIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new UnknownSourceError(`unknown source(s): ${unknown.join(', ')}`);
  const sources =
    sourceIds.length > 0
      ? sourceIds.map((id) => known.get(id)!)
      : ctx.config.sources.filter((source) => source.enabled);
  const { runId, planned } = await withTransaction(ctx.db, async (tx) => {
    const run = await openRun(
      tx,
      `${trigger} ${randomUUID()}`,
      trigger,
      sources.map((source) => source.id),
    );
    const jobs: PlannedJob[] = [];
    for (const source of sources) jobs.push(...(await planSourceScan(tx, run.runId, source))); // eslint-disable-line no-await-in-loop
    return { runId: run.runId, planned: jobs };
  });
  await ctx.pipeline.enqueue(planned);
  ctx.log.info({ run_id: runId, sources: sources.map((s) => s.id) }, 'scan: run started');
  return runId;
}

export type ProgressListener = (done: number, total: number) => void;

/** Waits until the run has completed (ingestion settled and its report pass done). */
export async function waitForRun(
  ctx: AppContext,
  runId: string,
  timeoutMs: number,
  onProgress?: ProgressListener,
): Promise<RunSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await runSummary(ctx.db, runId); // eslint-disable-line no-await-in-loop
    if (onProgress) {
      const jobs = await ctx.db.query<{ done: number; total: number }>( // eslint-disable-line no-await-in-loop
        'select count(*) filter (where done)::int as done, count(*)::int as total from run_jobs where run_id = $1',
        [runId],
      );
      onProgress(jobs.rows[0]!.done, jobs.rows[0]!.total);
    }
    if (summary?.status === 'completed') return summary;
    if (Date.now() > deadline) throw new Error(`scan: run ${runId} did not finish within ${timeoutMs} ms`);
    await sleep(200); // eslint-disable-line no-await-in-loop
  }
}
