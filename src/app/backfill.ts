import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { AppContext } from './context.js';
import { UnknownSourceError } from './scan-once.js';
import type { Db } from '../store/db.js';
import { lockKey, withTransaction } from '../store/db.js';
import { openRun } from '../store/runs.js';
import { unfinishedJobsOf } from '../store/run-jobs.js';
import {
  pagedSource,
  runOfSource,
  setRunSourceOptions,
  unfinishedRunsOf,
  withRunOptions,
} from '../store/run-sources.js';
import type { RunOfSource, RunSourceOptions } from '../store/run-sources.js';
import { STAGES } from '../queue/names.js';
import type { Stage } from '../queue/names.js';
import { planSourceScan } from '../workers/scan.js';

/**
 * Backfill: one run that pages through a source's whole registry (EUDAMED holds about 3.2 million
 * devices, some 10,700 pages of 300) instead of the first `maxPages` pages a scheduled scan reads.
 *
 * - Polite: a source's pages form one chain (page N+1 is planned when page N is parsed), so at
 *   most one request per configured URL is in flight, and the per-host spacing is enforced in
 *   PostgreSQL for every worker on every machine.
 * - Resumable: every page's fetch and parse job is registered in `run_jobs` in the transaction
 *   that plans it and marked done with its effects. After a crash, the run's unfinished jobs are
 *   enqueued again (`horisont backfill --resume RUN_ID`, or `horisont start`); finished pages
 *   have their snapshot and a done job, so they are not fetched again.
 * - The page limit is stored on the run (`run_sources.options`), never in the configuration, so
 *   the nightly scan keeps its own limit and every job of the backfill reads the same one.
 */

export const BACKFILL_TRIGGER = 'backfill';
/** "Until the source's last page": far beyond any registry this pipeline reads. */
export const UNBOUNDED_PAGES = 10_000_000;

export class BackfillError extends Error {
  /** True when the run asked for does not exist (the CLI's unknown-id exit). */
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'BackfillError';
  }
}

export interface BackfillOptions {
  sourceId: string;
  /** Pages to follow per configured URL; default: until the source's last page. */
  maxPages?: number;
}

/** Backfill runs of a source that have not completed (newest first). */
export async function openBackfills(db: Db, sourceId?: string): Promise<RunOfSource[]> {
  return unfinishedRunsOf(db, BACKFILL_TRIGGER, sourceId);
}

/**
 * Opens a backfill run for one source and enqueues its first page(s). Refuses while another
 * backfill of the same source is unfinished: two would fetch every page twice.
 */
export async function startBackfill(ctx: AppContext, options: BackfillOptions): Promise<string> {
  const known = ctx.config.sources.find((source) => source.id === options.sourceId);
  if (!known) throw new UnknownSourceError(`Okänd källa: ${options.sourceId}`);
  if (!pagedSource(known)) {
    throw new BackfillError(
      `källan ${known.id} (${known.adapterId}) bläddrar inte (ingen inställning maxPages); en skanning läser allt`,
    );
  }
  const maxPages = options.maxPages ?? UNBOUNDED_PAGES;
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > UNBOUNDED_PAGES) {
    throw new BackfillError(`--max-pages ska vara ett heltal från 1 till ${UNBOUNDED_PAGES}`);
  }
  const overrides: RunSourceOptions = { maxPages };
  const source = withRunOptions(known, overrides);
  const { runId, planned } = await withTransaction(ctx.db, async (tx) => {
    // One backfill per source at a time, also against a concurrent `horisont backfill`.
    await lockKey(tx, `backfill ${known.id}`);
    const running = (await unfinishedRunsOf(tx, BACKFILL_TRIGGER, known.id))[0];
    if (running) {
      throw new BackfillError(
        `en bakåtfyllning av ${known.id} är inte klar (körning ${running.runId}); fortsätt den med --resume ${running.runId}`,
      );
    }
    const run = await openRun(tx, `${BACKFILL_TRIGGER} ${known.id} ${randomUUID()}`, BACKFILL_TRIGGER, [
      known.id,
    ]);
    await setRunSourceOptions(tx, run.runId, known.id, overrides);
    return { runId: run.runId, planned: await planSourceScan(tx, run.runId, source) };
  });
  await ctx.pipeline.enqueue(planned);
  ctx.log.info({ run_id: runId, source_id: known.id, max_pages: maxPages }, 'backfill: run started');
  return runId;
}

export interface ResumeResult {
  runId: string;
  sourceId: string;
  /** Unfinished jobs handed to the queues again (those still queued are not duplicated). */
  requeued: number;
  /** Of those, jobs BullMQ had given up on (stalled too often by crashes) and that run again. */
  retried: number;
  completed: boolean;
}

/**
 * Continues a backfill after a crash: enqueues the run's unfinished jobs again. Job ids are
 * deterministic, so work still queued is not duplicated; finished pages are not fetched again.
 * A job that BullMQ failed on its own (a worker killed twice while holding it) while PostgreSQL
 * still records it as unfinished is retried, so the run cannot hang on it.
 */
export async function resumeBackfill(ctx: AppContext, runId: string): Promise<ResumeResult> {
  const run = await runOfSource(ctx.db, runId);
  if (!run) throw new BackfillError(`Ingen körning ${runId}.`, true);
  if (run.trigger !== BACKFILL_TRIGGER) {
    throw new BackfillError(`körning ${runId} är en körning av typen ${run.trigger}, inte en bakåtfyllning`);
  }
  if (run.status === 'completed') {
    return { runId, sourceId: run.sourceId, requeued: 0, retried: 0, completed: true };
  }
  const jobs = await unfinishedJobsOf(ctx.db, runId);
  await ctx.pipeline.enqueue(jobs);
  const retriedJobs = await Promise.all(
    jobs.map(async (planned) => {
      if (!(STAGES as readonly string[]).includes(planned.queue)) return false;
      const queue = ctx.pipeline.queues[planned.queue as Stage] as Queue;
      const job = await queue.getJob(planned.jobId);
      if (!job || !(await job.isFailed())) return false;
      await job.retry('failed');
      return true;
    }),
  );
  const retried = retriedJobs.filter(Boolean).length;
  ctx.log.info({ run_id: runId, source_id: run.sourceId, jobs: jobs.length, retried }, 'backfill: resumed');
  return { runId, sourceId: run.sourceId, requeued: jobs.length, retried, completed: false };
}
