import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { UnknownSourceError } from './scan-once.js';
import { withTransaction } from '../store/db.js';
import type { Tx } from '../store/db.js';
import { jobId } from '../queue/names.js';
import { markSourceRunning, openRun } from '../store/runs.js';
import { registerJobs } from '../store/run-jobs.js';
import type { PlannedJob } from '../store/run-jobs.js';

export interface ReplayOptions {
  sourceIds?: string[];
  /** Only snapshots fetched at or after this instant. */
  since?: Date;
}

/**
 * Starts a run that re-parses the latest stored snapshot of every request with today's adapters:
 * no network. Items whose parsed content differs from what is stored flow on to resolution and
 * scoring as changes; everything else stays untouched, so the run report says what changed.
 * Returns undefined when there is nothing stored to replay.
 */
export async function startReplay(ctx: AppContext, options: ReplayOptions = {}): Promise<string | undefined> {
  const known = new Set(ctx.config.sources.map((source) => source.id));
  const unknown = (options.sourceIds ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) throw new UnknownSourceError(`Okänd källa: ${unknown.join(', ')}`);
  const wanted = options.sourceIds?.length ? options.sourceIds : [...known];

  const planned = await withTransaction(ctx.db, async (tx) => {
    const latest = await tx.query<{ source_id: string; request_key: string; id: string }>(
      `select distinct on (source_id, request_key) source_id, request_key, id from snapshots
       where source_id = any($1::text[]) and body_hash is not null
         and ($2::timestamptz is null or fetched_at >= $2)
       order by source_id, request_key, fetched_at desc, id desc`,
      [wanted, options.since ?? null],
    );
    if (latest.rows.length === 0) return undefined;
    const sources = [...new Set(latest.rows.map((row) => row.source_id))];
    const { runId } = await openRun(tx, `replay ${randomUUID()}`, 'replay', sources);
    const copies = await tx.query<{ id: string; source_id: string }>(
      `insert into snapshots (run_id, source_id, request_key, url, status, headers, body_hash, unchanged)
       select $1, source_id, request_key, url, status, headers, body_hash, false
       from snapshots where id = any($2::bigint[])
       returning id, source_id`,
      [runId, latest.rows.map((row) => row.id)],
    );
    return { runId, jobs: await planReplayParses(tx, runId, sources, copies.rows) };
  });
  if (!planned) return undefined;
  await ctx.pipeline.enqueue(planned.jobs);
  ctx.log.info({ run_id: planned.runId, snapshots: planned.jobs.length }, 'replay: run started');
  return planned.runId;
}

/** Marks the replayed sources running and registers one parse job per copied snapshot. */
export async function planReplayParses(
  tx: Tx,
  runId: string,
  sources: readonly string[],
  copies: readonly { id: string; source_id: string }[],
): Promise<PlannedJob[]> {
  for (const source of sources) await markSourceRunning(tx, runId, source); // eslint-disable-line no-await-in-loop
  const jobs: PlannedJob[] = copies.map((row) => ({
    queue: 'parse',
    jobId: jobId('parse', row.id),
    data: { runId, sourceId: row.source_id, snapshotId: Number(row.id), page: 0, replay: true },
  }));
  await registerJobs(tx, runId, jobs);
  return jobs;
}
