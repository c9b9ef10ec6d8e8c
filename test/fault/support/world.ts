import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import pg from 'pg';
import { buildApp, closeApp, startWorkers } from '../../../src/app/build.js';
import type { AppContext } from '../../../src/app/context.js';
import { startRun, waitForRun } from '../../../src/app/scan-once.js';
import { parseEnv } from '../../../src/env.js';
import type { Env } from '../../../src/env.js';
import { startFixtureServer } from '../../../src/fixtures/server.js';
import type { FixtureServer } from '../../../src/fixtures/server.js';
import { createLogger } from '../../../src/log.js';
import { NOMINATION_QUEUE, STAGES } from '../../../src/queue/names.js';
import type { RunSummary } from '../../../src/store/runs.js';
import { DEMO_CONFIG, FIXTURES, REPO_ROOT } from '../../helpers/harness.js';
import { startScriptedSource, startSentinel } from './source-script.js';
import { envBarrier } from './barrier.js';
import type { ScriptedSource, Sentinel } from './source-script.js';

/**
 * One isolated world per fault scenario: its own schema and BullMQ prefix (optionally on a
 * Redis or PostgreSQL server of the test's own), a copy of the fixtures behind a scripted source
 * server, a sentinel standing for internal targets, short HTTP timeouts and BullMQ locks, worker
 * child processes that can be killed for real, and the barrier trace they write.
 */

/** The sources most scenarios scan: paging (EUDAMED), cross-source linking (SBU, TLV), an RSS feed. */
export const CORE_SOURCES = ['eudamed-devices', 'sbu-publications', 'tlv'];

export const TEST_LOCK_MS = 2000;

export interface WorldOptions {
  redisUrl?: string;
  databaseUrl?: string;
  /** Overrides of the `http:` block of sources.yaml (the fault default is short timeouts). */
  http?: Record<string, number>;
  lockMs?: number;
  /** The `guards:` block of sources.yaml (drift and re-key thresholds), when not the defaults. */
  guards?: Record<string, Record<string, number>>;
}

export interface TraceEntry {
  event: 'pass' | 'hold' | 'released';
  point: string;
  queue: string;
  jobId: string;
  pid: number;
  at: number;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** pino JSON lines the worker wrote (to stderr). */
  logs: string[];
  stderr: string[];
  exited: Promise<number | null>;
  exitCode(): number | null | undefined;
}

export interface World {
  id: string;
  schema: string;
  prefix: string;
  env: Env;
  workDir: string;
  fixturesDir: string;
  configDir: string;
  barrierDir: string;
  fixtures: FixtureServer;
  source: ScriptedSource;
  sentinel: Sentinel;
  /** Log lines of the in-process app. */
  logs: string[];
  /** The in-process app; `workers: true` also runs every stage in this process. */
  app(options?: { workers?: boolean }): Promise<AppContext>;
  childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /**
   * A `horisont start --no-web` child; `scheduler: true` runs it as a full start would (job
   * schedulers and the re-enqueueing of unfinished work), otherwise `--no-scheduler`.
   */
  startWorker(options?: {
    barrier?: string;
    args?: string[];
    env?: NodeJS.ProcessEnv;
    scheduler?: boolean;
    /** A command prefix the worker runs under (nsenter into the mounts of support/small-disk.ts). */
    launcher?: string[];
  }): WorkerProcess;
  trace(): TraceEntry[];
  waitForTrace(predicate: (entry: TraceEntry) => boolean, timeoutMs?: number): Promise<TraceEntry>;
  release(): void;
  /** Barrier rules for the workers of this test process (until the returned function is called). */
  barrierInProcess(spec: string): () => void;
  startRun(sourceIds?: string[]): Promise<string>;
  waitForRun(runId: string, timeoutMs?: number): Promise<RunSummary>;
  /** Waits until no stage job is waiting, active or delayed. */
  quiescent(timeoutMs?: number): Promise<void>;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const FAULT_HTTP = {
  deadlineMs: 4000,
  connectTimeoutMs: 1000,
  headersTimeoutMs: 1500,
  bodyTimeoutMs: 1500,
};

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const schema = `f_${id}`;
  const prefix = `f-${id}`;
  const workDir = mkdtempSync(path.join(tmpdir(), 'horisont-fault-'));
  const fixturesDir = path.join(workDir, 'fixtures');
  cpSync(FIXTURES, fixturesDir, { recursive: true });
  const configDir = path.join(workDir, 'config');
  mkdirSync(configDir);
  const http = { ...FAULT_HTTP, ...(options.http ?? {}) };
  writeFileSync(
    path.join(configDir, 'sources.yaml'),
    `${readFileSync(path.join(DEMO_CONFIG, 'sources.yaml'), 'utf8')}\nhttp:\n${Object.entries(http)
      .map(([key, value]) => `  ${key}: ${value}\n`)
      .join('')}${options.guards ? `guards: ${JSON.stringify(options.guards)}\n` : ''}`,
  );
  const barrierDir = path.join(workDir, 'barrier');
  mkdirSync(barrierDir);
  const fixtures = await startFixtureServer({ root: fixturesDir, port: 0 });
  const source = await startScriptedSource(fixtures.origin);
  const sentinel = await startSentinel();
  const lockMs = options.lockMs ?? TEST_LOCK_MS;
  const vars: NodeJS.ProcessEnv = {
    HORISONT_DB_SCHEMA: schema,
    HORISONT_QUEUE_PREFIX: prefix,
    HORISONT_FIXTURE_ORIGIN: source.origin,
    HORISONT_REPORT_DIR: path.join(workDir, 'reports'),
    HORISONT_CONFIG_DIR: configDir,
    HORISONT_TEST_BARRIER_DIR: barrierDir,
    HORISONT_JOB_LOCK_MS: String(lockMs),
    NODE_ENV: 'test',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  };
  const env = parseEnv({ ...process.env, ...vars });
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: 2,
    options: `-c search_path=${schema}`,
  });
  // The world's own observer connection may see its server restart (D4); that is not a failure.
  pool.on('error', () => {});
  const logs: string[] = [];
  const children: WorkerProcess[] = [];
  let ctx: AppContext | undefined;
  let workersStarted = false;

  function readTrace(): TraceEntry[] {
    if (!existsSync(barrierDir)) return [];
    return readdirSync(barrierDir)
      .filter((name) => name.startsWith('trace-'))
      .flatMap((name) =>
        readFileSync(path.join(barrierDir, name), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as TraceEntry),
      )
      .sort((a, b) => a.at - b.at);
  }

  const world: World = {
    id,
    schema,
    prefix,
    env,
    workDir,
    fixturesDir,
    configDir,
    barrierDir,
    fixtures,
    source,
    sentinel,
    logs,
    async app(appOptions = {}) {
      if (!ctx) {
        ctx = await buildApp({
          env,
          log: createLogger(process.env.TEST_LOG_LEVEL ?? 'debug', {
            write: (line: string) => {
              logs.push(line);
            },
          }),
          configDir,
          lockDurationMs: lockMs,
          stalledIntervalMs: Math.round(lockMs / 4),
          applicationName: 'fault-test',
          commitHook: envBarrier,
        });
      }
      if (appOptions.workers === true && !workersStarted) {
        workersStarted = true;
        startWorkers(ctx);
      }
      return ctx;
    },
    childEnv(extra = {}) {
      const base: NodeJS.ProcessEnv = { ...process.env, ...vars, LOG_LEVEL: 'info' };
      delete base.HORISONT_TEST_BARRIER;
      return { ...base, ...extra };
    },
    startWorker(workerOptions = {}) {
      const launcher = workerOptions.launcher ?? [];
      const command = [
        ...launcher,
        process.execPath,
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'test/fault/support/worker-main.ts'),
        'start',
        ...(workerOptions.scheduler === true ? [] : ['--no-scheduler']),
        '--no-web',
        ...(workerOptions.args ?? []),
      ];
      // A launcher such as nsenter executes the worker in its place: the PID is the worker's.
      const child = spawn(command[0]!, command.slice(1), {
        cwd: REPO_ROOT,
        env: world.childEnv({
          HORISONT_TEST_BARRIER: workerOptions.barrier ?? 'trace',
          ...(workerOptions.env ?? {}),
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const handle: WorkerProcess = {
        child,
        logs: [],
        stderr: [],
        exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
        exitCode: () => child.exitCode,
      };
      // pino writes its JSON lines to stderr, among anything else the process says there.
      let pending = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        handle.stderr.push(text);
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        handle.logs.push(...lines.filter((line) => line.startsWith('{')));
        if (process.env.FAULT_VERBOSE) process.stderr.write(chunk);
      });
      children.push(handle);
      return handle;
    },
    trace: readTrace,
    async waitForTrace(predicate, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = readTrace().find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('waitForTrace: timed out');
        await sleep(25);
      }
    },
    release() {
      writeFileSync(path.join(barrierDir, 'release'), '');
    },
    barrierInProcess(spec) {
      process.env.HORISONT_TEST_BARRIER = spec;
      process.env.HORISONT_TEST_BARRIER_DIR = barrierDir;
      return () => {
        delete process.env.HORISONT_TEST_BARRIER;
        delete process.env.HORISONT_TEST_BARRIER_DIR;
      };
    },
    async startRun(sourceIds = CORE_SOURCES) {
      return startRun(await world.app({ workers: false }), sourceIds, 'test');
    },
    async waitForRun(runId, timeoutMs = 120_000) {
      return waitForRun(await world.app({ workers: false }), runId, timeoutMs);
    },
    async quiescent(timeoutMs = 60_000) {
      const app = await world.app({ workers: false });
      const deadline = Date.now() + timeoutMs;
      while ((await app.pipeline.pendingJobs()) > 0) {
        if (Date.now() > deadline) throw new Error('quiescent: queues did not drain');
        await sleep(100);
      }
    },
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await pool.query<T>(sql, params)).rows;
    },
    async close() {
      for (const handle of children) {
        if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGKILL');
      }
      await Promise.all(children.map((handle) => handle.exited));
      if (ctx) await closeApp(ctx).catch(() => undefined);
      await Promise.all(
        [...STAGES, NOMINATION_QUEUE].map(async (name) => {
          const queue = new Queue(name, { connection: { url: env.REDIS_URL }, prefix });
          await queue.obliterate({ force: true }).catch(() => undefined);
          await queue.close();
        }),
      );
      await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await pool.end();
      await Promise.all([fixtures.close(), source.close(), sentinel.close()]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return world;
}
