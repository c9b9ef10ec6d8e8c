import type { CandidateView, EvidenceItem } from '../domain/candidate.js';
import type { Band, ScoreResult } from '../domain/score.js';
import type { Db, Tx } from '../store/db.js';
import { lockKey, withTransaction } from '../store/db.js';
import { sha256 } from '../store/items.js';
import {
  evidenceState,
  insertEvent,
  insertOutbox,
  lastEvidenceOf,
  matchableSubscriptions,
} from '../store/alerts.js';
import type { MatchableSubscription, OutboxInsert } from '../store/alerts.js';
import { bandRank, matchesAdmin, matchesCandidate } from './filter.js';
import type { CandidateEventKind, MatchSubject } from './filter.js';

/** The candidate as an alert shows it: a snapshot taken when the event happened. */
export interface CandidateSnapshot {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  band: Band;
  total: number;
  council: string;
}

export interface EvidenceRef {
  sourceId: string;
  title: string;
  url: string;
  publishedAt: string | null;
}

export interface CandidateEventDetails {
  candidate: CandidateSnapshot;
  /** band-raised: the band before. */
  previousBand?: Band;
  /** The evidence that is new or changed since the previous event (all of it for a new candidate). */
  evidence: EvidenceRef[];
  /** How many evidence items there are in all, and how many are new or changed. */
  evidenceTotal: number;
  evidenceChanged: number;
  /** nominated: the early assessment report version. */
  reportVersion?: number;
  /** case-changed: the case and what changed (its public record, in Swedish). */
  case?: CaseChangeSummary;
}

export interface CaseChangeSummary {
  caseNumber: string;
  title: string;
  status: string;
  statusLabel: string;
  action: string;
  actionLabel: string;
  lines: string[];
  /** Whether the case is on the public list (its public page exists). */
  public: boolean;
}

export interface AdminEventDetails {
  runId: string;
  trigger: string;
  finishedAt: string | null;
  sourceId?: string;
  errorKind?: string | null;
  errorMessage?: string | null;
  failedSources?: Array<{ sourceId: string; errorKind: string | null; errorMessage: string | null }>;
  failedJobs?: number;
}

/** Alerts list at most this many evidence items per event; the candidate page has all of them. */
const MAX_EVIDENCE_LISTED = 10;

export function snapshot(
  candidate: CandidateView,
  result: Pick<ScoreResult, 'band' | 'total' | 'council'>,
): CandidateSnapshot {
  return {
    id: candidate.id,
    name: candidate.name,
    manufacturer: candidate.manufacturer ?? null,
    kind: candidate.kind,
    band: result.band,
    total: result.total,
    council: result.council,
  };
}

function evidenceRef(e: EvidenceItem): EvidenceRef {
  return { sourceId: e.sourceId, title: e.title, url: e.url, publishedAt: e.publishedAt ?? null };
}

/** What subscriptions are matched against: the candidate as scored. */
export function matchSubjectOf(
  candidate: CandidateView,
  result: Pick<ScoreResult, 'band' | 'council' | 'programmeAreas'>,
): MatchSubject {
  return {
    band: result.band,
    council: result.council,
    sourceIds: [...new Set(candidate.evidence.map((e) => e.sourceId))],
    emdnCodes: candidate.evidence.flatMap((e) => e.product?.emdnCodes ?? []),
    texts: [
      candidate.name,
      candidate.manufacturer ?? '',
      ...candidate.evidence.flatMap((e) => [e.title, e.summary ?? '']),
    ].filter((t) => t !== ''),
    // The programme areas the score found: the same ones the report, the workbench's NPO filter
    // and `candidates --json` show.
    npo: () => (result.programmeAreas ?? []).map((a) => a.name),
  };
}

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
  stored: { candidateId: string; scoreId: string; result: ScoreResult; view: CandidateView };
}

/**
 * Called inside the score transaction, after the score is stored and under the candidate's lock:
 * records what changed (the first score, a band higher than the previous current score's, evidence
 * that differs from what the last event saw) and the outbox rows of the subscriptions it matches.
 * A re-run finds the same state and records nothing.
 */
export async function recordScoreEvents(tx: Tx, input: ScoreEventInput): Promise<void> {
  const { result, scoreId, candidateId, view: candidate } = input.stored;
  // The state before this score, read in the statement that records the new one.
  const previous = (
    await tx.query<{ score_id: string; band: Band }>(
      `with previous as (select score_id, band from alert_candidate_state where candidate_id = $1),
            recorded as (
              insert into alert_candidate_state (candidate_id, score_id, band) values ($1, $2, $3)
              on conflict (candidate_id) do update set score_id = excluded.score_id, band = excluded.band, updated_at = now()
              where (alert_candidate_state.score_id, alert_candidate_state.band)
                    is distinct from (excluded.score_id, excluded.band))
       select score_id, band from previous`,
      [candidateId, scoreId, result.band],
    )
  ).rows[0];
  const state = await evidenceState(tx, candidateId);
  const fingerprint = sha256(state.join(',')).slice(0, 20);
  const last = await lastEvidenceOf(tx, candidateId);

  const known = new Set(last?.state ?? []);
  const changedIds = new Set(state.filter((part) => !known.has(part)).map((part) => part.split(':')[0]));
  const changed = candidate.evidence.filter((e) => changedIds.has(e.itemId));
  const base = {
    candidateId: candidate.id,
    runId: input.runId,
    scoreId,
    fingerprint,
    state,
  };
  const details = (
    extra: Partial<CandidateEventDetails>,
    evidence: EvidenceItem[],
  ): CandidateEventDetails => ({
    candidate: snapshot(candidate, result),
    evidence: evidence.slice(0, MAX_EVIDENCE_LISTED).map(evidenceRef),
    evidenceTotal: candidate.evidence.length,
    evidenceChanged: evidence.length,
    ...extra,
  });

  const planned: Array<{ kind: CandidateEventKind; key: string; details: CandidateEventDetails }> = [];
  if (previous === undefined && last === undefined) {
    planned.push({
      kind: 'new-candidate',
      key: `new-candidate ${candidate.id}`,
      details: details({}, candidate.evidence),
    });
  } else {
    if (previous !== undefined && bandRank(result.band) > bandRank(previous.band)) {
      planned.push({
        kind: 'band-raised',
        key: `band-raised ${candidate.id} ${previous.score_id} ${scoreId}`,
        details: details({ previousBand: previous.band }, changed),
      });
    }
    if (last?.fingerprint !== fingerprint) {
      planned.push({
        kind: 'new-evidence',
        key: `new-evidence ${candidate.id} ${fingerprint}`,
        details: details({}, changed),
      });
    }
  }
  if (planned.length === 0) return;

  const recorded: RecordedEvent[] = [];
  for (const event of planned) {
    // Sequential: each insert is one statement on the same transaction's connection.
    // eslint-disable-next-line no-await-in-loop
    const id = await insertEvent(tx, { ...base, key: event.key, kind: event.kind, details: event.details });
    if (id !== undefined) recorded.push({ id, kind: event.kind });
  }
  if (recorded.length === 0) return;
  const subscriptions = await matchableSubscriptions(tx);
  await insertOutbox(
    tx,
    outboxRows(subscriptions, recorded, matchSubjectOf(candidate, result), candidate.id, input.runId),
  );
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
  const id = await insertEvent(tx, {
    key: `nominated ${input.nominationId}`,
    kind: 'nominated',
    candidateId: candidate.id,
    runId: input.runId,
    scoreId: input.scoreId,
    details: {
      candidate: snapshot(candidate, result),
      evidence: [],
      evidenceTotal: candidate.evidence.length,
      evidenceChanged: 0,
      reportVersion: input.reportVersion,
    } satisfies CandidateEventDetails,
  });
  if (id === undefined) return;
  const subscriptions = await matchableSubscriptions(tx);
  await insertOutbox(
    tx,
    outboxRows(
      subscriptions,
      [{ id, kind: 'nominated' }],
      matchSubjectOf(candidate, result),
      candidate.id,
      input.runId,
    ),
  );
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
