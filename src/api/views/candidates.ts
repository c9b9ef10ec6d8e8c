import { STAGE_LABELS } from '../../domain/lifecycle.js';
import { COUNCIL_VALUES, PROCESS_STATUS_LABELS } from '../../domain/routing.js';
import { RANKED_SECTIONS, RANKED_SECTION_LABELS } from '../../store/queries.js';
import type { RankedSection } from '../../store/queries.js';
import { randomUUID } from 'node:crypto';
import { html } from '../../text/html.js';
import { externalLink, pathWithQuery } from '../html.js';
import type { HtmlValue, SafeHtml } from '../../text/html.js';
import {
  ACTION_LABELS,
  BAND_LABELS,
  KIND_LABELS,
  ORIGIN_LABELS,
  STATUS_LABELS,
  labelOf,
  swedishDate,
  swedishNumber,
  timeTag,
} from '../format.js';
import { NPO_NAMES, PROGRAMME_FIELD_LABELS } from '../../domain/programme-areas.js';
import type { DateField } from '../service.js';
import { dateField } from './fields.js';
import type { CandidateDetail, CandidateFilter, CandidateList } from '../../store/workbench.js';
import type { Decision, DecisionState, Note } from '../../store/decisions.js';
import { DISMISS_REASONS } from '../../store/decisions.js';
import type { User } from '../../store/users.js';
import { roleAtLeast } from '../../store/users.js';
import { ITEM_KIND_LABELS, legislationLabel, riskClassLabel } from '../../domain/labels.js';
import { normaliseRiskClass, normaliseLegislation } from '../../domain/candidate.js';
import { label, registryCodeLabel } from '../../domain/labels.js';
import type { SourceLabels } from '../../domain/labels.js';
import type { CandidateCaseState } from '../../store/cases.js';
import { candidateCasesSection } from './cases.js';
import { exportLinks } from '../export.js';

const SORT_LABELS: Record<string, string> = {
  score: 'Prioritet',
  name: 'Namn',
  'first-seen': 'Först sedd',
  updated: 'Senast ändrad',
  relevance: 'Bästa träff (vid sökning)',
};

const STATUS_FILTER_LABELS: Record<string, string> = { ...STATUS_LABELS, watched: 'Bevakade' };

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}" ${selected === value ? html` selected` : ''}>${label}</option>`;
}

function select(
  id: string,
  label: string,
  values: ReadonlyArray<readonly [string, string]>,
  selected: string | undefined,
  emptyLabel = 'Alla',
): SafeHtml {
  return html`<div>
    <label for="${id}">${label}</label>
    <select id="${id}" name="${id}">
      ${option('', emptyLabel, selected ?? '')}${values.map(([v, l]) => option(v, l, selected))}
    </select>
  </div>`;
}

export function bandBadge(band: string | null): SafeHtml {
  if (!band) return html`<span class="muted">–</span>`;
  return html`<span class="badge band-${band}">${labelOf(BAND_LABELS, band)}</span>`;
}

export function statusBadge(status: string, watched: boolean): SafeHtml {
  return html`<span class="badge status-${status}">${labelOf(STATUS_LABELS, status)}</span>${
    watched ? html` <span class="badge status-open">Bevakas</span>` : ''
  }`;
}

function filterQuery(filter: CandidateFilter): Record<string, string | number | undefined> {
  return {
    // The page opens on `new`: only another list needs saying.
    scope: filter.scope === 'new' ? undefined : (filter.scope ?? 'all'),
    q: filter.q,
    npo: filter.npo,
    council: filter.council,
    band: filter.band,
    status: filter.status,
    source: filter.source,
    from: filter.from,
    to: filter.to,
    sort: filter.sort === 'score' ? undefined : filter.sort,
    order: filter.order,
    pageSize: filter.pageSize === 25 ? undefined : filter.pageSize,
  };
}

export function candidateListPage(input: {
  list: CandidateList;
  filter: CandidateFilter;
  options: { sources: string[]; councils: string[]; npo: string[] };
  errors?: Partial<Record<DateField, string>>;
  typed?: Partial<Record<DateField, string>>;
  sourceLabels: SourceLabels;
}): SafeHtml {
  const { list, filter, options, sourceLabels } = input;
  const errors = input.errors ?? {};
  const typed = input.typed ?? {};
  const councils = [...new Set([...COUNCIL_VALUES, ...options.councils])];
  const npo = [...new Set([...NPO_NAMES, ...options.npo])];
  const first = (list.page - 1) * list.pageSize + 1;
  const last = first + list.items.length - 1;
  const query = filterQuery(filter);
  // A count that is a lower bound says "at least".
  const count = (n: number) =>
    list.counts.atLeast && n >= list.counts.exactBelow ? `minst ${swedishNumber(n)}` : swedishNumber(n);
  const bandCounts = ['hög', 'medel', 'låg']
    .map((b) => `${labelOf(BAND_LABELS, b)}: ${count(list.counts.byBand[b] ?? 0)}`)
    .join(' · ');
  const statusCounts = ['open', 'nominated', 'dismissed']
    .map((s) => `${labelOf(STATUS_LABELS, s)}: ${count(list.counts.byStatus[s] ?? 0)}`)
    .join(' · ');
  const scopes: Array<[RankedSection | 'all', string]> = [
    ...RANKED_SECTIONS.map((section) => [section, RANKED_SECTION_LABELS[section]] as [RankedSection, string]),
    ['all', 'Alla'],
  ];
  const currentScope = filter.scope ?? 'all';
  return html`<h1>Kandidater</h1>
    <nav class="tabs" aria-label="Listor">
      ${scopes.map(([scope, label]) =>
        scope === currentScope
          ? html`<strong aria-current="page">${label}</strong> `
          : html`<a href="${pathWithQuery('/kandidater', { ...query, scope: scope === 'new' ? undefined : scope, page: undefined })}">${label}</a> `,
      )}
    </nav>
    <form class="filters" method="get" action="/kandidater" role="search" aria-label="Filtrera kandidater">
      ${filter.scope === 'new' ? '' : html`<input type="hidden" name="scope" value="${currentScope}" />`}
      <div class="wide">
        <label for="q">Fritext (namn, tillverkare, källtitlar, identifierare)</label>
        <input type="search" id="q" name="q" value="${filter.q ?? ''}" placeholder="t.ex. glukosmätning" />
      </div>
      ${select(
        'npo',
        'Programområde (NPO)',
        npo.map((n) => [n, n] as const),
        filter.npo,
      )}
      ${select(
        'council',
        'Råd',
        councils.map((c) => [c, c] as const),
        filter.council,
      )}
      ${select(
        'band',
        'Prioritetsnivå',
        ['hög', 'medel', 'låg'].map((b) => [b, labelOf(BAND_LABELS, b)] as const),
        filter.band,
      )}
      ${select('status', 'Status', Object.entries(STATUS_FILTER_LABELS), filter.status)}
      ${select(
        'source',
        'Källa',
        options.sources.map((s) => [s, label(sourceLabels, s)] as const),
        filter.source,
      )}
      ${dateField({ id: 'from', label: 'Först sedd från', value: typed.from ?? filter.from, error: errors.from })}
      ${dateField({ id: 'to', label: 'Först sedd till och med', value: typed.to ?? filter.to, error: errors.to })}
      ${select('sort', 'Sortera på', Object.entries(SORT_LABELS), filter.sort, 'Prioritet')}
      ${select(
        'order',
        'Ordning',
        [
          ['desc', 'Fallande'],
          ['asc', 'Stigande'],
        ],
        filter.order,
        'Standard',
      )}
      ${select(
        'pageSize',
        'Per sida',
        ['25', '50', '100'].map((n) => [n, n] as const),
        String(filter.pageSize),
        '25',
      )}
      <div>
        <button type="submit">Filtrera</button> <a class="button secondary" href="/kandidater">Rensa</a>
      </div>
    </form>
    ${
      errors.from || errors.to
        ? html`<div class="notice error" role="alert">
            Datumfiltret används inte: ${[errors.from, errors.to].filter(Boolean).join(' ')} Listan visas utan
            det felaktiga datumet.
          </div>`
        : ''
    }
    <p role="status" id="antal">
      <strong>${list.totalApproximate ? 'Ungefär ' : ''}${swedishNumber(list.total)} kandidater</strong> matchar${
        list.items.length > 0 ? html` – visar ${swedishNumber(first)}–${swedishNumber(last)}` : ''
      }.
      <span class="muted"
        >${bandCounts}. ${statusCounts}. Bevakade: ${count(list.counts.watched)}.</span
      >
    </p>
    ${list.total > 0 ? exportLinks(query) : ''}
    ${
      list.items.length === 0
        ? html`<p class="notice">Inga kandidater matchar filtret.</p>`
        : html`<table>
            <caption class="sr-only">
              Kandidater rangordnade efter ${labelOf(SORT_LABELS, filter.sort).toLowerCase()}
            </caption>
            <thead>
              <tr>
                <th scope="col" class="num">#</th>
                <th scope="col">Kandidat</th>
                <th scope="col" class="num">Prioritet</th>
                <th scope="col">Nivå</th>
                <th scope="col">Livscykel</th>
                <th scope="col">Rådens hantering</th>
                <th scope="col">Råd</th>
                <th scope="col">Status</th>
                <th scope="col">Källor</th>
                <th scope="col">Först sedd</th>
              </tr>
            </thead>
            <tbody>
              ${list.items.map(
                (c, index) =>
                  html`<tr>
                    <td class="num">${first + index}</td>
                    <td>
                      <a href="/kandidater/${c.id}">${c.name}</a><br /><span class="muted"
                        >${c.manufacturer ?? ''}${
                          c.manufacturer ? ' · ' : ''
                        }${labelOf(KIND_LABELS, c.kind)}${c.npo.length ? html` · ${c.npo.join(', ')}` : ''}</span
                      >
                    </td>
                    <td class="num">${c.score ?? '–'}</td>
                    <td>${c.insufficientEvidence ? html`<span class="badge band-underlag">Underlag saknas</span>` : bandBadge(c.band)}</td>
                    <td>${c.stage === null ? '–' : labelOf(STAGE_LABELS, c.stage)}</td>
                    <td>${c.processStatus === null ? '–' : labelOf(PROCESS_STATUS_LABELS, c.processStatus)}</td>
                    <td>${c.council ?? '–'}</td>
                    <td>${statusBadge(c.status, c.watched)}</td>
                    <td>${c.sources.map((s) => label(sourceLabels, s)).join(', ')} <span class="muted">(${c.evidenceCount})</span></td>
                    <td>${timeTag(c.firstSeenAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${pager(list, query)}`;
}

/**
 * The next page continues after this page's last row (its cursor), so a deep page costs what the
 * first does; the page before, and a page number typed into the address, are found by number
 * (deep ones about there, by the score distribution: "ungefär").
 */
function pager(list: CandidateList, query: Record<string, string | number | undefined>): HtmlValue {
  if (list.page <= 1 && list.nextCursor === null) return '';
  const link = (page: number, cursor: string | undefined, label: string, rel: string): SafeHtml =>
    html`<a href="${pathWithQuery('/kandidater', { ...query, page, cursor })}" rel="${rel}">${label}</a>`;
  const about = list.totalApproximate || list.pageApproximate ? 'ungefär ' : '';
  return html`<nav class="pager" aria-label="Sidor">
    ${list.page > 1 ? link(list.page - 1, undefined, '← Föregående', 'prev') : ''}
    <span>Sida ${about}${swedishNumber(list.page)} av ${about}${swedishNumber(list.pages)}</span>
    ${list.nextCursor !== null ? link(list.page + 1, list.nextCursor, 'Nästa →', 'next') : ''}
  </nav>`;
}

// --- the candidate page -----------------------------------------------------------------------

export interface CandidatePageInput {
  candidate: CandidateDetail;
  decisions: Decision[];
  notes: Note[];
  user: User;
  csrfToken: string;
  /** A message after an action (or the 409 explanation). */
  notice?: { kind: 'ok' | 'error' | 'warn'; text: HtmlValue } | undefined;
  /** Where the candidate is in the councils' process (its cases). */
  cases?: CandidateCaseState | undefined;
  sourceLabels: SourceLabels;
}

function hidden(name: string, value: string | number): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}" />`;
}

function decisionForm(
  input: CandidatePageInput,
  action: string,
  label: string,
  heading: string,
  fields: HtmlValue,
  secondary = false,
): SafeHtml {
  const { candidate, csrfToken } = input;
  const id = `form-${action}`;
  return html`<form method="post" action="/kandidater/${candidate.id}/beslut" aria-labelledby="${id}-rubrik">
    <h3 id="${id}-rubrik">${heading}</h3>
    ${hidden('_csrf', csrfToken)}${hidden('action', action)}${hidden('version', candidate.state.version)}
    ${hidden('client_request_id', randomUUID())} ${fields}
    <div><button type="submit" ${secondary ? html` class="secondary"` : ''}>${label}</button></div>
  </form>`;
}

function actionsPanel(input: CandidatePageInput): SafeHtml {
  const { candidate, user, csrfToken } = input;
  if (!roleAtLeast(user.role, 'reviewer')) {
    return html`<p class="muted">
      Din roll (läsare) kan se men inte fatta beslut. Beslut fattas av granskare.
    </p>`;
  }
  const { state } = candidate;
  const forms: SafeHtml[] = [];
  if (state.status !== 'nominated') {
    forms.push(
      decisionForm(
        input,
        'nominate',
        'Nominera',
        'Nominera',
        html`<p class="muted">
            ${
              candidate.report
                ? html`Rapport version ${candidate.report.version} skickas till nomineringskön.`
                : 'Kandidaten har ingen rapport ännu; nomineringen skickas utan rapport.'
            }
          </p>
          <div>
            <label for="origin">Ursprung</label>
            <select id="origin" name="origin" data-shows="pa-uppdrag-av" data-shows-for="region npo">
              ${option('scan', 'Horisontspaning (beredningen)', 'scan')}${option('region', 'Region', undefined)}${option('npo', 'NPO', undefined)}
            </select>
          </div>
          <div id="pa-uppdrag-av">
            <label for="on_behalf_of">På uppdrag av (region eller NPO)</label>
            <input
              type="text"
              id="on_behalf_of"
              name="on_behalf_of"
              maxlength="200"
              placeholder="t.ex. Region Halland"
            />
          </div>
          <div>
            <label for="nominate-comment">Motivering</label>
            <textarea id="nominate-comment" name="comment" maxlength="10000"></textarea>
          </div>`,
      ),
    );
  }
  if (state.status !== 'dismissed') {
    forms.push(
      decisionForm(
        input,
        'dismiss',
        'Avför',
        'Avför',
        html`<div>
            <label for="reason_code">Skäl</label>
            <select id="reason_code" name="reason_code" required>
              ${option('', 'Välj skäl …', '')}${Object.entries(DISMISS_REASONS).map(([v, l]) => option(v, l, undefined))}
            </select>
          </div>
          <div>
            <label for="dismiss-comment">Kommentar <span class="muted">(krävs för ”Annat skäl”)</span></label>
            <textarea id="dismiss-comment" name="comment" maxlength="10000"></textarea>
          </div>`,
        true,
      ),
    );
  }
  if (state.status !== 'open') {
    forms.push(
      decisionForm(
        input,
        'reopen',
        'Återöppna',
        'Återöppna',
        html`<p class="muted">Sätter kandidaten som ej beslutad igen.</p>
          <div>
            <label for="reopen-comment">Kommentar</label
            ><textarea id="reopen-comment" name="comment" maxlength="10000"></textarea>
          </div>`,
        true,
      ),
    );
  }
  forms.push(
    state.watched
      ? decisionForm(input, 'unwatch', 'Sluta bevaka', 'Bevakning', html`<p>Kandidaten bevakas.</p>`, true)
      : decisionForm(
          input,
          'watch',
          'Bevaka',
          'Bevakning',
          html`<p class="muted">Markera kandidaten för att följa den.</p>`,
          true,
        ),
  );
  forms.push(
    html`<form
      method="post"
      action="/kandidater/${candidate.id}/anteckningar"
      aria-labelledby="form-note-rubrik"
    >
      <h3 id="form-note-rubrik">Anteckning</h3>
      ${hidden('_csrf', csrfToken)}${hidden('client_request_id', randomUUID())}
      <div>
        <label for="note-body">Text</label
        ><textarea id="note-body" name="body" required maxlength="10000"></textarea>
      </div>
      <div><button type="submit" class="secondary">Spara anteckning</button></div>
    </form>`,
  );
  return html`<div class="actions">${forms}</div>`;
}

/**
 * Merge and split (reviewers): the other candidate is merged into this one, or the chosen
 * evidence moves to a new candidate. `version` is the candidate's last change as this page shows
 * it; the server refuses an older one.
 */
function curationPanel(input: CandidatePageInput): SafeHtml {
  const { candidate, user, csrfToken } = input;
  if (candidate.mergedInto) return html``;
  if (!roleAtLeast(user.role, 'reviewer')) {
    return html`<p class="muted">Granskare kan slå ihop dubbletter och dela upp kandidater.</p>`;
  }
  const common = html`${hidden('_csrf', csrfToken)}${hidden('version', candidate.updatedAt)}${hidden(
    'client_request_id',
    randomUUID(),
  )}`;
  const merge = html`<form
    method="post"
    action="/kandidater/${candidate.id}/sla-ihop"
    aria-labelledby="form-merge-rubrik"
  >
    <h3 id="form-merge-rubrik">Slå ihop med en annan kandidat</h3>
    ${common}
    <p class="muted">
      Den andra kandidaten slås in i denna: dess evidens, identifierare och historik flyttas hit, och den
      automatiska matchningen ändrar inte på det.
    </p>
    ${
      candidate.duplicates.length > 0
        ? html`<fieldset>
            <legend>Möjliga dubbletter</legend>
            ${candidate.duplicates.map(
              (d, i) =>
                html`<label class="check"
                  ><input type="radio" name="other_id" id="other-${i}" value="${d.id}" /> ${d.name}</label
                >`,
            )}
          </fieldset>`
        : ''
    }
    <div>
      <label for="other_id_typed">${candidate.duplicates.length > 0 ? 'eller ' : ''}kandidatens id</label>
      <input type="text" id="other_id_typed" name="other_id_typed" maxlength="36" autocomplete="off" />
    </div>
    <div>
      <label for="merge-reason">Skäl</label>
      <textarea id="merge-reason" name="reason" required maxlength="2000"></textarea>
    </div>
    <div><button type="submit" class="secondary">Slå ihop</button></div>
  </form>`;
  const split =
    candidate.timeline.length >= 2
      ? html`<form
          method="post"
          action="/kandidater/${candidate.id}/dela-upp"
          aria-labelledby="form-split-rubrik"
        >
          <h3 id="form-split-rubrik">Dela upp</h3>
          ${common}
          <p class="muted">
            De valda evidensposterna flyttas till en ny kandidat; resten stannar här. Uppdelningen gäller även
            vid senare skanningar.
          </p>
          <fieldset>
            <legend>Evidens som flyttas</legend>
            ${candidate.timeline.map(
              (e, i) =>
                html`<div>
                  <label class="check"
                    ><input type="checkbox" name="item_ids[]" id="item-${i}" value="${e.itemId}" />
                    ${label(input.sourceLabels, e.sourceId)}: ${e.title}</label
                  >
                </div>`,
            )}
          </fieldset>
          <div>
            <label for="split-reason">Skäl</label>
            <textarea id="split-reason" name="reason" required maxlength="2000"></textarea>
          </div>
          <div><button type="submit" class="secondary">Dela upp</button></div>
        </form>`
      : html`<p class="muted">Uppdelning kräver minst två evidensposter.</p>`;
  return html`<div class="actions">${merge}${split}</div>`;
}

function stateSummary(state: DecisionState, shown: DecisionState['status'] = state.status): SafeHtml {
  return html`${statusBadge(shown, state.watched)}${
    state.reasonCode ? html` <span class="muted">(${labelOf(DISMISS_REASONS, state.reasonCode)})</span>` : ''
  }`;
}

export function conflictNotice(current: DecisionState): SafeHtml {
  return html`<strong>Ditt beslut sparades inte.</strong> Någon annan har hunnit ändra kandidaten sedan du
    öppnade sidan. Aktuellt läge:
    ${stateSummary(current)}${current.updatedAt ? html`, ändrat ${timeTag(current.updatedAt, true)}` : ''}.
    Formulären nedan visar nu det aktuella läget – fatta beslutet igen om det fortfarande gäller.`;
}

function regulatorySection(candidate: CandidateDetail, sourceLabels: SourceLabels): SafeHtml {
  if (candidate.regulatory.length === 0) {
    return html`<p class="muted">Inga registeruppgifter (t.ex. EUDAMED) är kopplade till kandidaten.</p>`;
  }
  return html`<table>
    <caption class="sr-only">
      Regulatorisk status per registerpost
    </caption>
    <thead>
      <tr>
        <th scope="col">Registerpost</th>
        <th scope="col">Riskklass</th>
        <th scope="col">Lagstiftning</th>
        <th scope="col">Marknadsstatus</th>
        <th scope="col">Implanterbar</th>
        <th scope="col">UDI-DI / Basic UDI-DI</th>
        <th scope="col">EMDN</th>
      </tr>
    </thead>
    <tbody>
      ${candidate.regulatory.map(
        (r) =>
          html`<tr>
            <td>
              ${externalLink(r.url, r.tradeName)}<br /><span class="muted"
                >${label(sourceLabels, r.sourceId)}${r.manufacturer ? ` · ${r.manufacturer}` : ''}${
                  r.manufacturerSrn ? ` (SRN ${r.manufacturerSrn})` : ''
                }</span
              >
            </td>
            <td>${r.riskClass ? riskClassLabel(normaliseRiskClass(r.riskClass) ?? r.riskClass) : '–'}</td>
            <td>
              ${r.legislation ? legislationLabel(normaliseLegislation(r.legislation) ?? r.legislation) : '–'}
            </td>
            <td>${registryCodeLabel(r.marketStatus)}</td>
            <td>${r.implantable === null ? '–' : r.implantable ? 'Ja' : 'Nej'}</td>
            <td>${r.udiDi ?? '–'}<br />${r.basicUdiDi ?? ''}</td>
            <td>${r.emdnCodes.join(', ') || '–'}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function scoreSection(candidate: CandidateDetail, sourceLabels: SourceLabels): SafeHtml {
  const { score } = candidate;
  if (!score) return html`<p class="muted">Kandidaten har inte poängsatts ännu.</p>`;
  return html`<p>
      <strong>${score.total} av 100 poäng</strong> · ${bandBadge(score.band)} · ${score.council}
      <span class="muted"
        >· kriterieversion ${score.criteriaVersion} · beräknad ${timeTag(score.computedAt, true)}</span
      >
    </p>
    <p><strong>Rådstillhörighet:</strong> ${score.routingReason}</p>
    ${score.criteria.map((criterion) => {
      const pct = criterion.maxPoints > 0 ? Math.round((criterion.points / criterion.maxPoints) * 100) : 0;
      return html`<section class="criterion" aria-labelledby="krit-${criterion.criterionId}">
        <h3 id="krit-${criterion.criterionId}">
          <span>${criterion.label}</span>
          <span class="num"
            >${criterion.points} / ${criterion.maxPoints}
            <span class="meter" aria-hidden="true"><span class="w${Math.round(pct / 10) * 10}"></span></span
          ></span>
        </h3>
        <p class="muted">
          Vikt ${criterion.weight}${criterion.signals.length === 0 ? ' · inga signaler hittades' : ''}
        </p>
        ${
          criterion.signals.length > 0
            ? html`<ul>
                ${criterion.signals.map(
                  (signal) =>
                    html`<li>
                      <strong>${signal.label}</strong> (${signal.points > 0 ? '+' : ''}${signal.points} p):
                      ${signal.explanation}
                      ${
                        signal.evidence.length > 0
                          ? html`<ul>
                              ${signal.evidence.map(
                                (e) =>
                                  html`<li>
                                    ${externalLink(e.url, label(sourceLabels, e.sourceId))}${
                                      e.snippet
                                        ? html`<blockquote class="snippet">${e.snippet}</blockquote>`
                                        : ''
                                    }
                                  </li>`,
                              )}
                            </ul>`
                          : ''
                      }
                    </li>`,
                )}
              </ul>`
            : ''
        }
      </section>`;
    })}`;
}

/** Why each programme area is suggested: the words or EMDN code that matched, in which source. */
function programmeAreaSection(candidate: CandidateDetail): SafeHtml | string {
  if (candidate.programmeAreas.length === 0) return '';
  const items = new Map(candidate.timeline.map((e) => [e.itemId, e]));
  return html`<details class="programme-areas">
    <summary>Varför dessa programområden</summary>
    <ul>
      ${candidate.programmeAreas.map(
        (area) =>
          html`<li>
            <strong>${area.name}</strong>
            <ul>
              ${area.evidence.map((e) => {
                const item = items.get(e.itemId);
                const where = item
                  ? externalLink(item.url, item.title)
                  : html`<span class="muted">källa ${e.itemId}</span>`;
                return e.field === 'emdn'
                  ? html`<li>EMDN-kod <code>${e.text}</code> (under <code>${e.term}</code>) i ${where}</li>`
                  : html`<li>
                      ”${e.term}” i ${PROGRAMME_FIELD_LABELS[e.field]} till ${where}
                      <blockquote class="snippet">${e.text}</blockquote>
                    </li>`;
              })}
            </ul>
          </li>`,
      )}
    </ul>
  </details>`;
}

function timelineSection(candidate: CandidateDetail, sourceLabels: SourceLabels): SafeHtml {
  if (candidate.timeline.length === 0) return html`<p class="muted">Ingen evidens kopplad.</p>`;
  return html`<ol class="timeline">
    ${candidate.timeline.map(
      (e) =>
        html`<li>
          <div>
            ${e.date ? timeTag(e.date) : html`<span class="muted">Odaterad</span>`}
            ${e.date ? '' : html`<span class="muted">(först sedd ${swedishDate(e.firstSeenAt)})</span>`}
            · <strong>${label(sourceLabels, e.sourceId)}</strong> ·
            ${e.publicationType ?? (ITEM_KIND_LABELS as Record<string, string>)[e.kind] ?? e.kind}${e.region ? ` · ${e.region}` : ''}
          </div>
          <div>${externalLink(e.url, e.title)}</div>
          ${e.summary ? html`<div class="muted">${e.summary.length > 400 ? `${e.summary.slice(0, 400)} …` : e.summary}</div>` : ''}
        </li>`,
    )}
  </ol>`;
}

function historySection(decisions: Decision[], notes: Note[]): SafeHtml {
  type Entry = { at: string; body: SafeHtml };
  const entries: Entry[] = [
    ...decisions.map((d) => ({
      at: d.createdAt,
      body: html`<strong>${labelOf(ACTION_LABELS, d.action)}</strong> – ${d.actorName}
        <span class="muted">(${d.actorRole})</span>${
          d.reasonCode ? html` · skäl: ${labelOf(DISMISS_REASONS, d.reasonCode)}` : ''
        }${d.origin ? html` · ursprung: ${labelOf(ORIGIN_LABELS, d.origin)}${d.onBehalfOf ? `, ${d.onBehalfOf}` : ''}` : ''}${
          d.comment ? html`<blockquote class="snippet">${d.comment}</blockquote>` : ''
        }`,
    })),
    ...notes.map((n) => ({
      at: n.createdAt,
      body: html`<strong>Anteckning</strong> – ${n.authorName}
        <blockquote class="snippet">${n.body}</blockquote>`,
    })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  if (entries.length === 0) return html`<p class="muted">Inga beslut eller anteckningar ännu.</p>`;
  return html`<ol class="timeline">
    ${entries.map((e) => html`<li>${timeTag(e.at, true)}: ${e.body}</li>`)}
  </ol>`;
}

/** What happened to the product, newest first: the evidence tells what is known, this when. */
function productHistorySection(candidate: CandidateDetail, sourceLabels: SourceLabels): SafeHtml {
  if (candidate.history.length === 0) return html`<p class="muted">Inga händelser registrerade.</p>`;
  return html`<ol class="history">
    ${candidate.history.map((event) => {
      const title = typeof event.details.title === 'string' ? event.details.title : '';
      const change =
        typeof event.details.from === 'string' && typeof event.details.to === 'string'
          ? ` (${registryCodeLabel(event.details.from)} → ${registryCodeLabel(event.details.to)})`
          : '';
      return html`<li>
        ${timeTag(event.occurredOn ?? event.recordedAt)}: <strong>${event.label}</strong>${change}${
          title ? html` – ${title}` : ''
        }${event.sourceId ? html` <span class="muted">(${label(sourceLabels, event.sourceId)})</span>` : ''}
      </li>`;
    })}
  </ol>`;
}

/** The two or three criteria that weigh most in the score, each with its strongest signal. */
/** The two or three reasons that decide the rank, as the score states them. */
function decisiveReasons(candidate: CandidateDetail): SafeHtml | string {
  const reasons = candidate.score?.decisive ?? [];
  if (reasons.length === 0) return '';
  return html`<ul class="reasons" aria-label="Avgörande skäl">
    ${reasons.map((reason) => html`<li>${reason}</li>`)}
  </ul>`;
}

function nominationSummary(candidate: CandidateDetail): SafeHtml | string {
  const { nominations } = candidate;
  if (nominations.length === 0) return '';
  const by = [...new Set(nominations.map((n) => n.nominatedBy ?? labelOf(ORIGIN_LABELS, n.origin)))];
  return html` <span class="muted">(${by.join(', ')})</span>`;
}

/**
 * What decides the candidate's fate, before anything else: band and priority, lifecycle stage,
 * the councils' handling, status, council, report, and the reasons that decide the rank.
 */
function keyFacts(candidate: CandidateDetail): SafeHtml {
  const { score, report } = candidate;
  return html`<section class="key-facts" aria-labelledby="avgorande">
    <h2 id="avgorande" class="sr-only">Det avgörande</h2>
    <dl>
      <div>
        <dt>Prioritet</dt>
        <dd>
          ${score ? html`${score.insufficientEvidence ? html`<span class="badge band-underlag">Underlag saknas</span>` : bandBadge(score.band)} ${score.total} av 100` : html`<span class="muted">Ej poängsatt</span>`}
        </dd>
      </div>
      <div>
        <dt>Livscykel</dt>
        <dd>${score?.stage ? labelOf(STAGE_LABELS, score.stage) : '–'}</dd>
      </div>
      <div>
        <dt>Rådens hantering</dt>
        <dd>${score?.processStatus ? labelOf(PROCESS_STATUS_LABELS, score.processStatus) : '–'}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>${stateSummary(candidate.state, candidate.status)}${nominationSummary(candidate)}</dd>
      </div>
      <div>
        <dt>Råd</dt>
        <dd>${score ? score.council : '–'}</dd>
      </div>
      <div>
        <dt>Rapport</dt>
        <dd>
          ${
            report
              ? html`<a href="/kandidater/${candidate.id}/rapport.html">Tidig bedömningsrapport</a>
                <span class="muted">(${timeTag(report.createdAt)})</span>`
              : html`<span class="muted">Ingen (under nomineringströskeln)</span>`
          }
        </dd>
      </div>
      <div>
        <dt>Programområde</dt>
        <dd>${candidate.npo.length ? candidate.npo.join(', ') : html`<span class="muted">Inget föreslaget</span>`}</dd>
      </div>
    </dl>
    ${score?.expected ? html`<p class="expected"><strong>Tidpunkt:</strong> ${score.expected}</p>` : ''}
    ${score ? html`<p class="routing"><strong>Varför ${score.council}:</strong> ${score.routingReason}</p>` : ''}
    ${score?.statusReason && score.processStatus !== 'ej-hanterad' ? html`<p class="routing"><strong>Rådens hantering:</strong> ${score.statusReason}</p>` : ''}
    ${decisiveReasons(candidate)}
  </section>`;
}

/** A long section folded under its heading: the heading stays in the outline and is the toggle. */
function folded(id: string, title: string, body: SafeHtml | string, open = false): SafeHtml {
  return html`<details class="section" id="${id}" ${open ? html`open` : ''}>
    <summary><h2>${title}</h2></summary>
    ${body}
  </details>`;
}

export function candidatePage(input: CandidatePageInput, reportHtml: SafeHtml | undefined): SafeHtml {
  const { candidate } = input;
  return html`<p><a href="/kandidater">← Alla kandidater</a></p>
    <h1>${candidate.name}</h1>
    <p class="muted">
      ${candidate.manufacturer ? html`${candidate.manufacturer} · ` : ''}${labelOf(KIND_LABELS, candidate.kind)}
      · först sedd ${timeTag(candidate.firstSeenAt)}
    </p>
    ${
      candidate.mergedInto
        ? html`<div class="notice warn" role="note">
            Kandidaten är sammanslagen med <a href="/kandidater/${candidate.mergedInto}">en annan kandidat</a>, som
            nu är produktens sida. Där finns all evidens nu; beslut som fattats här finns kvar.
          </div>`
        : ''
    }
    ${input.notice ? html`<div class="notice ${input.notice.kind}" role="${input.notice.kind === 'error' ? 'alert' : 'status'}">${input.notice.text}</div>` : ''}
    ${keyFacts(candidate)}

    ${input.cases ? candidateCasesSection(input.cases) : ''}
    <h2 id="beslut">Beslut</h2>
    ${actionsPanel(input)}

    ${folded('poang', 'Poäng per kriterium', scoreSection(candidate, input.sourceLabels))}
    ${folded(
      'evidens',
      `Evidens (${candidate.timeline.length})`,
      timelineSection(candidate, input.sourceLabels),
      candidate.timeline.length <= 6,
    )}
    ${folded('regulatoriskt', 'Regulatorisk status', regulatorySection(candidate, input.sourceLabels))}
    ${folded(
      'identifierare',
      'Identifierare och programområden',
      html`<dl class="facts">
          <dt>Horisont-id</dt>
          <dd><code>${candidate.id}</code></dd>
          ${candidate.identifiers.map(
            (i) =>
              html`<dt>${i.scheme.toUpperCase()}</dt>
                <dd><code>${i.value}</code></dd>`,
          )}
          <dt>Först sedd</dt>
          <dd>${timeTag(candidate.firstSeenAt, true)}</dd>
          <dt>Senast ändrad</dt>
          <dd>${timeTag(candidate.updatedAt, true)}</dd>
        </dl>
        ${programmeAreaSection(candidate)}`,
    )}
    ${folded(
      'handelser',
      `Händelser (${candidate.history.length})`,
      html`${productHistorySection(candidate, input.sourceLabels)}${
        candidate.mergedFrom.length > 0
          ? html`<p>
              Sammanslagna hit:
              ${candidate.mergedFrom.map((m, i) => html`${i > 0 ? ', ' : ''}<a href="/kandidater/${m.id}">${m.name}</a>`)}
            </p>`
          : ''
      }`,
    )}
    ${folded(
      'dubbletter',
      `Möjliga dubbletter (${candidate.duplicates.length})`,
      html`${
        candidate.duplicates.length === 0
          ? html`<p class="muted">Inga möjliga dubbletter hittades.</p>`
          : html`<ul>
              ${candidate.duplicates.map(
                (d) =>
                  html`<li>
                    <a href="/kandidater/${d.id}">${d.name}</a>${d.manufacturer ? ` (${d.manufacturer})` : ''} –
                    ${d.reason}
                  </li>`,
              )}
            </ul>`
      }
      ${curationPanel(input)}`,
    )}
    ${folded(
      'rapport',
      'Tidig bedömningsrapport',
      candidate.report
        ? html`<p>
              ${timeTag(candidate.report.createdAt, true)} · Ladda ner:
              <a href="/kandidater/${candidate.id}/rapport.md" download>Markdown</a> ·
              <a href="/kandidater/${candidate.id}/rapport.html">HTML (utskrift)</a> ·
              <a href="/kandidater/${candidate.id}/rapport.json" download>JSON</a>
            </p>
            ${reportHtml ? html`<div class="report">${reportHtml}</div>` : ''}`
        : html`<p class="muted">Ingen rapport ännu (kandidaten har inte nått nomineringströskeln).</p>`,
    )}
    ${folded(
      'nomineringar',
      `Nomineringar (${candidate.nominations.length})`,
      candidate.nominations.length === 0
        ? html`<p class="muted">Inga nomineringar.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Nr</th>
                <th scope="col">Ursprung</th>
                <th scope="col">Av</th>
                <th scope="col">Rapport</th>
                <th scope="col">I kön</th>
                <th scope="col">Skapad</th>
              </tr>
            </thead>
            <tbody>
              ${candidate.nominations.map(
                (n) =>
                  html`<tr>
                    <td>${n.id}</td>
                    <td>${labelOf(ORIGIN_LABELS, n.origin)}</td>
                    <td>
                      ${n.nominatedBy ?? '–'}${n.reason ? html`<br /><span class="muted">${n.reason}</span>` : ''}
                    </td>
                    <td>${n.reportVersion === null ? '–' : `v${n.reportVersion}`}</td>
                    <td>${n.enqueuedAt ? timeTag(n.enqueuedAt, true) : 'Väntar'}</td>
                    <td>${timeTag(n.createdAt, true)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`,
      candidate.nominations.length > 0,
    )}
    ${folded(
      'historik',
      `Beslut och anteckningar (${input.decisions.length + input.notes.length})`,
      historySection(input.decisions, input.notes),
      input.decisions.length + input.notes.length > 0,
    )}`;
}
