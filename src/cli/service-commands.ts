import type { Command } from 'commander';
import { Option, InvalidArgumentError } from 'commander';
import { parseEnv } from '../env.js';
import { createLogger } from '../log.js';
import { closeApp, openDb, startWorkers, upsertSchedulers } from '../app/build.js';
import { migrate } from '../store/migrate.js';
import { settleOpenRuns } from '../store/runs.js';
import { unfinishedJobs } from '../store/run-jobs.js';
import { selfCheck } from '../app/self-check.js';
import { STAGES } from '../queue/names.js';
import type { Stage } from '../queue/names.js';
import type { CommitHook } from '../queue/pipeline.js';
import { startWebServer } from './workbench-commands.js';
import { webSettingsFromEnv } from '../api/config.js';
import { buildCliApp, cliLogLevel } from './with-app.js';
import { assertReachable } from '../app/reachability.js';
import { positiveInt } from './args.js';

function parseRoles(value: string): Stage[] {
  const roles = value.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(STAGES as readonly string[]).includes(role));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`okänd roll: ${unknown.join(', ')}; kända: ${STAGES.join(', ')}`);
  }
  return roles as Stage[];
}

/** The service's own commands: migrate the database, run the stages (and the web) until SIGTERM. */
export function registerServiceCommands(program: Command, commitHook: CommitHook | undefined): void {
  program
    .command('migrate')
    .description('tillämpa väntande PostgreSQL-migreringar (görs också vid varje start)')
    .action(async () => {
      const env = parseEnv();
      await assertReachable(env, ['postgres']);
      const db = openDb(env, createLogger(cliLogLevel(env)));
      try {
        const applied = await migrate(db, env.HORISONT_DB_SCHEMA);
        console.log(
          applied.length ? `Tillämpade migreringar: ${applied.join(', ')}` : 'Databasen är redan aktuell.',
        );
      } finally {
        await db.end();
      }
    });

  program
    .command('start')
    .description('kör schemaläggarna och arbetarna tills SIGTERM')
    .addOption(
      new Option(
        '--roles <list>',
        `steg som processen arbetar med, skilda med kommatecken (${STAGES.join(',')})`,
      ).argParser(parseRoles),
    )
    .option('--no-scheduler', 'skapa inte (om) källornas jobbschemaläggare')
    .option('--no-web', 'kör inte arbetsytan (HORISONT_WEB_HOST/HORISONT_WEB_PORT) i den här processen')
    .option(
      '--allow-eviction',
      'starta även om Redis kan kasta nycklar (maxmemory-policy annan än noeviction)',
    )
    .option(
      '--shutdown-deadline <seconds>',
      'vid SIGTERM, vänta så här länge på pågående jobb',
      positiveInt,
      25,
    )
    .action(
      async (options: {
        roles?: Stage[];
        scheduler: boolean;
        web: boolean;
        allowEviction?: boolean;
        shutdownDeadline: number;
      }) => {
        const env = parseEnv();
        // A service logs at its configured level, terminal or not.
        const ctx = await buildCliApp(program, {
          dbRole: env.HORISONT_DB_INGEST_ROLE,
          logLevel: env.LOG_LEVEL,
          waitForSlot: true,
          commitHook,
        });
        const log = ctx.log;
        try {
          await selfCheck(ctx, env, { allowEviction: options.allowEviction === true });
          if (options.scheduler) {
            await upsertSchedulers(ctx);
            // Redis holds no truth: whatever PostgreSQL records as unfinished is queued again.
            // A run whose last job committed but died before settling it moves on here.
            const unfinished = [...(await unfinishedJobs(ctx.db)), ...(await settleOpenRuns(ctx.db))];
            await ctx.pipeline.enqueue(unfinished);
            if (unfinished.length > 0) {
              log.info({ jobs: unfinished.length }, 'start: re-enqueued unfinished work');
            }
          }
          startWorkers(ctx, options.roles ?? STAGES);
          const web = options.web ? await startWebServer(ctx, webSettingsFromEnv()) : undefined;
          log.info({ roles: options.roles ?? STAGES }, 'start: running');
          await new Promise<void>((resolve) => {
            const stop = (signal: string) => {
              log.info({ signal }, 'start: shutting down');
              resolve();
            };
            process.once('SIGTERM', () => stop('SIGTERM'));
            process.once('SIGINT', () => stop('SIGINT'));
          });
          await web?.close();
          await ctx.pipeline.closeWorkers(options.shutdownDeadline * 1000);
        } finally {
          await closeApp(ctx);
        }
      },
    );
}
