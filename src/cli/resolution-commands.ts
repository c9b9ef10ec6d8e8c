import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { mergeAs, splitAs } from '../app/curation.js';
import type { CurationResult } from '../app/curation.js';
import { resolveAll } from '../app/resolve-all.js';
import { HISTORY_LABELS } from '../domain/history.js';
import type { HistoryKind } from '../domain/history.js';
import type { Db } from '../store/db.js';
import { findUserByUsername } from '../store/users.js';
import { progressReporter } from './progress.js';
import { oneLine, table } from './format.js';
import { withApp } from './with-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('expected a uuid');
  return value.toLowerCase();
}

function itemIds(value: string): number[] {
  const ids = value.split(',').map((part) => Number(part.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
    throw new InvalidArgumentError('expected item ids separated by commas, e.g. 12,15');
  }
  return [...new Set(ids)];
}

/** The CLI acts as a named workbench account, so the audit log says who merged or split. */
export async function actorOf(db: Db, username: string): Promise<{ id: string; name: string; role: string }> {
  const user = await findUserByUsername(db, username);
  if (!user || user.disabled) {
    throw new InvalidArgumentError(`no active account "${username}" (horisont users add)`);
  }
  return { id: user.id, name: user.displayName, role: user.role };
}

function printResult(result: CurationResult, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const again = result.created ? '' : ' (redan registrerat med samma request-id)';
  console.log(
    result.action === 'merge'
      ? `Sammanslagen: ${result.otherCandidateId} → ${result.candidateId}${again}`
      : `Uppdelad: ${result.candidateId} → ny kandidat ${result.otherCandidateId}${again}`,
  );
}

function describeEvent(details: Record<string, unknown>): string {
  for (const key of ['title', 'reason'] as const) {
    const value = details[key];
    if (typeof value === 'string') return value;
  }
  return '';
}

interface CurationOptions {
  user: string;
  reason: string;
  requestId?: string;
  json?: boolean;
}

/**
 * `merge`, `split`, `duplicates`, `history` and `resolve --all`: the reviewer's corrections of
 * identity resolution and what an operator needs after changing its settings.
 */
export function registerResolutionCommands(program: Command): void {
  const curation = (command: Command): Command =>
    command
      .requiredOption('--user <username>', 'the workbench account (reviewer or admin) acting')
      .requiredOption('--reason <text>', 'why (kept in the audit log)')
      .option('--request-id <uuid>', 'the same id twice records once (default: a new one)', uuid)
      .option('--json', 'as JSON');

  curation(
    program
      .command('merge')
      .description('merge two candidates that are one product; the first keeps its id and decisions')
      .argument('<survivor-id>', 'candidate that lives on', uuid)
      .argument('<absorbed-id>', 'candidate merged into it', uuid),
  ).action(async (survivorId: string, absorbedId: string, options: CurationOptions) => {
    await withApp(
      program,
      async (ctx) => {
        const actor = await actorOf(ctx.db, options.user);
        const result = await mergeAs(ctx, {
          survivorId,
          absorbedId,
          actor,
          reason: options.reason,
          clientRequestId: options.requestId ?? randomUUID(),
        });
        printResult(result, options.json);
      },
      { logLevel: 'warn' },
    );
  });

  curation(
    program
      .command('split')
      .description('move evidence items of a candidate to a new candidate (a different product)')
      .argument('<candidate-id>', 'candidate to split', uuid)
      .requiredOption('--items <ids>', 'evidence item ids that move, separated by commas', itemIds),
  ).action(async (candidateId: string, options: CurationOptions & { items: number[] }) => {
    await withApp(
      program,
      async (ctx) => {
        const actor = await actorOf(ctx.db, options.user);
        const result = await splitAs(ctx, {
          candidateId,
          itemIds: options.items,
          actor,
          reason: options.reason,
          clientRequestId: options.requestId ?? randomUUID(),
        });
        printResult(result, options.json);
      },
      { logLevel: 'warn' },
    );
  });

  program
    .command('duplicates')
    .description('pairs of candidates flagged as possible duplicates, most similar first')
    .option('--json', 'as JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await ctx.db.query<{
            a: string;
            a_name: string;
            b: string;
            b_name: string;
            score: number;
            reason: string;
          }>(
            `select p.candidate_a as a, ca.name as a_name, p.candidate_b as b, cb.name as b_name, p.score, p.reason
             from possible_duplicates p
             join candidates ca on ca.id = p.candidate_a join candidates cb on cb.id = p.candidate_b
             order by p.score desc, ca.name, cb.name`,
          );
          if (options.json) {
            console.log(JSON.stringify(rows.rows, null, 2));
            return;
          }
          console.log(
            table(
              ['likhet', 'kandidat', 'möjlig dubblett', 'skäl'],
              rows.rows.map((r) => [
                r.score.toFixed(2),
                `${oneLine(r.a_name, 30)} ${r.a}`,
                `${oneLine(r.b_name, 30)} ${r.b}`,
                oneLine(r.reason, 50),
              ]),
            ),
          );
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('history')
    .description("a candidate's history: first seen, new sources, certificates, status changes, trials, …")
    .argument('<candidate-id>', 'candidate id', uuid)
    .option('--json', 'as JSON')
    .action(async (candidateId: string, options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await ctx.db.query<{
            kind: HistoryKind;
            occurred_on: string | null;
            created_at: Date;
            source_id: string | null;
            details: Record<string, unknown>;
          }>(
            `select kind, occurred_on, created_at, source_id, details from candidate_history
             where candidate_id = $1 order by coalesce(occurred_on, created_at::date::text), id`,
            [candidateId],
          );
          if (options.json) {
            console.log(JSON.stringify(rows.rows, null, 2));
            return;
          }
          console.log(
            table(
              ['datum', 'händelse', 'källa', 'vad'],
              rows.rows.map((r) => [
                r.occurred_on ?? r.created_at.toISOString().slice(0, 10),
                HISTORY_LABELS[r.kind],
                r.source_id ?? '–',
                oneLine(describeEvent(r.details), 60),
              ]),
            ),
          );
        },
        { logLevel: 'warn' },
      );
    });

  program
    .command('resolve')
    .description(
      're-resolve every stored item with the current resolution settings (merges and splits are kept)',
    )
    .requiredOption('--all', 'every stored item (the only mode)')
    .option('--batch <n>', 'items per transaction', (value) => Number(value), 500)
    .action(async (options: { batch: number }) => {
      await withApp(
        program,
        async (ctx) => {
          const items = progressReporter('Matchning', 'poster');
          const rescore = progressReporter('Poängsättning', 'kandidater');
          const result = await resolveAll(ctx, {
            batchSize: options.batch,
            onProgress: {
              items: items.update,
              rescore: (done, total) => {
                if (done === 1) items.done();
                rescore.update(done, total);
              },
            },
          });
          items.done();
          rescore.done();
          console.log(
            `Omprövade ${result.items} poster: ${result.candidates} kandidater (${result.created} nya), ` +
              `${result.rescored} omräknade.`,
          );
        },
        { logLevel: 'warn' },
      );
    });
}
