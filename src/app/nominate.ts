import type { AppContext } from './context.js';
import { withTransaction } from '../store/db.js';
import type { Tx } from '../store/db.js';
import { jobId } from '../queue/names.js';
import type { NominationOrigin } from '../domain/nomination.js';
import { pushPendingNominations } from '../queue/nomination.js';
import { loadLiveCandidate } from '../store/candidates.js';
import { insertNomination, nominationOfRequest } from '../store/nominations.js';
import { latestReport } from '../store/reports.js';
import { loadScore } from '../store/scores.js';
import type { Actor } from '../store/audit.js';
import { BEREDNING_PARTY, CLI_ACTOR, openCaseForNomination } from './cases.js';

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
    const existing = await nominationOfRequest(tx, input.clientRequestId);
    if (existing) {
      if (existing.candidateId !== input.candidateId) {
        throw new NominationRequestReusedError(input.clientRequestId);
      }
      return { nominationId: existing.id, created: false };
    }
  }
  // A nomination of a candidate merged since the list was read goes to the one it lives on in.
  const candidate = await loadLiveCandidate(tx, input.candidateId);
  if (!candidate) throw new CandidateNotFoundError(input.candidateId);
  const report = await latestReport(tx, candidate.id);
  const scoreId = report?.score_id ?? candidate.current_score_id;
  const score = scoreId ? await loadScore(tx, scoreId) : undefined;
  const nomination = await insertNomination(tx, {
    facts: {
      origin: input.origin,
      nominatedBy: input.nominatedBy,
      reason: input.reason ?? null,
      nominatedAt: now,
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
            criteriaVersion: score.criteriaVersion,
          }
        : null,
      report: report
        ? { id: report.id, version: report.version, json: report.json, markdown: report.markdown }
        : null,
    },
    queueJobId: (nominationId) => jobId('nomination', candidate.id, 'manual', nominationId),
    clientRequestId: input.clientRequestId,
  });
  // A concurrent request with the same client request id won the race.
  if (!nomination.created) return createNomination(tx, input, now);
  return nomination;
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
