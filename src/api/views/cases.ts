import { randomUUID } from 'node:crypto';
import { html } from '../../text/html.js';
import { pathWithQuery } from '../html.js';
import type { HtmlValue, SafeHtml } from '../../text/html.js';
import { swedishNumber, timeTag } from '../format.js';
import { dateField } from './fields.js';
import {
  ASSESSMENT_BODIES,
  CASE_ACTION_LABELS,
  CASE_COUNCILS,
  CASE_ORIGIN_LABELS,
  CASE_STATUS_DESCRIPTIONS,
  CASE_STATUS_LABELS,
  CLOSE_REASONS,
  COLLABORATION_CRITERIA,
  NOT_INCLUDED_REASONS,
  RECOMMENDATION_KINDS,
  RECONSIDER_REASONS,
  REGIONS,
  SUBJECT_KINDS,
  SUBMITTER_LABELS,
  allowedActions,
  describeCaseEvent,
  reconsiderTriggerLabel,
} from '../../domain/cases.js';
import type { CaseAction, ReconsiderTrigger } from '../../domain/cases.js';
import { NPO_NAMES } from '../../domain/programme-areas.js';
import { statusLabelOf } from '../../domain/public-cases.js';
import type {
  CandidateCaseState,
  CaseEvent,
  CaseListView,
  CaseParty,
  CaseRecord,
} from '../../store/cases.js';
import type { User } from '../../store/users.js';
import { roleAtLeast } from '../../store/users.js';

const VIEW_LABELS: Record<CaseListView, string> = {
  open: 'Under beredning',
  reconsider: 'Att ompröva',
  decided: 'Beslutade',
  closed: 'Avslutade',
  all: 'Alla',
};

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}" ${selected === value ? html` selected` : ''}>${label}</option>`;
}

function statusBadge(record: Pick<CaseRecord, 'state'>): SafeHtml {
  return html`<span class="badge">${statusLabelOf(record.state)}</span>`;
}

const PROCESS_LABELS: Record<CandidateCaseState['status'], string> = {
  'not-handled': 'Inte hanterad av råden',
  nominated: 'Nominerad – ärende under beredning',
  handled: 'Hanterad av rådet',
  reconsider: 'Att ompröva',
};

/** On the candidate's page: where it is in the councils' process, with its cases. */
export function candidateCasesSection(state: CandidateCaseState): SafeHtml {
  if (state.cases.length === 0) return html``;
  return html`<h2 id="arenden">Ärenden i rådens process</h2>
    <p>
      <strong>${PROCESS_LABELS[state.status]}</strong>${state.councils.length > 0 ? ` (${state.councils.join(', ')})` : ''}.
    </p>
    <ul>
      ${state.cases.map(
        (c) =>
          html`<li>
            ${
              c.caseNumber
                ? html`<a href="/arendehantering/${c.caseNumber}">${c.caseNumber}</a>`
                : html`<span>På rådets publicerade lista (ännu inte importerad som ärende)</span>`
            }
            – ${CASE_STATUS_LABELS[c.status]}${c.council ? `, ${c.council}` : ''}${
              c.triggers.length > 0
                ? html`<ul>
                    ${c.triggers.map((t) => html`<li>Att ompröva: ${reconsiderTriggerLabel(t)}</li>`)}
                  </ul>`
                : ''
            }
          </li>`,
      )}
    </ul>`;
}

export interface CaseListEntry {
  record: CaseRecord;
  triggers?: ReconsiderTrigger[];
}

export function caseListPage(input: {
  view: CaseListView;
  items: CaseListEntry[];
  total: number;
  council?: string | undefined;
  q?: string | undefined;
  canNominate: boolean;
}): SafeHtml {
  const { view, items, total } = input;
  return html`<h1>Ärenden</h1>
    <p>
      Nomineringar som beredningsgruppen tar upp blir ärenden för MTP-rådet eller NT-rådet.
      ${input.canNominate ? html`<a href="/nominera">Registrera en nominering från en region, ett NPO eller en profession</a>.` : ''}
      Den offentliga listan finns på <a href="/arenden">/arenden</a>.
    </p>
    <nav aria-label="Ärendelistor">
      <ul class="tabs">
        ${(Object.keys(VIEW_LABELS) as CaseListView[]).map(
          (v) =>
            html`<li>
              <a href="${pathWithQuery('/arendehantering', { vy: v === 'open' ? undefined : v })}" ${
                v === view ? html` aria-current="page"` : ''
              }>${VIEW_LABELS[v]}</a>
            </li>`,
        )}
      </ul>
    </nav>
    ${
      view === 'reconsider'
        ? html`<p>
            Beslutade ärenden vars omprövningsdatum har passerats, eller vars kandidat efter beslutet har fått en ny
            generation, en ny indikation, ett säkerhetsmeddelande eller ett nytt kunskapsunderlag.
          </p>`
        : html`<form class="filters" method="get" action="/arendehantering" role="search" aria-label="Filtrera ärenden">
            <input type="hidden" name="vy" value="${view}" />
            <div class="wide">
              <label for="q">Sök (namn, tillverkare, indikation, ärendenummer)</label>
              <input type="search" id="q" name="q" value="${input.q ?? ''}" />
            </div>
            <div>
              <label for="rad">Råd</label>
              <select id="rad" name="rad">
                ${option('', 'Båda råden', input.council ?? '')}${CASE_COUNCILS.map((c) => option(c, c, input.council))}
              </select>
            </div>
            <div><button type="submit">Filtrera</button></div>
          </form>`
    }
    <p role="status" id="antal"><strong>${swedishNumber(total)} ${total === 1 ? 'ärende' : 'ärenden'}</strong>.</p>
    ${
      items.length === 0
        ? html`<p class="notice">Inga ärenden i listan.</p>`
        : html`<table>
            <caption class="sr-only">
              ${VIEW_LABELS[view]}
            </caption>
            <thead>
              <tr>
                <th scope="col">Ärende</th>
                <th scope="col">Produkt eller metod</th>
                <th scope="col">Råd</th>
                <th scope="col">Läge</th>
                <th scope="col">Nominerat av</th>
                <th scope="col">${view === 'reconsider' ? 'Skäl att ompröva' : 'Omprövas'}</th>
                <th scope="col">Senast ändrat</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                ({ record, triggers }) =>
                  html`<tr>
                    <td><a href="/arendehantering/${record.caseNumber}">${record.caseNumber}</a></td>
                    <td>
                      ${record.title}${record.indication ? html`<br /><span class="muted">${record.indication}</span>` : ''}
                    </td>
                    <td>${record.state.council ?? '–'}</td>
                    <td>${statusBadge(record)}</td>
                    <td>${record.parties.join(', ') || CASE_ORIGIN_LABELS[record.origin]}</td>
                    <td>
                      ${
                        triggers
                          ? html`<ul>
                              ${triggers.map((t) => html`<li>${reconsiderTriggerLabel(t)}</li>`)}
                            </ul>`
                          : timeTag(record.state.reviewOn)
                      }
                    </td>
                    <td>${timeTag(record.updatedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

function fact(label: string, value: HtmlValue): SafeHtml {
  return html`<dt>${label}</dt>
    <dd>${value === null || value === undefined || value === '' ? html`<span class="muted">–</span>` : value}</dd>`;
}

function selectField(
  id: string,
  name: string,
  label: string,
  entries: ReadonlyArray<readonly [string, string]>,
  selected?: string,
): SafeHtml {
  return html`<div>
    <label for="${id}">${label}</label>
    <select id="${id}" name="${name}">
      ${entries.map(([v, l]) => option(v, l, selected))}
    </select>
  </div>`;
}

function checkGroup(
  idPrefix: string,
  name: string,
  legend: string,
  entries: Record<string, string>,
): SafeHtml {
  return html`<fieldset>
    <legend>${legend}</legend>
    ${Object.entries(entries).map(
      ([value, label]) =>
        html`<label class="check" for="${idPrefix}-${value}"
          ><input type="checkbox" id="${idPrefix}-${value}" name="${name}[]" value="${value}" /> ${label}</label
        >`,
    )}
  </fieldset>`;
}

function textField(
  id: string,
  name: string,
  label: string,
  options: { type?: string; value?: string } = {},
): SafeHtml {
  return html`<div>
    <label for="${id}">${label}</label>
    <input type="${options.type ?? 'text'}" id="${id}" name="${name}" value="${options.value ?? ''}" maxlength="2000" />
  </div>`;
}

function dateInput(id: string, name: string, label: string, value?: string): SafeHtml {
  return dateField({ id, name, label, value });
}

const ENTRIES = (labels: Record<string, string>): Array<[string, string]> => Object.entries(labels);

/** The fields of one action's form (ids prefixed with the action so every label is unique). */
function actionFields(action: CaseAction, record: CaseRecord, today: string): SafeHtml {
  const id = (field: string) => `${action}-${field}`;
  switch (action) {
    case 'take-up':
      return html`${selectField(
        id('council'),
        'council',
        'Råd',
        CASE_COUNCILS.map((c) => [c, c] as const),
        record.state.council ?? undefined,
      )}
      ${textField(id('indication'), 'indication', 'Indikation eller användning', { value: record.indication ?? '' })}`;
    case 'decide':
      return html`<fieldset>
          <legend>Beslut</legend>
          <label class="check" for="${id('omfattas')}"
            ><input type="radio" id="${id('omfattas')}" name="outcome" value="omfattas" checked /> Omfattas av nationell
            samverkan</label
          >
          <label class="check" for="${id('omfattas-inte')}"
            ><input type="radio" id="${id('omfattas-inte')}" name="outcome" value="omfattas-inte" /> Omfattas inte av
            nationell samverkan</label
          >
        </fieldset>
        ${dateInput(id('decided-on'), 'decided_on', 'Beslutsdatum', today)}
        ${checkGroup(id('criteria'), 'criteria', 'Kriterier som talar för (vid omfattas)', COLLABORATION_CRITERIA)}
        ${checkGroup(id('reasons'), 'reasons', 'Skäl (vid omfattas inte)', NOT_INCLUDED_REASONS)}`;
    case 'order-assessment':
      return html`${selectField(id('body'), 'body', 'Utförare', ENTRIES(ASSESSMENT_BODIES))}
      ${textField(id('body-name'), 'body_name', 'Enhet (för regional HTA eller annan)')}
      ${dateInput(id('ordered-on'), 'ordered_on', 'Beställt', today)}
      ${dateInput(id('expected-on'), 'expected_on', 'Väntas')} ${dateInput(id('delivered-on'), 'delivered_on', 'Levererat')}`;
    case 'recommend':
      return html`${selectField(id('kind'), 'kind', 'Rekommendation', ENTRIES(RECOMMENDATION_KINDS))}
        <div>
          <label for="${id('text')}">Rekommendationens text (offentlig)</label>
          <textarea id="${id('text')}" name="text" maxlength="5000" required></textarea>
        </div>
        ${dateInput(id('decided-on'), 'decided_on', 'Beslutsdatum', today)}
        ${dateInput(id('review-on'), 'review_on', 'Omprövas senast (krävs utom för Avvakta)')}`;
    case 'set-follow-up':
      return dateInput(
        id('follow-up-on'),
        'follow_up_on',
        'Uppföljning',
        record.state.followUpOn ?? undefined,
      );
    case 'reconsider':
      return selectField(id('reason'), 'reason', 'Skäl', ENTRIES(RECONSIDER_REASONS));
    case 'close':
      return selectField(id('reason'), 'reason', 'Skäl', ENTRIES(CLOSE_REASONS));
    case 'acknowledge-review':
      return dateInput(id('review-on'), 'review_on', 'Nytt omprövningsdatum (valfritt)');
    case 'set-procurement':
      return html`<fieldset>
          <legend>Nationell upphandlingssamverkan</legend>
          <label class="check" for="${id('ja')}"
            ><input type="radio" id="${id('ja')}" name="relevant" value="ja" checked /> Relevant</label
          >
          <label class="check" for="${id('nej')}"
            ><input type="radio" id="${id('nej')}" name="relevant" value="nej" /> Inte relevant</label
          >
        </fieldset>
        ${textField(id('note'), 'note', 'Kommentar (offentlig)')}`;
    case 'add-consequence-analysis':
      return html`${selectField(
        id('region'),
        'region',
        'Region',
        REGIONS.map((r) => [r, r] as const),
      )}
      ${textField(id('url'), 'url', 'Länk till konsekvensanalysen', { type: 'url' })}
      ${textField(id('title'), 'title', 'Titel (valfri)')}`;
  }
}

function actionForm(action: CaseAction, record: CaseRecord, csrfToken: string, today: string): SafeHtml {
  return html`<form method="post" action="/arendehantering/${record.caseNumber}/andring" aria-labelledby="${action}-rubrik">
    <h3 id="${action}-rubrik">${CASE_ACTION_LABELS[action]}</h3>
    <input type="hidden" name="_csrf" value="${csrfToken}" />
    <input type="hidden" name="action" value="${action}" />
    <input type="hidden" name="version" value="${record.version}" />
    <input type="hidden" name="client_request_id" value="${randomUUID()}" />
    ${actionFields(action, record, today)}
    <div>
      <label for="${action}-comment">Intern kommentar <span class="muted">(visas inte offentligt)</span></label>
      <textarea id="${action}-comment" name="comment" maxlength="10000"></textarea>
    </div>
    <button type="submit">${CASE_ACTION_LABELS[action]}</button>
  </form>`;
}

export function casePage(input: {
  record: CaseRecord;
  parties: CaseParty[];
  events: CaseEvent[];
  triggers: ReconsiderTrigger[];
  candidateName: string | null;
  user: User;
  csrfToken: string;
  today: string;
  notice?: { kind: 'ok' | 'error'; text: HtmlValue } | undefined;
}): SafeHtml {
  const { record, parties, events, triggers, user } = input;
  const { state } = record;
  const canChange = roleAtLeast(user.role, 'reviewer');
  const actions = allowedActions(state).filter((a) => a !== 'acknowledge-review' || triggers.length > 0);
  return html`<p><a href="/arendehantering">Alla ärenden</a></p>
    <h1>${record.title} <span class="muted">– ärende ${record.caseNumber}</span></h1>
    ${
      input.notice
        ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">
            ${input.notice.text}
          </div>`
        : ''
    }
    <p>${statusBadge(record)} ${CASE_STATUS_DESCRIPTIONS[record.status]}</p>
    ${
      triggers.length > 0
        ? html`<div class="notice warn" role="note">
            <strong>Att ompröva:</strong>
            <ul>
              ${triggers.map(
                (t) =>
                  html`<li>
                    ${reconsiderTriggerLabel(t)}${
                      t.kind !== 'review-date-passed' && t.candidateId
                        ? html` – <a href="/kandidater/${t.candidateId}">kandidaten</a>`
                        : ''
                    }
                  </li>`,
              )}
            </ul>
          </div>`
        : ''
    }
    <h2>Uppgifter</h2>
    <dl class="facts">
      ${fact('Ärendenummer', record.caseNumber)}
      ${fact(
        'Kandidat',
        record.candidateId
          ? html`<a href="/kandidater/${record.candidateId}">${input.candidateName ?? record.title}</a>`
          : html`<span class="muted">Ännu inte kopplad till en kandidat</span>`,
      )}
      ${fact('Tillverkare', record.manufacturer)}
      ${fact('Typ', SUBJECT_KINDS[record.subjectKind as keyof typeof SUBJECT_KINDS] ?? record.subjectKind)}
      ${fact('Indikation eller användning', record.indication)} ${fact('Råd', state.council)}
      ${fact('Ursprung', CASE_ORIGIN_LABELS[record.origin])} ${fact('Öppnat', timeTag(record.openedAt, true))}
      ${fact('Version', record.version)}
      ${fact(
        'Offentligt',
        record.isPublic
          ? html`ja – <a href="/arenden/${record.caseNumber}">den offentliga sidan</a>`
          : 'nej (visas offentligt från rådets beslut)',
      )}
      ${fact(
        'Rekommendation',
        state.recommendation
          ? html`${statusLabelOf({ status: 'recommended', recommendation: state.recommendation })} (beslut
            ${timeTag(state.recommendation.decidedOn)}) – ${state.recommendation.text}`
          : null,
      )}
      ${fact('Omprövas senast', state.reviewOn ? timeTag(state.reviewOn) : null)}
      ${fact('Uppföljning', state.followUpOn ? timeTag(state.followUpOn) : null)}
      ${fact(
        'Upphandlingssamverkan',
        state.procurement
          ? `${state.procurement.relevant ? 'relevant' : 'inte relevant'}${state.procurement.note ? ` – ${state.procurement.note}` : ''}`
          : null,
      )}
    </dl>
    <h2>Nominerande parter</h2>
    ${
      parties.length === 0
        ? html`<p class="muted">Ärendet kommer från rådets publicerade lista.</p>`
        : html`<table>
            <caption class="sr-only">
              Nominerande parter
            </caption>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Motivering (intern)</th>
                <th scope="col">Kontaktperson (intern)</th>
                <th scope="col">Nominerat</th>
              </tr>
            </thead>
            <tbody>
              ${parties.map(
                (p) =>
                  html`<tr>
                    <td>${p.party}${p.region && p.region !== p.party ? html`<br /><span class="muted">${p.region}</span>` : ''}</td>
                    <td>${p.reason ?? '–'}</td>
                    <td>
                      ${
                        p.contactEmail
                          ? html`${p.contactName ?? ''}<br /><a href="mailto:${p.contactEmail}">${p.contactEmail}</a>`
                          : html`<span class="muted">–</span>`
                      }
                    </td>
                    <td>${timeTag(p.createdAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      state.consequenceAnalyses.length > 0
        ? html`<h2>Regionernas konsekvensanalyser</h2>
            <ul>
              ${state.consequenceAnalyses.map(
                (a) =>
                  html`<li>
                    ${a.region}:
                    <a href="${a.url}" rel="noopener noreferrer" target="_blank">${a.title ?? 'Konsekvensanalys'}</a>
                  </li>`,
              )}
            </ul>`
        : ''
    }
    ${
      canChange && actions.length > 0
        ? html`<h2 id="andra">Ändra ärendet</h2>
            <p class="muted">Varje ändring sparas som en händelse med ditt namn och kan inte ändras i efterhand.</p>
            <div class="actions">${actions.map((a) => actionForm(a, record, input.csrfToken, input.today))}</div>`
        : ''
    }
    <h2 id="historik">Händelser</h2>
    <table>
      <caption class="sr-only">
        Ärendets händelser, äldst först
      </caption>
      <thead>
        <tr>
          <th scope="col">Tid</th>
          <th scope="col">Händelse</th>
          <th scope="col">Vad</th>
          <th scope="col">Av</th>
          <th scope="col">Intern kommentar</th>
          <th scope="col">Offentlig</th>
        </tr>
      </thead>
      <tbody>
        ${events.map(
          (e) =>
            html`<tr>
              <td>${timeTag(e.createdAt, true)}</td>
              <td>${CASE_ACTION_LABELS[e.action]}</td>
              <td>${describeCaseEvent(e.action, e.payload, e.after).map((line, i) => html`${i > 0 ? html`<br />` : ''}${line}`)}</td>
              <td>${e.actorName}</td>
              <td>${e.comment ?? ''}</td>
              <td>${e.isPublic ? 'ja' : 'nej'}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export interface NominationFormValues {
  [field: string]: string | undefined;
}

export function nominationFormPage(input: {
  values: NominationFormValues;
  errors: Array<{ path: string; message: string }>;
  csrfToken: string;
}): SafeHtml {
  const v = input.values;
  const errorOf = (field: string) => input.errors.find((e) => e.path === field)?.message;
  const described = (field: string) =>
    errorOf(field) ? html` aria-invalid="true" aria-describedby="nominera-${field}-fel"` : '';
  const errorText = (field: string) =>
    errorOf(field) ? html`<span id="nominera-${field}-fel" class="field-error">${errorOf(field)}</span>` : '';
  const text = (field: string, label: string, extra: { type?: string; autocomplete?: string } = {}) =>
    html`<div>
      <label for="nominera-${field}">${label}</label>
      <input
        type="${extra.type ?? 'text'}"
        id="nominera-${field}"
        name="${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"
        value="${v[field] ?? ''}"
        maxlength="300"
        ${extra.autocomplete ? html` autocomplete="${extra.autocomplete}"` : ''}
        ${described(field)}
      />
      ${errorText(field)}
    </div>`;
  return html`<h1>Registrera en nominering</h1>
    <p>
      Regioner, nationella programområden (NPO) och professioner kan nominera produkter och metoder, också sådana som
      horisontspaningen inte har hittat. Nomineringen kopplas till samma kandidat som skanningen hittar (eller skapar
      den) och blir ett ärende som beredningsgruppen tar upp. Ett företag kan inte ansöka: en uppgift från ett företag
      sparas som en signal om produkten, inte som en nominering.
    </p>
    ${
      input.errors.length > 0
        ? html`<div class="notice error" role="alert">
            Nomineringen sparades inte. Rätta det som är markerat:
            <ul>
              ${input.errors.map((e) => html`<li>${e.path}: ${e.message}</li>`)}
            </ul>
          </div>`
        : ''
    }
    <form method="post" action="/nominera" class="stack">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <input type="hidden" name="client_request_id" value="${v.clientRequestId ?? randomUUID()}" />
      <fieldset>
        <legend>Vem nominerar</legend>
        <div>
          <label for="nominera-origin">Nominerande part</label>
          <select id="nominera-origin" name="origin" ${described('origin')}>
            ${Object.entries(SUBMITTER_LABELS).map(([value, label]) => option(value, label, v.origin ?? 'region'))}
          </select>
        </div>
        <div>
          <label for="nominera-region">Region <span class="muted">(krävs för en region)</span></label>
          <select id="nominera-region" name="region" ${described('region')}>
            ${option('', 'Ingen region vald', v.region ?? '')}${REGIONS.map((r) => option(r, r, v.region))}
          </select>
          ${errorText('region')}
        </div>
        <div>
          <label for="nominera-party"
            >Programområde, organisation eller företag <span class="muted">(inte för en region)</span></label
          >
          <input type="text" id="nominera-party" name="party" value="${v.party ?? ''}" maxlength="200" list="npo-namn" ${described('party')} />
          <datalist id="npo-namn">
            ${NPO_NAMES.map((n) => html`<option value="NPO ${n}"></option>`)}
          </datalist>
          ${errorText('party')}
        </div>
      </fieldset>
      <fieldset>
        <legend>Vad nomineras</legend>
        <div>
          <label for="nominera-kind">Produkt eller metod</label>
          <select id="nominera-kind" name="kind">
            ${Object.entries(SUBJECT_KINDS).map(([value, label]) => option(value, label, v.kind ?? 'device'))}
          </select>
        </div>
        ${text('name', 'Produktens eller metodens namn')} ${text('maker', 'Tillverkare (krävs för produkter)')}
        ${text('indication', 'Indikation eller användning')}
        <div>
          <label for="nominera-reason">Varför nomineras den?</label>
          <textarea id="nominera-reason" name="reason" maxlength="5000" ${described('reason')}>${v.reason ?? ''}</textarea>
          ${errorText('reason')}
        </div>
      </fieldset>
      <fieldset>
        <legend>Kontaktperson</legend>
        <p class="muted">
          Kontaktpersonen får ett e-postmeddelande vid varje ändring i ärendet och kan avsluta dem. Uppgifterna visas
          aldrig offentligt.
        </p>
        ${text('contactName', 'Namn', { autocomplete: 'name' })}
        ${text('contactEmail', 'E-postadress', { type: 'email', autocomplete: 'email' })}
      </fieldset>
      <button type="submit">Registrera nomineringen</button>
    </form>`;
}
