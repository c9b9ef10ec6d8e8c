import { randomUUID } from 'node:crypto';
import { html } from '../../text/html.js';
import { pathWithQuery } from '../html.js';
import type { HtmlValue, SafeHtml } from '../../text/html.js';
import {
  ACTION_LABELS,
  ORIGIN_LABELS,
  RUN_SOURCE_STATUS_LABELS,
  ROLE_LABELS,
  SOURCE_HEALTH_LABELS,
  STATUS_LABELS,
  labelOf,
  swedishNumber,
  timeTag,
} from '../format.js';
import type { AuditFilter, AuditRow } from '../../store/audit.js';
import type { SourceHealthRow } from '../../store/queries.js';
import type { RunListItem } from '../../store/workbench.js';
import type { RunSummary } from '../../store/runs.js';
import type { User } from '../../store/users.js';
import { roleAtLeast } from '../../store/users.js';
import { DISMISS_REASONS } from '../../store/decisions.js';
import type { DateFieldProblems } from '../service.js';
import { dateField } from './fields.js';
import { RUN_STATUS_LABELS, RUN_TRIGGER_LABELS, label } from '../../domain/labels.js';
import type { SourceLabels } from '../../domain/labels.js';

export function loginPage(input: {
  csrfToken: string;
  next: string;
  error?: string | undefined;
  username?: string | undefined;
  oidc: boolean;
}): SafeHtml {
  return html`<h1>Logga in</h1>
    ${input.error ? html`<div class="notice error" role="alert">${input.error}</div>` : ''}
    <form method="post" action="/logga-in" class="panel" aria-labelledby="login-rubrik">
      <h2 id="login-rubrik" class="sr-only">Inloggning med lokalt konto</h2>
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <input type="hidden" name="next" value="${input.next}" />
      <div>
        <label for="username">Användarnamn</label>
        <input
          type="text"
          id="username"
          name="username"
          autocomplete="username"
          required
          maxlength="200"
          value="${input.username ?? ''}"
        />
      </div>
      <div>
        <label for="password">Lösenord</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          maxlength="1000"
        />
      </div>
      <p><button type="submit">Logga in</button></p>
    </form>
    ${
      input.oidc
        ? html`<p>
            <a class="button secondary" href="/logga-in/oidc?next=${encodeURIComponent(input.next)}"
              >Logga in med organisationens konto (OIDC)</a
            >
          </p>`
        : ''
    }`;
}

export function errorPage(status: number, message: string): SafeHtml {
  const titles: Record<number, string> = {
    400: 'Felaktig begäran',
    401: 'Inloggning krävs',
    403: 'Åtkomst nekad',
    404: 'Hittades inte',
    409: 'Konflikt',
    413: 'För stor begäran',
    429: 'För många försök',
    500: 'Internt fel',
    501: 'Inte tillgängligt',
    503: 'Tillfälligt otillgängligt',
  };
  return html`<h1>${titles[status] ?? 'Fel'}</h1>
    <div class="notice error" role="alert">${message}</div>
    <p>${status === 401 ? html`<a href="/logga-in">Logga in</a> · ` : ''}<a href="/kandidater">Till kandidatlistan</a></p>`;
}

function summariseState(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const role = (value as { role?: unknown }).role;
  if (typeof role === 'string') return `Roll: ${labelOf(ROLE_LABELS, role)}`;
  const curated = value as { candidates?: unknown; moved?: unknown };
  if (Array.isArray(curated.candidates)) {
    return `${curated.candidates.length} kandidater${Array.isArray(curated.moved) ? `, ${curated.moved.length} evidensposter flyttade` : ''}`;
  }
  if (typeof (value as { candidate?: unknown }).candidate === 'string') return '1 kandidat';
  const subscription = value as { name?: unknown; paused?: unknown; description?: unknown };
  if (typeof subscription.name === 'string' && typeof subscription.description === 'string') {
    return `${subscription.name} (${subscription.paused ? 'pausad' : 'aktiv'}): ${subscription.description}`;
  }
  const s = value as { status?: string; watched?: boolean; version?: number; reasonCode?: string | null };
  if (s.status === undefined) return '';
  const parts = [labelOf(STATUS_LABELS, s.status)];
  if (s.watched) parts.push('bevakas');
  if (s.reasonCode) parts.push(labelOf(DISMISS_REASONS, s.reasonCode));
  if (s.version !== undefined) parts.push(`v${s.version}`);
  return parts.join(', ');
}

const AUDIT_ACTION_LABELS: Record<string, string> = {
  'decision.nominate': 'Nominerade',
  'decision.dismiss': 'Avförde',
  'decision.watch': 'Bevakar',
  'decision.unwatch': 'Slutade bevaka',
  'decision.reopen': 'Återöppnade',
  'decision.conflict': 'Beslut nekat (inaktuell version)',
  'note.add': 'Anteckning',
  'auth.login': 'Inloggning',
  'auth.login_failed': 'Misslyckad inloggning',
  'auth.logout': 'Utloggning',
  'access.denied': 'Åtkomst nekad',
  'security.csrf_rejected': 'CSRF-skydd nekade',
  'user.create': 'Användare skapad',
  'user.role_change': 'Roll ändrad',
  'user.disable': 'Konto avstängt',
  'user.enable': 'Konto aktiverat',
  'user.password_reset': 'Nytt lösenord',
  'token.revoke': 'API-nyckel återkallad',
  'token.create': 'API-nyckel skapad',
  'nomination.cli': 'Nominering (kommandorad)',
  'run.start': 'Skanning startad',
  'candidate.merge': 'Slog ihop kandidater',
  'candidate.split': 'Delade upp kandidat',
  'subscription.create': 'Prenumeration skapad',
  'subscription.change': 'Prenumeration ändrad',
  'subscription.delete': 'Prenumeration borttagen',
};

function auditDetails(row: AuditRow): HtmlValue {
  const d = row.details ?? {};
  const bits: string[] = [];
  if (typeof d.reasonCode === 'string') bits.push(`Skäl: ${labelOf(DISMISS_REASONS, d.reasonCode)}`);
  if (typeof d.origin === 'string' && row.action === 'decision.nominate') {
    bits.push(
      `Ursprung: ${labelOf(ORIGIN_LABELS, d.origin)}${typeof d.onBehalfOf === 'string' ? ` (${d.onBehalfOf})` : ''}`,
    );
  }
  if (typeof d.nominationId === 'string') bits.push(`Nominering nr ${d.nominationId}`);
  if (typeof d.comment === 'string' && d.comment) bits.push(`Kommentar: ${d.comment}`);
  if (typeof d.attempted === 'string') {
    bits.push(`Försökte: ${labelOf(ACTION_LABELS, d.attempted)} på version ${String(d.expectedVersion)}`);
  }
  if (typeof d.reason === 'string') bits.push(`Orsak: ${d.reason}`);
  if (typeof d.username === 'string') bits.push(`Användarnamn: ${d.username}`);
  if (d.method === 'oidc') bits.push('Via organisationens konto (OIDC)');
  if (typeof d.path === 'string') bits.push(`${typeof d.method === 'string' ? d.method : ''} ${d.path}`);
  const after = row.after as { body?: string } | null;
  if (row.action === 'note.add' && after?.body) bits.push(after.body);
  return bits.map((b) => html`<div>${b}</div>`);
}

export function auditPage(
  input: { items: AuditRow[]; total: number; filter: AuditFilter } & Partial<DateFieldProblems>,
): SafeHtml {
  const { filter } = input;
  const errors = input.errors ?? {};
  const typed = input.typed ?? {};
  const pages = Math.max(1, Math.ceil(input.total / filter.pageSize));
  const query = {
    action: filter.action,
    actor: filter.actor,
    subject: filter.subjectId,
    from: filter.from,
    to: filter.to,
  };
  return html`<h1>Granskningslogg</h1>
    <p class="muted">
      Varje beslut, anteckning, inloggning och nekat försök, med vem, när, före och efter. Loggen kan inte
      ändras: databasen vägrar uppdatera eller ta bort rader, och varje rad är kedjad till föregående med en
      hash.
    </p>
    <form class="filters" method="get" action="/granskningslogg" aria-label="Filtrera granskningsloggen">
      <div>
        <label for="action">Händelse</label
        ><select id="action" name="action">
          <option value="">Alla</option>
          ${Object.entries(AUDIT_ACTION_LABELS).map(
            ([v, l]) =>
              html`<option value="${v}" ${filter.action === v ? html` selected` : ''}>${l}</option>`,
          )}
          <option value="decision." ${filter.action === 'decision.' ? html` selected` : ''}>
            Alla beslut
          </option>
        </select>
      </div>
      <div>
        <label for="actor">Vem (namn)</label
        ><input type="text" id="actor" name="actor" value="${filter.actor ?? ''}" />
      </div>
      <div>
        <label for="subject">Kandidat-id</label
        ><input type="text" id="subject" name="subject" value="${filter.subjectId ?? ''}" />
      </div>
      ${dateField({ id: 'from', label: 'Från', value: typed.from ?? filter.from, error: errors.from })}
      ${dateField({ id: 'to', label: 'Till och med', value: typed.to ?? filter.to, error: errors.to })}
      <div>
        <button type="submit">Filtrera</button> <a class="button secondary" href="/granskningslogg">Rensa</a>
      </div>
    </form>
    ${
      errors.from || errors.to
        ? html`<div class="notice error" role="alert">
            Datumfiltret används inte: ${[errors.from, errors.to].filter(Boolean).join(' ')}
          </div>`
        : ''
    }
    <p role="status">${swedishNumber(input.total)} händelser.</p>
    <table>
      <caption class="sr-only">
        Händelser, senaste först
      </caption>
      <thead>
        <tr>
          <th scope="col">När</th>
          <th scope="col">Vem</th>
          <th scope="col">Vad</th>
          <th scope="col">Avser</th>
          <th scope="col">Före</th>
          <th scope="col">Efter</th>
          <th scope="col">Detaljer</th>
        </tr>
      </thead>
      <tbody>
        ${input.items.map(
          (row) =>
            html`<tr>
              <td>${timeTag(row.at, true)}</td>
              <td>
                ${row.actorName ?? html`<span class="muted">okänd</span>`}${row.actorRole ? html`<br /><span class="muted">${labelOf(ROLE_LABELS, row.actorRole)}</span>` : ''}
              </td>
              <td>${labelOf(AUDIT_ACTION_LABELS, row.action)}</td>
              <td>
                ${
                  row.subjectType === 'candidate' && row.subjectId
                    ? html`<a href="/kandidater/${row.subjectId}">${row.subjectLabel ?? row.subjectId}</a>`
                    : row.subjectType === 'user'
                      ? 'Användarkonto'
                      : row.subjectType === 'subscription'
                        ? 'Prenumeration'
                        : row.subjectType === 'run' && row.subjectId
                          ? html`<a href="/korningar/${row.subjectId}">Körning</a>`
                          : (row.subjectId ?? '')
                }
              </td>
              <td>${summariseState(row.before)}</td>
              <td>${summariseState(row.after)}</td>
              <td>${auditDetails(row)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      pages > 1
        ? html`<nav class="pager" aria-label="Sidor">
            ${filter.page > 1 ? html`<a rel="prev" href="${pathWithQuery('/granskningslogg', { ...query, page: filter.page - 1 })}">← Nyare</a>` : ''}
            <span>Sida ${filter.page} av ${pages}</span>
            ${filter.page < pages ? html`<a rel="next" href="${pathWithQuery('/granskningslogg', { ...query, page: filter.page + 1 })}">Äldre →</a>` : ''}
          </nav>`
        : ''
    }`;
}

export function sourcesPage(input: {
  sources: SourceHealthRow[];
  runs: RunListItem[];
  user: User;
  csrfToken: string;
  sourceLabels: SourceLabels;
}): SafeHtml {
  const { sourceLabels } = input;
  return html`<h1>Källor och körningar</h1>
    ${
      roleAtLeast(input.user.role, 'admin')
        ? html`<form method="post" action="/kallor/skanna" class="panel" aria-labelledby="skanna-rubrik">
            <h2 id="skanna-rubrik" class="sr-only">Skanna nu</h2>
            <input type="hidden" name="_csrf" value="${input.csrfToken}" />
            <input type="hidden" name="client_request_id" value="${randomUUID()}" />
            <p>
              Startar en körning av alla påslagna källor nu, utöver den schemalagda. Körningen sparas direkt; är
              kön (Redis) nere startar den när kön svarar igen.
            </p>
            <button type="submit">Skanna nu</button>
          </form>`
        : ''
    }
    <h2 id="kallor">Källor</h2>
    <table>
      <caption class="sr-only">
        Källornas hälsa
      </caption>
      <thead>
        <tr>
          <th scope="col">Källa</th>
          <th scope="col">Hälsa</th>
          <th scope="col">Senaste utfall</th>
          <th scope="col" class="num">Poster</th>
          <th scope="col">Senast lyckad</th>
          <th scope="col">Fel i rad</th>
          <th scope="col">Senaste fel</th>
        </tr>
      </thead>
      <tbody>
        ${input.sources.map(
          (s) =>
            html`<tr>
              <td>
                <strong>${label(sourceLabels, s.id)}</strong><br /><span class="muted"
                  >${s.id}${s.adapter === s.id ? '' : ` (${s.adapter})`}${s.enabled ? '' : ' · avstängd'}</span
                >
              </td>
              <td>
                <span class="badge health-${s.health}">${labelOf(SOURCE_HEALTH_LABELS, s.health)}</span>
              </td>
              <td>
                ${s.last_outcome ? html`<span class="badge run-${s.last_outcome}">${labelOf(RUN_SOURCE_STATUS_LABELS, s.last_outcome)}</span>` : '–'}
              </td>
              <td class="num">${swedishNumber(s.items)}</td>
              <td>${timeTag(s.last_success_at, true)}</td>
              <td class="num">${s.consecutive_failures}</td>
              <td>
                ${
                  s.last_error_kind
                    ? html`<strong>${s.last_error_kind}</strong>
                        ${timeTag(s.last_error_at, true)}<br />${s.last_error_message ?? ''}`
                    : html`<span class="muted">–</span>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>

    <h2 id="korningar">Senaste körningar</h2>
    ${
      input.runs.length === 0
        ? html`<p class="muted">Inga körningar ännu.</p>`
        : html`<table>
            <caption class="sr-only">
              Körningar, senaste först
            </caption>
            <thead>
              <tr>
                <th scope="col">Startad</th>
                <th scope="col">Utlösare</th>
                <th scope="col">Status</th>
                <th scope="col">Källor</th>
                <th scope="col" class="num">Nya kandidater</th>
              </tr>
            </thead>
            <tbody>
              ${input.runs.map(
                (r) =>
                  html`<tr>
                    <td><a href="/korningar/${r.id}">${timeTag(r.startedAt, true)}</a></td>
                    <td>${labelOf(RUN_TRIGGER_LABELS, r.trigger)}</td>
                    <td>${labelOf(RUN_STATUS_LABELS, r.status)}</td>
                    <td>
                      ${r.sources.map(
                        (s) =>
                          html`<span class="badge run-${s.status}"
                            >${label(sourceLabels, s.sourceId)}:
                            ${labelOf(RUN_SOURCE_STATUS_LABELS, s.status)}${
                              s.errorKind ? ` (${s.errorKind})` : ''
                            }</span
                          > `,
                      )}
                    </td>
                    <td class="num">${r.candidatesNew}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

const RUN_NOTICES = {
  startad: { kind: 'ok', text: 'Skanningen är startad.' },
  vantar: {
    kind: 'warn',
    text: 'Skanningen är registrerad men kön (Redis) svarar inte just nu. Den startar av sig själv när kön är tillbaka.',
  },
} as const;

export function runPage(
  summary: RunSummary,
  sourceLabels: SourceLabels,
  notice?: keyof typeof RUN_NOTICES,
): SafeHtml {
  const shown = notice ? RUN_NOTICES[notice] : undefined;
  return html`<p><a href="/kallor#korningar">← Källor och körningar</a></p>
    <h1>Körning ${timeTag(summary.startedAt, true)}</h1>
    ${shown ? html`<div class="notice ${shown.kind}" role="status">${shown.text}</div>` : ''}
    <dl class="facts">
      <dt>Id</dt>
      <dd><code>${summary.runId}</code></dd>
      <dt>Utlösare</dt>
      <dd>${labelOf(RUN_TRIGGER_LABELS, summary.trigger)}</dd>
      <dt>Status</dt>
      <dd>${labelOf(RUN_STATUS_LABELS, summary.status)}</dd>
      <dt>Klar</dt>
      <dd>${timeTag(summary.finishedAt, true)}</dd>
      <dt>Nya kandidater</dt>
      <dd>${summary.candidatesNew}</dd>
      <dt>Rapporter</dt>
      <dd>${summary.reports}</dd>
      <dt>Nomineringar</dt>
      <dd>${summary.nominations}</dd>
      <dt>Misslyckade jobb</dt>
      <dd>${summary.failedJobs}</dd>
    </dl>
    <table>
      <caption>
        Per källa
      </caption>
      <thead>
        <tr>
          <th scope="col">Källa</th>
          <th scope="col">Utfall</th>
          <th scope="col" class="num">Sidor</th>
          <th scope="col" class="num">Poster</th>
          <th scope="col" class="num">Nya</th>
          <th scope="col" class="num">Ändrade</th>
          <th scope="col" class="num">Tid (ms)</th>
          <th scope="col">Fel</th>
        </tr>
      </thead>
      <tbody>
        ${summary.sources.map(
          (s) =>
            html`<tr>
              <td>${label(sourceLabels, s.source_id)} <span class="muted">(${s.source_id})</span></td>
              <td>
                <span class="badge run-${s.status}">${labelOf(RUN_SOURCE_STATUS_LABELS, s.status)}</span>
              </td>
              <td class="num">${s.pages}</td>
              <td class="num">${s.items_seen}</td>
              <td class="num">${s.items_new}</td>
              <td class="num">${s.items_changed}</td>
              <td class="num">${s.duration_ms ?? '–'}</td>
              <td>${s.error_kind ? html`<strong>${s.error_kind}</strong>: ${s.error_message ?? ''}` : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
