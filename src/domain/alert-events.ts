import type { CandidateView, EvidenceItem } from './candidate.js';
import { CASE_ACTION_LABELS, CASE_STATUS_LABELS, describeCaseEvent } from './cases.js';
import type { CaseEventAction, CaseState } from './cases.js';
import type { Band, ScoreResult } from './score.js';
import { bandRank } from './alert-filter.js';
import type { CandidateEventKind, MatchSubject } from './alert-filter.js';

/**
 * What an alert event says: the candidate as it was when the event happened, the evidence that
 * is new, and which events a score, a nomination or a case's change gives. The store records
 * them (src/store/alert-events.ts); the relay renders them (src/alerts/render.ts).
 */

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

/** The part of a score an alert shows and matches. */
export type AlertScore = Pick<ScoreResult, 'band' | 'total' | 'council' | 'programmeAreas'>;

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

export interface PlannedEvent<D> {
  kind: CandidateEventKind;
  /** Identifies the event: the same key twice is one event. */
  key: string;
  details: D;
}

/** What the alerts knew of a candidate before this score. */
export interface AlertState {
  /** The score and band the last event-recording score left, if any. */
  previous: { scoreId: string; band: Band } | undefined;
  /** The evidence state the last candidate event saw, and its fingerprint, if any. */
  last: { state: string[]; fingerprint: string } | undefined;
}

/**
 * The events a score gives, the most significant first: a new candidate; or a band higher than
 * the previous current score's, and evidence that differs from what the last event saw.
 * `evidence` is the candidate's evidence state (`<item id>:<content hash>` parts) and its fingerprint.
 */
export function scoreEvents(
  candidate: CandidateView,
  result: AlertScore,
  scoreId: string,
  evidence: { state: string[]; fingerprint: string },
  before: AlertState,
): PlannedEvent<CandidateEventDetails>[] {
  const { previous, last } = before;
  const known = new Set(last?.state ?? []);
  const changedIds = new Set(
    evidence.state.filter((part) => !known.has(part)).map((part) => part.split(':')[0]),
  );
  const changed = candidate.evidence.filter((e) => changedIds.has(e.itemId));
  const details = (extra: Partial<CandidateEventDetails>, listed: EvidenceItem[]): CandidateEventDetails => ({
    candidate: snapshot(candidate, result),
    evidence: listed.slice(0, MAX_EVIDENCE_LISTED).map(evidenceRef),
    evidenceTotal: candidate.evidence.length,
    evidenceChanged: listed.length,
    ...extra,
  });
  if (previous === undefined && last === undefined) {
    return [
      {
        kind: 'new-candidate',
        key: `new-candidate ${candidate.id}`,
        details: details({}, candidate.evidence),
      },
    ];
  }
  const planned: PlannedEvent<CandidateEventDetails>[] = [];
  if (previous !== undefined && bandRank(result.band) > bandRank(previous.band)) {
    planned.push({
      kind: 'band-raised',
      key: `band-raised ${candidate.id} ${previous.scoreId} ${scoreId}`,
      details: details({ previousBand: previous.band }, changed),
    });
  }
  if (last?.fingerprint !== evidence.fingerprint) {
    planned.push({
      kind: 'new-evidence',
      key: `new-evidence ${candidate.id} ${evidence.fingerprint}`,
      details: details({}, changed),
    });
  }
  return planned;
}

/** The `nominated` event of a new report version. */
export function nominationEvent(
  candidate: CandidateView,
  result: AlertScore,
  nominationId: string,
  reportVersion: number,
): PlannedEvent<CandidateEventDetails> {
  return {
    kind: 'nominated',
    key: `nominated ${nominationId}`,
    details: {
      candidate: snapshot(candidate, result),
      evidence: [],
      evidenceTotal: candidate.evidence.length,
      evidenceChanged: 0,
      reportVersion,
    },
  };
}

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

/** Whether a case's change is told to anyone: not a silent change, and a case about a candidate. */
export function caseChangeAlerts(change: CaseChange): change is CaseChange & { candidateId: string } {
  return !SILENT.has(change.action) && change.candidateId !== null;
}

/**
 * The `case-changed` event of a case's change. A candidate not scored yet (its score job is still
 * queued) is shown and matched as unranked.
 */
export function caseChangeEvent(
  change: CaseChange,
  candidate: CandidateView,
  score: ScoreResult | undefined,
): { event: PlannedEvent<CandidateEventDetails>; result: AlertScore } {
  const result: AlertScore = score ?? {
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
  return {
    result,
    event: {
      kind: 'case-changed',
      key: `case-changed ${change.eventId}`,
      details: {
        candidate: snapshot(candidate, result),
        evidence: [],
        evidenceTotal: candidate.evidence.length,
        evidenceChanged: 0,
        case: summary,
      },
    },
  };
}
