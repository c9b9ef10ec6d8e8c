import type { AppContext } from '../app/context.js';
import { sourceForRun } from '../app/backfill.js';
import { HorisontError } from '../domain/errors.js';
import { RawItem } from '../domain/item.js';
import { withDetectedLanguage } from '../domain/language.js';
import { jobId } from '../queue/names.js';
import type { StageDefinition } from '../queue/pipeline.js';
import { invalidCanary, recordCanaries } from '../store/health.js';
import { settleSource } from '../store/runs.js';
import type { PlannedJob } from '../store/runs.js';
import { upsertItems } from '../store/items.js';
import { loadSnapshot, markSnapshotParsed } from '../store/snapshots.js';

/** Items per resolve job: one page of the resolver (src/store/resolution.ts). */
export const RESOLVE_BATCH = 100;

/**
 * Validates every item; one invalid item means the source drifted, so the page fails as a whole.
 * An item the adapter left without a language gets the one its text is written in.
 */
function validateItems(sourceId: string, items: unknown[]): RawItem[] {
  const seen = new Set<string>();
  const valid: RawItem[] = [];
  items.forEach((candidate, index) => {
    const result = RawItem.safeParse(candidate);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new HorisontError(
        'schema',
        `parse(${sourceId}): item ${index} invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      );
    }
    // The first occurrence wins: sources repeat pinned items on a page.
    if (seen.has(result.data.itemKey)) return;
    seen.add(result.data.itemKey);
    valid.push(withDetectedLanguage(result.data));
  });
  return valid;
}

/**
 * Parses a stored snapshot with the source's adapter, stores new and changed items, plans their
 * resolution, and either follows the next page or ends the source's chain for this run.
 */
export function parseStage(ctx: AppContext): StageDefinition<'parse'> {
  return {
    concurrency: 2,
    handle: async (data, job) => {
      // With the run's option overrides (a backfill's page limit).
      const source = await sourceForRun(ctx, data.runId, data.sourceId);
      const snapshot = await loadSnapshot(ctx.db, data.snapshotId);
      if (!snapshot) {
        throw new HorisontError('internal', `parse(${source.id}): snapshot ${data.snapshotId} missing`);
      }
      const result = source.adapter.parse(snapshot.document, source);
      const items = validateItems(source.id, result.items);
      const canaryProblem = result.canaries ? invalidCanary(result.canaries) : undefined;
      if (canaryProblem) throw new HorisontError('schema', `parse(${source.id}): invalid ${canaryProblem}`);
      await job.commit(async (tx) => {
        let notes: string[] = [];
        // A re-run after a crash reuses what the first pass recorded, so it plans the same jobs.
        let changed = snapshot.parsed;
        if (!changed) {
          changed = snapshot.unchanged
            ? { newIds: [], changedIds: [] }
            : await upsertItems(tx, source.id, snapshot.id, items);
          await markSnapshotParsed(tx, snapshot.id, items.length, changed.newIds, changed.changedIds);
          if (result.canaries) notes = await recordCanaries(tx, source.id, data.runId, result.canaries);
        }
        const itemIds = [...changed.newIds, ...changed.changedIds].sort((a, b) => a - b);
        const next: PlannedJob[] = [];
        for (let start = 0; start < itemIds.length; start += RESOLVE_BATCH) {
          next.push({
            queue: 'resolve',
            jobId: jobId('resolve', snapshot.id, start / RESOLVE_BATCH),
            data: { runId: data.runId, itemIds: itemIds.slice(start, start + RESOLVE_BATCH) },
          });
        }
        if (result.next && !data.replay) {
          next.push({
            queue: 'fetch',
            jobId: jobId('fetch', data.runId, source.id, result.next.key),
            data: { runId: data.runId, sourceId: source.id, request: result.next, page: data.page + 1 },
          });
        } else {
          await settleSource(tx, data.runId, source.id, job.jobId);
        }
        job.log.info(
          {
            snapshot_id: snapshot.id,
            items: items.length,
            new: changed.newIds.length,
            changed: changed.changedIds.length,
          },
          'parse: done',
        );
        for (const note of notes) job.log.warn({ snapshot_id: snapshot.id, note }, 'parse: source note');
        return next;
      });
    },
    onFinalFailure: (tx, data, failure, jobId) => settleSource(tx, data.runId, data.sourceId, jobId, failure),
  };
}
