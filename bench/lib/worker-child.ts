/**
 * A worker process for the W5 kill test: buildApp + startWorkers with short lock and stall
 * intervals (as the integration tests use), so a killed worker's jobs are taken over within
 * seconds instead of the production 30 s. Configuration comes from the environment, like
 * `horisont start --no-scheduler`. Stops on SIGTERM.
 */
import { buildApp, closeApp, startWorkers } from '../../src/app/build.js';
import { parseEnv } from '../../src/env.js';
import { createLogger } from '../../src/log.js';

const env = parseEnv();
const ctx = await buildApp({
  env,
  log: createLogger(env.LOG_LEVEL),
  lockDurationMs: 4000,
  stalledIntervalMs: 1500,
  applicationName: process.env.BENCH_APP_NAME ?? 'bench-w5-child',
});
startWorkers(ctx);
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
await closeApp(ctx);
