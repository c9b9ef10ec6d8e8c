import type { Queue } from 'bullmq';
import { NominationPayload } from '../domain/nomination.js';
import type { Db } from '../store/db.js';
import { markNominationEnqueued, pendingNominations } from '../store/nominations.js';

/**
 * Pushes nominations whose queue entry is not yet confirmed. The job id is deterministic, so a
 * push repeated after a crash is deduplicated by BullMQ while the entry is retained.
 */
export async function pushPendingNominations(db: Db, queue: Queue, candidateId?: string): Promise<number> {
  const pending = await pendingNominations(db, candidateId);
  for (const row of pending) {
    const payload = NominationPayload.parse(row.payload);
    // In id order so consumers see versions in sequence.
    await queue.add('nomination', payload, { jobId: row.queueJobId }); // eslint-disable-line no-await-in-loop
    await markNominationEnqueued(db, row.id); // eslint-disable-line no-await-in-loop
  }
  return pending.length;
}
