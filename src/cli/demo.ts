import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { buildApp, closeApp, openDb, startWorkers } from '../app/build.js';
import { startRun, waitForRun } from '../app/scan-once.js';
import { startFixtureServer } from '../fixtures/server.js';
import { STAGES, NOMINATION_QUEUE } from '../queue/names.js';
import { rankedCandidates } from '../store/queries.js';
import { reportFiles } from '../workers/report.js';
import { formatRunSummary } from './summary.js';
import { createUser } from '../store/users.js';
import { startWebServer } from './workbench-commands.js';
import { webSettingsFromEnv } from '../api/config.js';
import { oneLine, table } from './format.js';
import { prepareDemoAlerts } from '../alerts/demo.js';

const DEMO_SCHEMA = 'horisont_demo';
const DEMO_PREFIX = 'horisont-demo';

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
  const server = await startFixtureServer({ root: options.fixturesDir, port: 0 });
  try {
    await demoWith(server.origin, base, log, options.configDir, options.serve === true);
  } finally {
    await server.close();
  }
}

async function demoWith(
  origin: string,
  base: Env,
  log: Logger,
  configDir: string,
  serve: boolean,
): Promise<void> {
  const alerts = await prepareDemoAlerts(base);
  const env = {
    ...base,
    ...alerts.env,
    HORISONT_DB_SCHEMA: DEMO_SCHEMA,
    HORISONT_QUEUE_PREFIX: DEMO_PREFIX,
    HORISONT_FIXTURE_ORIGIN: origin,
    HORISONT_REPORT_DIR: path.join('var', 'demo', 'reports'),
  };
  console.log(`Horisont demo · fixturer på ${origin} · databasschema ${DEMO_SCHEMA}\n`);

  const db = openDb(env, log);
  await db.query(`drop schema if exists ${DEMO_SCHEMA} cascade`);
  await db.end();
  await Promise.all(
    [...STAGES, NOMINATION_QUEUE].map(async (name) => {
      const queue = new Queue(name, { connection: { url: env.REDIS_URL }, prefix: DEMO_PREFIX });
      await queue.obliterate({ force: true });
      await queue.close();
    }),
  );

  const ctx = await buildApp({ env, log, configDir });
  try {
    await alerts.subscribe(ctx);
    startWorkers(ctx);
    console.log('1. Första skanningen av alla källor');
    const first = await waitForRun(ctx, await startRun(ctx, [], 'demo'), 300_000);
    console.log(formatRunSummary(first), '\n');
    await alerts.afterScan(ctx, 1);

    console.log('2. Samma källor igen (inget har ändrats: inga nya kandidater eller nomineringar väntas)');
    const second = await waitForRun(ctx, await startRun(ctx, [], 'demo'), 300_000);
    console.log(formatRunSummary(second), '\n');
    await alerts.afterScan(ctx, 2);

    const ranked = await rankedCandidates(ctx.db, 20);
    console.log('3. Rangordnade kandidater');
    console.log(
      table(
        ['#', 'poäng', 'nivå', 'råd', 'kandidat', 'tillverkare', 'källor'],
        ranked.map((c, index) => [
          String(index + 1),
          c.score === null ? '–' : String(c.score),
          c.band ?? '–',
          c.council ?? '–',
          oneLine(c.name, 40),
          oneLine(c.manufacturer ?? '–', 30),
          [...new Set(c.evidence.map((e) => e.sourceId))].join(', '),
        ]),
      ),
      '\n',
    );
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
      `Mer: HORISONT_DB_SCHEMA=${DEMO_SCHEMA} npx horisont candidates --json | report <id> | nominations | sources`,
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
    } else {
      console.log(`   Starta: HORISONT_DB_SCHEMA=${DEMO_SCHEMA} npx horisont serve   och öppna ${url}`);
      console.log('   (eller: npm run demo -- --serve)');
    }
  } finally {
    await closeApp(ctx);
    await alerts.close();
  }
}
