import type { CandidateView } from '../domain/candidate.js';
import { describeCandidate } from '../domain/candidate.js';
import {
  caseChangeAlerts,
  caseChangeEvent,
  matchSubjectOf,
  nominationEvent,
  scoreEvents,
} from '../domain/alert-events.js';
import type { AdminEventDetails, CaseChange } from '../domain/alert-events.js';
import { matchesAdmin, matchesCandidate, matchesCaseChange } from '../domain/alert-filter.js';
import type { CandidateEventKind, MatchSubject } from '../domain/alert-filter.js';
import type { Band, ScoreResult } from '../domain/score.js';
import type { SourceProfiles } from '../domain/source-profile.js';
import type { Db, Tx } from './db.js';
import { lockKey, withTransaction } from './db.js';
import {
  evidenceStates,
  insertEvent,
  insertEvents,
  insertOutbox,
  lastEvidenceOf,
  matchableSubscriptions,
} from './alerts.js';
import type { MatchableSubscription, NewEvent, OutboxInsert } from './alerts.js';
import { loadCandidate } from './candidates.js';
import { loadEvidence, sha256 } from './items.js';
import { loadScore } from './scores.js';

/**
 * Alert events, recorded in the transaction of what caused them (a score, a nomination, a case's
 * change) together with the outbox rows of the subscriptions they match, or derived from a
 * completed run by the relay. Which events a change gives is the domain's decision
 * (src/domain/alert-events.ts); a re-run finds the same state and records nothing.
 */

interface RecordedEvent {
  id: string;
  kind: CandidateEventKind;
}

/**
 * One outbox row per subscription: the most significant of the events that it wants and whose
 * candidate it matches (a new candidate over a raised band over new evidence), so one score
 * never alerts one subscriber twice.
 */
function outboxRows(
  subscriptions: MatchableSubscription[],
  events: RecordedEvent[],
  subject: MatchSubject,
  candidateId: string,
  runId: string | null,
): OutboxInsert[] {
  const rows: OutboxInsert[] = [];
  for (const s of subscriptions) {
    const event = events.find((e) => s.filter.events.includes(e.kind));
    if (event === undefined || !matchesCandidate(s.filter, subject)) continue;
    rows.push({ subscriptionId: s.id, eventId: event.id, channel: s.channel, candidateId, runId });
  }
  return rows;
}

export interface ScoreEventInput {
  runId: string | null;
  /** What the score transaction stored (src/workers/score.ts `scoreAndStore`). */
  stored: StoredScoreOfEvents;
}

/** A score as the score transaction stored it, what its events are made from. */
export interface StoredScoreOfEvents {
  candidateId: string;
  scoreId: string;
  result: ScoreResult;
  view: CandidateView;
}

/** {@link recordScoresEvents} for one score (a nomination from outside). */
export async function recordScoreEvents(tx: Tx, input: ScoreEventInput): Promise<void> {
  await recordScoresEvents(tx, input.runId, [input.stored]);
}

/**
 * Called inside the score transaction, after the scores are stored and under the candidates'
 * locks: records what changed for each candidate (the first score, a band higher than the
 * previous current score's, evidence that differs from what the last event saw) and the outbox
 * rows of the subscriptions it matches. A page of scores costs a fixed number of statements: the
 * alert states (read and written in one), the evidence states, the last events' evidence, and
 * when there are any the events, the subscriptions and the outbox rows. The candidates are
 * distinct (one alert state each).
 */
export async function recordScoresEvents(
  tx: Tx,
  runId: string | null,
  stored: readonly StoredScoreOfEvents[],
): Promise<void> {
  if (stored.length === 0) return;
  const ids = stored.map((one) => one.candidateId);
  // The states before these scores, read in the statement that records the new ones.
  const previous = await tx.query<{ candidate_id: string; score_id: string; band: Band }>(
    `with input as (
       select * from unnest($1::uuid[], $2::bigint[], $3::text[]) as i(candidate_id, score_id, band)),
     previous as (
       select s.candidate_id, s.score_id, s.band from alert_candidate_state s join input using (candidate_id)),
     recorded as (
       insert into alert_candidate_state (candidate_id, score_id, band)
       select candidate_id, score_id, band from input
       on conflict (candidate_id) do update set score_id = excluded.score_id, band = excluded.band, updated_at = now()
       where (alert_candidate_state.score_id, alert_candidate_state.band)
             is distinct from (excluded.score_id, excluded.band))
     select candidate_id, score_id, band from previous`,
    [ids, stored.map((one) => one.scoreId), stored.map((one) => one.result.band)],
  );
  const before = new Map(previous.rows.map((row) => [row.candidate_id, row]));
  const states = await evidenceStates(tx, ids);
  const lastEvidence = await lastEvidenceOf(tx, ids);
  const planned = stored.flatMap((one) => {
    const state = states.get(one.candidateId) ?? [];
    const fingerprint = sha256(state.join(',')).slice(0, 20);
    const was = before.get(one.candidateId);
    return scoreEvents(
      one.view,
      one.result,
      one.scoreId,
      { state, fingerprint },
      {
        previous: was && { scoreId: was.score_id, band: was.band },
        last: lastEvidence.get(one.candidateId),
      },
    ).map((event) => ({
      one,
      kind: event.kind,
      event: {
        key: event.key,
        kind: event.kind,
        candidateId: one.view.id,
        runId,
        scoreId: one.scoreId,
        fingerprint,
        state,
        details: event.details,
      } satisfies NewEvent,
    }));
  });
  const created = await insertEvents(
    tx,
    planned.map((p) => p.event),
  );
  if (created.size === 0) return;
  const subscriptions = await matchableSubscriptions(tx);
  const rows = stored.flatMap((one) => {
    const recorded = planned.flatMap((p): RecordedEvent[] => {
      const id = p.one === one ? created.get(p.event.key) : undefined;
      return id === undefined ? [] : [{ id, kind: p.kind }];
    });
    if (recorded.length === 0) return [];
    return outboxRows(subscriptions, recorded, matchSubjectOf(one.view, one.result), one.view.id, runId);
  });
  await insertOutbox(tx, rows);
}

export interface NominationEventInput {
  runId: string | null;
  candidate: CandidateView;
  result: ScoreResult;
  scoreId: string;
  nominationId: string;
  reportVersion: number;
}

/** Called inside the report transaction that puts a new report version on the nomination queue. */
export async function recordNominationEvent(tx: Tx, input: NominationEventInput): Promise<void> {
  const { candidate, result } = input;
  const event = nominationEvent(candidate, result, input.nominationId, input.reportVersion);
  const id = await insertEvent(tx, {
    key: event.key,
    kind: event.kind,
    candidateId: candidate.id,
    runId: input.runId,
    scoreId: input.scoreId,
    details: event.details,
  });
  if (id === undefined) return;
  const subscriptions = await matchableSubscriptions(tx);
  await insertOutbox(
    tx,
    outboxRows(
      subscriptions,
      [{ id, kind: event.kind }],
      matchSubjectOf(candidate, result),
      candidate.id,
      input.runId,
    ),
  );
}

/**
 * Called in the transaction that records a case's change: one `case-changed` event of the case's
 * candidate, and one outbox row for each subscription that follows it (the nominating parties'
 * own subscriptions, and those whose conditions match the candidate). Each outbox row is its own
 * message, so every change reaches a subscriber exactly once, never folded into another change.
 */
export async function recordCaseChangeEvent(
  tx: Tx,
  change: CaseChange,
  sourceProfiles: SourceProfiles,
): Promise<void> {
  if (!caseChangeAlerts(change)) return;
  const row = await loadCandidate(tx, change.candidateId);
  if (!row) return;
  const score = row.current_score_id ? (await loadScore(tx, row.current_score_id))?.result : undefined;
  const view = describeCandidate(row.id, row.resolved_name, await loadEvidence(tx, row.id), sourceProfiles);
  const { event, result } = caseChangeEvent(change, view, score);
  const id = await insertEvent(tx, {
    key: event.key,
    kind: event.kind,
    candidateId: row.id,
    runId: null,
    details: event.details,
  });
  if (id === undefined) return;
  const subject = matchSubjectOf(view, result);
  const rows: OutboxInsert[] = (await matchableSubscriptions(tx))
    .filter((s) => matchesCaseChange(s.filter, change.caseNumber, subject))
    // No candidate on the row: the relay makes one message per row without a candidate.
    .map((s) => ({ subscriptionId: s.id, eventId: id, channel: s.channel, candidateId: null, runId: null }));
  await insertOutbox(tx, rows);
}

/**
 * Operator events of a completed run, derived once per run by the relay: each source that broke
 * in this run (and was not already broken in the run before), and the run as failed when a source
 * failed in transport or a job other than fetch/parse failed for good.
 */
export async function recordRunEvents(db: Db, runId: string): Promise<number> {
  return withTransaction(db, async (tx) => {
    await lockKey(tx, `alerts run ${runId}`);
    const first = await tx.query(
      'insert into alert_runs_checked (run_id) values ($1) on conflict do nothing returning run_id',
      [runId],
    );
    if (first.rows.length === 0) return 0;
    const run = (
      await tx.query<{ trigger: string; finished_at: Date | null }>(
        'select trigger, finished_at from runs where id = $1',
        [runId],
      )
    ).rows[0];
    if (!run) return 0;
    const sources = await tx.query<{
      source_id: string;
      status: string;
      error_kind: string | null;
      error_message: string | null;
      before: string | null;
    }>(
      `select rs.source_id, rs.status, rs.error_kind, rs.error_message,
              (select p.status from run_sources p join runs pr on pr.id = p.run_id
                where p.source_id = rs.source_id and pr.status = 'completed' and pr.id <> rs.run_id
                  and pr.finished_at < coalesce($2, now())
                order by pr.finished_at desc limit 1) as before
       from run_sources rs where rs.run_id = $1 and rs.status in ('broken', 'failed') order by rs.source_id`,
      [runId, run.finished_at],
    );
    const failedJobs = (
      await tx.query<{ n: number }>(
        `select count(*)::int as n from run_jobs where run_id = $1 and failed and queue not in ('fetch', 'parse')`,
        [runId],
      )
    ).rows[0]!.n;
    const common = { runId, trigger: run.trigger, finishedAt: run.finished_at?.toISOString() ?? null };
    // Only subscriptions that existed when the run ended: a new subscriber gets no old news.
    const matchable = await matchableSubscriptions(tx, run.finished_at);
    const rows: OutboxInsert[] = [];
    const add = (eventId: string, kind: 'source-broken' | 'run-failed', sourceId?: string): void => {
      for (const s of matchable) {
        if (matchesAdmin(s.filter, kind, sourceId)) {
          rows.push({ subscriptionId: s.id, eventId, channel: s.channel, candidateId: null, runId });
        }
      }
    };
    let recorded = 0;
    for (const source of sources.rows.filter((s) => s.status === 'broken' && s.before !== 'broken')) {
      // eslint-disable-next-line no-await-in-loop
      const id = await insertEvent(tx, {
        key: `source-broken ${runId} ${source.source_id}`,
        kind: 'source-broken',
        candidateId: null,
        runId,
        sourceId: source.source_id,
        details: {
          ...common,
          sourceId: source.source_id,
          errorKind: source.error_kind,
          errorMessage: source.error_message,
        } satisfies AdminEventDetails,
      });
      if (id !== undefined) {
        recorded++;
        add(id, 'source-broken', source.source_id);
      }
    }
    const failedSources = sources.rows.filter((s) => s.status === 'failed');
    if (failedSources.length > 0 || failedJobs > 0) {
      const id = await insertEvent(tx, {
        key: `run-failed ${runId}`,
        kind: 'run-failed',
        candidateId: null,
        runId,
        details: {
          ...common,
          failedSources: failedSources.map((s) => ({
            sourceId: s.source_id,
            errorKind: s.error_kind,
            errorMessage: s.error_message,
          })),
          failedJobs,
        } satisfies AdminEventDetails,
      });
      if (id !== undefined) {
        recorded++;
        add(id, 'run-failed');
      }
    }
    await insertOutbox(tx, rows);
    return recorded;
  });
}

/** Completed runs not yet checked for operator events (recent ones only: older runs are history). */
export async function runsToCheck(db: Db): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    `select r.id from runs r
     where r.status = 'completed' and r.finished_at > now() - interval '7 days'
       and not exists (select 1 from alert_runs_checked c where c.run_id = r.id)
     order by r.finished_at limit 100`,
  );
  return result.rows.map((r) => r.id);
}
