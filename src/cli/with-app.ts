import type { Command } from 'commander';
import path from 'node:path';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import { createLogger } from '../log.js';
import { buildApp, closeApp } from '../app/build.js';
import type { AppContext } from '../app/context.js';

/** The `--config` directory given to the program, if any. */
export function configDirOf(program: Command): { configDir?: string } {
  const { config } = program.opts<{ config?: string }>();
  return config ? { configDir: path.resolve(config) } : {};
}

/** Runs one CLI command's work with the app context, closing it whatever happens. */
export async function withApp<T>(
  program: Command,
  work: (ctx: AppContext, env: Env) => Promise<T>,
  options: { logLevel?: string } = {},
): Promise<T> {
  const env = parseEnv();
  const log = createLogger(options.logLevel ?? env.LOG_LEVEL);
  const ctx = await buildApp({ env, log, ...configDirOf(program) });
  try {
    return await work(ctx, env);
  } finally {
    await closeApp(ctx);
  }
}
