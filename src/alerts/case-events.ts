import { describeCandidate } from '../domain/candidate.js';
import { CASE_ACTION_LABELS, CASE_STATUS_LABELS, describeCaseEvent } from '../domain/cases.js';
import type { CaseEventAction, CaseState } from '../domain/cases.js';
import type { ScoreResult } from '../domain/score.js';
import type { SourceProfiles } from '../domain/source-profile.js';
import type { Tx } from '../store/db.js';
import { loadCandidate } from '../store/candidates.js';
import { loadEvidence } from '../store/items.js';
import { insertEvent, insertOutbox, matchableSubscriptions } from '../store/alerts.js';
import type { OutboxInsert } from '../store/alerts.js';
import type { CandidateEventDetails, CaseChangeSummary } from './events.js';
import { matchSubjectOf, snapshot } from './events.js';
import { matchesCaseChange } from './filter.js';

export interface CaseChange {
  caseNumber: string;
  title: string;
  candidateId: string | null;
  eventId: string;
  action: CaseEventAction;
  payload: Record<string, unknown>;
  after: CaseState;
}

/** Changes nobody is told about: the beredning's own judgement that no reconsideration is due. */
const SILENT = new Set<CaseEventAction>(['acknowledge-review', 'import']);

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
  if (SILENT.has(change.action) || change.candidateId === null) return;
  const row = await loadCandidate(tx, change.candidateId);
  if (!row) return;
  const score = row.current_score_id
    ? (
        await tx.query<{ result: ScoreResult }>('select result from scores where id = $1', [
          row.current_score_id,
        ])
      ).rows[0]?.result
    : undefined;
  const view = describeCandidate(row.id, row.resolved_name, await loadEvidence(tx, row.id), sourceProfiles);
  // A candidate not scored yet (its score job is still queued) is shown and matched as unranked.
  const result: Pick<ScoreResult, 'band' | 'total' | 'council' | 'programmeAreas'> = score ?? {
    total: 0,
    band: 'låg',
    council: change.after.council ?? 'utanför',
    programmeAreas: [],
  };
  const summary: CaseChangeSummary = {
    caseNumber: change.caseNumber,
    title: change.title,
    status: change.after.status,
    statusLabel: CASE_STATUS_LABELS[change.after.status],
    action: change.action,
    actionLabel: CASE_ACTION_LABELS[change.action],
    lines: describeCaseEvent(change.action, change.payload, change.after),
    public: change.after.public,
  };
  const id = await insertEvent(tx, {
    key: `case-changed ${change.eventId}`,
    kind: 'case-changed',
    candidateId: row.id,
    runId: null,
    details: {
      candidate: snapshot(view, result),
      evidence: [],
      evidenceTotal: view.evidence.length,
      evidenceChanged: 0,
      case: summary,
    } satisfies CandidateEventDetails,
  });
  if (id === undefined) return;
  const subject = matchSubjectOf(view, result);
  const rows: OutboxInsert[] = (await matchableSubscriptions(tx))
    .filter((s) => matchesCaseChange(s.filter, change.caseNumber, subject))
    // No candidate on the row: the relay makes one message per row without a candidate.
    .map((s) => ({ subscriptionId: s.id, eventId: id, channel: s.channel, candidateId: null, runId: null }));
  await insertOutbox(tx, rows);
}
