import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { decideHold } from '../app/holds.js';
import { listHolds } from '../store/holds.js';
import type { ItemHold } from '../store/holds.js';
import { isoMinute, table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { actorOf } from './resolution-commands.js';
import { withApp } from './with-app.js';
import { NotFoundError } from './errors.js';
import { label } from '../domain/labels.js';
import type { SourceLabels } from '../domain/labels.js';

const STATUS_LABELS: Record<ItemHold['status'], string> = {
  held: 'hålls',
  released: 'släppt',
  discarded: 'kasserad',
};

function holdId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new InvalidArgumentError('väntade ett hållnings-id (ett tal)');
  }
  return id;
}

function describe(hold: ItemHold, sourceLabels: SourceLabels): string {
  const lines = [
    `Hållning ${hold.id}: ${label(sourceLabels, hold.sourceId)}, ${STATUS_LABELS[hold.status]} (${isoMinute(hold.createdAt)}, körning ${hold.runId})`,
    `  ${oneLine(hold.reason, 80)}`,
  ];
  if (hold.decidedBy) {
    lines.push(
      `  ${STATUS_LABELS[hold.status]} av ${oneLine(hold.decidedBy, 80)} ${isoMinute(hold.decidedAt)}: ${oneLine(hold.decisionReason ?? '', 80)}`,
    );
  }
  if (hold.releaseRunId) lines.push(`  löstes upp i körning ${hold.releaseRunId}`);
  for (const item of hold.sample) lines.push(`  – ${oneLine(item.itemKey, 80)}: ${oneLine(item.title, 80)}`);
  return lines.join('\n');
}

interface DecisionOptions {
  user: string;
  reason: string;
  json?: boolean;
}

/**
 * `holds`: new items the re-key guard held for review (docs/reliability.md, "Drift and
 * re-keying"), and a reviewer's decision on them.
 */
export function registerHoldCommands(program: Command): void {
  const holds = program
    .command('holds')
    .description(
      'nya poster som hålls för granskning eftersom en källa såg ut att ha bytt nycklar; släpp eller kassera dem',
    );

  holds
    .command('list', { isDefault: true })
    .description('varje hållning, nyaste först')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await listHolds(ctx.db);
          if (options.json) {
            console.log(JSON.stringify(rows, null, 2));
            return;
          }
          if (rows.length === 0) {
            console.log('Inga hållna poster.');
            return;
          }
          console.log(
            table(
              ['id', 'källa', 'läge', 'poster', 'försvann', 'kända', 'när'],
              rows.map((hold) => [
                String(hold.id),
                label(ctx.config.sourceLabels, hold.sourceId),
                STATUS_LABELS[hold.status],
                String(hold.fresh),
                String(hold.gone),
                String(hold.known),
                isoMinute(hold.createdAt),
              ]),
            ),
          );
        },
        { logLevel: 'warn' },
      );
    });

  holds
    .command('show')
    .description('en hållning: varför, och ett urval av de hållna posterna')
    .argument('<hold-id>', 'hållningens id', holdId)
    .option('--json', 'som JSON')
    .action(async (id: number, options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const [hold] = await listHolds(ctx.db, id);
          if (!hold) throw new NotFoundError(`Ingen hållning ${id}.`);
          console.log(options.json ? JSON.stringify(hold, null, 2) : describe(hold, ctx.config.sourceLabels));
        },
        { logLevel: 'warn' },
      );
    });

  for (const action of ['release', 'discard'] as const) {
    holds
      .command(action)
      .description(
        action === 'release'
          ? 'släpp igenom de hållna posterna: de lagras och matchas i en egen körning'
          : 'kassera de hållna posterna (källan hade fel); det som var känt förblir som det var',
      )
      .argument('<hold-id>', 'hållningens id', holdId)
      .requiredOption('--user <username>', 'arbetsytans konto (granskare eller administratör) som beslutar')
      .requiredOption('--reason <text>', 'varför (sparas i granskningsloggen)')
      .option('--json', 'som JSON')
      .action(async (id: number, options: DecisionOptions) => {
        await withApp(
          program,
          async (ctx) => {
            const actor = await actorOf(ctx.db, options.user);
            const result = await decideHold(ctx, { holdId: id, action, actor, reason: options.reason });
            if (options.json) console.log(JSON.stringify(result, null, 2));
            else if (result.runId) {
              console.log(`Hållning ${id} släppt; posterna löses upp i körning ${result.runId}.`);
            } else console.log(`Hållning ${id} kasserad.`);
          },
          { logLevel: 'warn' },
        );
      });
  }
}
