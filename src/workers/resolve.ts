import type { AppContext } from '../app/context.js';
import { identitiesOf } from '../domain/identity.js';
import type { ItemIdentity } from '../domain/identity.js';
import type { HorisontConfig } from '../config/load.js';
import { canonicalManufacturer } from '../domain/manufacturers.js';
import type { Logger } from '../log.js';
import { jobId } from '../queue/names.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { Tx } from '../store/db.js';
import type { PlannedJob } from '../store/runs.js';
import { evidenceFingerprints, loadItems } from '../store/items.js';
import type { ResolvableItem } from '../store/resolution.js';
import { resolutionLocks, resolveIdentity, takeLocks } from '../store/resolution.js';

export interface ResolveOutcome {
  /** Candidates whose evidence may have changed: they are scored next. */
  touched: string[];
  /** Candidates created by this call. */
  created: string[];
}

/**
 * Resolves stored items to candidates in one transaction: every key and block the items touch is
 * locked first (one global order), then each identity is linked — exact keys, then similar
 * names in its blocks — merging candidates the item shows to be one product. The resolve
 * stage, `horisont resolve --all` and the linkage evaluation all go through here.
 */
export async function resolveItems(
  tx: Tx,
  items: ResolvableItem[],
  config: Pick<HorisontConfig, 'resolution' | 'manufacturers'>,
  runId: string,
  log?: Logger,
): Promise<ResolveOutcome> {
  const settings = config.resolution;
  const manufacturerKey = (name: string): string => canonicalManufacturer(name, config.manufacturers);
  const ctx = { settings, manufacturerKey, runId };
  const resolved: Array<{ stored: ResolvableItem; identities: ItemIdentity[] }> = items.map((stored) => ({
    stored,
    identities: identitiesOf(stored.sourceId, stored.item),
  }));
  await takeLocks(
    tx,
    resolutionLocks(
      resolved.flatMap((entry) => entry.identities),
      manufacturerKey,
      settings,
    ),
  );
  const touched = new Set<string>();
  const created: string[] = [];
  for (const { stored, identities } of resolved) {
    for (const identity of identities) {
      // Sequential: each link may create or merge the candidate the next identity links to.
      // The councils' own lists mark products as handled; they never create a candidate.
      const mayCreate = stored.item.kind !== 'council-decision';
      // eslint-disable-next-line no-await-in-loop
      const link = await resolveIdentity(tx, identity, stored, ctx, { mayCreate });
      if (link.candidateId === undefined) continue;
      touched.add(link.candidateId);
      if (link.created) created.push(link.candidateId);
      if (link.merged.length > 0) {
        log?.info(
          { candidate_id: link.candidateId, merged: link.merged, item_id: stored.id },
          'resolve: candidates merged',
        );
      }
      if (link.possibleDuplicates.length > 0) {
        log?.info(
          {
            candidate_id: link.candidateId,
            possible_duplicates: link.possibleDuplicates,
            item_id: stored.id,
          },
          'resolve: possible duplicates flagged',
        );
      }
    }
  }
  return { touched: [...touched].sort(), created };
}

/**
 * Turns new and changed items into candidates; every candidate whose evidence changed is scored
 * next (a history event such as a new certificate or a trial status re-scores it this way).
 */
export function resolveStage(ctx: AppContext): StageDefinition<'resolve'> {
  return {
    concurrency: 4,
    handle: async (data, job) => {
      await job.commit(async (tx) => {
        const items = await loadItems(tx, data.itemIds);
        const { touched } = await resolveItems(tx, items, ctx.config, data.runId, job.log);
        // One statement for all: the job holds its resolution locks until it commits.
        const fingerprints = await evidenceFingerprints(tx, touched);
        return touched.map((candidateId): PlannedJob => ({
          queue: 'score',
          jobId: jobId('score', data.runId, candidateId, fingerprints.get(candidateId)!),
          data: { runId: data.runId, candidateId },
        }));
      });
    },
  };
}
