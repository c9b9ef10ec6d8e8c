import { z } from 'zod';
import { NPO_NAMES } from './programme-areas.js';
import type { Band } from './score.js';
import type { Council } from './routing.js';
import { TermMatcher, tokeniseForMatching } from './normalise.js';
import { CASE_NUMBER } from './cases.js';

export const CANDIDATE_EVENT_KINDS = [
  'new-candidate',
  'band-raised',
  'new-evidence',
  'nominated',
  'case-changed',
] as const;
export const ADMIN_EVENT_KINDS = ['source-broken', 'run-failed'] as const;
export const EVENT_KINDS = [...CANDIDATE_EVENT_KINDS, ...ADMIN_EVENT_KINDS] as const;
export type CandidateEventKind = (typeof CANDIDATE_EVENT_KINDS)[number];
export type AdminEventKind = (typeof ADMIN_EVENT_KINDS)[number];
export type EventKind = (typeof EVENT_KINDS)[number];

export const EVENT_LABELS: Record<EventKind, string> = {
  'new-candidate': 'Ny kandidat',
  'band-raised': 'Höjd prioritetsnivå',
  'new-evidence': 'Ny eller ändrad evidens',
  nominated: 'Nominerad',
  'case-changed': 'Ärende ändrat',
  'source-broken': 'Källa trasig',
  'run-failed': 'Körning misslyckades',
};

export const BANDS = ['låg', 'medel', 'hög'] as const satisfies readonly Band[];
export const COUNCILS = ['MTP-rådet', 'NT-rådet'] as const satisfies readonly Council[];

export function bandRank(band: string | null | undefined): number {
  return BANDS.indexOf(band as Band);
}

export const CHANNELS = ['email', 'email-daily', 'email-weekly', 'webhook', 'atom'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_LABELS: Record<Channel, string> = {
  email: 'e-post direkt',
  'email-daily': 'e-postsammanfattning dagligen',
  'email-weekly': 'e-postsammanfattning veckovis',
  webhook: 'webhook',
  atom: 'Atom-flöde',
};

export function isEmailChannel(channel: Channel): boolean {
  return channel === 'email' || channel === 'email-daily' || channel === 'email-weekly';
}

const Term = z.string().trim().min(1).max(100);

/**
 * What a subscription wants. Every condition that is given must hold; within one condition any
 * of its values is enough. An empty filter with the default event kinds matches every candidate.
 */
export const SubscriptionFilter = z.strictObject({
  /** National programme areas, as the early assessment report suggests them for a candidate. */
  npo: z
    .array(
      z.string().refine((v) => (NPO_NAMES as readonly string[]).includes(v), 'okänt programområde (NPO)'),
    )
    .max(26)
    .default([]),
  /** Words in the candidate's name, manufacturer or evidence (sv/en/no; `*` as a wildcard). */
  keywords: z.array(Term).max(50).default([]),
  /** EMDN code prefixes (`J`, `W0101`) of the candidate's register records. */
  emdn: z
    .array(
      z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z]\d{0,12}$/, 'EMDN-prefix som J eller W0101'),
    )
    .max(50)
    .default([]),
  council: z.array(z.enum(COUNCILS)).max(2).default([]),
  minBand: z.enum(BANDS).optional(),
  /** Source ids the candidate has evidence from (or, for `source-broken`, the source that broke). */
  sources: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .max(100)
    .default([]),
  /**
   * Case numbers (`HOR-2026-0042`): only these cases' changes. A nominating party's contact
   * follows their own case this way.
   */
  cases: z
    .array(z.string().trim().toUpperCase().regex(CASE_NUMBER, 'ärendenummer som HOR-2026-0042'))
    .max(50)
    .default([]),
  events: z
    .array(z.enum(EVENT_KINDS))
    .min(1, 'välj minst en händelse')
    .max(EVENT_KINDS.length)
    .default([...CANDIDATE_EVENT_KINDS]),
});
export type SubscriptionFilter = z.infer<typeof SubscriptionFilter>;

/** What matching needs to know about a candidate at the time of an event. */
export interface MatchSubject {
  band: Band;
  council: Council;
  sourceIds: readonly string[];
  emdnCodes: readonly string[];
  /** Name, manufacturer, evidence titles and summaries. */
  texts: readonly string[];
  /** The programme areas the candidate's current score found; read only when a subscription asks. */
  npo: () => readonly string[];
}

/** The candidate conditions, in order of cost (programme areas and keywords last). */
export function matchesCandidate(filter: SubscriptionFilter, subject: MatchSubject): boolean {
  if (filter.minBand !== undefined && bandRank(subject.band) < bandRank(filter.minBand)) return false;
  if (filter.council.length > 0) {
    // A candidate routed to both councils concerns either council's followers.
    const councils: readonly string[] =
      subject.council === 'båda' ? COUNCILS : subject.council === 'utanför' ? [] : [subject.council];
    if (!filter.council.some((c) => councils.includes(c))) return false;
  }
  if (filter.sources.length > 0 && !filter.sources.some((s) => subject.sourceIds.includes(s))) return false;
  if (
    filter.emdn.length > 0 &&
    !subject.emdnCodes.some((code) => filter.emdn.some((prefix) => code.toUpperCase().startsWith(prefix)))
  ) {
    return false;
  }
  if (filter.npo.length > 0) {
    const areas = subject.npo();
    if (!filter.npo.some((n) => areas.includes(n))) return false;
  }
  if (filter.keywords.length > 0) {
    const matcher = new TermMatcher(filter.keywords);
    if (!subject.texts.some((text) => matcher.matches(tokeniseForMatching(text)))) return false;
  }
  return true;
}

/**
 * A case's change: subscriptions that follow case changes, limited to their cases when they name
 * some, otherwise to the candidates their other conditions match.
 */
export function matchesCaseChange(
  filter: SubscriptionFilter,
  caseNumber: string,
  subject: MatchSubject,
): boolean {
  if (!filter.events.includes('case-changed')) return false;
  if (filter.cases.length > 0) return filter.cases.includes(caseNumber);
  return matchesCandidate(filter, subject);
}

/** Operator events only look at the event kind and, for a broken source, the source filter. */
export function matchesAdmin(filter: SubscriptionFilter, kind: AdminEventKind, sourceId?: string): boolean {
  if (!filter.events.includes(kind)) return false;
  if (kind === 'source-broken' && filter.sources.length > 0) {
    return sourceId !== undefined && filter.sources.includes(sourceId);
  }
  return true;
}

/** One line in Swedish, for `subscriptions list` and the e-mail footer. */
export function describeFilter(filter: SubscriptionFilter): string {
  const parts: string[] = [];
  if (filter.npo.length) parts.push(`NPO: ${filter.npo.join(', ')}`);
  if (filter.keywords.length) parts.push(`nyckelord: ${filter.keywords.join(', ')}`);
  if (filter.emdn.length) parts.push(`EMDN: ${filter.emdn.join(', ')}`);
  if (filter.council.length) parts.push(`råd: ${filter.council.join(', ')}`);
  if (filter.minBand) {
    parts.push(filter.minBand === 'hög' ? 'nivå hög' : `nivå ${filter.minBand} eller högre`);
  }
  if (filter.sources.length) parts.push(`källor: ${filter.sources.join(', ')}`);
  if (filter.cases.length) parts.push(`ärenden: ${filter.cases.join(', ')}`);
  parts.push(`händelser: ${filter.events.map((e) => EVENT_LABELS[e].toLowerCase()).join(', ')}`);
  return parts.join('; ');
}
