import type { Db, Tx } from './db.js';
import type { ErrorKind } from '../domain/errors.js';

/**
 * `run_jobs`, the pipeline's outbox: every job a stage plans is registered with its run in the
 * transaction that plans it, enqueued after that commit, and marked done in the transaction of
 * its own effects. A run never looks finished while work is pending, and after a crash (or Redis
 * losing its data) the jobs recorded as not done are enqueued again.
 */

export interface PlannedJob {
  queue: string;
  jobId: string;
  data: unknown;
}

/**
 * Registers jobs before they are enqueued, so a run never looks finished while work is pending.
 * Returns how many were new (a job id registered before is not registered again).
 */
export async function registerJobs(tx: Tx, runId: string, jobs: PlannedJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const inserted = await tx.query(
    `insert into run_jobs (run_id, job_id, queue, source_id, data)
     select $1, unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::jsonb[])
     on conflict do nothing`,
    [
      runId,
      jobs.map((job) => job.jobId),
      jobs.map((job) => job.queue),
      jobs.map((job) => (job.queue === 'fetch' || job.queue === 'parse' ? sourceIdOf(job.data) : null)),
      jobs.map((job) => JSON.stringify(job.data)),
    ],
  );
  return inserted.rowCount ?? 0;
}

/**
 * Work PostgreSQL records as unfinished, for runs that are not complete. After Redis lost its
 * data (a flush, a failover without persistence) enqueueing these again resumes every run where
 * it stood; job ids are deterministic, so work still queued is not duplicated.
 */
export async function unfinishedJobs(db: Db): Promise<PlannedJob[]> {
  const result = await db.query<{ queue: string; job_id: string; data: unknown }>(
    `select j.queue, j.job_id, j.data from run_jobs j join runs r on r.id = j.run_id
     where not j.done and r.status <> 'completed' order by j.created_at, j.job_id`,
  );
  return result.rows.map((row) => ({ queue: row.queue, jobId: row.job_id, data: row.data }));
}

/** One run's jobs that PostgreSQL records as not done. */
export async function unfinishedJobsOf(db: Db, runId: string): Promise<PlannedJob[]> {
  const result = await db.query<{ queue: string; job_id: string; data: unknown }>(
    'select queue, job_id, data from run_jobs where run_id = $1 and not done order by created_at, job_id',
    [runId],
  );
  return result.rows.map((row) => ({ queue: row.queue, jobId: row.job_id, data: row.data }));
}

function sourceIdOf(data: unknown): string | null {
  const value = (data as { sourceId?: unknown }).sourceId;
  return typeof value === 'string' ? value : null;
}

/** Marks a job done, in the same transaction as its effects. */
export async function markJobDone(
  tx: Tx,
  runId: string,
  jobId: string,
  failure?: { kind: ErrorKind },
): Promise<void> {
  await tx.query(
    `update run_jobs set done = true, failed = $3, error_kind = $4, finished_at = now()
     where run_id = $1 and job_id = $2`,
    [runId, jobId, failure !== undefined, failure?.kind ?? null],
  );
}

/** How many of a run's jobs are done, of those registered. */
export async function runJobCounts(db: Db, runId: string): Promise<{ done: number; total: number }> {
  return (
    await db.query<{ done: number; total: number }>(
      'select count(*) filter (where done)::int as done, count(*)::int as total from run_jobs where run_id = $1',
      [runId],
    )
  ).rows[0]!;
}

/** Jobs of unfinished runs recorded as not done, by queue (what a restart would enqueue again). */
export async function openJobCounts(db: Db): Promise<Array<{ queue: string; n: number }>> {
  return (
    await db.query<{ queue: string; n: number }>(
      `select j.queue, count(*)::int as n from run_jobs j join runs r on r.id = j.run_id
       where not j.done and r.status <> 'completed' group by j.queue`,
    )
  ).rows;
}
