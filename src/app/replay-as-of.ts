import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Env } from '../env.js';
import type { Logger } from '../log.js';
import type { AppContext } from './context.js';
import { buildApp, closeApp, startWorkers } from './build.js';
import { waitForRun } from './scan-once.js';
import type { RunSummary } from '../store/runs.js';
import { openRun } from '../store/runs.js';
import { planReplayParses } from './replay.js';
import { assertSchemaName, dropSchema, withTransaction } from '../store/db.js';
import { copySnapshotsFrom, snapshotsAsOf } from '../store/snapshots.js';
import { obliterateQueues } from '../queue/names.js';
import type { ProgressListener } from './scan-once.js';

export interface ReplayAsOfOptions {
  /** The day to judge as, ISO. */
  asOf: string;
  /** The schema of the world the replay builds; default `<schema>_per_<YYYYMMDD>`. */
  into?: string;
  timeoutMs: number;
  configDir?: string;
  onProgress?: ProgressListener;
}

export interface ReplayAsOfResult {
  schema: string;
  queuePrefix: string;
  reportDir: string;
  runId: string;
  /** Snapshots replayed: per request, the one current on the day. */
  snapshots: number;
  summary: RunSummary;
}

/** The replay's world: its own schema, queue prefix and report folder beside the live ones. */
export function replayWorld(env: Env, asOf: string, into?: string): Env {
  const day = asOf.replaceAll('-', '');
  const schema = assertSchemaName(into ?? `${env.HORISONT_DB_SCHEMA}_per_${day}`);
  if (schema === env.HORISONT_DB_SCHEMA) {
    throw new Error(`replay --as-of: the replay needs a schema of its own, not the live one (${schema})`);
  }
  return {
    ...env,
    HORISONT_DB_SCHEMA: schema,
    HORISONT_QUEUE_PREFIX: `${env.HORISONT_QUEUE_PREFIX}-per-${day}`,
    HORISONT_REPORT_DIR: path.join(env.HORISONT_REPORT_DIR, `per-${asOf}`),
  };
}

/**
 * Ranks as the beredning would have seen it on `asOf`: in a world of its own (schema, queue
 * prefix, report folder; the live data is only read), it replays, for every request, the snapshot
 * that was current on that day (the latest fetched by a run judging that day or earlier) through
 * today's adapters and the whole pipeline, judged as of that day. The world is rebuilt from
 * scratch each time, so the same day always gives the same ranking.
 */
export async function replayAsOf(
  live: AppContext,
  env: Env,
  log: Logger,
  options: ReplayAsOfOptions,
): Promise<ReplayAsOfResult> {
  const worldEnv = replayWorld(env, options.asOf, options.into);
  const schema = worldEnv.HORISONT_DB_SCHEMA;
  await dropSchema(live.db, schema);
  await obliterateQueues(worldEnv.REDIS_URL, worldEnv.HORISONT_QUEUE_PREFIX);
  const world = await buildApp({
    env: worldEnv,
    log,
    applicationName: 'horisont-replay',
    ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
  });
  try {
    const from = env.HORISONT_DB_SCHEMA;
    const planned = await withTransaction(world.db, async (tx) => {
      const current = await snapshotsAsOf(
        tx,
        from,
        options.asOf,
        world.config.sources.map((source) => source.id),
      );
      const sources = [...new Set(current.map((row) => row.sourceId))];
      const { runId } = await openRun(tx, `replay-as-of ${randomUUID()}`, 'replay', sources, options.asOf);
      const copies = await copySnapshotsFrom(
        tx,
        from,
        runId,
        current.map((row) => row.id),
      );
      return { runId, jobs: await planReplayParses(tx, runId, sources, copies) };
    });
    startWorkers(world);
    await world.pipeline.enqueue(planned.jobs);
    const summary = await waitForRun(world, planned.runId, options.timeoutMs, options.onProgress);
    log.info(
      { run_id: planned.runId, schema, as_of: options.asOf, snapshots: planned.jobs.length },
      'replay-as-of: done',
    );
    return {
      schema,
      queuePrefix: worldEnv.HORISONT_QUEUE_PREFIX,
      reportDir: world.reportDir,
      runId: planned.runId,
      snapshots: planned.jobs.length,
      summary,
    };
  } finally {
    await closeApp(world);
  }
}
