import type { ConfiguredSource } from '../config/load.js';
import type { Db, Tx } from './db.js';

/**
 * Where a stage finds the source a job names: the configured sources, with the options a run
 * stores for one of them (a backfill's page limit). The options are stored on the run, never in
 * the configuration, so the nightly scan keeps its own limit and every job of a backfill reads
 * the same one.
 */

/** Option overrides a run stores for one of its sources. */
export interface RunSourceOptions {
  maxPages?: number;
}

export function sourceById(sources: readonly ConfiguredSource[], sourceId: string): ConfiguredSource {
  const source = sources.find((candidate) => candidate.id === sourceId);
  if (!source) throw new Error(`unknown source "${sourceId}"`);
  return source;
}

/** A source that follows its pages up to `maxPages`: only such a source can be backfilled. */
export function pagedSource(source: ConfiguredSource): boolean {
  const options = source.options as Record<string, unknown> | null | undefined;
  return typeof options?.maxPages === 'number';
}

/** The source as a run sees it: its configured options with the run's overrides applied. */
export function withRunOptions(
  source: ConfiguredSource,
  overrides: RunSourceOptions | null,
): ConfiguredSource {
  if (!overrides || Object.keys(overrides).length === 0) return source;
  return { ...source, options: { ...(source.options as object), ...overrides } };
}

// Overrides are written once, when the run is opened, so they can be cached for the process.
const overridesCache = new Map<string, RunSourceOptions | null>();
const CACHE_LIMIT = 2_000;

async function runSourceOptions(db: Db, runId: string, sourceId: string): Promise<RunSourceOptions | null> {
  const key = `${runId} ${sourceId}`;
  if (overridesCache.has(key)) return overridesCache.get(key)!;
  const row = (
    await db.query<{ options: RunSourceOptions | null }>(
      'select options from run_sources where run_id = $1 and source_id = $2',
      [runId, sourceId],
    )
  ).rows[0];
  const options = row?.options ?? null;
  if (overridesCache.size >= CACHE_LIMIT) overridesCache.clear();
  overridesCache.set(key, options);
  return options;
}

/** The configured source with the options the run overrides (a backfill's page limit). */
export async function sourceForRun(
  db: Db,
  sources: readonly ConfiguredSource[],
  runId: string,
  sourceId: string,
): Promise<ConfiguredSource> {
  const source = sourceById(sources, sourceId);
  if (!pagedSource(source)) return source;
  return withRunOptions(source, await runSourceOptions(db, runId, sourceId));
}

/** Stores a run's overrides for one of its sources, in the transaction that opens the run. */
export async function setRunSourceOptions(
  tx: Tx,
  runId: string,
  sourceId: string,
  overrides: RunSourceOptions,
): Promise<void> {
  await tx.query('update run_sources set options = $3 where run_id = $1 and source_id = $2', [
    runId,
    sourceId,
    JSON.stringify(overrides),
  ]);
}

export interface RunOfSource {
  runId: string;
  sourceId: string;
  trigger: string;
  status: string;
  options: RunSourceOptions | null;
  startedAt: Date;
}

const RUN_OF_SOURCE = `select r.id, s.source_id, r.trigger, r.status, s.options, r.started_at
  from runs r join run_sources s on s.run_id = r.id`;

async function runsOfSources(db: Db | Tx, where: string, values: unknown[]): Promise<RunOfSource[]> {
  const result = await db.query<{
    id: string;
    source_id: string;
    trigger: string;
    status: string;
    options: RunSourceOptions | null;
    started_at: Date;
  }>(`${RUN_OF_SOURCE} ${where}`, values);
  return result.rows.map((row) => ({
    runId: row.id,
    sourceId: row.source_id,
    trigger: row.trigger,
    status: row.status,
    options: row.options,
    startedAt: row.started_at,
  }));
}

/** Runs of one trigger (of one source, or of any) that have not completed, newest first. */
export function unfinishedRunsOf(db: Db | Tx, trigger: string, sourceId?: string): Promise<RunOfSource[]> {
  return runsOfSources(
    db,
    `where r.trigger = $1 and r.status <> 'completed' and ($2::text is null or s.source_id = $2)
     order by r.started_at desc`,
    [trigger, sourceId ?? null],
  );
}

/** A run with (the first of) its sources, or undefined when there is no such run. */
export async function runOfSource(db: Db, runId: string): Promise<RunOfSource | undefined> {
  return (await runsOfSources(db, 'where r.id = $1', [runId]))[0];
}
