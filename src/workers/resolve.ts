import type { AppContext } from '../app/context.js';
import { identitiesOf } from '../domain/identity.js';
import { jobId } from '../queue/names.js';
import type { StageDefinition } from '../queue/pipeline.js';
import type { PlannedJob } from '../store/runs.js';
import { linkIdentity, lockIdentityKeys } from '../store/candidates.js';
import { evidenceFingerprint, loadItems } from '../store/items.js';

/**
 * Turns new and changed items into candidates: exact identifiers first, then normalised product
 * names. Keys are locked for the transaction, so concurrent workers converge on one candidate.
 */
export function resolveStage(_ctx: AppContext): StageDefinition<'resolve'> {
  return {
    concurrency: 4,
    handle: async (data, job) => {
      await job.commit(async (tx) => {
        const items = await loadItems(tx, data.itemIds);
        const identities = items.map((stored) => ({
          stored,
          identities: identitiesOf(stored.sourceId, stored.item),
        }));
        await lockIdentityKeys(
          tx,
          identities.flatMap((entry) => entry.identities.flatMap((identity) => identity.keys)),
        );
        const touched = new Set<string>();
        for (const { stored, identities: forItem } of identities) {
          for (const identity of forItem) {
            // Sequential: each link may create the candidate the next identity links to.
            // The councils' own lists mark products as handled; they never create a candidate.
            const mayCreate = stored.item.kind !== 'council-decision';
            // eslint-disable-next-line no-await-in-loop
            const link = await linkIdentity(tx, identity, stored.id, data.runId, { mayCreate });
            if (link.candidateId === undefined) continue;
            touched.add(link.candidateId);
            if (link.conflicts.length > 0) {
              job.log.warn(
                { candidate_id: link.candidateId, possible_duplicates: link.conflicts, item_id: stored.id },
                'resolve: identity keys point at several candidates',
              );
            }
          }
        }
        const next: PlannedJob[] = [];
        for (const candidateId of [...touched].sort()) {
          // One query at a time: a transaction's client runs queries in sequence anyway.
          const fingerprint = await evidenceFingerprint(tx, candidateId); // eslint-disable-line no-await-in-loop
          next.push({
            queue: 'score',
            jobId: jobId('score', data.runId, candidateId, fingerprint),
            data: { runId: data.runId, candidateId },
          });
        }
        return next;
      });
    },
  };
}
