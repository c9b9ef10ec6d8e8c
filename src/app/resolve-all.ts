import { stockholmDay } from '../domain/dates.js';
import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { withTransaction } from '../store/db.js';
import { countLiveCandidates } from '../store/candidates.js';
import { countItems, itemIdsAfter, loadItems } from '../store/items.js';
import { completeRun, openRun } from '../store/runs.js';
import { resolveItems } from '../workers/resolve.js';
import { scoreAndStore } from '../workers/score.js';
import type { ProgressListener } from './scan-once.js';

export interface ResolveAllResult {
  runId: string;
  items: number;
  /** Candidates that live on (not merged) afterwards. */
  candidates: number;
  created: number;
  /** Candidates whose current score changed. */
  rescored: number;
}

/**
 * Re-resolves every stored item with the current settings (after a threshold or alias change),
 * in-process, in id order and batches of one transaction each; then re-scores every candidate
 * it touched. Links only add or merge: manual pins and separations win, and nothing a reviewer
 * decided is undone. Recorded as a run (trigger `resolve`) so the new candidates have one.
 */
export async function resolveAll(
  ctx: Pick<AppContext, 'db' | 'config' | 'log'>,
  options: { batchSize: number; onProgress?: { items: ProgressListener; rescore: ProgressListener } },
): Promise<ResolveAllResult> {
  const runId = await withTransaction(
    ctx.db,
    async (tx) => (await openRun(tx, `resolve ${randomUUID()}`, 'resolve', [])).runId,
  );
  const total = await countItems(ctx.db);
  const touched = new Set<string>();
  let items = 0;
  let created = 0;
  let after = 0;
  for (;;) {
    // Batches one after another: each may merge candidates the next one links to.
    // eslint-disable-next-line no-await-in-loop
    const batch = await itemIdsAfter(ctx.db, after, options.batchSize);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!;
    // eslint-disable-next-line no-await-in-loop
    const outcome = await withTransaction(ctx.db, async (tx) =>
      resolveItems(tx, await loadItems(tx, batch), ctx.config, runId, ctx.log),
    );
    for (const id of outcome.touched) touched.add(id);
    created += outcome.created.length;
    items += batch.length;
    options.onProgress?.items(items, Math.max(total, items));
  }
  let rescored = 0;
  let scored = 0;
  for (const candidateId of [...touched].sort()) {
    // eslint-disable-next-line no-await-in-loop
    const stored = await withTransaction(ctx.db, (tx) =>
      scoreAndStore(tx, candidateId, ctx.config, stockholmDay(new Date())),
    );
    if (stored?.changed) rescored += 1;
    scored += 1;
    options.onProgress?.rescore(scored, touched.size);
  }
  const live = await countLiveCandidates(ctx.db);
  await completeRun(ctx.db, runId);
  ctx.log.info({ run_id: runId, items, created, rescored }, 'resolve: every stored item re-resolved');
  return { runId, items, candidates: live, created, rescored };
}
