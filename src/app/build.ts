import path from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../env.js';
import { loadConfig, DEFAULT_CONFIG_DIR, minIntervalFor } from '../config/load.js';
import type { HorisontConfig } from '../config/load.js';
import { toFixtureUrl } from '../fixtures/server.js';
import { createDb } from '../store/db.js';
import type { Db } from '../store/db.js';
import { runLedger } from '../store/runs.js';
import { upsertSources } from '../store/health.js';
import { migrate } from '../store/migrate.js';
import { PgHostThrottle } from '../store/host-throttle.js';
import { HttpClient } from '../fetch/http-client.js';
import { RobotsChecker } from '../fetch/robots.js';
import { Pipeline } from '../queue/pipeline.js';
import type { CommitHook } from '../queue/pipeline.js';
import type { AdapterRegistry } from '../sources/index.js';
import { STAGES } from '../queue/names.js';
import type { Stage } from '../queue/names.js';
import type { AppContext } from './context.js';
import { scanStage } from '../workers/scan.js';
import { fetchStage } from '../workers/fetch.js';
import { parseStage } from '../workers/parse.js';
import { resolveStage } from '../workers/resolve.js';
import { refreshNameBlocks } from '../store/resolution.js';
import { scoreStage } from '../workers/score.js';
import { reportStage } from '../workers/report.js';
import { startAlertRelay, stopAlertRelay } from '../alerts/index.js';
import { observeJob, recordFetchedBytes } from './metrics.js';

export interface BuildOptions {
  env: Env;
  log: Logger;
  configDir?: string;
  /** Test-only: shorter lock and stall intervals so a killed worker's job is taken over quickly. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  applicationName?: string;
  /**
   * The role the application's pool switches to (`horisont start`: HORISONT_DB_INGEST_ROLE).
   * Migrations then run on a short-lived pool of the login itself, which owns the schema.
   */
  dbRole?: string | undefined;
  /** The pool's use (its size and statement timeout); `worker` unless said. */
  pool?: PoolUse | undefined;
  /** Test-only: awaited at each point of a job's commit (the fault tests' barriers). */
  commitHook?: CommitHook | undefined;
  /** The source adapters; those of src/sources/adapters unless given (a test's own). */
  adapters?: AdapterRegistry | undefined;
}

/** With a fixture origin every source URL is served by the fixture server, which is allowlisted. */
function applyFixtureOrigin(config: HorisontConfig, origin: string | undefined): HorisontConfig {
  if (!origin) return config;
  return {
    ...config,
    sources: config.sources.map((source) => ({
      ...source,
      urls: source.urls.map((url) => toFixtureUrl(url, origin)),
    })),
  };
}

export async function loadAppConfig(
  env: Env,
  configDir?: string,
  adapters?: AdapterRegistry,
): Promise<HorisontConfig> {
  const config = await loadConfig(configDir ?? env.HORISONT_CONFIG_DIR ?? DEFAULT_CONFIG_DIR, adapters);
  return applyFixtureOrigin(config, env.HORISONT_FIXTURE_ORIGIN);
}

export function allowPrivateHosts(env: Env): string[] {
  const hosts = env.HORISONT_ALLOW_PRIVATE_HOSTS.split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (env.HORISONT_FIXTURE_ORIGIN) hosts.push(new URL(env.HORISONT_FIXTURE_ORIGIN).host);
  return hosts;
}

/** Who a pool serves: the workbench (`web`), or the pipeline's workers and the CLI (`worker`). */
export type PoolUse = 'web' | 'worker';

/** A pool sized, timed out and watched for slow statements as `use` is configured (docs/operations.md). */
export function openDb(
  env: Env,
  log: Logger,
  applicationName = 'horisont',
  role?: string,
  use: PoolUse = 'worker',
): Db {
  return createDb(
    {
      url: env.DATABASE_URL,
      schema: env.HORISONT_DB_SCHEMA,
      applicationName,
      role,
      max: use === 'web' ? env.HORISONT_DB_POOL_WEB : env.HORISONT_DB_POOL_WORKER,
      statementTimeoutMs:
        use === 'web'
          ? env.HORISONT_DB_STATEMENT_TIMEOUT_WEB_MS
          : env.HORISONT_DB_STATEMENT_TIMEOUT_WORKER_MS,
      slowMs: env.HORISONT_DB_SLOW_MS > 0 ? env.HORISONT_DB_SLOW_MS : undefined,
    },
    log,
  );
}

/** Applies pending migrations as the login (a pool switched to a role may not create tables). */
async function migrateAsLogin(env: Env, log: Logger, db: Db, role: string | undefined): Promise<void> {
  if (role === undefined) {
    await migrate(db, env.HORISONT_DB_SCHEMA);
    return;
  }
  const owner = createDb(
    { url: env.DATABASE_URL, schema: env.HORISONT_DB_SCHEMA, applicationName: 'horisont-migrate', max: 1 },
    log,
  );
  try {
    await migrate(owner, env.HORISONT_DB_SCHEMA);
  } finally {
    await owner.end();
  }
}

/** The product token robots.txt groups name us by: `Horisont` in `Mozilla/5.0 (compatible; Horisont/0.1; …)`. */
export function productTokenOf(userAgent: string): string {
  return (
    /compatible;\s*([A-Za-z_-]+)\//.exec(userAgent)?.[1] ??
    /^([A-Za-z_-]+)\//.exec(userAgent)?.[1] ??
    'Horisont'
  );
}

export async function buildApp(options: BuildOptions): Promise<AppContext> {
  const { env, log } = options;
  const jobLock = env.HORISONT_JOB_LOCK_MS;
  const lockDurationMs = options.lockDurationMs ?? jobLock;
  const stalledIntervalMs =
    options.stalledIntervalMs ?? (jobLock === undefined ? undefined : Math.round(jobLock / 4));
  const config = await loadAppConfig(env, options.configDir, options.adapters);
  const db = openDb(env, log, options.applicationName, options.dbRole, options.pool);
  await migrateAsLogin(env, log, db, options.dbRole);
  // Names filed under other resolution settings (or by a migration) are filed again first.
  const refiled = await refreshNameBlocks(db, config.resolution);
  if (refiled > 0) log.info({ names: refiled }, 'resolution: names filed under the current blocks');
  const fixtureHost = env.HORISONT_FIXTURE_ORIGIN ? new URL(env.HORISONT_FIXTURE_ORIGIN).hostname : undefined;
  // robots.txt is read through the same guarded client (SSRF policy, limits, politeness), once
  // per origin and day per process; 4xx means allow all, 5xx or unreachable disallow all.
  const robots: RobotsChecker = new RobotsChecker({
    fetch: (url) => http.get(url, { accept: 'text/plain', robots: false }),
    productToken: productTokenOf(config.http.userAgent),
  });
  const http: HttpClient = new HttpClient({
    userAgent: config.http.userAgent,
    allowPrivate: allowPrivateHosts(env),
    deadlineMs: config.http.deadlineMs,
    connectTimeoutMs: config.http.connectTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
    bodyTimeoutMs: config.http.bodyTimeoutMs,
    maxBodyBytes: config.http.maxBodyBytes,
    maxRedirects: config.http.maxRedirects,
    throttle: new PgHostThrottle(db),
    // The fixture server is this machine; politeness protects real sites, not it (unless the
    // configuration names it under `hosts`, as the politeness tests do).
    minIntervalMs: (host) =>
      host === fixtureHost && !Object.hasOwn(config.hosts, host) ? 0 : minIntervalFor(config, host),
    robots,
  });
  const pipeline = new Pipeline({
    connection: { url: env.REDIS_URL, maxRetriesPerRequest: null },
    prefix: env.HORISONT_QUEUE_PREFIX,
    db,
    ledger: runLedger,
    log,
    attempts: 4,
    backoff: { baseDelayMs: env.NODE_ENV === 'test' ? 200 : 5_000, maxDelayMs: 10 * 60_000 },
    observer: observeJob,
    ...(options.commitHook === undefined ? {} : { commitHook: options.commitHook }),
    ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
    ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
  });
  const ctx: AppContext = {
    config,
    db,
    http,
    pipeline,
    log,
    reportDir: path.resolve(env.HORISONT_REPORT_DIR),
    onFetched: recordFetchedBytes,
  };
  await syncSources(ctx);
  return ctx;
}

/** Mirrors the configured sources into PostgreSQL, where their health is kept. */
export async function syncSources(ctx: AppContext): Promise<void> {
  await upsertSources(ctx.db, ctx.config.sources);
}

export function startWorkers(ctx: AppContext, roles: readonly Stage[] = STAGES): void {
  for (const role of roles) {
    switch (role) {
      case 'scan':
        ctx.pipeline.define('scan', scanStage(ctx));
        break;
      case 'fetch':
        ctx.pipeline.define('fetch', fetchStage(ctx));
        break;
      case 'parse':
        ctx.pipeline.define('parse', parseStage(ctx));
        break;
      case 'resolve':
        ctx.pipeline.define('resolve', resolveStage(ctx));
        break;
      case 'score':
        ctx.pipeline.define('score', scoreStage(ctx));
        break;
      case 'report':
        ctx.pipeline.define('report', reportStage(ctx));
        break;
    }
  }
  // Every worker process also relays alerts; relays share the outbox through row locks.
  startAlertRelay(ctx);
}

/** One job scheduler per enabled source; upsert is idempotent, so this runs at every start. */
export async function upsertSchedulers(ctx: AppContext): Promise<void> {
  const queue = ctx.pipeline.queues.scan;
  const existing = await queue.getJobSchedulers();
  const wanted = new Set(ctx.config.sources.filter((s) => s.enabled).map((s) => `source-${s.id}`));
  await Promise.all(
    existing
      .filter((scheduler) => !wanted.has(scheduler.key))
      .map((scheduler) => queue.removeJobScheduler(scheduler.key)),
  );
  await Promise.all(
    ctx.config.sources
      .filter((source) => source.enabled)
      .map((source) =>
        queue.upsertJobScheduler(
          `source-${source.id}`,
          { pattern: source.schedule, tz: ctx.config.timezone },
          { name: 'scan', data: { sourceId: source.id } },
        ),
      ),
  );
}

export async function closeApp(ctx: AppContext): Promise<void> {
  await stopAlertRelay(ctx);
  await ctx.pipeline.close();
  await ctx.http.close();
  await ctx.db.end();
}
