import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from './context.js';
import type { JobObservation } from '../queue/pipeline.js';
import { NOMINATION_QUEUE, STAGES } from '../queue/names.js';
import { sourceFreshness } from '../store/health.js';
import { openJobCounts } from '../store/run-jobs.js';
import { runCountsByStatus } from '../store/runs.js';

/**
 * Prometheus metrics. Two kinds:
 *
 * - Per process (counters and histograms kept in memory): job durations and failures per stage
 *   and source, and bytes fetched per source, for the jobs this process ran. Every process that
 *   runs workers exposes its own; Prometheus sums them (`sum by (stage) (rate(...))`).
 * - Shared state read at scrape time (gauges): queue depths from Redis, and from PostgreSQL each
 *   source's freshness and health, runs by status and the work PostgreSQL records as open.
 *   Every process serving /metrics reports the same values; aggregate them with `max`.
 */

export const processRegistry = new Registry();

let defaultMetricsStarted = false;

/**
 * Starts Node's own process metrics (CPU, memory, event loop lag, handles) in this process's
 * registry. Called by whoever serves /metrics, once: the collectors sample on timers, which a
 * process that only imports this module (a CLI command, a test) should not carry.
 */
export function startProcessMetrics(): void {
  if (defaultMetricsStarted) return;
  defaultMetricsStarted = true;
  collectDefaultMetrics({ register: processRegistry });
}

const jobDuration = new Histogram({
  name: 'horisont_job_duration_seconds',
  help: 'Time a stage job took in this process, by stage, source and outcome (completed|failed)',
  labelNames: ['stage', 'source', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [processRegistry],
});

const jobFailures = new Counter({
  name: 'horisont_job_failures_total',
  help: 'Failed stage job attempts in this process, by stage, source, error kind and whether it was final (no retry left)',
  labelNames: ['stage', 'source', 'kind', 'final'] as const,
  registers: [processRegistry],
});

const fetchedBytes = new Counter({
  name: 'horisont_fetched_bytes_total',
  help: 'Response body bytes fetched from sources by this process (a 304 counts 0)',
  labelNames: ['source'] as const,
  registers: [processRegistry],
});

/** The pipeline's observer: one call per job attempt (src/queue/pipeline.ts). */
export function observeJob(observation: JobObservation): void {
  const source = observation.sourceId ?? '';
  jobDuration.observe(
    { stage: observation.stage, source, outcome: observation.outcome },
    observation.durationMs / 1000,
  );
  if (observation.outcome === 'failed') {
    jobFailures.inc({
      stage: observation.stage,
      source,
      kind: observation.errorKind ?? 'internal',
      final: String(observation.final === true),
    });
  }
}

export function recordFetchedBytes(sourceId: string, bytes: number): void {
  fetchedBytes.inc({ source: sourceId }, bytes);
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;
const HEALTH = ['unknown', 'ok', 'failing', 'broken'] as const;
const RUN_STATUSES = ['running', 'reporting', 'completed'] as const;

export interface MetricsProbes {
  /** Whether Redis answers now (a fail-fast client: never waits for a reconnect). */
  redisUp(): Promise<boolean>;
  timeoutMs: number;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function collectDatabase(ctx: AppContext, registry: Registry): Promise<void> {
  const [sources, runs, openJobs] = await Promise.all([
    sourceFreshness(ctx.db),
    runCountsByStatus(ctx.db),
    openJobCounts(ctx.db),
  ]);

  const age = new Gauge({
    name: 'horisont_source_last_success_age_seconds',
    help: 'Seconds since the source last settled ok or unchanged (+Inf for an enabled source that never has)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'horisont_source_last_success_timestamp_seconds',
    help: 'When the source last settled ok or unchanged (Unix time)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const health = new Gauge({
    name: 'horisont_source_health',
    help: "1 for the source's current health (unknown, ok, failing: transport, broken: content), 0 for the others",
    labelNames: ['source', 'health'] as const,
    registers: [registry],
  });
  const failures = new Gauge({
    name: 'horisont_source_consecutive_failures',
    help: 'Runs in a row in which the source failed or broke',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const enabled = new Gauge({
    name: 'horisont_source_enabled',
    help: '1 when the source is enabled in the configuration',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  for (const row of sources) {
    enabled.set({ source: row.id }, row.enabled ? 1 : 0);
    failures.set({ source: row.id }, row.consecutive_failures);
    for (const value of HEALTH) health.set({ source: row.id, health: value }, row.health === value ? 1 : 0);
    if (row.age !== null && row.last_success !== null) {
      age.set({ source: row.id }, Math.max(0, row.age));
      lastSuccess.set({ source: row.id }, row.last_success);
    } else if (row.enabled) {
      age.set({ source: row.id }, Number.POSITIVE_INFINITY);
    }
  }

  const runsGauge = new Gauge({
    name: 'horisont_runs',
    help: 'Runs by status (running: ingesting, reporting: report pass, completed)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const byStatus = new Map(runs.map((row) => [row.status, row.n]));
  for (const status of RUN_STATUSES) runsGauge.set({ status }, byStatus.get(status) ?? 0);

  const open = new Gauge({
    name: 'horisont_run_jobs_open',
    help: 'Jobs of unfinished runs that PostgreSQL records as not done, by queue (what a restart would enqueue again)',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const byQueue = new Map(openJobs.map((row) => [row.queue, row.n]));
  for (const stage of STAGES) open.set({ queue: stage }, byQueue.get(stage) ?? 0);
}

async function collectQueues(ctx: AppContext, registry: Registry, timeoutMs: number): Promise<void> {
  const queues = [
    ...STAGES.map((stage) => ({ name: stage, queue: ctx.pipeline.queues[stage] })),
    { name: NOMINATION_QUEUE, queue: ctx.pipeline.nominations },
  ];
  const counts = await withTimeout(
    Promise.all(queues.map(({ queue }) => queue.getJobCounts(...QUEUE_STATES))),
    timeoutMs,
    'redis',
  );
  const depth = new Gauge({
    name: 'horisont_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, prioritized, waiting-children, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  queues.forEach(({ name }, index) => {
    for (const state of QUEUE_STATES) depth.set({ queue: name, state }, counts[index]![state] ?? 0);
  });
}

/**
 * The Prometheus exposition: this process's counters plus the shared state read now. A
 * dependency that does not answer within the timeout is reported as down (`horisont_up`) and its
 * series are left out, so a scrape never hangs on Redis or PostgreSQL.
 */
export async function renderMetrics(
  ctx: AppContext,
  probes: MetricsProbes,
): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const up = new Gauge({
    name: 'horisont_up',
    help: 'Whether the dependency answered this scrape (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });
  const scrapes: Array<Promise<void>> = [
    withTimeout(collectDatabase(ctx, registry), probes.timeoutMs, 'postgres').then(
      () => up.set({ dependency: 'postgres' }, 1),
      (error: unknown) => {
        up.set({ dependency: 'postgres' }, 0);
        ctx.log.warn({ err: (error as Error).message }, 'metrics: PostgreSQL not read');
      },
    ),
    (async () => {
      const redisUp = await probes.redisUp();
      if (!redisUp) throw new Error('redis: not reachable');
      await collectQueues(ctx, registry, probes.timeoutMs);
    })().then(
      () => up.set({ dependency: 'redis' }, 1),
      (error: unknown) => {
        up.set({ dependency: 'redis' }, 0);
        ctx.log.warn({ err: (error as Error).message }, 'metrics: queue depths not read');
      },
    ),
  ];
  await Promise.all(scrapes);
  const own = await processRegistry.metrics();
  const shared = await registry.metrics();
  return { contentType: processRegistry.contentType, body: `${own.trimEnd()}\n${shared}` };
}
