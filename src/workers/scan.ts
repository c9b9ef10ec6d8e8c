import type { StageContext } from './context.js';
import type { ConfiguredSource } from '../config/load.js';
import { jobId } from '../queue/names.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { Tx } from '../store/db.js';
import { openRun } from '../store/runs.js';
import { registerJobs } from '../store/run-jobs.js';
import { sourceById } from '../store/run-sources.js';
import type { PlannedJob } from '../store/run-jobs.js';

/** The first fetch jobs of one source in a run, registered with the run. */
export async function planSourceScan(tx: Tx, runId: string, source: ConfiguredSource): Promise<PlannedJob[]> {
  const jobs: PlannedJob[] = source.adapter.requests(source).map((request) => ({
    queue: 'fetch',
    jobId: jobId('fetch', runId, source.id, request.key),
    data: { runId, sourceId: source.id, request, page: 0 },
  }));
  await registerJobs(tx, runId, jobs);
  return jobs;
}

/**
 * A scheduler firing for one source. Sources sharing a cron expression share one run per firing,
 * so the nightly scan gives one run report with every source's outcome.
 */
export function scanStage(
  ctx: Pick<StageContext, 'config'>,
  now: () => Date = () => new Date(),
): StageDefinition<'scan'> {
  return {
    concurrency: 2,
    handle: async (data, job) => {
      const source = sourceById(ctx.config.sources, data.sourceId);
      const firedAt = now();
      firedAt.setUTCSeconds(0, 0);
      const runKey = data.runKey ?? `schedule ${source.schedule} ${firedAt.toISOString()}`;
      const peers = ctx.config.sources
        .filter((s) => s.enabled && s.schedule === source.schedule)
        .map((s) => s.id);
      await job.commit(async (tx) => {
        const { runId } = await openRun(tx, runKey, 'schedule', peers);
        job.log.info({ run_id: runId }, 'scan: source scheduled');
        return planSourceScan(tx, runId, source);
      });
    },
  };
}
