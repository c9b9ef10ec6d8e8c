import { html } from '../../text/html.js';
import { externalLink, pathWithQuery } from '../html.js';
import type { SafeHtml } from '../../text/html.js';
import { swedishNumber, timeTag } from '../format.js';
import { CASE_COUNCILS, CASE_STATUS_LABELS, CASE_STATUSES } from '../../domain/cases.js';
import type { PublicCase } from '../../domain/public-cases.js';
import type { PublicCaseQuery } from '../cases.js';

const PUBLIC_STATUSES = CASE_STATUSES.filter((s) => s !== 'nominated' && s !== 'taken-up');

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}" ${selected === value ? html` selected` : ''}>${label}</option>`;
}

/** A date that may be missing, in Swedish long form with the ISO date for machines. */
function date(value: string | null | undefined): SafeHtml {
  return value ? timeTag(value) : html`<span class="muted">–</span>`;
}

function statusBadge(c: Pick<PublicCase, 'status' | 'statusLabel'>): SafeHtml {
  return html`<span class="badge case-${c.status}">${c.statusLabel}</span>`;
}

function recommendationCell(c: PublicCase): SafeHtml {
  if (!c.recommendation) return html`<span class="muted">–</span>`;
  return html`${c.recommendation.kindLabel} <span class="muted">(${date(c.recommendation.decidedOn)})</span>`;
}

export function publicCaseListPage(input: {
  items: PublicCase[];
  total: number;
  page: number;
  pageSize: number;
  query: PublicCaseQuery;
}): SafeHtml {
  const { items, total, page, pageSize, query } = input;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const base = { q: query.q, rad: query.rad, status: query.status };
  return html`<h1>Ärenden i nationellt ordnat införande</h1>
    <p>
      Här visas de ärenden där MTP-rådet eller NT-rådet har fattat beslut om nationell samverkan, med
      rekommendationer, beställda kunskapsunderlag och datum för uppföljning och omprövning. Ett ärende syns här
      när rådet har beslutat om det; nomineringar som bereds visas inte.
    </p>
    <form class="filters" method="get" action="/arenden" role="search" aria-label="Filtrera ärenden">
      <div class="wide">
        <label for="q">Sök (produkt, metod, tillverkare, indikation eller ärendenummer)</label>
        <input type="search" id="q" name="q" value="${query.q ?? ''}" />
      </div>
      <div>
        <label for="rad">Råd</label>
        <select id="rad" name="rad">
          ${option('', 'Båda råden', query.rad ?? '')}${CASE_COUNCILS.map((c) => option(c, c, query.rad))}
        </select>
      </div>
      <div>
        <label for="status">Läge</label>
        <select id="status" name="status">
          ${option('', 'Alla lägen', query.status ?? '')}${PUBLIC_STATUSES.map((s) =>
            option(s, CASE_STATUS_LABELS[s], query.status),
          )}
        </select>
      </div>
      <div><button type="submit">Visa</button> <a class="button secondary" href="/arenden">Rensa</a></div>
    </form>
    <p role="status" id="antal">
      <strong>${swedishNumber(total)} ${total === 1 ? 'ärende' : 'ärenden'}</strong>${
        total > 0 ? html` – visar ${swedishNumber(first)}–${swedishNumber(last)}` : ''
      }.
    </p>
    ${
      items.length === 0
        ? html`<p class="notice">Inga ärenden matchar.</p>`
        : html`<table>
            <caption class="sr-only">
              Ärenden, senast ändrade först
            </caption>
            <thead>
              <tr>
                <th scope="col">Ärende</th>
                <th scope="col">Produkt eller metod</th>
                <th scope="col">Råd</th>
                <th scope="col">Läge</th>
                <th scope="col">Rekommendation</th>
                <th scope="col">Omprövas</th>
                <th scope="col">Senast ändrat</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (c) =>
                  html`<tr>
                    <td><a href="/arenden/${c.caseNumber}">${c.caseNumber}</a></td>
                    <td>
                      ${c.title}${c.manufacturer ? html`<br /><span class="muted">${c.manufacturer}</span>` : ''}${
                        c.indication ? html`<br /><span class="muted">${c.indication}</span>` : ''
                      }
                    </td>
                    <td>${c.council ?? '–'}</td>
                    <td>${statusBadge(c)}</td>
                    <td>${recommendationCell(c)}</td>
                    <td>${date(c.recommendation?.reviewOn)}</td>
                    <td>${timeTag(c.updatedAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      total > pageSize
        ? html`<nav class="pager" aria-label="Sidor">
            ${page > 1 ? html`<a href="${pathWithQuery('/arenden', { ...base, sida: page - 1 })}">Föregående sida</a>` : ''}
            <span>Sida ${page} av ${Math.ceil(total / pageSize)}</span>
            ${last < total ? html`<a href="${pathWithQuery('/arenden', { ...base, sida: page + 1 })}">Nästa sida</a>` : ''}
          </nav>`
        : ''
    }`;
}

function fact(label: string, value: SafeHtml | string | null | undefined): SafeHtml {
  return html`<dt>${label}</dt>
    <dd>${value === null || value === undefined || value === '' ? html`<span class="muted">–</span>` : value}</dd>`;
}

export function publicCasePage(c: PublicCase): SafeHtml {
  return html`<p class="no-print"><a href="/arenden">Alla ärenden</a></p>
    <h1>${c.title} <span class="muted">– ärende ${c.caseNumber}</span></h1>
    <p>${statusBadge(c)} ${c.statusDescription}</p>
    <h2>Uppgifter</h2>
    <dl class="facts">
      ${fact('Ärendenummer', c.caseNumber)} ${fact('Produkt eller metod', c.title)}
      ${fact('Tillverkare', c.manufacturer)} ${fact('Typ', c.kindLabel)} ${fact('Indikation eller användning', c.indication)}
      ${fact('Råd', c.council)} ${fact('Ursprung', c.originLabel)}
      ${fact('Nominerat av', c.nominatedBy.length > 0 ? c.nominatedBy.join(', ') : null)}
      ${fact('Nominerat', c.nominatedOn ? date(c.nominatedOn) : null)} ${fact('Senast ändrat', timeTag(c.updatedAt))}
    </dl>
    ${
      c.decision
        ? html`<h2>Beslut om nationell samverkan</h2>
            <p><strong>${c.decision.outcomeLabel}</strong> – beslut ${date(c.decision.decidedOn)}.</p>
            ${
              c.decision.criteria.length > 0
                ? html`<p>Kriterier som talar för nationell samverkan:</p>
                    <ul>
                      ${c.decision.criteria.map((x) => html`<li>${x}</li>`)}
                    </ul>`
                : ''
            }
            ${
              c.decision.reasons.length > 0
                ? html`<p>Skäl:</p>
                    <ul>
                      ${c.decision.reasons.map((x) => html`<li>${x}</li>`)}
                    </ul>`
                : ''
            }`
        : ''
    }
    ${
      c.recommendation
        ? html`<h2>Rekommendation</h2>
            <dl class="facts">
              ${fact('Rekommendation', c.recommendation.kindLabel)} ${fact('Beslutad', date(c.recommendation.decidedOn))}
              ${fact('Omprövas senast', c.recommendation.reviewOn ? date(c.recommendation.reviewOn) : null)}
              ${fact('Uppföljning', c.followUpOn ? date(c.followUpOn) : null)}
            </dl>
            <blockquote class="snippet">${c.recommendation.text}</blockquote>`
        : ''
    }
    ${
      c.assessments.length > 0
        ? html`<h2>Kunskapsunderlag</h2>
            <table>
              <caption class="sr-only">
                Beställda kunskapsunderlag
              </caption>
              <thead>
                <tr>
                  <th scope="col">Utförare</th>
                  <th scope="col">Beställt</th>
                  <th scope="col">Väntas</th>
                  <th scope="col">Levererat</th>
                </tr>
              </thead>
              <tbody>
                ${c.assessments.map(
                  (a) =>
                    html`<tr>
                      <td>${a.bodyLabel}${a.bodyName ? ` (${a.bodyName})` : ''}</td>
                      <td>${date(a.orderedOn)}</td>
                      <td>${date(a.expectedOn)}</td>
                      <td>${date(a.deliveredOn)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }
    ${
      c.procurement || c.consequenceAnalyses.length > 0
        ? html`<h2>Upphandling och regionala konsekvenser</h2>
            ${
              c.procurement
                ? html`<p>
                    Nationell upphandlingssamverkan: <strong>${c.procurement.relevant ? 'relevant' : 'inte relevant'}</strong>${
                      c.procurement.note ? ` – ${c.procurement.note}` : ''
                    }
                  </p>`
                : ''
            }
            ${
              c.consequenceAnalyses.length > 0
                ? html`<p>Regionernas konsekvensanalyser:</p>
                    <ul>
                      ${c.consequenceAnalyses.map(
                        (a) =>
                          html`<li>${a.region}: ${externalLink(a.url, a.title ?? 'Konsekvensanalys')}</li>`,
                      )}
                    </ul>`
                : ''
            }`
        : ''
    }
    ${c.reconsiderReason ? html`<p><strong>Omprövning:</strong> ${c.reconsiderReason}</p>` : ''}
    ${c.closeReason ? html`<p><strong>Avslutat:</strong> ${c.closeReason}</p>` : ''}
    <h2>Händelser</h2>
    ${
      c.history.length === 0
        ? html`<p class="muted">Inga offentliga händelser.</p>`
        : html`<ol class="timeline">
            ${c.history.map(
              (e) =>
                html`<li id="handelse-${e.id}">
                  <strong>${e.actionLabel}</strong> <span class="muted">${timeTag(e.at)}</span>
                  ${e.lines.map((line) => html`<br />${line}`)}
                </li>`,
            )}
          </ol>`
    }`;
}
