import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import pg from 'pg';
import { parseEnv } from '../../src/env.js';
import type { Env } from '../../src/env.js';
import { createLogger } from '../../src/log.js';
import { buildApp, closeApp, startWorkers } from '../../src/app/build.js';
import type { AppContext } from '../../src/app/context.js';
import { startRun, waitForRun } from '../../src/app/scan-once.js';
import { RECORDINGS_DIR } from '../../src/fixtures/documents.js';
import { startFixtureServer } from '../../src/fixtures/server.js';
import type { FixtureServer } from '../../src/fixtures/server.js';
import { STAGES, NOMINATION_QUEUE } from '../../src/queue/names.js';
import type { RunSummary } from '../../src/store/runs.js';
import type { AdapterRegistry } from '../../src/sources/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The recordings every world serves a copy of. */
export const FIXTURES = RECORDINGS_DIR;
export const DEMO_CONFIG = path.join(REPO_ROOT, 'config', 'demo');

/**
 * One isolated world per test file: its own PostgreSQL schema, BullMQ prefix, copy of the
 * fixtures (so a test may edit them) and fixture server. Real Redis and PostgreSQL throughout.
 */
export interface Harness {
  env: Env;
  schema: string;
  prefix: string;
  fixturesDir: string;
  server: FixtureServer;
  /** An app with in-process workers (lazily built). */
  app(): Promise<AppContext>;
  /** One scan to completion; `asOf` is the day the run judges (default: today in Stockholm). */
  scan(sourceIds?: string[], options?: { asOf?: string }): Promise<RunSummary>;
  /** Environment for child processes that should join this world. */
  childEnv(): NodeJS.ProcessEnv;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  workers?: boolean;
  redisUrl?: string;
  dbRole?: string;
  /** The configuration directory (default: the demo's, over the recorded sources). */
  configDir?: string;
  /**
   * A fixture root served as it is, for worlds that only read it (a labelled scenario). Default: a
   * copy of demo/fixtures the test may edit.
   */
  fixturesRoot?: string;
  /** Source adapters of the test's own instead of src/sources/adapters. */
  adapters?: AdapterRegistry;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const schema = `t_${id}`;
  const prefix = `t-${id}`;
  const configDir = options.configDir ?? DEMO_CONFIG;
  const workDir = mkdtempSync(path.join(tmpdir(), 'horisont-test-'));
  const fixturesDir = options.fixturesRoot ?? path.join(workDir, 'fixtures');
  if (!options.fixturesRoot) cpSync(FIXTURES, fixturesDir, { recursive: true });
  const server = await startFixtureServer({ root: fixturesDir, port: 0 });
  const vars: NodeJS.ProcessEnv = {
    HORISONT_DB_SCHEMA: schema,
    HORISONT_QUEUE_PREFIX: prefix,
    HORISONT_FIXTURE_ORIGIN: server.origin,
    HORISONT_REPORT_DIR: path.join(workDir, 'reports'),
    HORISONT_CONFIG_DIR: configDir,
    NODE_ENV: 'test',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  };
  const env = parseEnv({ ...process.env, ...vars });
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: 2,
    options: `-c search_path=${schema}`,
  });
  let ctx: AppContext | undefined;

  const harness: Harness = {
    env,
    schema,
    prefix,
    fixturesDir,
    server,
    async app() {
      if (!ctx) {
        ctx = await buildApp({
          env,
          log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
          configDir,
          dbRole: options.dbRole,
          adapters: options.adapters,
        });
        if (options.workers !== false) startWorkers(ctx);
      }
      return ctx;
    },
    async scan(sourceIds = [], options = {}) {
      const app = await harness.app();
      return waitForRun(app, await startRun(app, sourceIds, 'test', options), 120_000);
    },
    childEnv() {
      return { ...process.env, ...vars, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' };
    },
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await pool.query<T>(sql, params)).rows;
    },
    async close() {
      if (ctx) await closeApp(ctx);
      await Promise.all(
        [...STAGES, NOMINATION_QUEUE].map(async (name) => {
          const queue = new Queue(name, { connection: { url: env.REDIS_URL }, prefix });
          await queue.obliterate({ force: true });
          await queue.close();
        }),
      );
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
      await server.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return harness;
}
