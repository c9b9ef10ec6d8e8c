import {
  ASSESSMENT_BODIES,
  CASE_ACTION_LABELS,
  CASE_ORIGIN_LABELS,
  CASE_STATUS_DESCRIPTIONS,
  CASE_STATUS_LABELS,
  CLOSE_REASONS,
  COLLABORATION_CRITERIA,
  NOT_INCLUDED_REASONS,
  RECOMMENDATION_KINDS,
  RECONSIDER_REASONS,
  SUBJECT_KINDS,
  describeCaseEvent,
} from './cases.js';
import { stockholmDay } from './dates.js';
import type { CaseEventAction, CaseOrigin, CaseState, CaseStatus } from './cases.js';

/**
 * The public record of a case: what the page, the JSON list and the Atom feed anyone may read
 * show. Built field by field from an allowlist, so nothing internal can reach it by accident:
 * never a contact person, a nomination's own reasoning, a reviewer's name or comment, request
 * ids, the candidate's score or the beredning's judgement that no reconsideration is due.
 */
export interface PublicCase {
  caseNumber: string;
  title: string;
  manufacturer: string | null;
  kind: string;
  kindLabel: string;
  indication: string | null;
  council: string | null;
  origin: CaseOrigin;
  originLabel: string;
  /** The nominating organisations (regions, programme areas, professions); never persons. */
  nominatedBy: string[];
  nominatedOn: string | null;
  status: CaseStatus;
  statusLabel: string;
  statusDescription: string;
  decision: {
    outcome: string;
    outcomeLabel: string;
    decidedOn: string;
    criteria: string[];
    reasons: string[];
  } | null;
  assessments: Array<{
    body: string;
    bodyLabel: string;
    bodyName: string | null;
    orderedOn: string;
    expectedOn: string | null;
    deliveredOn: string | null;
  }>;
  recommendation: {
    kind: string;
    kindLabel: string;
    text: string;
    decidedOn: string;
    reviewOn: string | null;
  } | null;
  followUpOn: string | null;
  procurement: { relevant: boolean; note: string | null } | null;
  consequenceAnalyses: Array<{ region: string; url: string; title: string | null }>;
  reconsiderReason: string | null;
  closeReason: string | null;
  updatedAt: string;
  history: PublicCaseEvent[];
}

export interface PublicCaseEvent {
  id: string;
  action: CaseEventAction;
  actionLabel: string;
  at: string;
  lines: string[];
}

/** Keys that name internal data; the public record must never carry them (tests check this). */
export const INTERNAL_CASE_FIELDS = [
  'comment',
  'reason',
  'contactName',
  'contactEmail',
  'ownerEmail',
  'ownerName',
  'actorId',
  'actorName',
  'actorRole',
  'clientRequestId',
  'requestId',
  'candidateId',
  'subscriptionId',
  'nominationId',
  'itemId',
  'score',
  'band',
  'before',
  'after',
  'judgedThrough',
] as const;

export interface PublicCaseInput {
  caseNumber: string;
  title: string;
  manufacturer: string | null;
  subjectKind: string;
  origin: CaseOrigin;
  parties: readonly string[];
  nominatedOn: Date | null;
  state: CaseState;
  updatedAt: Date;
  events: ReadonlyArray<{
    id: string;
    action: CaseEventAction;
    payload: Record<string, unknown>;
    after: CaseState;
    createdAt: Date;
  }>;
}

/** "Rekommendation: Använd med villkor" rather than only "Rekommendation". */
export function statusLabelOf(state: Pick<CaseState, 'status' | 'recommendation'>): string {
  const label = CASE_STATUS_LABELS[state.status];
  return state.status === 'recommended' && state.recommendation
    ? `${label}: ${RECOMMENDATION_KINDS[state.recommendation.kind]}`
    : label;
}

const day = (date: Date | null): string | null => (date === null ? null : stockholmDay(date));

export function publicEventOf(event: PublicCaseInput['events'][number]): PublicCaseEvent {
  return {
    id: event.id,
    action: event.action,
    actionLabel: CASE_ACTION_LABELS[event.action],
    at: event.createdAt.toISOString(),
    lines: describeCaseEvent(event.action, event.payload, event.after),
  };
}

/** The public record of one case (the caller passes only public events). */
export function toPublicCase(input: PublicCaseInput): PublicCase {
  const { state } = input;
  return {
    caseNumber: input.caseNumber,
    title: input.title,
    manufacturer: input.manufacturer,
    kind: input.subjectKind,
    kindLabel: SUBJECT_KINDS[input.subjectKind as keyof typeof SUBJECT_KINDS] ?? input.subjectKind,
    indication: state.indication,
    council: state.council,
    origin: input.origin,
    originLabel: CASE_ORIGIN_LABELS[input.origin],
    nominatedBy: [...input.parties],
    nominatedOn: day(input.nominatedOn),
    status: state.status,
    statusLabel: statusLabelOf(state),
    statusDescription: CASE_STATUS_DESCRIPTIONS[state.status],
    decision: state.decision && {
      outcome: state.decision.outcome,
      outcomeLabel: CASE_STATUS_LABELS[state.decision.outcome],
      decidedOn: state.decision.decidedOn,
      criteria: state.decision.criteria.map((c) => COLLABORATION_CRITERIA[c]),
      reasons: state.decision.reasons.map((r) => NOT_INCLUDED_REASONS[r]),
    },
    assessments: state.assessments.map((a) => ({
      body: a.body,
      bodyLabel: ASSESSMENT_BODIES[a.body],
      bodyName: a.bodyName,
      orderedOn: a.orderedOn,
      expectedOn: a.expectedOn,
      deliveredOn: a.deliveredOn,
    })),
    recommendation: state.recommendation && {
      kind: state.recommendation.kind,
      kindLabel: RECOMMENDATION_KINDS[state.recommendation.kind],
      text: state.recommendation.text,
      decidedOn: state.recommendation.decidedOn,
      reviewOn: state.recommendation.reviewOn,
    },
    followUpOn: state.followUpOn,
    procurement: state.procurement && { relevant: state.procurement.relevant, note: state.procurement.note },
    consequenceAnalyses: state.consequenceAnalyses.map((a) => ({
      region: a.region,
      url: a.url,
      title: a.title,
    })),
    reconsiderReason: state.reconsiderReason && RECONSIDER_REASONS[state.reconsiderReason],
    closeReason: state.closeReason && CLOSE_REASONS[state.closeReason],
    updatedAt: input.updatedAt.toISOString(),
    history: input.events.map(publicEventOf),
  };
}
