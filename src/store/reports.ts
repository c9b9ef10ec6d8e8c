import type { Db, Tx } from './db.js';
import { NominationPayload } from '../queue/nomination.js';
import type { Queue } from 'bullmq';

export interface PendingNomination {
  id: string;
  queue_job_id: string;
  payload: unknown;
}

/**
 * Pushes nominations whose queue entry is not yet confirmed. The job id is deterministic, so a
 * push repeated after a crash is deduplicated by BullMQ while the entry is retained.
 */
export async function pushPendingNominations(db: Db, queue: Queue, candidateId?: string): Promise<number> {
  const pending = await db.query<PendingNomination>(
    `select id, queue_job_id, payload from nominations
     where enqueued_at is null and ($1::uuid is null or candidate_id = $1) order by id`,
    [candidateId ?? null],
  );
  for (const row of pending.rows) {
    const payload = NominationPayload.parse(row.payload);
    // In id order so consumers see versions in sequence.
    await queue.add('nomination', payload, { jobId: row.queue_job_id }); // eslint-disable-line no-await-in-loop
    await db.query('update nominations set enqueued_at = now() where id = $1', [row.id]); // eslint-disable-line no-await-in-loop
  }
  return pending.rows.length;
}

export interface ReportRow {
  id: string;
  candidate_id: string;
  version: number;
  band: string;
  markdown: string;
  json: Record<string, unknown>;
  created_at: Date;
}

export async function latestReport(db: Db | Tx, candidateId: string): Promise<ReportRow | undefined> {
  return (
    await db.query<ReportRow>(
      `select id, candidate_id, version, band, markdown, json, created_at from reports
       where candidate_id = $1 order by version desc limit 1`,
      [candidateId],
    )
  ).rows[0];
}
