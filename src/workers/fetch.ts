import type { StageContext } from './context.js';
import { HorisontError } from '../domain/errors.js';
import { jobId } from '../queue/names.js';
import { JobDeferral } from '../queue/pipeline.js';
import type { StageDefinition } from '../queue/pipeline.js';
import { SlotDeferred } from '../fetch/http-client.js';
import { markSourceRunning } from '../store/runs.js';
import { settleSourceChain } from './parse.js';
import { sha256 } from '../store/items.js';
import { loadFetchState, saveSnapshot, storedSnapshotId } from '../store/snapshots.js';
import { sourceById } from '../store/run-sources.js';

/**
 * How long a fetch job sleeps for its host's send slot while holding a worker slot. A slot further
 * away is waited for as a delayed job: many requests queued for one polite host (a site's dozens
 * of feeds at one request a second) would otherwise hold every worker slot and stall the fetches
 * of all other hosts. At 2 s, the jobs sleeping for the second and third slots of ten hosts filled
 * the 16 worker slots at the start of a night and the busiest host's first request waited 1.4 s
 * (W5); half a second keeps slots free while a delayed job still wakes well before its slot.
 */
const HOLD_SLOT_MS = 500;

/** Fetches one planned request through the guarded client and stores what came back. */
export function fetchStage(
  ctx: Pick<StageContext, 'config' | 'db' | 'http' | 'onFetched'>,
): StageDefinition<'fetch'> {
  return {
    // Fetch jobs mostly wait on servers and on politeness slots of at most HOLD_SLOT_MS.
    concurrency: 16,
    handle: async (data, job) => {
      const source = sourceById(ctx.config.sources, data.sourceId);
      const parseJob = (snapshotId: number) => ({
        queue: 'parse',
        jobId: jobId('parse', snapshotId),
        data: { runId: data.runId, sourceId: source.id, snapshotId, page: data.page },
      });
      // A job delivered again after its commit (a worker killed before the queue's ack) plans
      // the same parse without fetching the page a second time: a resumed backfill never
      // refetches a page it has stored.
      const stored = await storedSnapshotId(ctx.db, data.runId, source.id, data.request.key);
      if (stored !== undefined) {
        await job.commit(() => Promise.resolve([parseJob(stored)]));
        return;
      }
      const state = await loadFetchState(ctx.db, source.id, data.request.key);
      // Conditional headers only make sense when the body they refer to is stored.
      const conditional = state?.body_hash
        ? {
            ...(state.etag ? { etag: state.etag } : {}),
            ...(state.last_modified ? { lastModified: state.last_modified } : {}),
          }
        : undefined;
      const started = performance.now();
      const outcome = await ctx.http
        .get(data.request.url, {
          ...(conditional ? { conditional } : {}),
          ...(data.request.accept ? { accept: data.request.accept } : {}),
          // Statuses the adapter reads itself (openFDA says "no matches" with a 404).
          ...(source.adapter.acceptStatuses ? { acceptStatuses: source.adapter.acceptStatuses } : {}),
          holdSlotMs: HOLD_SLOT_MS,
          ...(data.slotAt === undefined ? {} : { slotAt: data.slotAt }),
        })
        .catch((error: unknown) => {
          // Back shortly before the slot, so the job is running when it comes.
          if (error instanceof SlotDeferred) {
            throw new JobDeferral<'fetch'>(error.slotAt - HOLD_SLOT_MS / 2, {
              ...data,
              slotAt: error.slotAt,
            });
          }
          throw error;
        });
      let bodyHash: string;
      let body: Buffer | undefined;
      if (outcome.kind === 'not-modified') {
        if (!state?.body_hash) {
          throw new HorisontError('http-4xx', `fetch: unsolicited 304 from ${data.request.url}`);
        }
        bodyHash = state.body_hash;
      } else {
        if (outcome.body.length === 0) {
          throw new HorisontError('empty-body', `fetch: empty body from ${data.request.url}`);
        }
        bodyHash = sha256(outcome.body);
        body = outcome.body;
      }
      ctx.onFetched?.(source.id, body?.length ?? 0);
      const unchanged = outcome.kind === 'not-modified' || bodyHash === state?.body_hash;
      job.log.info(
        {
          url: data.request.url,
          status: outcome.status,
          unchanged,
          duration_ms: Math.round(performance.now() - started),
        },
        'fetch: done',
      );
      await job.commit(async (tx) => {
        await markSourceRunning(tx, data.runId, source.id);
        const snapshotId = await saveSnapshot(tx, {
          runId: data.runId,
          sourceId: source.id,
          request: data.request,
          url: outcome.url,
          status: outcome.status,
          headers: outcome.headers,
          bodyHash,
          ...(body && !unchanged ? { body } : {}),
          unchanged,
          ...(outcome.headers.etag ? { etag: outcome.headers.etag } : {}),
          ...(outcome.headers['last-modified'] ? { lastModified: outcome.headers['last-modified'] } : {}),
        });
        return [parseJob(snapshotId)];
      });
    },
    onFinalFailure: (tx, data, failure, jobId) =>
      settleSourceChain(tx, {
        runId: data.runId,
        sourceId: data.sourceId,
        jobId,
        failure,
        rekey: ctx.config.guards.rekey,
      }),
  };
}
