import { html, join, safeHttpUrl } from '../text/html.js';
import type { SafeHtml } from '../text/html.js';
import { oneLine } from '../text/one-line.js';
import type { EventRow, SubscriptionRow } from '../store/alerts.js';
import { EVENT_LABELS, describeFilter } from '../domain/alert-filter.js';
import type { EventKind } from '../domain/alert-filter.js';
import type {
  AdminEventDetails,
  CandidateEventDetails,
  CandidateSnapshot,
  EvidenceRef,
} from '../domain/alert-events.js';

export interface AlertLinks {
  candidate(id: string): string;
  run(id: string): string;
  case(caseNumber: string, isPublic: boolean): string;
  unsubscribe: string;
}

export interface AlertGroup {
  candidateId: string | null;
  events: EventRow[];
}

export type DeliveryKind = 'single' | 'storm' | 'digest';

export interface AlertMessage {
  deliveryId: string;
  kind: DeliveryKind;
  subscription: SubscriptionRow;
  groups: AlertGroup[];
  links: AlertLinks;
}

/** Significance order: the first kind present names a group. */
const SIGNIFICANCE: readonly EventKind[] = [
  'source-broken',
  'run-failed',
  'case-changed',
  'nominated',
  'new-candidate',
  'band-raised',
  'new-evidence',
];

/** Candidate events grouped per candidate (in order of first event); operator events each alone. */
export function groupEvents(events: readonly EventRow[]): AlertGroup[] {
  const groups: AlertGroup[] = [];
  const byCandidate = new Map<string, AlertGroup>();
  for (const event of events) {
    if (event.candidate_id === null) {
      groups.push({ candidateId: null, events: [event] });
      continue;
    }
    let group = byCandidate.get(event.candidate_id);
    if (!group) {
      group = { candidateId: event.candidate_id, events: [] };
      byCandidate.set(event.candidate_id, group);
      groups.push(group);
    }
    group.events.push(event);
  }
  return groups;
}

function mainKind(group: AlertGroup): EventKind {
  return SIGNIFICANCE.find((k) => group.events.some((e) => e.kind === k)) ?? group.events[0]!.kind;
}

function candidateDetails(event: EventRow): CandidateEventDetails {
  return event.details as CandidateEventDetails;
}

function adminDetails(event: EventRow): AdminEventDetails {
  return event.details as AdminEventDetails;
}

/** The candidate as the group's latest event saw it. */
function latest(group: AlertGroup): CandidateSnapshot {
  return candidateDetails(group.events[group.events.length - 1]!).candidate;
}

/** The distinct evidence the group's events name, in order; lists show the first ten. */
function allEvidenceOf(group: AlertGroup): EvidenceRef[] {
  const seen = new Set<string>();
  const out: EvidenceRef[] = [];
  for (const event of group.events) {
    for (const e of candidateDetails(event).evidence ?? []) {
      const key = `${e.sourceId} ${e.url} ${e.title}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(e);
      }
    }
  }
  return out;
}

function evidenceOf(group: AlertGroup): EvidenceRef[] {
  return allEvidenceOf(group).slice(0, 10);
}

/**
 * What changed for one candidate over the group's events, in Swedish: one line per kind of change
 * (a candidate scored several times in one run, or over a digest period, reads as one summary).
 */
function changeLines(group: AlertGroup): string[] {
  const c = latest(group);
  const of = (kind: EventKind) => group.events.filter((e) => e.kind === kind);
  const lines: string[] = [];
  if (of('new-candidate').length > 0) lines.push(`Ny kandidat: nivå ${c.band}, ${c.total} poäng`);
  const raised = of('band-raised');
  if (raised.length > 0) {
    const from = candidateDetails(raised[0]!).previousBand ?? '–';
    lines.push(`Prioritetsnivån höjd från ${from} till ${c.band} (${c.total} poäng)`);
  }
  const changed = of('new-evidence');
  if (changed.length > 0) {
    const count = Math.max(
      allEvidenceOf({ candidateId: group.candidateId, events: changed }).length,
      ...changed.map((e) => candidateDetails(e).evidenceChanged),
    );
    const total = candidateDetails(group.events[group.events.length - 1]!).evidenceTotal;
    lines.push(`Ny eller ändrad evidens: ${count} ${count === 1 ? 'källpost' : 'källposter'} (av ${total})`);
  }
  const nominated = of('nominated');
  if (nominated.length > 0) {
    const version = Math.max(...nominated.map((e) => candidateDetails(e).reportVersion ?? 0));
    lines.push(`Nominerad: tidig bedömningsrapport version ${version} ligger på nomineringskön`);
  }
  for (const event of of('case-changed')) {
    const change = candidateDetails(event).case;
    if (!change) continue;
    lines.push(
      oneLine(
        `Ärende ${change.caseNumber}: ${change.actionLabel} – ${change.lines.map((l) => oneLine(l, 300)).join(' ')}`,
        800,
      ),
    );
  }
  return lines;
}

/** The cases a group's changes belong to, each once, with the link to its page. */
function caseLinksOf(group: AlertGroup, links: AlertLinks): Array<{ caseNumber: string; url: string }> {
  const seen = new Map<string, string>();
  for (const event of group.events) {
    const change = candidateDetails(event).case;
    if (change) seen.set(change.caseNumber, links.case(change.caseNumber, change.public));
  }
  return [...seen].map(([caseNumber, url]) => ({ caseNumber, url }));
}

function adminLines(event: EventRow): string[] {
  const d = adminDetails(event);
  if (event.kind === 'source-broken') {
    return [
      `Källan ${oneLine(d.sourceId)} är trasig efter körningen ${d.finishedAt?.slice(0, 16).replace('T', ' ') ?? ''}.`,
      `Orsak: ${oneLine(d.errorKind ?? 'okänd')}${d.errorMessage ? ` – ${oneLine(d.errorMessage, 300)}` : ''}`,
    ];
  }
  const lines = [`Körningen (${oneLine(d.trigger)}) avslutades med fel.`];
  for (const s of d.failedSources ?? []) {
    lines.push(
      `Källan ${oneLine(s.sourceId)} misslyckades: ${oneLine(s.errorKind ?? 'okänt')}${s.errorMessage ? ` – ${oneLine(s.errorMessage, 300)}` : ''}`,
    );
  }
  if (d.failedJobs) lines.push(`${d.failedJobs} jobb i senare steg misslyckades.`);
  return lines;
}

function evidenceLine(e: EvidenceRef): string {
  const date = e.publishedAt ? `, ${oneLine(e.publishedAt, 10)}` : '';
  return `${oneLine(e.title, 160)} (${oneLine(e.sourceId, 40)}${date})`;
}

function candidateHeading(c: CandidateSnapshot): string {
  return `${oneLine(c.name, 120)}${c.manufacturer ? ` (${oneLine(c.manufacturer, 80)})` : ''}`;
}

function channelWord(s: SubscriptionRow): string {
  return s.channel === 'email-daily' ? 'Daglig' : 'Veckovis';
}

export function subjectOf(message: AlertMessage): string {
  const { groups, subscription } = message;
  const name = oneLine(subscription.name, 80);
  if (message.kind === 'digest') {
    return oneLine(
      `Horisont: ${channelWord(subscription).toLowerCase()} sammanfattning – ${groups.length} ${groups.length === 1 ? 'nyhet' : 'nyheter'} (${name})`,
    );
  }
  if (message.kind === 'storm' || groups.length !== 1) {
    return oneLine(`Horisont: ${groups.length} nyheter i en körning – ${name}`);
  }
  const group = groups[0]!;
  const kind = mainKind(group);
  if (group.candidateId === null) {
    const d = adminDetails(group.events[0]!);
    return kind === 'source-broken'
      ? oneLine(`Horisont drift: källan ${d.sourceId ?? ''} är trasig`)
      : oneLine('Horisont drift: körningen avslutades med fel');
  }
  const c = latest(group);
  if (kind === 'case-changed') {
    const change = candidateDetails(group.events.find((e) => e.kind === 'case-changed')!).case;
    if (change) {
      return oneLine(
        `Horisont: ärende ${change.caseNumber} – ${change.actionLabel} – ${oneLine(c.name, 100)}`,
        180,
      );
    }
  }
  const label = kind === 'band-raised' ? `Nivå ${c.band}` : EVENT_LABELS[kind];
  return oneLine(`Horisont: ${label} – ${oneLine(c.name, 100)}`, 180);
}

function intro(message: AlertMessage): string {
  const name = oneLine(message.subscription.name, 120);
  switch (message.kind) {
    case 'digest':
      return `${channelWord(message.subscription)} sammanfattning för "${name}": det här är nytt eller ändrat sedan förra sammanfattningen, per kandidat.`;
    case 'storm':
      return `Körningen gav ${message.groups.length} nyheter för "${name}" – fler än gränsen för enskilda meddelanden, så de kommer samlade här.`;
    default:
      return `Nytt för "${name}":`;
  }
}

export function textOf(message: AlertMessage): string {
  const { subscription, links } = message;
  const out: string[] = [`Hej ${oneLine(subscription.owner_name, 100)},`, '', intro(message), ''];
  for (const group of message.groups) {
    if (group.candidateId === null) {
      const event = group.events[0]!;
      out.push(`■ ${EVENT_LABELS[event.kind]}`);
      for (const line of adminLines(event)) out.push(`  ${line}`);
      const runId = adminDetails(event).runId;
      out.push(`  Körningen: ${links.run(runId)}`, '');
      continue;
    }
    const c = latest(group);
    out.push(`■ ${candidateHeading(c)}`);
    out.push(`  Nivå ${c.band} · ${c.total} poäng · ${oneLine(c.council, 40)}`);
    for (const line of changeLines(group)) out.push(`  - ${line}`);
    const evidence = evidenceOf(group);
    if (evidence.length > 0) {
      out.push('  Källor:');
      for (const e of evidence) {
        const url = safeHttpUrl(e.url);
        out.push(`    • ${evidenceLine(e)}${url ? `\n      ${url}` : ''}`);
      }
    }
    for (const c of caseLinksOf(group, links)) out.push(`  Ärendet ${c.caseNumber}: ${c.url}`);
    out.push(`  Kandidatsidan: ${links.candidate(group.candidateId)}`, '');
  }
  out.push(
    '—',
    `Du får det här meddelandet eftersom du prenumererar på "${oneLine(subscription.name, 120)}" (${oneLine(describeFilter(subscription.filter), 400)}).`,
    `Avsluta prenumerationen: ${links.unsubscribe}`,
  );
  return `${out.join('\n')}\n`;
}

export function htmlOf(message: AlertMessage): string {
  const { subscription, links } = message;
  const sections: SafeHtml[] = message.groups.map((group) => {
    if (group.candidateId === null) {
      const event = group.events[0]!;
      return html`<section>
        <h2>${EVENT_LABELS[event.kind]}</h2>
        ${join(adminLines(event).map((line) => html`<p>${line}</p>`))}
        <p><a href="${links.run(adminDetails(event).runId)}">Visa körningen</a></p>
      </section>`;
    }
    const c = latest(group);
    const evidence = evidenceOf(group);
    return html`<section>
      <h2><a href="${links.candidate(group.candidateId)}">${candidateHeading(c)}</a></h2>
      <p>Nivå <strong>${c.band}</strong> · ${c.total} poäng · ${oneLine(c.council, 40)}</p>
      <ul>
        ${join(changeLines(group).map((line) => html`<li>${line}</li>`))}
      </ul>
      ${join(
        caseLinksOf(group, links).map((c) => html`<p><a href="${c.url}">Ärendet ${c.caseNumber}</a></p>`),
      )}
      ${
        evidence.length > 0
          ? html`<p>Källor:</p>
              <ul>
                ${join(
                  evidence.map((e) => {
                    const url = safeHttpUrl(e.url);
                    return url
                      ? html`<li><a href="${url}" rel="noopener noreferrer">${evidenceLine(e)}</a></li>`
                      : html`<li>${evidenceLine(e)}</li>`;
                  }),
                )}
              </ul>`
          : ''
      }
    </section>`;
  });
  const page = html`<!doctype html>
    <html lang="sv">
      <head>
        <meta charset="utf-8" />
        <title>${subjectOf(message)}</title>
      </head>
      <body>
        <p>Hej ${oneLine(subscription.owner_name, 100)},</p>
        <p>${intro(message)}</p>
        ${join(sections)}
        <hr />
        <p>
          Du får det här meddelandet eftersom du prenumererar på "${oneLine(subscription.name, 120)}"
          (${oneLine(describeFilter(subscription.filter), 400)}).
          <a href="${links.unsubscribe}">Avsluta prenumerationen</a>
        </p>
      </body>
    </html>`;
  return page.value;
}

/** The Standard Webhooks payload: `{type, timestamp, data}`; scraped text is JSON-escaped. */
export function webhookPayload(message: AlertMessage): Record<string, unknown> {
  const all = message.groups.flatMap((g) => g.events);
  const newest = all.reduce((max, e) => (e.created_at > max ? e.created_at : max), all[0]!.created_at);
  return {
    type: message.kind === 'single' ? 'horisont.alert' : 'horisont.alert.digest',
    // The newest event's time, not the attempt's: a retry sends the same body.
    timestamp: newest.toISOString(),
    data: {
      deliveryId: message.deliveryId,
      kind: message.kind,
      subscription: { id: message.subscription.id, name: message.subscription.name },
      items: message.groups.map((group) =>
        group.candidateId === null
          ? {
              type: group.events[0]!.kind,
              run: {
                id: adminDetails(group.events[0]!).runId,
                url: message.links.run(adminDetails(group.events[0]!).runId),
              },
              details: group.events[0]!.details,
            }
          : {
              type: mainKind(group),
              candidate: { ...latest(group), url: message.links.candidate(group.candidateId) },
              events: group.events.map((e) => {
                const d = candidateDetails(e);
                return {
                  id: e.event_id,
                  kind: e.kind,
                  at: e.created_at.toISOString(),
                  ...(d.previousBand ? { previousBand: d.previousBand } : {}),
                  ...(d.reportVersion !== undefined ? { reportVersion: d.reportVersion } : {}),
                  ...(d.case
                    ? { case: { ...d.case, url: message.links.case(d.case.caseNumber, d.case.public) } }
                    : {}),
                  evidence: d.evidence ?? [],
                };
              }),
            },
      ),
    },
  };
}

/** For the Atom feed: a title and plain-text lines for one event. */
export function entryOf(
  event: EventRow,
  links: AlertLinks,
): { title: string; lines: string[]; link: string } {
  if (event.candidate_id === null) {
    const d = adminDetails(event);
    return { title: EVENT_LABELS[event.kind], lines: adminLines(event), link: links.run(d.runId) };
  }
  const group = { candidateId: event.candidate_id, events: [event] };
  const c = latest(group);
  const lines = [
    `${candidateHeading(c)} – nivå ${c.band}, ${c.total} poäng, ${oneLine(c.council, 40)}`,
    ...changeLines(group),
    ...evidenceOf(group).map(
      (e) => `• ${evidenceLine(e)}${safeHttpUrl(e.url) ? ` ${safeHttpUrl(e.url)}` : ''}`,
    ),
  ];
  const [caseLink] = caseLinksOf(group, links);
  return {
    title: `${EVENT_LABELS[event.kind]}: ${oneLine(c.name, 150)}`,
    lines,
    link: caseLink?.url ?? links.candidate(event.candidate_id),
  };
}
