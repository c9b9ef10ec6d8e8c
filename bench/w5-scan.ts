/**
 * W5: the nightly scan end to end on a scripted loopback fixture (bench/lib/scan-fixture.ts):
 * the real app (buildApp + startWorkers, real Redis and PostgreSQL, the guarded HTTP client with
 * per-host politeness of 1 request/s) scans 50 sources twice: phase 1 is the state before the
 * night, phase 2 the night measured: 60 % of the list sources unchanged (304), the rest with 10
 * new items each, and a EUDAMED delta.
 *
 * The fixture's servers run in a child process of their own (`ScanFixtureProcess`), one per
 * world: they record when each request arrives, and W5d ("no two requests to one host closer
 * than 1 s") is judged by those receipt times, so they must not depend on this process's event
 * loop, which world A's in-process workers keep busy (a late look at a request would measure the
 * bench's own lag, not the client's spacing).
 *
 * Baselines: the critical path the fixture implies for phase 2 (see `criticalPath`) for the wall
 * time; for the CPU, the machine's calibration measured in this run (bench/lib/calibration.ts:
 * W3's normalise + hash per record), so that W5b's budget is 30 s on the machine of the figures
 * in docs/benchmarks.md and scales with the speed of the machine it runs on.
 * Then the kill test: the same world again with two worker processes, one SIGKILLed during
 * ingestion and one when the run starts reporting; its nominations must equal those of the
 * undisturbed world, each exactly once in PostgreSQL and on the nominations queue.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp, closeApp, startWorkers } from '../src/app/build.js';
import type { AppContext } from '../src/app/context.js';
import { startRun } from '../src/app/scan-once.js';
import { parseEnv } from '../src/env.js';
import { createLogger } from '../src/log.js';
import { NOMINATION_QUEUE, STAGES } from '../src/queue/names.js';
import { runStatus, runSummary } from '../src/store/runs.js';
import type { RunSummary } from '../src/store/runs.js';
import {
  buildSources,
  chains,
  criticalPath,
  MIN_INTERVAL_MS,
  minGapMs,
  ScanFixtureProcess,
} from './lib/scan-fixture.js';
import type { Hit, ScriptedSource, WorldShape } from './lib/scan-fixture.js';
import { calibrateInChild, REFERENCE_MICROS_PER_RECORD, REFERENCE_RECORDS } from './lib/calibration.js';
import type { Calibration } from './lib/calibration.js';
import { atMost, atMostRatio, emit, isQuick, log, machine, runId } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const REPO = fileURLToPath(new URL('../', import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SEED = 5150;
/** CPU seconds the night may take on the machine of the reference calibration. */
const CPU_BUDGET_SECONDS = 30;

const shape: WorldShape = quick
  ? {
      rss: 4,
      sbu: 2,
      tlv: 2,
      ct: 1,
      itemsPerList: 60,
      newPerChangedList: 10,
      changedShare: 0.4,
      eudamedDelta: 600,
      eudamedPageSize: 300,
      ctPageSize: 30,
      hosts: { rss: 2, sbu: 1, tlv: 1, ct: 1 },
    }
  : {
      rss: 21,
      sbu: 10,
      tlv: 10,
      ct: 8,
      itemsPerList: 200,
      newPerChangedList: 10,
      changedShare: 0.4,
      eudamedDelta: 5000,
      eudamedPageSize: 300,
      ctPageSize: 100,
      hosts: { rss: 4, sbu: 2, tlv: 2, ct: 1 },
    };

function configFor(fixture: ScanFixtureProcess, sources: ScriptedSource[], dir: string): void {
  const entries = sources.map((source) => {
    const url = fixture.url(source);
    switch (source.kind) {
      case 'rss':
        return { id: source.id, adapter: 'eurlex-oj', urls: [url], options: { keywords: [] } };
      case 'sbu':
        return { id: source.id, adapter: 'sbu-publications', urls: [url], options: { maxItems: 500 } };
      case 'tlv':
        return {
          id: source.id,
          adapter: 'tlv',
          urls: [url],
          options: { maxItems: 500, defaultKind: 'hta-report' },
        };
      case 'ct':
        return {
          id: source.id,
          adapter: 'clinicaltrials',
          urls: [url],
          options: { pageSize: shape.ctPageSize, maxPages: 20 },
        };
      case 'eudamed':
        return {
          id: source.id,
          adapter: 'eudamed-devices',
          urls: [url],
          options: { pageSize: shape.eudamedPageSize, maxPages: 100 },
        };
    }
  });
  mkdirSync(dir, { recursive: true });
  // JSON is YAML.
  writeFileSync(
    path.join(dir, 'sources.yaml'),
    JSON.stringify(
      {
        adapterSources: 'none',
        defaults: { politeness: { minIntervalMs: MIN_INTERVAL_MS } },
        http: { deadlineMs: 30_000 },
        sources: entries,
      },
      null,
      2,
    ),
  );
}

interface World {
  id: string;
  schema: string;
  prefix: string;
  appName: string;
  workDir: string;
  configDir: string;
  fixture: ScanFixtureProcess;
  env: NodeJS.ProcessEnv;
}

async function createWorld(sources: ScriptedSource[]): Promise<World> {
  const id = runId();
  // Starts the servers and renders both phases' bodies, in the fixture's own process.
  const fixture = new ScanFixtureProcess(sources, shape, SEED);
  await fixture.start();
  const workDir = mkdtempSync(path.join(tmpdir(), 'horisont-bench-w5-'));
  const configDir = path.join(workDir, 'config');
  try {
    configFor(fixture, sources, configDir);
  } catch (error) {
    await fixture.close();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const schema = `bench_w5_${id}`;
  const prefix = `bench-w5-${id}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL,
    REDIS_URL,
    HORISONT_DB_SCHEMA: schema,
    HORISONT_QUEUE_PREFIX: prefix,
    HORISONT_CONFIG_DIR: configDir,
    HORISONT_REPORT_DIR: path.join(workDir, 'reports'),
    HORISONT_ALLOW_PRIVATE_HOSTS: [...new Set(sources.map((s) => s.host))].join(','),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'production',
  };
  delete env.HORISONT_FIXTURE_ORIGIN;
  return { id, schema, prefix, appName: `bench-w5-${id}`, workDir, configDir, fixture, env };
}

async function app(world: World, workers: boolean): Promise<AppContext> {
  const ctx = await buildApp({
    env: parseEnv(world.env),
    log: createLogger(world.env.LOG_LEVEL ?? 'silent'),
    configDir: world.configDir,
    applicationName: world.appName,
  });
  if (workers) startWorkers(ctx);
  return ctx;
}

async function waitRun(
  ctx: AppContext,
  runIdValue: string,
  timeoutMs: number,
  onTick?: (status: string) => void | Promise<void>,
): Promise<RunSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The status alone: the full summary costs ≈ 5 ms of PostgreSQL a call by the end of the
    // night, ≈ 12 s of the world's backend time at 20 polls a second, and W5b counts it.
    const status = await runStatus(ctx.db, runIdValue);
    if (status === 'completed') return (await runSummary(ctx.db, runIdValue))!;
    if (status !== undefined) await onTick?.(status);
    if (Date.now() > deadline) throw new Error(`W5: run ${runIdValue} not completed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface StageTimeline {
  jobs: number;
  /** Seconds after the night's start: the first job started, the last one finished. */
  firstStart: number;
  lastEnd: number;
  /** Sum of the jobs' processing times, and the longest a job waited in its queue. */
  busySeconds: number;
  maxWaitSeconds: number;
}

/** Where the night's time went, per stage, from BullMQ's own job timestamps. */
async function stageTimeline(ctx: AppContext, t0: number): Promise<Record<string, StageTimeline>> {
  const out: Record<string, StageTimeline> = {};
  for (const stage of STAGES) {
    const jobs = (await ctx.pipeline.queues[stage].getJobs(['completed', 'failed'], 0, -1)).filter(
      (job) => (job.processedOn ?? 0) >= t0,
    );
    if (jobs.length === 0) continue;
    let firstStart = Infinity;
    let lastEnd = 0;
    let busy = 0;
    let maxWait = 0;
    for (const job of jobs) {
      const startedAt = job.processedOn ?? t0;
      const endedAt = job.finishedOn ?? startedAt;
      firstStart = Math.min(firstStart, startedAt);
      lastEnd = Math.max(lastEnd, endedAt);
      busy += endedAt - startedAt;
      maxWait = Math.max(maxWait, startedAt - Math.max(job.timestamp + (job.delay ?? 0), t0));
    }
    out[stage] = {
      jobs: jobs.length,
      firstStart: (firstStart - t0) / 1000,
      lastEnd: (lastEnd - t0) / 1000,
      busySeconds: busy / 1000,
      maxWaitSeconds: maxWait / 1000,
    };
  }
  return out;
}

async function destroyWorld(world: World): Promise<void> {
  await Promise.all(
    [...STAGES, NOMINATION_QUEUE].map(async (name) => {
      const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix: world.prefix });
      await queue.obliterate({ force: true });
      await queue.close();
    }),
  );
  // Queues other modules add under the prefix (alerts, …) go too.
  const keys = new Redis(REDIS_URL);
  for await (const batch of keys.scanStream({ match: `${world.prefix}:*`, count: 500 })) {
    if ((batch as string[]).length > 0) await keys.del(...(batch as string[]));
  }
  keys.disconnect();
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query(`drop schema if exists ${world.schema} cascade`);
  await admin.end();
  await world.fixture.close();
  rmSync(world.workDir, { recursive: true, force: true });
}

/**
 * What autovacuum's analyze gives a deployment's tables long before a night. The bench world is
 * created minutes earlier, and the machine's PostgreSQL runs with `autovacuum = off`: without
 * this the night's statements are planned for empty tables (no statistics), which is a state no
 * deployed database is in (docs/benchmarks.md, W5).
 */
async function analyzeWorld(ctx: AppContext, world: World): Promise<void> {
  const tables = await ctx.db.query<{ tablename: string }>(
    'select tablename from pg_tables where schemaname = $1 order by tablename',
    [world.schema],
  );
  await ctx.db.query(`analyze ${tables.rows.map((row) => `${world.schema}.${row.tablename}`).join(', ')}`);
}

/**
 * `BENCH_W5_CPU_PROFILE=<file>`: a V8 CPU profile of world A's night alone (phase 1 and world B
 * left out, unlike `node --cpu-prof`), for `docs/benchmarks.md`'s limits. Profiling adds CPU:
 * the night's figures of a profiled run are not results.
 */
async function startNightProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_W5_CPU_PROFILE;
  if (file === undefined || file === '') return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** user + system CPU seconds of the PostgreSQL backends serving this world. */
async function pgBackendCpu(ctx: AppContext, appName: string): Promise<Map<number, number>> {
  const pids = await ctx.db.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1',
    [appName],
  );
  const out = new Map<number, number>();
  for (const { pid } of pids.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // Not readable (another host or a namespace): counted as unknown.
    }
  }
  return out;
}

async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return (
    Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) +
    Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0)
  );
}

interface NominationState {
  rows: Array<{ name: string; version: number | null; queue_job_id: string; enqueued: boolean }>;
  queueJobs: number;
  queueIds: string[];
}

async function nominations(ctx: AppContext): Promise<NominationState> {
  const rows = await ctx.db.query<{
    name: string;
    version: number | null;
    queue_job_id: string;
    enqueued: boolean;
  }>(
    `select c.name, r.version, n.queue_job_id, n.enqueued_at is not null as enqueued
     from nominations n join candidates c on c.id = n.candidate_id left join reports r on r.id = n.report_id
     order by c.name, r.version, n.queue_job_id`,
  );
  const queue = ctx.pipeline.nominations;
  const jobs = await queue.getJobs(
    ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'],
    0,
    -1,
  );
  return { rows: rows.rows, queueJobs: jobs.length, queueIds: jobs.map((job) => job.id ?? '').sort() };
}

function compareNominations(reference: NominationState, other: NominationState) {
  const key = (r: { name: string; version: number | null }) => `${r.name} v${r.version ?? '?'}`;
  const count = (rows: NominationState['rows']) => {
    const map = new Map<string, number>();
    for (const row of rows) map.set(key(row), (map.get(key(row)) ?? 0) + 1);
    return map;
  };
  const ref = count(reference.rows);
  const got = count(other.rows);
  let lost = 0;
  let duplicated = 0;
  for (const [k, n] of ref) lost += Math.max(0, n - (got.get(k) ?? 0));
  for (const [k, n] of got) duplicated += Math.max(0, n - (ref.get(k) ?? 0));
  const queueDuplicates = other.queueIds.length - new Set(other.queueIds).size;
  const notOnQueue = other.rows.filter((row) => !other.queueIds.includes(row.queue_job_id)).length;
  return {
    lost,
    duplicated,
    queueDuplicates,
    notOnQueue,
    queueJobs: other.queueJobs,
    rows: other.rows.length,
  };
}

function spawnWorker(world: World, name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/lib/worker-child.ts')], {
    cwd: REPO,
    env: { ...world.env, BENCH_APP_NAME: `${world.appName}-${name}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

const sources = buildSources(shape, SEED);
const critical = criticalPath(sources, shape, 2, SEED);
log(
  `W5: ${sources.length} sources on ${new Set(sources.map((s) => s.host)).size} hosts; critical path of the night ${(critical.ms / 1000).toFixed(1)} s (host ${critical.host}, ${critical.requests} requests)`,
);

// Quick mode calibrates on fewer records, so its per-record figure (and the budget derived from
// it) is lower than a full run's: quick verdicts are not results.
const calibrationRecords = quick ? 200_000 : REFERENCE_RECORDS;
const calibration: Calibration = await calibrateInChild(calibrationRecords);
log(
  `W5: calibration ${calibration.microsPerRecord.toFixed(2)} µs a record over ${calibration.records} records (reference ${REFERENCE_MICROS_PER_RECORD} µs): CPU budget ${((CPU_BUDGET_SECONDS * calibration.microsPerRecord) / REFERENCE_MICROS_PER_RECORD).toFixed(1)} s on this machine`,
);

const redis = new Redis(REDIS_URL);
const worlds: World[] = [];
const children: ChildProcess[] = [];
try {
  // World A: in-process workers, measured.
  const a = await createWorld(sources);
  worlds.push(a);
  const ctxA = await app(a, true);
  let reference: NominationState;
  let wall: number;
  let cpu: { node: number; redis: number; postgres: number };
  let summary2: RunSummary;
  let lastFetchDoneAt = 0;
  let completedAt = 0;
  let reportingAt = 0;
  let minGap: number;
  let night: Hit[];
  let timeline: Record<string, StageTimeline> = {};
  try {
    log('W5: world A, phase 1 (the state before the night)');
    const run1 = await startRun(ctxA, [], 'bench');
    await waitRun(ctxA, run1, 300_000);
    await analyzeWorld(ctxA, a);
    await a.fixture.setPhase(2);
    log('W5: world A, phase 2 (the night)');
    const pg0 = await pgBackendCpu(ctxA, a.appName);
    const redis0 = await redisCpu(redis);
    const stopProfile = await startNightProfile();
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const run2 = await startRun(ctxA, [], 'bench');
    summary2 = await waitRun(ctxA, run2, 300_000, (status) => {
      if (status === 'reporting' && reportingAt === 0) reportingAt = Date.now();
    });
    completedAt = Date.now();
    wall = (completedAt - t0) / 1000;
    const usage = process.cpuUsage(cpu0);
    await stopProfile?.();
    const pg1 = await pgBackendCpu(ctxA, a.appName);
    let pgSeconds = 0;
    for (const [pid, seconds] of pg1) pgSeconds += seconds - (pg0.get(pid) ?? 0);
    cpu = {
      node: (usage.user + usage.system) / 1e6,
      redis: (await redisCpu(redis)) - redis0,
      postgres: pgSeconds,
    };
    const hits = await a.fixture.hits();
    night = hits.filter((h) => h.phase === 2).sort((x, y) => x.sentAt - y.sentAt);
    lastFetchDoneAt = Math.max(...night.map((h) => h.doneAt));
    minGap = minGapMs(hits, 2);
    reference = await nominations(ctxA);
    timeline = await stageTimeline(ctxA, t0);
    log(
      `W5: requests of the night (host key#attempt status sent–done s): ${night
        .map(
          (h) =>
            `${h.host} ${h.key}#${h.attempt} ${h.status} ${((h.sentAt - t0) / 1000).toFixed(2)}–${((h.doneAt - t0) / 1000).toFixed(2)}`,
        )
        .join('; ')}`,
    );
    log(
      `W5: stages (s after the start: first start–last end, busy, longest wait; last response at ${((lastFetchDoneAt - t0) / 1000).toFixed(1)} s): ${Object.entries(
        timeline,
      )
        .map(
          ([stage, t]) =>
            `${stage} ×${t.jobs} ${t.firstStart.toFixed(1)}–${t.lastEnd.toFixed(1)}, ${t.busySeconds.toFixed(1)}, ${t.maxWaitSeconds.toFixed(1)}`,
        )
        .join('; ')}`,
    );
    log(
      `W5: night took ${wall.toFixed(1)} s wall, ${reference.rows.length} nominations; CPU node ${cpu.node.toFixed(1)} s, PostgreSQL ${cpu.postgres.toFixed(1)} s, Redis ${cpu.redis.toFixed(1)} s`,
    );
  } finally {
    await closeApp(ctxA);
  }

  // World B: two worker processes; kill one during ingestion and one when reporting starts.
  log('W5: world B, worker processes, kills during the night');
  const b = await createWorld(sources);
  worlds.push(b);
  const ctxB = await app(b, false);
  let kill: ReturnType<typeof compareNominations>;
  const kills: string[] = [];
  try {
    const w1 = spawnWorker(b, 'w1');
    const w2 = spawnWorker(b, 'w2');
    children.push(w1, w2);
    await Promise.all([ready(w1), ready(w2)]);
    const run1 = await startRun(ctxB, [], 'bench');
    await waitRun(ctxB, run1, 300_000);
    await analyzeWorld(ctxB, b);
    await b.fixture.setPhase(2);
    const expectedRequests = [...chains(sources, shape, 2).values()]
      .flat()
      .reduce((n, chain) => n + chain.length, 0);
    const run2 = await startRun(ctxB, [], 'bench');
    let killedIngest = false;
    let killedReport = false;
    await waitRun(ctxB, run2, 600_000, async (status) => {
      const served = await b.fixture.served(2);
      if (!killedIngest && served >= Math.max(1, Math.floor(expectedRequests / 3))) {
        killedIngest = true;
        w1.kill('SIGKILL');
        kills.push(`w1 SIGKILL after ${served} requests of the night`);
        const replacement = spawnWorker(b, 'w3');
        children.push(replacement);
      }
      if (!killedReport && status === 'reporting') {
        killedReport = true;
        w2.kill('SIGKILL');
        kills.push('w2 SIGKILL when the run started reporting');
        const replacement = spawnWorker(b, 'w4');
        children.push(replacement);
      }
    });
    // Let queued nomination pushes settle.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    kill = compareNominations(reference, await nominations(ctxB));
    log(`W5: kill test: ${JSON.stringify(kill)} (${kills.join('; ')})`);
  } finally {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await closeApp(ctxB);
  }

  const totalCpu = cpu.node + cpu.redis + cpu.postgres;
  const sources2 = summary2.sources ?? [];
  emit({
    bench: 'horisont',
    workload: 'W5',
    title: 'nightly scan end to end',
    quick,
    seconds: (performance.now() - started) / 1000,
    params: { shape, seed: SEED, sources: sources.length, hosts: new Set(sources.map((s) => s.host)).size },
    baselines: {
      criticalPathSeconds: critical.ms / 1000,
      calibrationMicrosPerRecord: calibration.microsPerRecord,
    },
    metrics: {
      wallSeconds: wall,
      criticalHost: critical.host,
      criticalRequests: critical.requests,
      requests: night.length,
      notModified: night.filter((h) => h.status === 304).length,
      transientErrors: night.filter((h) => h.status === 503).length,
      minGapMsPerHost: minGap,
      reportLagSeconds: (completedAt - lastFetchDoneAt) / 1000,
      lastResponseSeconds: (lastFetchDoneAt - (completedAt - wall * 1000)) / 1000,
      stages: timeline,
      ingestionTailSeconds: reportingAt === 0 ? null : (reportingAt - lastFetchDoneAt) / 1000,
      reportStageSeconds: reportingAt === 0 ? null : (completedAt - reportingAt) / 1000,
      cpu,
      totalCpuSeconds: totalCpu,
      calibration,
      cpuBudgetSecondsHere: (CPU_BUDGET_SECONDS * calibration.microsPerRecord) / REFERENCE_MICROS_PER_RECORD,
      nominations: reference.rows.length,
      runSources: sources2.map((s) => `${s.source_id}:${s.status}`),
      kill,
      kills,
    },
    goals: [
      atMostRatio('W5a', 'night wall time', wall, 's', critical.ms / 1000, 'fixture critical path s', 1.1),
      atMostRatio(
        'W5b',
        'total CPU (node + PostgreSQL + Redis)',
        totalCpu,
        's',
        // µs a record is s per million records: the unit W5b's CPU is compared in.
        calibration.microsPerRecord,
        'calibration s per 1M records',
        Math.round((CPU_BUDGET_SECONDS / REFERENCE_MICROS_PER_RECORD) * 1000) / 1000,
      ),
      atMost(
        'W5c',
        'lost or duplicated nominations after kills',
        kill.lost + kill.duplicated + kill.queueDuplicates + kill.notOnQueue,
        '',
        0,
      ),
      atMost('W5d', 'requests to one host closer than 1 s', minGap < MIN_INTERVAL_MS - 5 ? 1 : 0, '', 0),
    ],
    notes: [
      `Run report lag: ${((completedAt - lastFetchDoneAt) / 1000).toFixed(1)} s from the last response to the completed run (${reportingAt === 0 ? '?' : ((reportingAt - lastFetchDoneAt) / 1000).toFixed(1)} s until ingestion settled, ${reportingAt === 0 ? '?' : ((completedAt - reportingAt) / 1000).toFixed(1)} s of report stage).`,
      'Redis CPU is the server-wide delta (other clients of the same Redis count too); PostgreSQL CPU is the backends of this world.',
      `W5b: ${totalCpu.toFixed(1)} s of CPU against a budget of ${((CPU_BUDGET_SECONDS * calibration.microsPerRecord) / REFERENCE_MICROS_PER_RECORD).toFixed(1)} s on this machine (${CPU_BUDGET_SECONDS} s where the calibration is ${REFERENCE_MICROS_PER_RECORD} µs a record; here ${calibration.microsPerRecord.toFixed(2)} µs over ${calibration.records} records).`,
    ],
    machine: machine(),
  });
} finally {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const world of worlds) await destroyWorld(world);
  redis.disconnect();
}
