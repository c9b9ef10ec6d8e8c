import { html } from '../../text/html.js';
import type { HtmlValue, SafeHtml } from '../../text/html.js';
import { labelOf, swedishDate, timeTag } from '../format.js';
import { NPO_NAMES } from '../../domain/programme-areas.js';
import type { SubscriptionRow } from '../../store/alerts.js';
import {
  ADMIN_EVENT_KINDS,
  BANDS,
  CANDIDATE_EVENT_KINDS,
  CHANNELS,
  CHANNEL_LABELS,
  COUNCILS,
  EVENT_LABELS,
  describeFilter,
} from '../../domain/alert-filter.js';

const BAND_WORDS: Record<string, string> = { låg: 'Låg', medel: 'Medel', hög: 'Hög' };

/** A filter as the form shows it: what was stored, or what was typed and refused. */
export interface FormFilter {
  npo: readonly string[];
  keywords: readonly string[];
  emdn: readonly string[];
  council: readonly string[];
  sources: readonly string[];
  cases?: readonly string[] | undefined;
  events: readonly string[];
  minBand?: string | undefined;
}

export interface SubscriptionFormValues {
  name: string;
  channel: string;
  ownerEmail: string;
  webhookUrl: string;
  filter: FormFilter;
  paused: boolean;
}

export const EMPTY_FORM: SubscriptionFormValues = {
  name: '',
  channel: 'email-weekly',
  ownerEmail: '',
  webhookUrl: '',
  filter: { npo: [], keywords: [], emdn: [], council: [], sources: [], events: [...CANDIDATE_EVENT_KINDS] },
  paused: false,
};

export function formValuesOf(s: SubscriptionRow): SubscriptionFormValues {
  return {
    name: s.name,
    channel: s.channel,
    ownerEmail: s.owner_email ?? '',
    webhookUrl: s.webhook_url ?? '',
    filter: s.filter,
    paused: s.paused_at !== null,
  };
}

function checkboxes(
  name: string,
  legend: string,
  options: ReadonlyArray<readonly [string, string]>,
  checked: readonly string[],
): SafeHtml {
  return html`<fieldset>
    <legend>${legend}</legend>
    ${options.map(
      ([value, label], i) =>
        html`<label class="check"
          ><input
            type="checkbox"
            name="${name}[]"
            id="${name}-${i}"
            value="${value}"
            ${checked.includes(value) ? html` checked` : ''}
          />
          ${label}</label
        >`,
    )}
  </fieldset>`;
}

function fields(
  values: SubscriptionFormValues,
  options: { sources: string[]; isAdmin: boolean; creating: boolean },
): SafeHtml {
  const f = values.filter;
  const events = options.isAdmin
    ? [...CANDIDATE_EVENT_KINDS, ...ADMIN_EVENT_KINDS]
    : [...CANDIDATE_EVENT_KINDS];
  return html`<div>
      <label for="sub-name">Namn</label>
      <input type="text" id="sub-name" name="name" required maxlength="200" value="${values.name}" />
    </div>
    ${
      options.creating
        ? html`<div>
              <label for="sub-channel">Kanal</label>
              <select id="sub-channel" name="channel" data-shows="webhook-adress" data-shows-for="webhook">
                ${CHANNELS.map(
                  (c) =>
                    html`<option value="${c}" ${values.channel === c ? html` selected` : ''}>
                      ${CHANNEL_LABELS[c]}
                    </option>`,
                )}
              </select>
            </div>
            <div id="webhook-adress">
              <label for="sub-webhook">Webhook-adress (https)</label>
              <input type="url" id="sub-webhook" name="webhook_url" maxlength="2048" value="${values.webhookUrl}" />
            </div>`
        : html`<p>
            <strong>Kanal:</strong> ${labelOf(CHANNEL_LABELS, values.channel)}${
              values.webhookUrl ? ` (${values.webhookUrl})` : ''
            }
            <span class="muted">– en annan kanal kräver en ny prenumeration.</span>
          </p>`
    }
    <div>
      <label for="sub-email">E-postadress <span class="muted">(krävs för e-post)</span></label>
      <input
        type="email"
        id="sub-email"
        name="owner_email"
        maxlength="254"
        autocomplete="email"
        value="${values.ownerEmail}"
      />
    </div>
    <div>
      <label for="sub-npo">Programområden (NPO)</label>
      <select id="sub-npo" name="npo[]" multiple size="6">
        ${NPO_NAMES.map(
          (n) => html`<option value="${n}" ${f.npo.includes(n) ? html` selected` : ''}>${n}</option>`,
        )}
      </select>
    </div>
    <div>
      <label for="sub-keywords">Nyckelord <span class="muted">(kommaseparerade; * som jokertecken)</span></label>
      <input type="text" id="sub-keywords" name="keywords" maxlength="2000" value="${f.keywords.join(', ')}" />
    </div>
    <div>
      <label for="sub-emdn">EMDN-prefix <span class="muted">(t.ex. J, W0101)</span></label>
      <input type="text" id="sub-emdn" name="emdn" maxlength="500" value="${f.emdn.join(', ')}" />
    </div>
    <div>
      <label for="sub-cases"
        >Endast dessa ärenden <span class="muted">(ärendenummer, t.ex. HOR-2026-0042; gäller ändrade ärenden)</span></label
      >
      <input type="text" id="sub-cases" name="cases" maxlength="1000" value="${(f.cases ?? []).join(', ')}" />
    </div>
    ${checkboxes(
      'council',
      'Råd',
      COUNCILS.map((c) => [c, c] as const),
      f.council,
    )}
    <div>
      <label for="sub-band">Lägsta prioritetsnivå</label>
      <select id="sub-band" name="min_band">
        <option value="">Alla nivåer</option>
        ${BANDS.map(
          (b) =>
            html`<option value="${b}" ${f.minBand === b ? html` selected` : ''}>${BAND_WORDS[b]}</option>`,
        )}
      </select>
    </div>
    ${
      options.sources.length > 0
        ? checkboxes(
            'sources',
            'Endast kandidater med evidens från dessa källor',
            options.sources.map((s) => [s, s] as const),
            f.sources,
          )
        : ''
    }
    ${checkboxes(
      'events',
      'Händelser',
      events.map((e) => [e, EVENT_LABELS[e]] as const),
      f.events,
    )}`;
}

export function subscriptionsPage(input: {
  rows: SubscriptionRow[];
  isAdmin: boolean;
  csrfToken: string;
  sources: string[];
  form: SubscriptionFormValues;
  notice?: { kind: 'ok' | 'error' | 'warn'; text: HtmlValue } | undefined;
  /** Shown once, right after creation. */
  secret?: { feedUrl?: string | undefined; webhookSecret?: string | undefined } | undefined;
}): SafeHtml {
  return html`<h1>Prenumerationer</h1>
    <p class="muted">
      Få besked om nya och ändrade kandidater inom dina områden: direkt per e-post, som daglig eller veckovis
      sammanfattning, som Atom-flöde eller som signerad webhook.
      ${input.isAdmin ? 'Som administratör ser du allas prenumerationer.' : ''}
    </p>
    ${input.notice ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${input.notice.text}</div>` : ''}
    ${
      input.secret?.feedUrl || input.secret?.webhookSecret
        ? html`<div class="notice warn" role="status">
            <p><strong>Spara detta nu – det visas bara en gång.</strong></p>
            ${input.secret.feedUrl ? html`<p>Atom-flödets hemliga adress: <code>${input.secret.feedUrl}</code></p>` : ''}
            ${
              input.secret.webhookSecret
                ? html`<p>
                    Signeringsnyckel för mottagaren (Standard Webhooks): <code>${input.secret.webhookSecret}</code>
                  </p>`
                : ''
            }
          </div>`
        : ''
    }
    ${
      input.rows.length === 0
        ? html`<p>Inga prenumerationer ännu.</p>`
        : html`<table>
            <caption class="sr-only">
              Prenumerationer
            </caption>
            <thead>
              <tr>
                <th scope="col">Namn</th>
                ${input.isAdmin ? html`<th scope="col">Ägare</th>` : ''}
                <th scope="col">Kanal</th>
                <th scope="col">Filter</th>
                <th scope="col">Status</th>
                <th scope="col">Skapad</th>
                <th scope="col">Åtgärder</th>
              </tr>
            </thead>
            <tbody>
              ${input.rows.map((s) => row(s, input))}
            </tbody>
          </table>`
    }
    <h2 id="ny">Ny prenumeration</h2>
    <form method="post" action="/prenumerationer" class="panel stack" aria-labelledby="ny">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      ${fields(input.form, { sources: input.sources, isAdmin: input.isAdmin, creating: true })}
      <p><button type="submit">Spara prenumerationen</button></p>
    </form>`;
}

function row(s: SubscriptionRow, input: { isAdmin: boolean; csrfToken: string }): SafeHtml {
  const paused = s.paused_at !== null;
  return html`<tr>
    <td><a href="/prenumerationer/${s.id}">${s.name}</a></td>
    ${input.isAdmin ? html`<td>${s.owner_name}${s.owner_user_id ? '' : html`<br /><span class="muted">(kommandorad)</span>`}</td>` : ''}
    <td>${labelOf(CHANNEL_LABELS, s.channel)}</td>
    <td>${describeFilter(s.filter)}</td>
    <td>
      ${
        paused
          ? html`<span class="badge status-dismissed">Pausad</span> <span class="muted">sedan ${swedishDate(s.paused_at)}</span>`
          : html`<span class="badge health-ok">Aktiv</span>`
      }
    </td>
    <td>${timeTag(s.created_at)}</td>
    <td class="row-actions">
      <a href="/prenumerationer/${s.id}">Ändra</a>
      <form method="post" action="/prenumerationer/${s.id}/paus">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <input type="hidden" name="paused" value="${paused ? '0' : '1'}" />
        <button type="submit" class="secondary">${paused ? 'Återuppta' : 'Pausa'}<span class="sr-only"> ${s.name}</span></button>
      </form>
      <form method="post" action="/prenumerationer/${s.id}/ta-bort">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <button type="submit" class="secondary">Ta bort<span class="sr-only"> ${s.name}</span></button>
      </form>
    </td>
  </tr>`;
}

export function subscriptionEditPage(input: {
  subscription: SubscriptionRow;
  form: SubscriptionFormValues;
  isAdmin: boolean;
  csrfToken: string;
  sources: string[];
  notice?: { kind: 'ok' | 'error' | 'warn'; text: HtmlValue } | undefined;
}): SafeHtml {
  const s = input.subscription;
  return html`<p><a href="/prenumerationer">← Prenumerationer</a></p>
    <h1>Ändra prenumeration</h1>
    <p class="muted">
      ${s.owner_name} · skapad ${timeTag(s.created_at)} · ändrad ${timeTag(s.updated_at, true)} ·
      <code>${s.id}</code>
    </p>
    ${input.notice ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${input.notice.text}</div>` : ''}
    <form method="post" action="/prenumerationer/${s.id}" class="panel stack" aria-label="Ändra prenumeration">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      ${fields(input.form, { sources: input.sources, isAdmin: input.isAdmin, creating: false })}
      <div>
        <label class="check"
          ><input type="checkbox" name="paused" value="1" ${input.form.paused ? html` checked` : ''} /> Pausad (inga nya
          meddelanden)</label
        >
      </div>
      <p><button type="submit">Spara ändringarna</button></p>
    </form>`;
}
