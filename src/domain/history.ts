/**
 * What an item, newly linked to a candidate, tells about the candidate's life: a certificate
 * issued, an HTA report published, a safety notice, a trial started or completed, a registry
 * status. Pure; the store records each event once (by its key) and the resolve stage re-scores
 * the candidate.
 */
import { drugHistoryKind } from './drugs.js';
import type { DrugHistoryKind } from './drugs.js';
import type { RawItem } from './item.js';

export type HistoryKind =
  | 'first-seen'
  | 'new-source'
  | 'certificate-issued'
  | 'status-changed'
  | 'trial-started'
  | 'trial-completed'
  | 'hta-published'
  | 'safety-notice'
  | 'merged'
  | 'split'
  | DrugHistoryKind;

/** Swedish labels for the candidate page and reports. */
export const HISTORY_LABELS: Record<HistoryKind, string> = {
  'first-seen': 'Första gången sedd',
  'new-source': 'Ny källa',
  'certificate-issued': 'Certifikat utfärdat',
  'status-changed': 'Ändrad status i registret',
  'trial-started': 'Klinisk prövning startad',
  'trial-completed': 'Klinisk prövning avslutad',
  'hta-published': 'HTA-rapport publicerad',
  'safety-notice': 'Säkerhetsmeddelande',
  merged: 'Sammanslagen',
  split: 'Uppdelad',
  'eu-evaluation': 'Under EU-utvärdering',
  'chmp-opinion': 'CHMP-yttrande',
  'eu-approval': 'EU-godkännande',
  'approved-abroad': 'Godkänt utanför EU',
  'tlv-decision': 'TLV-beslut',
  'nordic-recommendation': 'Nordisk rekommendation',
};

/** ClinicalTrials.gov `overallStatus` values that mean the trial has started and not ended. */
const TRIAL_RUNNING = new Set(['RECRUITING', 'ACTIVE_NOT_RECRUITING', 'ENROLLING_BY_INVITATION']);

/**
 * The status an item states, if any: a registry's market status, or a trial's overall status
 * (the ClinicalTrials.gov adapter opens its summary with `Status: <overallStatus>.`).
 */
export function observedStatus(item: RawItem): string | undefined {
  if (item.product?.marketStatus !== undefined) return item.product.marketStatus;
  if (item.kind === 'trial') return /^Status: ([A-Z_]+)\./.exec(item.summary ?? '')?.[1];
  return undefined;
}

export interface ItemEvent {
  kind: HistoryKind;
  /** The event's date as the source states it, when it does. */
  occurredOn?: string;
  /** What makes this event distinct for the same item (a status value). */
  discriminator: string;
  details: Record<string, string>;
}

function dateOf(item: RawItem): { occurredOn?: string } {
  const date = item.publishedAt ?? item.updatedAt;
  return date === undefined ? {} : { occurredOn: date.slice(0, 10) };
}

/**
 * The events an item's link gives its candidate. `previousStatus` is the status observed when
 * the same item was linked before (undefined the first time), so a status change is an event
 * and a first sighting is not.
 */
export function itemEvents(item: RawItem, previousStatus: string | undefined): ItemEvent[] {
  const events: ItemEvent[] = [];
  const base = { details: { title: item.title, url: item.url }, ...dateOf(item) };
  if (item.kind === 'certificate') events.push({ kind: 'certificate-issued', discriminator: '', ...base });
  if (item.kind === 'hta-report') events.push({ kind: 'hta-published', discriminator: '', ...base });
  if (item.kind === 'safety-notice') events.push({ kind: 'safety-notice', discriminator: '', ...base });
  const drugEvent = item.drug === undefined ? undefined : drugHistoryKind(item.drug);
  if (drugEvent !== undefined) {
    // An opinion's type is part of the event: a negative opinion re-examined to a positive one is two.
    events.push({
      kind: drugEvent,
      discriminator: item.drug!.event!,
      ...base,
      ...(item.drug!.eventOn === undefined ? {} : { occurredOn: item.drug!.eventOn.slice(0, 10) }),
      details: {
        ...base.details,
        ...(drugEvent === 'chmp-opinion'
          ? { opinion: item.drug!.event === 'positive-opinion' ? 'positivt' : 'negativt' }
          : {}),
      },
    });
  }
  const status = observedStatus(item);
  if (status === undefined || status === previousStatus) return events;
  if (item.kind === 'trial') {
    const completed = status === 'COMPLETED';
    if (completed || TRIAL_RUNNING.has(status)) {
      events.push({
        kind: completed ? 'trial-completed' : 'trial-started',
        discriminator: completed ? 'completed' : 'started',
        ...base,
        details: { ...base.details, status },
      });
    }
  } else if (previousStatus !== undefined) {
    events.push({
      kind: 'status-changed',
      discriminator: status,
      ...base,
      ...(item.updatedAt === undefined ? {} : { occurredOn: item.updatedAt.slice(0, 10) }),
      details: { ...base.details, from: previousStatus, to: status },
    });
  }
  return events;
}
