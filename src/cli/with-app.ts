import type { Command } from 'commander';
import path from 'node:path';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import { createLogger } from '../log.js';
import type { Logger } from '../log.js';
import { buildApp, closeApp, openDb } from '../app/build.js';
import type { BuildOptions } from '../app/build.js';
import type { AppContext } from '../app/context.js';
import { assertReachable, waitForPostgresSlot } from '../app/reachability.js';
import { migrate } from '../store/migrate.js';
import type { Db } from '../store/db.js';

/** The `--config` directory given to the program, if any. */
export function configDirOf(program: Command): { configDir?: string } {
  const { config } = program.opts<{ config?: string }>();
  return config ? { configDir: path.resolve(config) } : {};
}

/**
 * The log level of a command run by a person: an explicit LOG_LEVEL wins; otherwise, on a
 * terminal, only warnings, so progress bars and tables are not buried under info lines.
 */
export function cliLogLevel(env: Env, quietLevel = 'warn'): string {
  if (process.env.LOG_LEVEL !== undefined) return env.LOG_LEVEL;
  return process.stderr.isTTY ? quietLevel : env.LOG_LEVEL;
}

export interface CliAppOptions extends Omit<BuildOptions, 'env' | 'log'> {
  logLevel?: string | undefined;
  /** The command fetches from the sources: with HORISONT_FIXTURE_ORIGIN set, that server must answer. */
  fetches?: boolean | undefined;
  /** A service: wait while PostgreSQL has no connection slot free rather than fail. */
  waitForSlot?: boolean | undefined;
}

/** The app context for a command, after checking that Redis and PostgreSQL answer. */
export async function buildCliApp(program: Command, options: CliAppOptions = {}): Promise<AppContext> {
  const env = parseEnv();
  const { logLevel, fetches, waitForSlot, ...build } = options;
  await assertReachable(env, fetches ? ['postgres', 'redis', 'fixtures'] : ['postgres', 'redis']);
  const log = createLogger(logLevel ?? cliLogLevel(env));
  if (waitForSlot) await waitForPostgresSlot(env.DATABASE_URL, log);
  return buildApp({ env, log, ...configDirOf(program), ...build });
}

/** Runs one CLI command's work with the app context, closing it whatever happens. */
export async function withApp<T>(
  program: Command,
  work: (ctx: AppContext, env: Env) => Promise<T>,
  options: Pick<CliAppOptions, 'logLevel' | 'fetches'> = {},
): Promise<T> {
  const ctx = await buildCliApp(program, options);
  try {
    return await work(ctx, parseEnv());
  } finally {
    await closeApp(ctx);
  }
}

/** Runs a command that needs only PostgreSQL (migrated), closing the pool whatever happens. */
export async function withDb<T>(work: (db: Db, env: Env, log: Logger) => Promise<T>): Promise<T> {
  const env = parseEnv();
  await assertReachable(env, ['postgres']);
  const log = createLogger(cliLogLevel(env));
  const db = openDb(env, log, 'horisont-cli');
  try {
    await migrate(db, env.HORISONT_DB_SCHEMA);
    return await work(db, env, log);
  } finally {
    await db.end();
  }
}
