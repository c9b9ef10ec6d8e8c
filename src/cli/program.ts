import { Command, Option, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { parseEnv, EnvError } from '../env.js';
import { createLogger } from '../log.js';
import { ConfigError, DEFAULT_CONFIG_DIR } from '../config/load.js';
import { closeApp, loadAppConfig, openDb, startWorkers, upsertSchedulers } from '../app/build.js';
import { migrate } from '../store/migrate.js';
import { runSummary, settleOpenRuns, unfinishedJobs } from '../store/runs.js';
import { selfCheck, SelfCheckError } from '../app/self-check.js';
import { STAGES } from '../queue/names.js';
import type { Stage } from '../queue/names.js';
import type { CommitHook } from '../queue/pipeline.js';
import { startRun, waitForRun, UnknownSourceError } from '../app/scan-once.js';
import { formatRunSummary, failedSources } from './summary.js';
import { rankedCandidates, listNominations } from '../store/queries.js';
import { latestReport } from '../store/reports.js';
import { startFixtureServer } from '../fixtures/server.js';
import { RECORDINGS_DIR } from '../fixtures/documents.js';
import { oneLine, table, isoMinute } from './format.js';
import { runDemo } from './demo.js';
import { applyEnvFile } from './env-file.js';
import { progressReporter } from './progress.js';
import { startReplay } from '../app/replay.js';
import { replayAsOf } from '../app/replay-as-of.js';
import { formatRankedSections } from './ranked.js';
import type { ScoreResult } from '../domain/score.js';
import { STAGE_LABELS } from '../domain/lifecycle.js';
import { parseDay } from './triage-commands.js';
import { registerTriageCommands, formatExplanation } from './triage-commands.js';
import { explainRank } from '../app/rescore.js';
import { renderReportHtml } from '../domain/report-html.js';
import { registerWorkbenchCommands, startWebServer } from './workbench-commands.js';
import { webSettingsFromEnv } from '../api/config.js';
import { registerSourcesCommands } from './sources-commands.js';
import { registerAlertCommands } from './alert-commands.js';
import { registerOpsCommands } from './ops-commands.js';
import { registerResolutionCommands } from './resolution-commands.js';
import { registerCaseCommands } from './case-commands.js';
import { buildCliApp, cliLogLevel, configDirOf, withApp } from './with-app.js';
import { assertReachable, ServiceUnreachableError } from '../app/reachability.js';
import { AccountError } from '../app/accounts.js';
import { registerHoldCommands } from './holds-commands.js';
import { useSwedishHelp } from './help.js';
import { positiveInt, uuidArg } from './args.js';
import { assertCandidate } from './resolution-commands.js';
import { ORIGIN_LABELS, label } from '../domain/labels.js';
import { NotFoundError } from './errors.js';

function parseRoles(value: string): Stage[] {
  const roles = value.split(',').map((role) => role.trim());
  const unknown = roles.filter((role) => !(STAGES as readonly string[]).includes(role));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`okänd roll: ${unknown.join(', ')}; kända: ${STAGES.join(', ')}`);
  }
  return roles as Stage[];
}

/** What a test's entry point hands the program; production passes nothing. */
export interface ProgramHooks {
  /** `horisont start`'s workers await it at each point of a job's commit (the fault tests' barriers). */
  commitHook?: CommitHook;
}

export function buildProgram(hooks: ProgramHooks = {}): Command {
  const program = useSwedishHelp(new Command('horisont'))
    .description('Horisontspaning av nya medicintekniska produkter och läkemedel för ordnat införande')
    .option('--config <dir>', 'konfigurationskatalog (standard: $HORISONT_CONFIG_DIR eller ./config)')
    .option('--env-file <file>', 'läs miljövariabler från den här filen först (t.ex. var/demo/horisont.env)')
    .showHelpAfterError()
    .hook('preAction', (command) => {
      const { envFile } = command.opts<{ envFile?: string }>();
      if (envFile !== undefined) applyEnvFile(envFile);
    });

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
          commitHook: hooks.commitHook,
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

  program
    .command('runs')
    .description('senaste körningarna: varje källas utfall, poster, kandidater, rapporter och nomineringar')
    .option('--json', 'som JSON (de lagrade körningsrapporterna)')
    .option('--limit <n>', 'hur många', positiveInt, 10)
    .action(async (options: { json?: boolean; limit: number }) => {
      await withApp(
        program,
        async (ctx) => {
          const ids = await ctx.db.query<{ id: string }>(
            'select id from runs order by started_at desc limit $1',
            [options.limit],
          );
          const summaries = [];
          for (const { id } of ids.rows) {
            const summary = await runSummary(ctx.db, id); // eslint-disable-line no-await-in-loop
            if (summary) summaries.push(summary);
          }
          console.log(
            options.json ? JSON.stringify(summaries, null, 2) : summaries.map(formatRunSummary).join('\n\n'),
          );
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('scan')
    .description('skanna källorna nu, vänta tills flödet är tömt och skriv ut körningens sammanfattning')
    .requiredOption('--once', 'kör en skanning och avsluta (det enda läget; `start` kör enligt schema)')
    .option('--source <id...>', 'bara dessa källor (standard: varje aktiv källa)')
    .option('--no-workers', 'köa bara; låt arbetarna i en körande `horisont start` göra jobbet')
    .option('--json', 'sammanfattningen som JSON')
    .option('--timeout <seconds>', 'ge upp efter så här många sekunder', positiveInt, 1800)
    .action(async (options: { source?: string[]; workers: boolean; json?: boolean; timeout: number }) => {
      await withApp(
        program,
        async (ctx) => {
          if (options.workers) startWorkers(ctx);
          const runId = await startRun(ctx, options.source ?? []);
          const progress = options.json ? undefined : progressReporter('Skanning');
          const summary = await waitForRun(ctx, runId, options.timeout * 1000, progress?.update);
          progress?.done();
          console.log(options.json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
          const failed = failedSources(summary);
          if (failed.length > 0) {
            console.error(
              `Källor som misslyckades: ${failed.map((s) => `${s.source_id} (${s.error_kind ?? 'okänt'}: ${oneLine(s.error_message ?? '', 120)})`).join('; ')}`,
            );
            process.exitCode = 1;
          }
        },
        { logLevel: options.json ? 'warn' : undefined, fetches: true },
      );
    });

  program
    .command('replay')
    .description(
      'läs om lagrade ögonblicksbilder med dagens adaptrar och räkna om poängen, utan nätverk; visa vad som ändrades',
    )
    .option('--source <id...>', 'bara dessa källor (standard: varje konfigurerad källa)')
    .option('--since <date>', 'bara ögonblicksbilder hämtade denna dag eller senare (ÅÅÅÅ-MM-DD)')
    .option(
      '--as-of <date>',
      'rangordna som på denna dag (ÅÅÅÅ-MM-DD): för varje anrop den ögonblicksbild som gällde då, i en egen värld',
      parseDay,
    )
    .option('--into <schema>', 'med --as-of: den världens schema (standard <schema>_per_ÅÅÅÅMMDD)')
    .option('--json', 'körningens sammanfattning som JSON')
    .option('--timeout <seconds>', 'ge upp efter så här många sekunder', positiveInt, 3600)
    .action(
      async (options: {
        source?: string[];
        since?: string;
        asOf?: string;
        into?: string;
        json?: boolean;
        timeout: number;
      }) => {
        if (options.asOf !== undefined) {
          await withApp(
            program,
            async (ctx, env) => {
              const progress = options.json ? undefined : progressReporter('Uppspelning');
              const replayed = await replayAsOf(ctx, env, ctx.log, {
                asOf: options.asOf!,
                ...(options.into === undefined ? {} : { into: options.into }),
                timeoutMs: options.timeout * 1000,
                ...configDirOf(program),
                ...(progress === undefined ? {} : { onProgress: progress.update }),
              });
              progress?.done();
              if (options.json) {
                console.log(JSON.stringify(replayed, null, 2));
                return;
              }
              console.log(formatRunSummary(replayed.summary));
              console.log(
                `\nRangordning per ${options.asOf} i schema ${replayed.schema} (${replayed.snapshots} ögonblicksbilder). ` +
                  `Visa den med HORISONT_DB_SCHEMA=${replayed.schema} HORISONT_QUEUE_PREFIX=${replayed.queuePrefix} horisont candidates.`,
              );
            },
            { logLevel: 'warn' },
          );
          return;
        }
        const since = options.since === undefined ? undefined : new Date(options.since);
        if (since && Number.isNaN(since.getTime())) {
          throw new InvalidArgumentError('--since väntar ett datum som 2026-11-01');
        }
        await withApp(
          program,
          async (ctx) => {
            startWorkers(ctx);
            const runId = await startReplay(ctx, {
              ...(options.source ? { sourceIds: options.source } : {}),
              ...(since ? { since } : {}),
            });
            if (!runId) {
              console.log('Inga lagrade ögonblicksbilder att spela upp.');
              return;
            }
            const progress = progressReporter('Uppspelning');
            const summary = await waitForRun(ctx, runId, options.timeout * 1000, progress.update);
            progress.done();
            console.log(options.json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
          },
          { logLevel: 'warn' },
        );
      },
    );

  program
    .command('candidates')
    .description(
      'kandidaterna rangordnade efter prioritet, i tre listor: nya och kommande, de som råden redan hanterar, övriga',
    )
    .option(
      '--json',
      'alla uppgifter som JSON: identifierare, prioritet, nivå, livscykel, råd, förklaring per kriterium, belägg',
    )
    .option('--limit <n>', 'hur många (per lista)', positiveInt, 50)
    .option(
      '--explain <id>',
      'hur kandidatens plats flyttas om varje kriteriums vikt ändras med ±50 %',
      uuidArg('kandidatens id'),
    )
    .action(async (options: { json?: boolean; limit: number; explain?: string }) => {
      await withApp(
        program,
        async (ctx) => {
          if (options.explain !== undefined) {
            await assertCandidate(ctx.db, options.explain);
            const explained = await explainRank(ctx.db, options.explain, ctx.config.criteria);
            if (!explained) {
              throw new InvalidArgumentError(`Kandidaten ${options.explain} är ännu inte poängsatt.`);
            }
            console.log(options.json ? JSON.stringify(explained, null, 2) : formatExplanation(explained));
            return;
          }
          if (options.json) {
            console.log(JSON.stringify(await rankedCandidates(ctx.db, options.limit), null, 2));
            return;
          }
          console.log(await formatRankedSections(ctx.db, options.limit, { ids: true }));
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('report')
    .description('skriv ut en kandidats senaste tidiga bedömningsrapport')
    .argument('<candidate-id>', 'kandidatens id (uuid)', uuidArg('kandidatens id'))
    .addOption(new Option('--format <format>', 'format').choices(['md', 'json', 'html']).default('md'))
    .action(async (candidateId: string, options: { format: 'md' | 'json' | 'html' }) => {
      await withApp(
        program,
        async (ctx) => {
          await assertCandidate(ctx.db, candidateId);
          const report = await latestReport(ctx.db, candidateId);
          if (!report) {
            const current = (
              await ctx.db.query<{ result: ScoreResult }>(
                `select s.result from candidates c join scores s on s.id = c.current_score_id where c.id = $1`,
                [candidateId],
              )
            ).rows[0]?.result;
            console.error(
              `Ingen rapport finns för kandidat ${candidateId}${current === undefined ? ' (ännu inte poängsatt).' : `: ${whyNoReport(current)}`}`,
            );
            process.exitCode = 1;
            return;
          }
          if (options.format === 'html') console.log(renderReportHtml(report.json));
          else {
            console.log(options.format === 'json' ? JSON.stringify(report.json, null, 2) : report.markdown);
          }
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('nominations')
    .description('nomineringar som lagts i nomineringskön')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await listNominations(ctx.db);
          if (options.json) {
            console.log(JSON.stringify(rows, null, 2));
            return;
          }
          console.log(
            table(
              ['id', 'kandidat', 'ursprung', 'version', 'nivå', 'i kön', 'skapad'],
              rows.map((row) => [
                row.id,
                oneLine(row.candidate_name, 40),
                row.nominated_by
                  ? `${label(ORIGIN_LABELS, row.origin)} (${oneLine(row.nominated_by, 30)})`
                  : label(ORIGIN_LABELS, row.origin),
                row.report_version === null ? '–' : `v${row.report_version}`,
                row.band ?? '–',
                row.enqueued_at ? 'ja' : 'nej',
                isoMinute(row.created_at),
              ]),
            ),
          );
        },
        { logLevel: 'warn' },
      );
    });

  registerSourcesCommands(program);

  const fixtures = program.command('fixtures').description('inspelade källsvar för skanningar utan nätverk');
  fixtures
    .command('serve')
    .description('servera de inspelade svaren på 127.0.0.1 tills den avbryts')
    .option('--port <port>', 'port (0 = valfri ledig)', (v) => Number(v), 4870)
    .option('--root <dir>', 'katalog med inspelade svar', RECORDINGS_DIR)
    .action(async (options: { port: number; root: string }) => {
      const server = await startFixtureServer({ root: path.resolve(options.root), port: options.port });
      console.log(`Fixturer serveras på ${server.origin}`);
      console.log(
        `Skanna mot dem med HORISONT_FIXTURE_ORIGIN=${server.origin} horisont --config config/demo scan --once`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
    });

  program
    .command('demo')
    .description(
      'demo utan nätverk: migrera, servera de inspelade svaren, skanna dem två gånger, visa rangordnade kandidater och rapporter',
    )
    .option('--serve', 'kör sedan arbetsytan på demons data tills den avbryts')
    .action(async (options: { serve?: boolean }) => {
      await runDemo({
        fixturesDir: RECORDINGS_DIR,
        configDir: path.join(DEFAULT_CONFIG_DIR, 'demo'),
        serve: options.serve === true,
      });
    });

  program
    .command('check-config')
    .description('kontrollera konfigurationen och avsluta (2 när den är ogiltig)')
    .action(async () => {
      const config = await loadAppConfig(parseEnv(), configDirOf(program).configDir);
      console.log(
        `Konfigurationen är giltig: ${config.sources.length} källor, kriterier version ${config.criteria.version}.`,
      );
    });

  registerWorkbenchCommands(program);
  registerResolutionCommands(program);
  registerHoldCommands(program);
  registerCaseCommands(program);
  registerAlertCommands(program);
  registerTriageCommands(program);
  registerOpsCommands(program);
  return program;
}

export async function main(argv: string[], hooks: ProgramHooks = {}): Promise<void> {
  try {
    await buildProgram(hooks).parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EnvError || error instanceof SelfCheckError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    if (
      error instanceof UnknownSourceError ||
      error instanceof InvalidArgumentError ||
      error instanceof NotFoundError ||
      error instanceof ServiceUnreachableError ||
      error instanceof AccountError
    ) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

/** Why a scored candidate has no early assessment report, in Swedish. */
function whyNoReport(score: ScoreResult): string {
  if (score.council === 'utanför' || score.council === 'TLV') {
    return `den ligger utanför rådens uppdrag och nomineras inte. ${oneLine(score.routingReason, 600)}`;
  }
  if (score.processStatus === 'hanteras-av-mtp-radet' || score.processStatus === 'hanteras-av-nt-radet') {
    const council = score.processStatus === 'hanteras-av-nt-radet' ? 'NT-rådet' : 'MTP-rådet';
    return `den hanteras redan av ${council} och nomineras inte på nytt. ${oneLine(score.statusReason, 600)}`;
  }
  if (score.stage === 'established' || score.stage === 'withdrawn') {
    return `den är ${STAGE_LABELS[score.stage]} och nomineras inte. ${oneLine(score.lifecycle.expected, 400)}`;
  }
  return `prioritet ${score.total} av 100, under tröskeln för nominering${score.insufficientEvidence ? ' (underlag saknas)' : ''}.`;
}
