import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { startWorkers } from '../app/build.js';
import { recentRunIds, runSummary } from '../store/runs.js';
import { startRun, waitForRun } from '../app/scan-once.js';
import { formatRunSummary, printRunOutcome } from './summary.js';
import { progressReporter } from './progress.js';
import { startReplay } from '../app/replay.js';
import { replayAsOf } from '../app/replay-as-of.js';
import { parseDay } from './triage-commands.js';
import { configDirOf, withApp } from './with-app.js';
import { positiveInt } from './args.js';

/** Runs: the latest ones, a scan now, a replay of stored snapshots. */
export function registerRunCommands(program: Command): void {
  program
    .command('runs')
    .description('senaste körningarna: varje källas utfall, poster, kandidater, rapporter och nomineringar')
    .option('--json', 'som JSON (de lagrade körningsrapporterna)')
    .option('--limit <n>', 'hur många', positiveInt, 10)
    .action(async (options: { json?: boolean; limit: number }) => {
      await withApp(
        program,
        async (ctx) => {
          const summaries = [];
          for (const id of await recentRunIds(ctx.db, options.limit)) {
            const summary = await runSummary(ctx.db, id); // eslint-disable-line no-await-in-loop
            if (summary) summaries.push(summary);
          }
          console.log(
            options.json
              ? JSON.stringify(summaries, null, 2)
              : summaries.map((summary) => formatRunSummary(summary, ctx.config.sourceLabels)).join('\n\n'),
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
          printRunOutcome(summary, ctx.config.sourceLabels, options.json);
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
              console.log(formatRunSummary(replayed.summary, ctx.config.sourceLabels));
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
            console.log(
              options.json
                ? JSON.stringify(summary, null, 2)
                : formatRunSummary(summary, ctx.config.sourceLabels),
            );
          },
          { logLevel: 'warn' },
        );
      },
    );
}
