import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from './context.js';
import { withTransaction } from '../store/db.js';
import type { Tx } from '../store/db.js';
import { openRun, runStatus, runSummary } from '../store/runs.js';
import { registerJobs, runJobCounts, unfinishedJobsOf } from '../store/run-jobs.js';
import { candidatesToRejudge } from '../store/candidates.js';
import type { RunSummary } from '../store/runs.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { planSourceScan } from '../workers/scan.js';
import { planScoreJobs } from '../workers/score.js';
import { waitAtMost } from './nominate.js';

export class UnknownSourceError extends Error {}

/** Starts a run for the given sources (default: every enabled one) and returns its id. */
export async function startRun(
  ctx: AppContext,
  sourceIds: string[] = [],
  trigger = 'manual',
  options: { asOf?: string } = {},
): Promise<string> {
  const { runId, planned } = await recordRun(
    ctx,
    sourceIds,
    trigger,
    `${trigger} ${randomUUID()}`,
    options.asOf,
  );
  await ctx.pipeline.enqueue(planned);
  return runId;
}

/**
 * Records a run and its first jobs in PostgreSQL (one transaction). `runKey` makes a repeated
 * request (a double-clicked "Skanna nu") one run: the second call plans nothing.
 */
async function recordRun(
  ctx: AppContext,
  sourceIds: string[],
  trigger: string,
  runKey: string,
  asOf?: string,
): Promise<{ runId: string; created: boolean; planned: PlannedJob[] }> {
  const known = new Map(ctx.config.sources.map((source) => [source.id, source]));
  const unknown = sourceIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new UnknownSourceError(`Okänd källa: ${unknown.join(', ')}`);
  const sources =
    sourceIds.length > 0
      ? sourceIds.map((id) => known.get(id)!)
      : ctx.config.sources.filter((source) => source.enabled);
  const recorded = await withTransaction(ctx.db, async (tx) => {
    const run = await openRun(
      tx,
      runKey,
      trigger,
      sources.map((source) => source.id),
      asOf,
    );
    const jobs: PlannedJob[] = [];
    if (run.created) {
      for (const source of sources) jobs.push(...(await planSourceScan(tx, run.runId, source))); // eslint-disable-line no-await-in-loop
      jobs.push(...(await planRejudging(tx, run.runId)));
    }
    return { runId: run.runId, created: run.created, planned: jobs };
  });
  ctx.log.info(
    { run_id: recorded.runId, sources: sources.map((s) => s.id), created: recorded.created },
    'scan: run started',
  );
  return recorded;
}

/** How long a person's "scan now" waits for the queue before the run is left to start later. */
export const START_WAIT_MS = 2_000;

/**
 * "Skanna nu" from the workbench: answers at once whether or not Redis is up. The run and its
 * jobs are committed to PostgreSQL first; adding the jobs to the queue then waits at most
 * `waitMs`. While Redis is down the add completes in the background when it returns, and
 * `horisont start` re-enqueues every unfinished job of an unfinished run from PostgreSQL in any
 * case (job ids are deterministic, so nothing runs twice).
 */
export async function startRunFromRequest(
  ctx: AppContext,
  input: { sourceIds: string[]; clientRequestId: string },
  waitMs = START_WAIT_MS,
): Promise<{ runId: string; created: boolean; enqueued: boolean }> {
  const { runId, created, planned } = await recordRun(
    ctx,
    input.sourceIds,
    'workbench',
    `workbench ${input.clientRequestId}`,
  );
  // A repeated request adds the run's unfinished jobs again: same ids, so nothing twice, and a
  // first attempt that met a dead queue gets another chance.
  const jobs = created ? planned : await unfinishedJobsOf(ctx.db, runId);
  const outcome = await waitAtMost(ctx.pipeline.enqueue(jobs), waitMs, (error) =>
    ctx.log.warn(
      { run_id: runId, err: error instanceof Error ? error.message : String(error) },
      'scan: enqueue failed; the run starts when the queue is back',
    ),
  );
  if (outcome === 'waited') {
    ctx.log.warn({ run_id: runId, wait_ms: waitMs }, 'scan: the queue did not answer; run pending');
  }
  return { runId, created, enqueued: outcome === 'done' };
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
    const status = await runStatus(ctx.db, runId); // eslint-disable-line no-await-in-loop
    if (onProgress) {
      const jobs = await runJobCounts(ctx.db, runId); // eslint-disable-line no-await-in-loop
      onProgress(jobs.done, jobs.total);
    }
    if (status === 'completed') return (await runSummary(ctx.db, runId))!; // eslint-disable-line no-await-in-loop
    if (Date.now() > deadline) throw new Error(`scan: run ${runId} did not finish within ${timeoutMs} ms`);
    await sleep(200); // eslint-disable-line no-await-in-loop
  }
}

/**
 * Score jobs for the candidates whose judgement is due to change on the run's day with the same
 * evidence (a fact left the fresh or the entry window): the list follows time, not only news.
 */
async function planRejudging(tx: Tx, runId: string): Promise<PlannedJob[]> {
  const jobs = await planScoreJobs(
    tx,
    runId,
    (await candidatesToRejudge(tx, runId)).map((due) => ({ id: due.id, basis: `rejudge ${due.rejudgeOn}` })),
  );
  await registerJobs(tx, runId, jobs);
  return jobs;
}
