import { randomUUID } from 'node:crypto';
import type { Db, Tx } from './db.js';
import { lockKey, withTransaction } from './db.js';
import { markJobDone, registerJobs } from './run-jobs.js';
import type { PlannedJob } from './run-jobs.js';
import type { ErrorKind } from '../domain/errors.js';
import { emptyYieldFailure, recordSourceFailure, recordSourceSuccess, usualYield } from './health.js';
import type { SourceFailure } from './health.js';
import { settleDeferred } from './holds.js';
import type { UpsertedItems } from './items.js';
import { DEFAULT_REKEY } from '../domain/rekey.js';
import type { RekeySettings } from '../domain/rekey.js';

export type SourceRunStatus = 'pending' | 'running' | 'ok' | 'unchanged' | 'failed' | 'broken';
export const TERMINAL_SOURCE_STATUSES: readonly SourceRunStatus[] = ['ok', 'unchanged', 'failed', 'broken'];

/** Failures that mean the source's content can no longer be read, as opposed to a transport fault. */
const BROKEN_KINDS: ReadonlySet<ErrorKind> = new Set([
  'blocked',
  'parse',
  'layout-changed',
  'schema',
  'schema-drift',
  'empty-body',
]);

export function sourceStatusFor(kind: ErrorKind): 'failed' | 'broken' {
  return BROKEN_KINDS.has(kind) ? 'broken' : 'failed';
}

/**
 * Creates the run (or returns the existing one with the same key) with its sources pending. The
 * run judges as of `asOf` (a replay of an earlier day) or, by default, the day it starts in
 * Stockholm: a run that goes on past midnight judges every candidate on the same day.
 */
export async function openRun(
  tx: Tx,
  runKey: string,
  trigger: string,
  sourceIds: string[],
  asOf?: string,
): Promise<{ runId: string; created: boolean }> {
  const inserted = await tx.query<{ id: string }>(
    `insert into runs (id, run_key, trigger, as_of)
     values ($1, $2, $3, coalesce($4::date, (now() at time zone 'Europe/Stockholm')::date))
     on conflict (run_key) do nothing returning id`,
    [randomUUID(), runKey, trigger, asOf ?? null],
  );
  const runId =
    inserted.rows[0]?.id ??
    (await tx.query<{ id: string }>('select id from runs where run_key = $1', [runKey])).rows[0]!.id;
  await tx.query(
    `insert into run_sources (run_id, source_id)
     select $1, unnest($2::text[]) on conflict do nothing`,
    [runId, sourceIds],
  );
  return { runId, created: inserted.rows.length > 0 };
}

export async function markSourceRunning(tx: Tx, runId: string, sourceId: string): Promise<void> {
  await tx.query(
    `update run_sources set status = 'running', started_at = coalesce(started_at, now())
     where run_id = $1 and source_id = $2 and status = 'pending'`,
    [runId, sourceId],
  );
}

const NONE_STORED: UpsertedItems = { newIds: [], changedIds: [] };

export interface SettleInput {
  runId: string;
  sourceId: string;
  /** The job ending the chain (its own row is not yet marked done). */
  jobId: string;
  failure?: SourceFailure | undefined;
  /** The re-key guard's settings (`guards.rekey` in sources.yaml). */
  rekey?: RekeySettings | undefined;
}

/**
 * Called when one of a source's request chains ends (its last page parsed, or a fetch/parse job
 * failed for good). A failure is recorded at once; the source's outcome and counts are settled
 * when no other chain of the source is still open. Chains of one source serialise on a lock.
 * A source that read without error but found no items where it usually finds many is settled as
 * broken with that reason, never as "nothing new" (src/store/health.ts). New items that waited
 * for the whole scan (the re-key guard, src/store/holds.ts) are let through or held here; those
 * let through are returned, to be resolved.
 */
export async function settleSource(tx: Tx, input: SettleInput): Promise<UpsertedItems> {
  const { runId, sourceId, failure } = input;
  await lockKey(tx, `run-source ${runId} ${sourceId}`);
  if (failure) {
    const status = sourceStatusFor(failure.kind);
    const updated = await tx.query(
      `update run_sources set status = $3, error_kind = $4, error_message = $5
       where run_id = $1 and source_id = $2 and status in ('pending', 'running')`,
      [runId, sourceId, status, failure.kind, failure.message],
    );
    if ((updated.rowCount ?? 0) > 0) await recordSourceFailure(tx, sourceId, runId, status, failure);
  }
  const open = await tx.query<{ n: number }>(
    `select count(*)::int as n from run_jobs
     where run_id = $1 and source_id = $2 and not done and job_id <> $3`,
    [runId, sourceId, input.jobId],
  );
  if (open.rows[0]!.n > 0) return NONE_STORED;
  const current = (
    await tx.query<{ status: SourceRunStatus }>(
      'select status from run_sources where run_id = $1 and source_id = $2 and finished_at is null',
      [runId, sourceId],
    )
  ).rows[0];
  if (!current) return NONE_STORED;
  const deferred = await settleDeferred(tx, runId, sourceId, input.rekey ?? DEFAULT_REKEY);
  const totals = (
    await tx.query<{
      pages: number;
      pages_changed: number;
      items_seen: number;
      items_new: number;
      items_changed: number;
    }>(
      `select count(*)::int as pages, count(*) filter (where not unchanged)::int as pages_changed,
              coalesce(sum(items_seen), 0)::int as items_seen,
              coalesce(sum(cardinality(new_item_ids)), 0)::int as items_new,
              coalesce(sum(cardinality(changed_item_ids)), 0)::int as items_changed
       from snapshots where run_id = $1 and source_id = $2`,
      [runId, sourceId],
    )
  ).rows[0]!;
  const usual = await usualYield(tx, sourceId, runId);
  let status: SourceRunStatus =
    current.status === 'failed' || current.status === 'broken'
      ? current.status
      : totals.pages_changed === 0
        ? 'unchanged'
        : 'ok';
  let emptied: SourceFailure | undefined;
  if (status === 'ok' || status === 'unchanged') {
    emptied = await emptyYieldFailure(tx, runId, sourceId, totals.items_seen, usual);
    if (emptied) status = 'broken';
  }
  await tx.query(
    `update run_sources
        set status = $3, error_kind = coalesce($4, error_kind), error_message = coalesce($5, error_message),
            pages = $6, pages_changed = $7, items_seen = $8, items_new = $9, items_changed = $10,
            usual_items = $11, items_held = $12, finished_at = now()
      where run_id = $1 and source_id = $2 and finished_at is null`,
    [
      runId,
      sourceId,
      status,
      emptied?.kind ?? null,
      emptied?.message ?? null,
      totals.pages,
      totals.pages_changed,
      totals.items_seen,
      totals.items_new + deferred.released,
      totals.items_changed,
      usual,
      deferred.held,
    ],
  );
  if (emptied) await recordSourceFailure(tx, sourceId, runId, 'broken', emptied);
  else if (status === 'ok' || status === 'unchanged') await recordSourceSuccess(tx, sourceId, runId, status);
  return deferred.stored;
}

export interface JobCompletion {
  /** Jobs the run itself now needs (the report pass once ingestion has settled). */
  next: PlannedJob[];
  runCompleted: boolean;
}

const OPEN_WORK = `select exists (select 1 from run_jobs where run_id = $1 and not done)
                       or exists (select 1 from run_sources where run_id = $1 and status in ('pending', 'running'))
                     as open`;

/**
 * Advances the run when no work is left: ingestion settled moves it to its report pass, the report
 * pass done completes it. The run row lock serialises the decision so that exactly one caller
 * acts; it is taken FOR NO KEY UPDATE because every job's inserts hold KEY SHARE on the run row
 * through their foreign keys, and FOR UPDATE would deadlock against them. Idempotent.
 */
async function advanceRun(tx: Tx, runId: string): Promise<JobCompletion> {
  const run = (
    await tx.query<{ status: string }>('select status from runs where id = $1 for no key update', [runId])
  ).rows[0];
  if (!run || run.status === 'completed') return { next: [], runCompleted: false };
  if ((await tx.query<{ open: boolean }>(OPEN_WORK, [runId])).rows[0]!.open) {
    return { next: [], runCompleted: false };
  }
  if (run.status === 'running') {
    await tx.query(`update runs set status = 'reporting' where id = $1`, [runId]);
    const job: PlannedJob = { queue: 'report', jobId: `report-run-${runId}`, data: { type: 'run', runId } };
    await registerJobs(tx, runId, [job]);
    return { next: [job], runCompleted: false };
  }
  await tx.query(`update runs set status = 'completed', finished_at = now() where id = $1`, [runId]);
  // The run report is kept as it was when the run ended, for `horisont runs` and the workbench.
  await tx.query('update runs set summary = $2 where id = $1', [
    runId,
    JSON.stringify(await runSummary(tx, runId)),
  ]);
  return { next: [], runCompleted: true };
}

/**
 * Marks a job done and advances the run in the same transaction (see {@link advanceRun}). Every
 * caller queues on the run row until it commits; the pipeline uses this only for a job that failed
 * for good and settles completed jobs with {@link settleRun} after their commit instead.
 */
export async function completeJob(
  tx: Tx,
  runId: string,
  jobId: string,
  failure?: { kind: ErrorKind },
): Promise<JobCompletion> {
  await markJobDone(tx, runId, jobId, failure);
  return advanceRun(tx, runId);
}

/**
 * Advances the run if no work is left, called after a job's commit (its own row already marked
 * done). Of several jobs that finish at the same moment, the last to commit sees all of them
 * done, so at least one caller finds the run settled; the lock is taken only then. Deciding inside
 * each job's transaction instead meant holding the run row lock until that job's commit, and
 * every job of the night queued on it (W5: ≈ 6 ms a job, one job at a time, most of the tail
 * after the last response). A process that dies between the commit and this call leaves its job
 * to be delivered again (BullMQ's stalled-job check), which settles then; `horisont start`
 * settles every open run once at start-up as well.
 */
export async function settleRun(db: Db, runId: string): Promise<JobCompletion> {
  if ((await db.query<{ open: boolean }>(OPEN_WORK, [runId])).rows[0]?.open !== false) {
    return { next: [], runCompleted: false };
  }
  return withTransaction(db, (tx) => advanceRun(tx, runId));
}

/**
 * The run bookkeeping the pipeline keeps with every job (its `RunLedger`, src/queue/pipeline.ts),
 * passed to it by the composition root.
 */
export const runLedger = {
  register: registerJobs,
  markDone: markJobDone,
  fail: async (tx: Tx, runId: string, jobId: string, failure: { kind: ErrorKind }): Promise<PlannedJob[]> =>
    (await completeJob(tx, runId, jobId, failure)).next,
  settle: async (db: Db, runId: string): Promise<PlannedJob[]> => (await settleRun(db, runId)).next,
};

/** Settles every run not yet completed whose work is all done (after a crash between the two). */
export async function settleOpenRuns(db: Db): Promise<PlannedJob[]> {
  const runs = await db.query<{ id: string }>(
    `select id from runs where status in ('running', 'reporting') order by started_at`,
  );
  const next: PlannedJob[] = [];
  // One run after another: each takes its run's lock only if it looks settled.
  for (const { id } of runs.rows) next.push(...(await settleRun(db, id)).next); // eslint-disable-line no-await-in-loop
  return next;
}

export interface RunSourceRow {
  source_id: string;
  status: SourceRunStatus;
  error_kind: string | null;
  error_message: string | null;
  pages: number;
  items_seen: number;
  items_new: number;
  items_changed: number;
  /** New items held for review by the re-key guard (`horisont holds`). */
  items_held: number;
  /** The usual yield (median of the previous successful runs) the run was measured against. */
  usual_items: number | null;
  duration_ms: number | null;
  /** Warnings that are not failures (an API's build version changed), in the order noted. */
  notes: string[];
}

/**
 * Claims candidates for scoring in a run, each on its basis (evidence fingerprint, list change,
 * re-judging day): returns the ones not claimed before, in candidate id order. Part of the
 * planning transaction, so a planner rolled back claims nothing.
 */
export async function claimScoring(
  tx: Tx,
  runId: string,
  candidates: ReadonlyArray<{ id: string; basis: string }>,
): Promise<Array<{ id: string; basis: string }>> {
  if (candidates.length === 0) return [];
  const claimed = await tx.query<{ id: string; basis: string }>(
    `insert into run_scored (run_id, candidate_id, basis)
     select $1, t.id, t.basis from unnest($2::uuid[], $3::text[]) as t(id, basis)
     on conflict do nothing
     returning candidate_id as id, basis`,
    [runId, candidates.map((c) => c.id), candidates.map((c) => c.basis)],
  );
  return claimed.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface RunSummary {
  runId: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  sources: RunSourceRow[];
  candidatesNew: number;
  reports: number;
  nominations: number;
  failedJobs: number;
}

export interface RunProgress {
  pages: number;
  items: number;
  jobsDone: number;
  jobsTotal: number;
}

/** Pages stored and parsed so far, items seen, and the run's jobs done of those registered. */
export async function runProgress(db: Db, runId: string): Promise<RunProgress> {
  const row = (
    await db.query<{ pages: number; items: number; done: number; total: number }>(
      `select (select count(*)::int from snapshots where run_id = $1 and parsed_at is not null) as pages,
              (select coalesce(sum(items_seen), 0)::int from snapshots where run_id = $1) as items,
              (select count(*) filter (where done)::int from run_jobs where run_id = $1) as done,
              (select count(*)::int from run_jobs where run_id = $1) as total`,
      [runId],
    )
  ).rows[0]!;
  return { pages: row.pages, items: row.items, jobsDone: row.done, jobsTotal: row.total };
}

/** The day a run judges when it replays an earlier day (`as_of`), else undefined. */
export async function runAsOf(db: Db | Tx, runId: string): Promise<string | undefined> {
  const row = await db.query<{ as_of: string | null }>(
    `select to_char(as_of, 'YYYY-MM-DD') as as_of from runs where id = $1`,
    [runId],
  );
  return row.rows[0]?.as_of ?? undefined;
}

/** Completes a run that has no jobs (a submission from outside, `resolve --all`). */
export async function completeRun(db: Db | Tx, runId: string): Promise<void> {
  await db.query(`update runs set status = 'completed', finished_at = now() where id = $1`, [runId]);
}

/** The latest runs' ids, newest first. */
export async function recentRunIds(db: Db, limit: number): Promise<string[]> {
  return (
    await db.query<{ id: string }>('select id from runs order by started_at desc limit $1', [limit])
  ).rows.map((row) => row.id);
}

/**
 * A run's status alone: what a caller waiting for the run polls. The summary counts reports,
 * nominations and jobs, which costs milliseconds a call by the end of a large night.
 */
export async function runStatus(db: Db | Tx, runId: string): Promise<string | undefined> {
  const row = await db.query<{ status: string }>('select status from runs where id = $1', [runId]);
  return row.rows[0]?.status;
}

export async function runSummary(db: Db | Tx, runId: string): Promise<RunSummary | undefined> {
  const run = (
    await db.query<{
      id: string;
      trigger: string;
      status: string;
      started_at: Date;
      finished_at: Date | null;
    }>('select id, trigger, status, started_at, finished_at from runs where id = $1', [runId])
  ).rows[0];
  if (!run) return undefined;
  const sources = await db.query<RunSourceRow>(
    `select r.source_id, r.status, r.error_kind, r.error_message, r.pages, r.items_seen, r.items_new,
            r.items_changed, r.items_held, r.usual_items,
            (extract(epoch from (r.finished_at - r.started_at)) * 1000)::int as duration_ms,
            array(select n.message from source_notes n where n.run_id = r.run_id and n.source_id = r.source_id
                  order by n.id) as notes
     from run_sources r where r.run_id = $1 order by r.source_id`,
    [runId],
  );
  const counts = (
    await db.query<{ reports: number; nominations: number; failed_jobs: number; candidates: number }>(
      `select (select count(*)::int from reports where run_id = $1) as reports,
              (select count(*)::int from nominations n join reports r on r.id = n.report_id
                 where r.run_id = $1) as nominations,
              (select count(*)::int from run_jobs where run_id = $1 and failed) as failed_jobs,
              (select count(*)::int from candidates where first_run_id = $1) as candidates`,
      [runId],
    )
  ).rows[0]!;
  return {
    runId: run.id,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.started_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
    sources: sources.rows,
    candidatesNew: counts.candidates,
    reports: counts.reports,
    nominations: counts.nominations,
    failedJobs: counts.failed_jobs,
  };
}

/** How many runs there are of each status. */
export async function runCountsByStatus(db: Db): Promise<Array<{ status: string; n: number }>> {
  return (
    await db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from runs group by status',
    )
  ).rows;
}
