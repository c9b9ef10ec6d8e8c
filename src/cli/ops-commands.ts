import type { Command } from 'commander';
import { buildCliApp } from './with-app.js';
import { InvalidArgumentError } from 'commander';
import { parseEnv } from '../env.js';
import { closeApp, startWorkers } from '../app/build.js';
import { BackfillError, openBackfills, resumeBackfill, startBackfill } from '../app/backfill.js';
import { waitForRun } from '../app/scan-once.js';
import { selfCheck } from '../app/self-check.js';
import { printRunOutcome } from './summary.js';
import { progressReporter } from './progress.js';
import { isoMinute, table } from './format.js';
import { positiveInt, uuidArg } from './args.js';
import { NotFoundError } from './errors.js';
import { label } from '../domain/labels.js';
import { runProgress } from '../store/runs.js';

/** Resolves on the first SIGINT or SIGTERM, with the signal's name. */
function interrupted(): { promise: Promise<'SIGINT' | 'SIGTERM'>; dispose(): void } {
  let onInt: () => void = () => undefined;
  let onTerm: () => void = () => undefined;
  const promise = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    onInt = () => resolve('SIGINT');
    onTerm = () => resolve('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  return {
    promise,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

interface BackfillCommandOptions {
  source?: string;
  resume?: string;
  list?: boolean;
  maxPages?: number;
  workers: boolean;
  json?: boolean;
  timeout?: number;
  allowEviction?: boolean;
}

/** `horisont backfill`: page through a source's whole registry, politely and resumably. */
export function registerOpsCommands(program: Command): void {
  program
    .command('backfill')
    .description(
      'bläddra igenom en källas hela register (t.ex. hela EUDAMED) i en körning som kan återupptas; efter en krasch fortsätter --resume utan att hämta klara sidor igen',
    )
    .option('--source <id>', 'källan som ska fyllas bakåt (en som bläddrar, t.ex. eudamed-devices)')
    .option(
      '--max-pages <n>',
      'sidor per konfigurerad adress (standard: till källans sista sida)',
      positiveInt,
    )
    .option(
      '--resume <run-id>',
      'fortsätt en oavslutad bakåtfyllning (det gör även `horisont start`)',
      uuidArg('körningens id'),
    )
    .option('--list', 'lista oavslutade bakåtfyllningar')
    .option('--no-workers', 'köa bara; låt arbetarna i en körande `horisont start` göra jobbet')
    .option('--json', 'körningens sammanfattning (eller listan) som JSON')
    .option(
      '--timeout <seconds>',
      'sluta vänta efter så här många sekunder (körningen fortsätter; standard: ingen gräns)',
      positiveInt,
    )
    .option('--allow-eviction', 'kör även om Redis kan kasta nycklar (maxmemory-policy annan än noeviction)')
    .addHelpText(
      'after',
      `
Exempel:
  horisont backfill --source eudamed-devices                 # allt; ~10 700 sidor à 3 s
  horisont backfill --source eudamed-devices --max-pages 500
  horisont backfill --resume 7c0c…                            # efter en krasch eller Ctrl-C
  horisont backfill --list`,
    )
    .action(async (options: BackfillCommandOptions) => {
      const modes = [options.source !== undefined, options.resume !== undefined, options.list === true];
      if (modes.filter(Boolean).length !== 1) {
        throw new InvalidArgumentError('ange precis en av --source ID, --resume KÖRNINGS-ID och --list');
      }
      if (options.maxPages !== undefined && options.source === undefined) {
        throw new InvalidArgumentError(
          '--max-pages hör till --source (en återupptagen körning behåller sin gräns)',
        );
      }
      const env = parseEnv();
      const ctx = await buildCliApp(program, {
        applicationName: 'horisont-backfill',
        fetches: options.list !== true,
      });
      try {
        if (options.list) {
          const runs = await openBackfills(ctx.db);
          if (options.json) {
            console.log(JSON.stringify(runs, null, 2));
            return;
          }
          if (runs.length === 0) {
            console.log('Inga oavslutade bakåtfyllningar.');
            return;
          }
          const rows = await Promise.all(
            runs.map(async (run) => {
              const progress = await runProgress(ctx.db, run.runId);
              return [
                run.runId,
                label(ctx.config.sourceLabels, run.sourceId),
                isoMinute(run.startedAt),
                String(progress.pages),
                String(progress.items),
                run.options?.maxPages === undefined ? '–' : String(run.options.maxPages),
              ];
            }),
          );
          console.log(table(['körning', 'källa', 'startad', 'sidor', 'poster', 'max sidor'], rows));
          return;
        }

        await selfCheck(ctx, env, { allowEviction: options.allowEviction === true });
        let id: string;
        if (options.resume !== undefined) {
          const resumed = await resumeBackfill(ctx, options.resume);
          id = resumed.runId;
          if (!options.json) {
            console.error(
              resumed.completed
                ? `Bakåtfyllningen ${id} (${resumed.sourceId}) är redan klar.`
                : `Fortsätter bakåtfyllningen ${id} (${resumed.sourceId}): ${resumed.requeued} oavslutade jobb köade igen.`,
            );
          }
        } else {
          id = await startBackfill(ctx, {
            sourceId: options.source!,
            ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
          });
          if (!options.json) console.error(`Bakåtfyllning ${id} startad för ${options.source!}.`);
        }

        if (!options.workers) {
          console.log(
            options.json
              ? JSON.stringify({ runId: id, enqueued: true })
              : `Köad; arbetarna i \`horisont start\` gör jobbet. Följ den med \`horisont runs\` eller /metrics.`,
          );
          return;
        }
        startWorkers(ctx);
        const progress = options.json ? undefined : progressReporter('Bakåtfyllning');
        const stop = interrupted();
        const finished = waitForRun(
          ctx,
          id,
          options.timeout === undefined ? Number.MAX_SAFE_INTEGER : options.timeout * 1000,
          progress?.update,
        );
        const outcome = await Promise.race([
          finished.then((summary) => ({ summary })),
          stop.promise.then((signal) => ({ signal })),
        ]).finally(() => stop.dispose());
        progress?.done();
        if ('signal' in outcome) {
          // Running jobs finish (or are handed back) as the workers close; nothing is lost.
          finished.catch(() => undefined);
          console.error(`Avbruten. Fortsätt med: horisont backfill --resume ${id}`);
          process.exitCode = outcome.signal === 'SIGINT' ? 130 : 143;
          return;
        }
        const { summary } = outcome;
        printRunOutcome(summary, ctx.config.sourceLabels, options.json);
      } catch (error) {
        if (error instanceof BackfillError) {
          throw error.notFound ? new NotFoundError(error.message) : new InvalidArgumentError(error.message);
        }
        throw error;
      } finally {
        await closeApp(ctx);
      }
    });
}
