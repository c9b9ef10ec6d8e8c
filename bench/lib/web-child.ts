/**
 * W7's server: the workbench as `horisont serve` starts it (`buildApp`, then `startWebServer`
 * with the settings from the environment, src/cli/workbench-commands.ts), in a process of its own,
 * on a free loopback port. Its connections carry BENCH_APP_NAME as their application name, so W7
 * can find the statements of a request it gave up on. Prints
 * `{"event":"listening","origin":…}` once it listens; stops on SIGTERM.
 */
import { buildApp, closeApp } from '../../src/app/build.js';
import { webSettingsFromEnv } from '../../src/api/config.js';
import { startWebServer } from '../../src/cli/workbench-commands.js';
import { parseEnv } from '../../src/env.js';
import { createLogger } from '../../src/log.js';

const env = parseEnv();
const log = createLogger(env.LOG_LEVEL);
const ctx = await buildApp({
  env,
  log,
  applicationName: process.env.BENCH_APP_NAME ?? 'bench-w7-web',
  pool: 'web',
});
const web = await startWebServer(ctx, { ...webSettingsFromEnv(), host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ event: 'listening', origin: web.listeningOrigin })}\n`);
await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
await web.close();
await closeApp(ctx);
