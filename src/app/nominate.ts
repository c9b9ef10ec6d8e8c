import type { AppContext } from './context.js';
import { withTransaction } from '../store/db.js';
import type { Tx } from '../store/db.js';
import { jobId } from '../queue/names.js';
import { NominationPayloadV1 } from '../queue/nomination.js';
import { pushPendingNominations } from '../store/reports.js';
import type { Actor } from '../store/audit.js';
import { BEREDNING_PARTY, CLI_ACTOR, openCaseForNomination } from './cases.js';

export type NominationOrigin = 'region' | 'npo' | 'profession' | 'scan';

export interface NominateInput {
  candidateId: string;
  /**
   * `region`/`npo`/`profession`: asked for by a region, an NPO or a profession; `scan`: chosen by
   * the beredning from the scan.
   */
  origin: NominationOrigin;
  /** Who nominates: "Region Halland", "NPO Endokrina sjukdomar", or the reviewer's name. */
  nominatedBy: string;
  reason?: string | undefined;
  /** The same id twice is one nomination (a retried CLI call or request). */
  clientRequestId?: string | undefined;
}

export class CandidateNotFoundError extends Error {
  constructor(readonly candidateId: string) {
    super(`nominate: no candidate ${candidateId}`);
    this.name = 'CandidateNotFoundError';
  }
}

export class NominationRequestReusedError extends Error {
  constructor(readonly clientRequestId: string) {
    super(`nominate: client request id ${clientRequestId} was already used for another candidate`);
    this.name = 'NominationRequestReusedError';
  }
}

interface ScoreRow {
  total: number;
  band: string;
  council: string;
  criteria_version: string;
}

/**
 * Writes one manual nomination row inside the caller's transaction: the payload carries the
 * candidate's latest early assessment report when there is one (and the score it was built
 * from), otherwise no report and the candidate's current score, if any. Nothing is queued here:
 * the caller pushes after commit, so the queue never holds a nomination the database lost.
 */
export async function createNomination(
  tx: Tx,
  input: NominateInput,
  now: Date = new Date(),
): Promise<{ nominationId: string; created: boolean }> {
  if (input.clientRequestId !== undefined) {
    const existing = (
      await tx.query<{ id: string; candidate_id: string }>(
        'select id, candidate_id from nominations where client_request_id = $1',
        [input.clientRequestId],
      )
    ).rows[0];
    if (existing) {
      if (existing.candidate_id !== input.candidateId) {
        throw new NominationRequestReusedError(input.clientRequestId);
      }
      return { nominationId: existing.id, created: false };
    }
  }
  const candidate = (
    await tx.query<{
      id: string;
      name: string;
      manufacturer: string | null;
      kind: string;
      identifiers: Array<{ scheme: string; value: string }>;
      current_score_id: string | null;
    }>(
      // A nomination of a candidate merged since the list was read goes to the one it lives on in.
      `select id, name, manufacturer, kind, identifiers, current_score_id from candidates
       where id = (select coalesce(merged_into, id) from candidates where id = $1)`,
      [input.candidateId],
    )
  ).rows[0];
  if (!candidate) throw new CandidateNotFoundError(input.candidateId);

  const report = (
    await tx.query<{
      id: string;
      version: number;
      markdown: string;
      json: Record<string, unknown>;
      score_id: string;
    }>(
      `select id, version, markdown, json, score_id from reports where candidate_id = $1
       order by version desc limit 1`,
      [candidate.id],
    )
  ).rows[0];
  const scoreId = report?.score_id ?? candidate.current_score_id;
  const score = scoreId
    ? (
        await tx.query<ScoreRow>('select total, band, council, criteria_version from scores where id = $1', [
          scoreId,
        ])
      ).rows[0]
    : undefined;

  const nominationId = (
    await tx.query<{ id: string }>(`select nextval(pg_get_serial_sequence('nominations', 'id'))::text as id`)
  ).rows[0]!.id;
  const payload = NominationPayloadV1.parse({
    schemaVersion: 1,
    nominationId,
    origin: input.origin,
    nominatedBy: input.nominatedBy,
    reason: input.reason ?? null,
    nominatedAt: now.toISOString(),
    candidate: {
      id: candidate.id,
      name: candidate.name,
      manufacturer: candidate.manufacturer,
      kind: candidate.kind,
      identifiers: candidate.identifiers,
    },
    score: score
      ? {
          total: score.total,
          band: score.band,
          council: score.council,
          criteriaVersion: score.criteria_version,
        }
      : null,
    report: report
      ? { id: report.id, version: report.version, json: report.json, markdown: report.markdown }
      : null,
  });
  const inserted = await tx.query<{ id: string }>(
    `insert into nominations (id, candidate_id, report_id, origin, nominated_by, reason, queue_job_id, payload,
                              client_request_id, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (client_request_id) do nothing
     returning id`,
    [
      nominationId,
      candidate.id,
      report?.id ?? null,
      input.origin,
      input.nominatedBy,
      input.reason ?? null,
      jobId('nomination', candidate.id, 'manual', nominationId),
      JSON.stringify(payload),
      input.clientRequestId ?? null,
      now,
    ],
  );
  if (inserted.rows.length === 0) {
    // A concurrent request with the same client request id won the race.
    return createNomination(tx, input, now);
  }
  return { nominationId, created: true };
}

/** How long a person's request waits for the queue before its nomination is left pending. */
export const PUSH_WAIT_MS = 2_000;

/**
 * Pushes every nomination not yet confirmed on the queue. Failures are logged, not thrown: the
 * rows stay pending and the next push (any nomination, or a report) picks them up. While Redis
 * is down the caller gets `false` after `waitMs` and the push completes in the background when
 * Redis answers again (job ids are deterministic, so a later push of the same rows adds nothing
 * twice).
 */
export async function pushNominations(
  ctx: Pick<AppContext, 'db' | 'log' | 'pipeline'>,
  waitMs = PUSH_WAIT_MS,
): Promise<boolean> {
  const warn = (error: unknown) =>
    ctx.log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'nominate: queue push failed; left pending',
    );
  const done = await waitAtMost(pushPendingNominations(ctx.db, ctx.pipeline.nominations), waitMs, warn);
  if (done === 'waited') {
    ctx.log.warn({ wait_ms: waitMs }, 'nominate: the queue did not answer; left pending');
  }
  return done === 'done';
}

/**
 * Waits for queue work at most `waitMs`. The queue's connection waits for Redis rather than
 * failing, so while Redis is down the work would never return: after the wait the caller goes
 * on and the work completes in the background when Redis answers again (`onError` hears of a
 * failure, then or later).
 */
export async function waitAtMost(
  work: Promise<unknown>,
  waitMs: number,
  onError: (error: unknown) => void,
): Promise<'done' | 'failed' | 'waited'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(resolve, waitMs, 'waited');
  });
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), waited]);
    if (outcome === 'waited') work.catch(onError);
    return outcome;
  } catch (error) {
    onError(error);
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one way a person nominates a candidate (CLI `horisont nominate`, the workbench API).
 * The row is committed first and then pushed onto the public `nominations` queue.
 */
export async function nominateCandidate(
  ctx: AppContext,
  input: NominateInput,
  options: { actor?: Actor; now?: Date } = {},
): Promise<{ nominationId: string; created: boolean; enqueued: boolean; caseNumber?: string }> {
  const now = options.now ?? new Date();
  const result = await withTransaction(ctx.db, async (tx) => {
    const nomination = await createNomination(tx, input, now);
    if (!nomination.created) return nomination;
    const opened = await openCaseForNomination(tx, {
      candidateId: input.candidateId,
      origin: input.origin,
      party: input.origin === 'scan' ? BEREDNING_PARTY : input.nominatedBy,
      reason: input.reason,
      nominationId: nomination.nominationId,
      actor: options.actor ?? CLI_ACTOR,
      now,
      sourceProfiles: ctx.config.sourceProfiles,
    });
    return { ...nomination, caseNumber: opened.caseNumber };
  });
  const enqueued = await pushNominations(ctx);
  ctx.log.info(
    {
      candidate_id: input.candidateId,
      nomination_id: result.nominationId,
      origin: input.origin,
      created: result.created,
      enqueued,
    },
    'nominate: recorded',
  );
  return { ...result, enqueued };
}
