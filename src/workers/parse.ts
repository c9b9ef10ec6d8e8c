import type { StageContext } from './context.js';
import { HorisontError } from '../domain/errors.js';
import { RawItem } from '../domain/item.js';
import { withDetectedLanguage } from '../domain/language.js';
import { jobId } from '../queue/names.js';
import type { StageDefinition } from '../queue/pipeline.js';
import { readDocument } from '../sources/read.js';
import { invalidCanary, recordCanaries, usualLackingShare } from '../store/health.js';
import { ingestPage } from '../store/holds.js';
import { sourceForRun } from '../store/run-sources.js';
import { settleSource } from '../store/runs.js';
import type { SettleInput } from '../store/runs.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { resolveJobs } from './resolve.js';
import { storedItemKeys } from '../store/items.js';
import type { Tx } from '../store/db.js';
import { loadSnapshot, markSnapshotParsed, readRequestKeys } from '../store/snapshots.js';
import type { DetailRequest, FetchRequest } from '../sources/types.js';

/**
 * Ends one of a source's request chains in a run (see `settleSource`): the source's deferred
 * items that the re-key guard lets through go on to resolution.
 */
export async function settleSourceChain(tx: Tx, input: SettleInput): Promise<PlannedJob[]> {
  const stored = await settleSource(tx, input);
  return resolveJobs(input.runId, `deferred-${input.runId}-${input.sourceId}`, stored);
}

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
 * The detail documents to read for a page: those of items stored now (not new items the re-key
 * guard holds) whose request, which names the listed version, was never read. A detail that
 * failed is asked for again by the next scan, whether or not the listing changed.
 */
async function detailsToRead(tx: Tx, sourceId: string, details: DetailRequest[]): Promise<FetchRequest[]> {
  if (details.length === 0) return [];
  const stored = await storedItemKeys(
    tx,
    sourceId,
    details.map((detail) => detail.itemKey),
  );
  const read = await readRequestKeys(
    tx,
    sourceId,
    details.map((detail) => detail.request.key),
  );
  return details
    .filter((detail) => stored.has(detail.itemKey) && !read.has(detail.request.key))
    .map((detail) => detail.request);
}

/**
 * Parses a stored snapshot with the source's adapter (through `readDocument`: sanitised items,
 * the drift check against the source's usual share), stores new and changed items, plans their
 * resolution, plans the detail documents its items need, and either follows the next page or ends
 * the source's chain for this run. New items of a page that looks re-keyed wait for the end of the
 * source's scan (src/store/holds.ts).
 */
export function parseStage(ctx: Pick<StageContext, 'config' | 'db'>): StageDefinition<'parse'> {
  const guards = ctx.config.guards;
  return {
    concurrency: 2,
    handle: async (data, job) => {
      // With the run's option overrides (a backfill's page limit).
      const source = await sourceForRun(ctx.db, ctx.config.sources, data.runId, data.sourceId);
      const snapshot = await loadSnapshot(ctx.db, data.snapshotId);
      if (!snapshot) {
        throw new HorisontError('internal', `parse(${source.id}): snapshot ${data.snapshotId} missing`);
      }
      const usualShare = source.adapter.recordFields
        ? await usualLackingShare(ctx.db, source.id, data.runId)
        : undefined;
      const result = readDocument(source.adapter, snapshot.document, source, {
        usualShare,
        settings: guards.drift,
      });
      const items = validateItems(source.id, result.items);
      const canaryProblem = result.canaries ? invalidCanary(result.canaries) : undefined;
      if (canaryProblem) throw new HorisontError('schema', `parse(${source.id}): invalid ${canaryProblem}`);
      const details = result.details ?? [];
      await job.commit(async (tx) => {
        let notes: string[] = [];
        let deferred = 0;
        // A re-run after a crash reuses what the first pass recorded, so it plans the same jobs.
        let changed = snapshot.parsed;
        if (!changed) {
          if (snapshot.unchanged) {
            changed = { newIds: [], changedIds: [] };
          } else {
            // A listed item a detail document completes stays as the detail left it (even on a
            // replay); a new one is stored in its listed form until its detail is read.
            const keepStored =
              details.length === 0
                ? undefined
                : await storedItemKeys(
                    tx,
                    source.id,
                    details.map((detail) => detail.itemKey),
                  );
            const ingested = await ingestPage(tx, {
              runId: data.runId,
              sourceId: source.id,
              snapshotId: snapshot.id,
              requestKey: snapshot.document.request.key,
              items,
              settings: guards.rekey,
              ...(keepStored ? { keepStored } : {}),
            });
            changed = { newIds: ingested.newIds, changedIds: ingested.changedIds };
            deferred = ingested.deferred;
          }
          await markSnapshotParsed(tx, snapshot.id, {
            itemsSeen: items.length,
            newIds: changed.newIds,
            changedIds: changed.changedIds,
            itemKeys: items.map((item) => item.itemKey),
            census: result.census,
          });
          if (result.canaries) notes = await recordCanaries(tx, source.id, data.runId, result.canaries);
        }
        const next = resolveJobs(data.runId, snapshot.id, changed);
        const nextPage = data.replay ? undefined : result.next;
        if (nextPage) {
          next.push({
            queue: 'fetch',
            jobId: jobId('fetch', data.runId, source.id, nextPage.key),
            data: { runId: data.runId, sourceId: source.id, request: nextPage, page: data.page + 1 },
          });
        }
        const detailFetches = data.replay ? [] : await detailsToRead(tx, source.id, details);
        for (const request of detailFetches) {
          next.push({
            queue: 'fetch',
            jobId: jobId('fetch', data.runId, source.id, request.key),
            data: { runId: data.runId, sourceId: source.id, request, page: data.page },
          });
        }
        // Each detail is a request chain of its own; the last chain to end settles the source.
        if (!nextPage && detailFetches.length === 0) {
          next.push(
            ...(await settleSourceChain(tx, {
              runId: data.runId,
              sourceId: source.id,
              jobId: job.jobId,
              rekey: guards.rekey,
            })),
          );
        }
        job.log.info(
          {
            snapshot_id: snapshot.id,
            items: items.length,
            new: changed.newIds.length,
            changed: changed.changedIds.length,
            ...(deferred > 0 ? { deferred } : {}),
            ...(detailFetches.length > 0 ? { details: detailFetches.length } : {}),
          },
          'parse: done',
        );
        for (const note of notes) job.log.warn({ snapshot_id: snapshot.id, note }, 'parse: source note');
        return next;
      });
    },
    onFinalFailure: (tx, data, failure, jobId) =>
      settleSourceChain(tx, {
        runId: data.runId,
        sourceId: data.sourceId,
        jobId,
        failure,
        rekey: guards.rekey,
      }),
  };
}
