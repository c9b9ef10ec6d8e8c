import type { Db, Tx } from './db.js';
import { nominationPayload } from '../domain/nomination.js';
import type { NominationFacts } from '../domain/nomination.js';

/**
 * The nominations table: the outbox of the public nomination queue. A row is written in the
 * transaction that nominates, with its payload complete; it is pushed onto the queue after the
 * commit and marked enqueued once the queue has it (src/queue/nomination.ts).
 */

export interface NominationInput {
  facts: NominationFacts;
  /** The queue entry's id, made from the nomination's id (deterministic, so a push is repeatable). */
  queueJobId: (nominationId: string) => string;
  /** The same id twice is one nomination (a retried CLI call or request). */
  clientRequestId?: string | undefined;
}

/**
 * Writes a nomination with its payload (src/domain/nomination.ts) in the caller's transaction.
 * `created` is false when the client request id was used already, by a concurrent request
 * that won the race.
 */
export async function insertNomination(
  tx: Tx,
  input: NominationInput,
): Promise<{ nominationId: string; created: boolean }> {
  const { facts } = input;
  const nominationId = (
    await tx.query<{ id: string }>(`select nextval(pg_get_serial_sequence('nominations', 'id'))::text as id`)
  ).rows[0]!.id;
  const inserted = await tx.query(
    `insert into nominations (id, candidate_id, report_id, origin, nominated_by, reason, queue_job_id, payload,
                              client_request_id, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (client_request_id) do nothing`,
    [
      nominationId,
      facts.candidate.id,
      facts.report?.id ?? null,
      facts.origin,
      facts.nominatedBy,
      facts.reason,
      input.queueJobId(nominationId),
      JSON.stringify(nominationPayload(nominationId, facts)),
      input.clientRequestId ?? null,
      facts.nominatedAt,
    ],
  );
  return { nominationId, created: (inserted.rowCount ?? 0) > 0 };
}

/** The nomination a client request id made, if any. */
export async function nominationOfRequest(
  tx: Tx,
  clientRequestId: string,
): Promise<{ id: string; candidateId: string } | undefined> {
  const row = (
    await tx.query<{ id: string; candidate_id: string }>(
      'select id, candidate_id from nominations where client_request_id = $1',
      [clientRequestId],
    )
  ).rows[0];
  return row ? { id: row.id, candidateId: row.candidate_id } : undefined;
}

export interface PendingNomination {
  id: string;
  queueJobId: string;
  payload: unknown;
}

/** Nominations the queue has not confirmed yet (of one candidate, or all), oldest first. */
export async function pendingNominations(db: Db, candidateId?: string): Promise<PendingNomination[]> {
  const pending = await db.query<{ id: string; queue_job_id: string; payload: unknown }>(
    `select id, queue_job_id, payload from nominations
     where enqueued_at is null and ($1::uuid is null or candidate_id = $1) order by id`,
    [candidateId ?? null],
  );
  return pending.rows.map((row) => ({ id: row.id, queueJobId: row.queue_job_id, payload: row.payload }));
}

export async function markNominationEnqueued(db: Db, nominationId: string): Promise<void> {
  await db.query('update nominations set enqueued_at = now() where id = $1', [nominationId]);
}
