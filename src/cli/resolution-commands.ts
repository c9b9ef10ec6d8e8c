import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { mergeAs, splitAs } from '../app/curation.js';
import type { CurationResult } from '../app/curation.js';
import { resolveAll } from '../app/resolve-all.js';
import { HISTORY_LABELS } from '../domain/history.js';
import { label } from '../domain/labels.js';
import type { Db } from '../store/db.js';
import { findUserByUsername } from '../store/users.js';
import { candidateExists } from '../store/candidates.js';
import { candidateHistory, possibleDuplicates } from '../store/resolution.js';
import { progressReporter } from './progress.js';
import { table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { withApp } from './with-app.js';
import { NotFoundError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('väntade ett uuid');
  return value.toLowerCase();
}

function itemIds(value: string): number[] {
  const ids = value.split(',').map((part) => Number(part.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
    throw new InvalidArgumentError('väntade post-id skilda med kommatecken, t.ex. 12,15');
  }
  return [...new Set(ids)];
}

/** The CLI acts as a named workbench account, so the audit log says who merged or split. */
export async function actorOf(db: Db, username: string): Promise<{ id: string; name: string; role: string }> {
  const user = await findUserByUsername(db, username);
  if (!user || user.disabled) {
    throw new NotFoundError(`Inget aktivt konto "${username}" (skapa med horisont users add).`);
  }
  return { id: user.id, name: user.displayName, role: user.role };
}

/** A candidate id that names no candidate is an error, not an empty history. */
export async function assertCandidate(db: Db, id: string): Promise<void> {
  if (!(await candidateExists(db, id))) throw new NotFoundError(`Ingen kandidat med id ${id}.`);
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
      .requiredOption(
        '--user <username>',
        'arbetsytans konto (granskare eller administratör) som utför ändringen',
      )
      .requiredOption('--reason <text>', 'varför (sparas i granskningsloggen)')
      .option('--request-id <uuid>', 'samma id två gånger registreras en gång (standard: ett nytt)', uuid)
      .option('--json', 'som JSON');

  curation(
    program
      .command('merge')
      .description(
        'slå ihop två kandidater som är samma produkt; den första behåller sitt id och sina beslut',
      )
      .argument('<survivor-id>', 'kandidaten som finns kvar', uuid)
      .argument('<absorbed-id>', 'kandidaten som slås ihop med den', uuid),
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
      .description('flytta belägg från en kandidat till en ny kandidat (en annan produkt)')
      .argument('<candidate-id>', 'kandidaten som delas upp', uuid)
      .requiredOption('--items <ids>', 'id för beläggen som flyttas, skilda med kommatecken', itemIds),
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
    .description('par av kandidater som kan vara dubbletter, de mest lika först')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          const rows = await possibleDuplicates(ctx.db);
          if (options.json) {
            console.log(JSON.stringify(rows, null, 2));
            return;
          }
          console.log(
            table(
              ['likhet', 'kandidat', 'möjlig dubblett', 'skäl'],
              rows.map((r) => [
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
    .description('en kandidats historik: först sedd, nya källor, certifikat, statusändringar, prövningar, …')
    .argument('<candidate-id>', 'kandidatens id', uuid)
    .option('--json', 'som JSON')
    .action(async (candidateId: string, options: { json?: boolean }) => {
      await withApp(
        program,
        async (ctx) => {
          await assertCandidate(ctx.db, candidateId);
          const rows = await candidateHistory(ctx.db, candidateId);
          if (options.json) {
            console.log(JSON.stringify(rows, null, 2));
            return;
          }
          console.log(
            table(
              ['datum', 'händelse', 'källa', 'vad'],
              rows.map((r) => [
                r.occurred_on ?? r.created_at.toISOString().slice(0, 10),
                HISTORY_LABELS[r.kind],
                label(ctx.config.sourceLabels, r.source_id),
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
      'matcha om varje lagrad post med de aktuella matchningsinställningarna (sammanslagningar och uppdelningar behålls)',
    )
    .requiredOption('--all', 'varje lagrad post (det enda läget)')
    .option('--batch <n>', 'poster per transaktion', (value) => Number(value), 500)
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
