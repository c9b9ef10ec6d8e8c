import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import path from 'node:path';
import { parseEnv } from '../env.js';
import type { Env } from '../env.js';
import { createLogger } from '../log.js';
import { buildApp, closeApp } from '../app/build.js';
import type { AppContext } from '../app/context.js';
import { resetYieldBaseline, sourceHealthDetails } from '../store/health.js';
import type { SourceHealthDetail } from '../store/health.js';
import { isoMinute, oneLine, table } from './format.js';

const OUTCOME_SV: Record<string, string> = {
  ok: 'ok',
  unchanged: 'oförändrad',
  failed: 'misslyckades',
  broken: 'trasig',
};

const HEALTH_SV: Record<string, string> = {
  ok: 'ok',
  failing: 'felar',
  broken: 'trasig',
  unknown: 'okänd',
};

function configDirOf(program: Command): { configDir?: string } {
  const { config } = program.opts<{ config?: string }>();
  return config ? { configDir: path.resolve(config) } : {};
}

async function withApp<T>(program: Command, work: (ctx: AppContext, env: Env) => Promise<T>): Promise<T> {
  const env = parseEnv();
  const ctx = await buildApp({ env, log: createLogger('warn'), ...configDirOf(program) });
  try {
    return await work(ctx, env);
  } finally {
    await closeApp(ctx);
  }
}

function sourceId(value: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) throw new InvalidArgumentError('expected a source id');
  return value;
}

/** The `horisont sources` table: health with its reason, the yield history and the latest note. */
export function formatSourceHealth(rows: SourceHealthDetail[]): string {
  const lines = [
    table(
      ['källa', 'på', 'hälsa', 'senast', 'poster', 'skörd (nyast först)', 'senast ok', 'orsak'],
      rows.map((row) => [
        row.id,
        row.enabled ? 'ja' : 'nej',
        HEALTH_SV[row.health] ?? row.health,
        row.last_outcome ? (OUTCOME_SV[row.last_outcome] ?? row.last_outcome) : '–',
        String(row.items),
        row.recent_yields.length > 0
          ? `${row.recent_yields.slice(0, 5).join(' ')}${row.usual_items !== null ? ` (brukar ${row.usual_items})` : ''}`
          : '–',
        isoMinute(row.last_success_at),
        row.health !== 'ok' && row.last_error_kind
          ? `${row.last_error_kind} ${isoMinute(row.last_error_at)}: ${oneLine(row.last_error_message ?? '', 70)}`
          : '',
      ]),
    ),
  ];
  const notes = rows.filter((row) => row.note !== null);
  if (notes.length > 0) {
    lines.push('Anmärkningar (senaste 30 dagarna):');
    for (const row of notes) {
      lines.push(`  ${row.id} ${isoMinute(row.note_at)}: ${oneLine(row.note ?? '', 160)}`);
    }
  }
  return lines.join('\n');
}

/**
 * `horisont sources`: health of each source (with the reason when it is failing or broken, its
 * yield history and notes), `sources reset-yield` for a list that has legitimately shrunk.
 */
export function registerSourcesCommands(program: Command): void {
  const sources = program
    .command('sources')
    .description('health of each source: outcome, reason when broken, yield history, notes')
    .option('--json', 'as JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(program, async (ctx) => {
        const rows = await sourceHealthDetails(ctx.db);
        console.log(options.json ? JSON.stringify(rows, null, 2) : formatSourceHealth(rows));
      });
    });

  sources
    .command('reset-yield')
    .description(
      "forget a source's usual yield, so an empty list is no longer taken as broken (after a real shrink)",
    )
    .argument('<source-id>', 'source id', sourceId)
    .action(async (id: string) => {
      await withApp(program, async (ctx) => {
        if (!(await resetYieldBaseline(ctx.db, id))) {
          console.error(`Okänd källa: ${id}`);
          process.exitCode = 2;
          return;
        }
        console.log(`${id}: tidigare körningars skörd räknas inte längre som det vanliga.`);
      });
    });
}
