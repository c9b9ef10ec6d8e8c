import type { StageContext } from './context.js';
import type { HorisontConfig } from '../config/load.js';
import { canonicalManufacturer, relatedManufacturers } from '../domain/manufacturers.js';
import type { ResolverContext } from '../domain/resolver.js';
import type { Logger } from '../log.js';
import { jobId } from '../queue/names.js';
import { planScoreJobs } from './score.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { Tx } from '../store/db.js';
import { lockKey } from '../store/db.js';
import { COUNCIL_LISTS_LOCK, candidatesNamedByListEntries } from '../store/cases.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { evidenceFingerprints, loadItems } from '../store/items.js';
import type { UpsertedItems } from '../store/items.js';
import type { ResolvableItem, ResolveOutcome } from '../store/resolution.js';
import { resolvePage } from '../store/resolution.js';

export type { ResolveOutcome };

/** Items per resolve job: one page of the resolver (src/store/resolution.ts). */
export const RESOLVE_BATCH = 100;

/**
 * The resolve jobs for stored items that are new or changed: RESOLVE_BATCH items to a job, in id
 * order. `label` (a snapshot, a source's deferred items, a released hold) keeps the ids of
 * different batches apart and the same batch's ids the same when a job runs again.
 */
export function resolveJobs(runId: string, label: string | number, stored: UpsertedItems): PlannedJob[] {
  const ids = [...stored.newIds, ...stored.changedIds].sort((a, b) => a - b);
  const jobs: PlannedJob[] = [];
  for (let start = 0; start < ids.length; start += RESOLVE_BATCH) {
    jobs.push({
      queue: 'resolve',
      jobId: jobId('resolve', label, start / RESOLVE_BATCH),
      data: { runId, itemIds: ids.slice(start, start + RESOLVE_BATCH) },
    });
  }
  return jobs;
}

const contexts = new WeakMap<object, ResolverContext>();

/** The resolver's view of the configuration, built once per loaded configuration. */
export function resolverContext(
  config: Pick<HorisontConfig, 'resolution' | 'manufacturers'>,
): ResolverContext {
  let ctx = contexts.get(config);
  if (ctx === undefined) {
    // A registry repeats each company thousands of times: its key is computed once.
    const keys = new Map<string, string>();
    const manufacturers = config.manufacturers;
    ctx = {
      settings: config.resolution,
      manufacturerKey: (name) => {
        let key = keys.get(name);
        if (key === undefined) {
          key = canonicalManufacturer(name, manufacturers);
          if (keys.size >= 100_000) keys.clear();
          keys.set(name, key);
        }
        return key;
      },
      relatedMakers: (a, b) => relatedManufacturers(a, b, manufacturers),
    };
    contexts.set(config, ctx);
  }
  return ctx;
}

/**
 * Resolves stored items to candidates in one transaction, as one page: every identifier and
 * block the items touch is locked first (one global order), looked up in one statement, decided
 * in the domain (src/domain/resolver.ts) and written set-based. The resolve stage,
 * `horisont resolve --all`, the linkage evaluation and the W3 benchmark all go through here.
 */
export async function resolveItems(
  tx: Tx,
  items: ResolvableItem[],
  config: Pick<HorisontConfig, 'resolution' | 'manufacturers'>,
  runId: string,
  log?: Logger,
): Promise<ResolveOutcome> {
  const outcome = await resolvePage(tx, items, { ...resolverContext(config), runId });
  for (const merge of outcome.decision.merges) {
    log?.info({ candidate_id: merge.survivor, merged: merge.absorbed }, 'resolve: candidates merged');
  }
  if (outcome.flagged > 0) {
    log?.info({ possible_duplicates: outcome.flagged }, 'resolve: possible duplicates flagged');
  }
  return {
    touched: outcome.touched,
    created: outcome.created,
    comparisons: outcome.comparisons,
    merged: outcome.merged,
    flagged: outcome.flagged,
    fullBlocks: outcome.fullBlocks,
  };
}

/** How many resolve jobs a worker process runs at once. */
export const RESOLVE_CONCURRENCY = 4;

/**
 * One resolve job: the page's items resolved, and a score job planned for every candidate whose
 * evidence changed (a history event such as a new certificate or a trial status re-scores it
 * this way). The W3 benchmark runs this very function.
 */
export async function resolveJob(
  tx: Tx,
  itemIds: number[],
  config: Pick<HorisontConfig, 'resolution' | 'manufacturers'>,
  runId: string,
  log?: Logger,
): Promise<{ planned: PlannedJob[]; outcome: ResolveOutcome }> {
  const items = await loadItems(tx, itemIds);
  const listed = items.filter((item) => item.item.kind === 'council-decision').map((item) => item.id);
  // A changed council list entry changes the process status of the products it names: taken
  // before resolving, the lock keeps any score job from reading the lists until this commits.
  if (listed.length > 0) await lockKey(tx, COUNCIL_LISTS_LOCK);
  const outcome = await resolveItems(tx, items, config, runId, log);
  // One statement for all: the job holds its resolution locks until it commits.
  const fingerprints = await evidenceFingerprints(tx, outcome.touched);
  const planned = await planScoreJobs(
    tx,
    runId,
    outcome.touched.map((id) => ({ id, basis: fingerprints.get(id)! })),
  );
  if (listed.length > 0) {
    const touched = new Set(outcome.touched);
    const named = (await candidatesNamedByListEntries(tx, listed)).filter((id) => !touched.has(id));
    const basis = `list ${listed.join('.')}`;
    planned.push(
      ...(await planScoreJobs(
        tx,
        runId,
        named.map((id) => ({ id, basis })),
      )),
    );
  }
  return { planned, outcome };
}

/** Turns new and changed items into candidates; every candidate whose evidence changed is scored next. */
export function resolveStage(ctx: Pick<StageContext, 'config'>): StageDefinition<'resolve'> {
  return {
    concurrency: RESOLVE_CONCURRENCY,
    handle: async (data, job) => {
      await job.commit(
        async (tx) => (await resolveJob(tx, data.itemIds, ctx.config, data.runId, job.log)).planned,
      );
    },
  };
}
