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

/**
 * The input of a nominated candidate's report, hashed: its evidence (each item's source, key and
 * content hash) and the judgement the beredning would read differently (band, stage, the councils'
 * handling), not the criteria version, so raising the version alone never writes a report or
 * nominates again. Computed in one statement, so the run's report step finds the few candidates
 * whose report would change without a job for every nominated candidate, and the report job
 * uses the very same definition.
 */
const REPORT_INPUTS = `
  with nominated as (
    select c.id, s.band, s.result->>'stage' as stage, s.result->>'processStatus' as process_status
    from candidates c join scores s on s.id = c.current_score_id
    where s.nominate and c.merged_into is null and ($1::uuid[] is null or c.id = any($1::uuid[]))),
  hashed as (
    select n.id,
           encode(sha256(convert_to(
             left(encode(sha256(convert_to(coalesce(
               (select string_agg(i.source_id || '/' || i.item_key || '.' || i.content_hash, ','
                                  order by i.source_id, i.item_key)
                from evidence e join source_items i on i.id = e.item_id
                where e.candidate_id = n.id), ''), 'UTF8')), 'hex'), 20)
             || ' ' || n.band || ' ' || n.stage || ' ' || n.process_status, 'UTF8')), 'hex') as input_hash
    from nominated n)
  select h.id, h.input_hash,
         exists (select 1 from reports r where r.candidate_id = h.id and r.input_hash = h.input_hash) as reported
  from hashed h order by h.id`;

interface ReportInput {
  id: string;
  input_hash: string | null;
  reported: boolean;
}

/** The nominated candidates whose report would change: no stored report has their input. */
export async function candidatesDueForReport(tx: Tx): Promise<string[]> {
  const inputs = await tx.query<ReportInput>(REPORT_INPUTS, [null]);
  return inputs.rows.filter((row) => !row.reported).map((row) => row.id);
}

/** The report input hash of a candidate that is nominated now; undefined when it is not. */
export async function reportInputHash(tx: Tx, candidateId: string): Promise<string | undefined> {
  const input = (await tx.query<ReportInput>(REPORT_INPUTS, [[candidateId]])).rows[0];
  return input?.input_hash ?? undefined;
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
