import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { UnknownSourceError } from './scan-once.js';
import { withTransaction } from '../store/db.js';
import type { Tx } from '../store/db.js';
import { jobId } from '../queue/names.js';
import { markSourceRunning, openRun } from '../store/runs.js';
import { registerJobs } from '../store/run-jobs.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { copySnapshots, latestSnapshots } from '../store/snapshots.js';
import type { SnapshotOfSource } from '../store/snapshots.js';

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
    const latest = await latestSnapshots(tx, wanted, options.since);
    if (latest.length === 0) return undefined;
    const sources = [...new Set(latest.map((row) => row.sourceId))];
    const { runId } = await openRun(tx, `replay ${randomUUID()}`, 'replay', sources);
    const copies = await copySnapshots(
      tx,
      runId,
      latest.map((row) => row.id),
    );
    return { runId, jobs: await planReplayParses(tx, runId, sources, copies) };
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
  copies: readonly SnapshotOfSource[],
): Promise<PlannedJob[]> {
  for (const source of sources) await markSourceRunning(tx, runId, source); // eslint-disable-line no-await-in-loop
  const jobs: PlannedJob[] = copies.map((row) => ({
    queue: 'parse',
    jobId: jobId('parse', row.id),
    data: { runId, sourceId: row.sourceId, snapshotId: Number(row.id), page: 0, replay: true },
  }));
  await registerJobs(tx, runId, jobs);
  return jobs;
}
