import { EarlyAssessmentReport, GAP_PREFIX } from './report-schema.js';
import type { ReportFact, ReportSource } from './report-schema.js';
import {
  COUNCIL_TEXT,
  criteriaSummaryText,
  criterionLineText,
  decimal,
  reportDate,
  programmeEvidenceText,
  safeHttpUrl,
  withoutControls,
} from './report-text.js';
import { escapeHtml } from '../text/html.js';
import { label } from './labels.js';
import type { SourceLabels } from './labels.js';
import { STAGE_LABELS } from './lifecycle.js';
import { PROCESS_STATUS_LABELS } from './routing.js';

/**
 * The early assessment report as one self-contained, print-friendly HTML page (Swedish). Built
 * from the report's JSON, so the stored JSON is the one source of truth and older versions render
 * the same way. Every string from a source is escaped as text; links are only ever http(s) URLs,
 * attribute-escaped; the page carries a Content-Security-Policy that forbids scripts outright, so
 * even markup that got through could not run.
 */

/** Text as inert HTML: control and bidi-override characters removed, markup characters escaped. */
export function escapeText(text: string): string {
  return escapeHtml(withoutControls(text));
}

/** A link only for an http(s) URL; otherwise the text alone. */
function link(text: string, url: string | null | undefined, className?: string): string {
  const safe = url === null || url === undefined ? undefined : safeHttpUrl(url);
  const cls = className === undefined ? '' : ` class="${className}"`;
  return safe === undefined
    ? escapeText(text)
    : `<a${cls} href="${escapeText(safe)}" rel="noopener noreferrer nofollow">${escapeText(text)}</a>`;
}

/**
 * A citation points at its numbered entry in the source list (section 6), where the URL stands
 * once: a printed report would otherwise repeat the same long URL at every citation.
 */
function cite(refs: readonly string[], byRef: Map<string, ReportSource>): string {
  const known = refs.filter((r) => byRef.has(r));
  if (known.length === 0) return '';
  const links = known.map((r) => `<a class="ref" href="#${escapeText(r)}">${escapeText(r)}</a>`);
  return ` <span class="cite">[${links.join(', ')}]</span>`;
}

function fact(f: ReportFact, byRef: Map<string, ReportSource>): string {
  if (f.status === 'gap') {
    return `<li class="gap"><strong>${escapeText(f.label)}:</strong> <em>${escapeText(f.text)}</em></li>`;
  }
  return `<li><strong>${escapeText(f.label)}:</strong> ${escapeText(f.text)}${cite(f.sources, byRef)}</li>`;
}

/** The report's screen and print (A4, page numbers) stylesheet. */
export const REPORT_STYLE = `
:root { color-scheme: light; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #111;
  max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .75rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #999; padding-bottom: .15rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .3rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.note { border-left: 4px solid #888; padding: .3rem .75rem; background: #f4f4f4; }
ul { padding-left: 1.3rem; }
li { margin: .2rem 0; }
li.gap em { color: #7a3d00; }
.cite { color: #444; font-size: .92em; }
.quotes { font-size: .92em; color: #333; }
ol.sources li { margin: .35rem 0; }
.muted { color: #555; }
a { color: #0645ad; }
ol.sources .url { display: none; }
/* A4 with page numbers; each source's URL is printed once, in the numbered source list. */
@page {
  size: A4;
  margin: 14mm 14mm 16mm;
  @bottom-right { content: "Sida " counter(page) " av " counter(pages); font: 8.5pt system-ui, sans-serif; color: #555; }
  @bottom-left { content: "Horisont · tidig bedömningsrapport"; font: 8.5pt system-ui, sans-serif; color: #555; }
}
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; line-height: 1.3; }
  h1 { font-size: 15pt; }
  h2 { font-size: 11.5pt; margin: .9rem 0 .3rem; }
  h3 { font-size: 10pt; margin: .5rem 0 .15rem; }
  p { margin: .3rem 0; }
  li { margin: .1rem 0; }
  dl.meta { grid-template-columns: max-content 1fr max-content 1fr; }
  a { color: inherit; text-decoration: none; }
  ol.sources { list-style: none; padding-left: 0; font-size: .92em; }
  ol.sources .url { display: inline; font-size: .9em; color: #333; word-break: break-all; }
  /* On paper one supporting quote per signal; the rest are a reference away (section 6). */
  .quotes { font-size: .9em; }
  .quotes li + li { display: none; }
  h2, h3 { break-after: avoid; }
  li { break-inside: avoid; }
  .note { background: none; }
}
`;

/**
 * The report's content, its heading (h`level`) with the facts about it and the numbered sections
 * (one level down): the same for the file (level 1) and inside a workbench page (deeper).
 */
function reportContent(
  r: EarlyAssessmentReport,
  level: number,
  sourceLabels: SourceLabels,
): { header: string[]; sections: string[] } {
  const byRef = new Map(r.sections.evidence.sources.map((s) => [s.ref, s]));
  const generated = reportDate(r.generatedAt) ?? r.generatedAt;
  const [h1, h2, h3] = [level, level + 1, level + 2];
  const header = [
    `<h${h1}>Tidig bedömningsrapport: ${escapeText(r.candidate.name)}</h${h1}>`,
    '<dl class="meta">',
    `<dt>Rapportversion</dt><dd>${r.reportVersion} (schema ${r.schemaVersion})</dd>`,
    `<dt>Skapad</dt><dd>${escapeText(generated)}</dd>`,
    `<dt>Kandidat</dt><dd>${escapeText(r.candidate.id)}</dd>`,
    `<dt>Typ</dt><dd>${escapeText(r.candidate.kindLabel)}</dd>`,
    `<dt>Kriterieversion</dt><dd>${escapeText(r.score.criteriaVersion)}</dd>`,
    `<dt>Prioritet</dt><dd>${r.score.total} av 100, nivå ${escapeText(r.score.insufficientEvidence ? 'underlag saknas' : r.score.band)} (betydelse ${decimal(r.score.importance)} × tidpunkt ${decimal(r.score.timing)}, bedömd per ${escapeText(r.score.asOf)})</dd>`,
    `<dt>Livscykel</dt><dd>${escapeText(STAGE_LABELS[r.score.stage])}</dd>`,
    `<dt>Status hos råden</dt><dd>${escapeText(PROCESS_STATUS_LABELS[r.score.processStatus])}</dd>`,
    `<dt>Avgörande skäl</dt><dd><ul>${r.score.decisive.map((reason) => `<li>${escapeText(reason)}</li>`).join('')}</ul></dd>`,
    `<dt>Föreslaget råd</dt><dd>${escapeText(COUNCIL_TEXT[r.score.council])}</dd>`,
    `<dt>Föreslås för nominering</dt><dd>${r.score.nominate ? 'ja' : 'nej'}</dd>`,
    '</dl>',
    '<p class="note">Automatiskt framtaget utkast inför beredningen. Varje uppgift hänvisar till sin källa (E1, E2, …, se avsnitt 6); det som inte framgår av källorna står som ”Uppgift saknas”.</p>',
  ];
  const out: string[] = [];
  let n = 0;
  const heading = (text: string): void => {
    n += 1;
    out.push(`<h${h2}>${n}. ${escapeText(text)}</h${h2}>`);
  };
  const factSection = (section: { heading: string; facts: ReportFact[] }): void => {
    out.push('<section>');
    heading(section.heading);
    out.push('<ul>', ...section.facts.map((f) => fact(f, byRef)), '</ul>', '</section>');
  };

  factSection(r.sections.product);
  factSection(r.sections.description);
  factSection(r.sections.intendedUse);
  factSection(r.sections.regulatory);
  factSection(r.sections.currentCare);

  out.push('<section>');
  heading(r.sections.evidence.heading);
  if (r.sections.evidence.sources.length === 0) {
    out.push(
      `<p class="gap"><em>${escapeText(`${GAP_PREFIX}inga källor är kopplade till kandidaten`)}</em></p>`,
    );
  } else {
    out.push('<ol class="sources">');
    for (const s of r.sections.evidence.sources) {
      const meta = [escapeText(s.kindLabel), escapeText(label(sourceLabels, s.sourceId))];
      if (s.publicationType !== undefined) meta.push(escapeText(s.publicationType));
      if (s.region !== undefined) meta.push(escapeText(s.region));
      const published = s.publishedAt === undefined ? undefined : reportDate(s.publishedAt);
      const updated = s.updatedAt === undefined ? undefined : reportDate(s.updatedAt);
      if (published !== undefined) meta.push(`publicerad ${escapeText(published)}`);
      if (updated !== undefined) meta.push(`uppdaterad ${escapeText(updated)}`);
      if (published === undefined && updated === undefined) {
        meta.push(`<em>${escapeText(GAP_PREFIX)}datum</em>`);
      }
      if (s.url === null) meta.push('<em>länken är inte en http(s)-adress och visas inte</em>');
      const url = s.url === null ? '' : ` <span class="url">${escapeText(s.url)}</span>`;
      out.push(
        `<li id="${escapeText(s.ref)}" value="${Number(s.ref.slice(1))}"><strong>${escapeText(s.ref)}.</strong> ${link(s.title, s.url)} <span class="muted">· ${meta.join(' · ')}</span>${url}</li>`,
      );
    }
    out.push('</ol>');
  }
  out.push('</section>');

  out.push('<section>');
  heading(r.sections.criteria.heading);
  out.push(`<p>${escapeText(criteriaSummaryText(r))}</p>`);
  for (const c of r.sections.criteria.criteria) {
    out.push(`<h${h3}>${escapeText(c.label)}</h${h3}>`, `<p>${escapeText(criterionLineText(c))}</p>`);
    if (c.signals.length === 0) {
      out.push('<ul><li><em>Inga signaler i källorna.</em></li></ul>');
      continue;
    }
    out.push('<ul>');
    for (const s of c.signals) {
      const sign = s.points > 0 ? `+${s.points}` : String(s.points);
      const seen = new Set<string>();
      const quotes = s.quotes.filter((q) => (seen.has(q.text) ? false : (seen.add(q.text), true)));
      const quoteList =
        quotes.length === 0
          ? ''
          : `<ul class="quotes">${quotes
              .slice(0, 3)
              .map((q) => `<li>”${escapeText(q.text)}”${cite([q.source], byRef)}</li>`)
              .join('')}${quotes.length > 3 ? `<li>… och ${quotes.length - 3} till</li>` : ''}</ul>`;
      out.push(
        `<li><strong>${escapeText(s.label)}</strong> (${sign}): ${escapeText(s.explanation)}${cite(s.sources, byRef)}${quoteList}</li>`,
      );
    }
    out.push('</ul>');
  }
  out.push('</section>');

  out.push('<section>');
  heading(r.sections.timing.heading);
  out.push(
    '<ul>',
    `<li><strong>Livscykel:</strong> ${escapeText(STAGE_LABELS[r.sections.timing.stage])}. ${escapeText(r.sections.timing.expected)}</li>`,
    `<li><strong>Rådens hantering:</strong> ${escapeText(PROCESS_STATUS_LABELS[r.sections.timing.processStatus])}. ${escapeText(r.sections.timing.statusReason)}</li>`,
    ...r.sections.timing.facts.map((f) => fact(f, byRef)),
    '</ul>',
    '</section>',
  );

  factSection(r.sections.resourceImpact);

  out.push('<section>');
  heading(r.sections.programme.heading);
  const councilFact = r.sections.programme.facts.find((f) => f.status === 'known' && f.label === 'Råd');
  const councilRefs = councilFact?.status === 'known' ? councilFact.sources : [];
  out.push(
    '<ul>',
    `<li><strong>Råd:</strong> ${escapeText(COUNCIL_TEXT[r.sections.programme.council])}</li>`,
    `<li><strong>Motivering:</strong> ${escapeText(r.sections.programme.routingReason)}${cite(councilRefs, byRef)}</li>`,
    ...r.sections.programme.programmeAreas.map((a) => {
      const shown = a.evidence ?? [];
      const list =
        shown.length === 0
          ? ''
          : `<ul class="quotes">${shown
              .slice(0, 3)
              .map((e) => {
                const { quote, why } = programmeEvidenceText(e);
                return `<li>${escapeText(quote)} (${escapeText(why)})${cite([e.source], byRef)}</li>`;
              })
              .join('')}${shown.length > 3 ? `<li>… och ${shown.length - 3} till</li>` : ''}</ul>`;
      return `<li><strong>Programområde (förslag):</strong> ${escapeText(a.name)}${cite(a.sources, byRef)}${list}</li>`;
    }),
    ...r.sections.programme.facts.filter((f) => f.status === 'gap').map((f) => fact(f, byRef)),
    '</ul>',
    '</section>',
  );

  out.push('<section>');
  heading(r.sections.openQuestions.heading);
  out.push('<ul>', ...r.sections.openQuestions.questions.map((q) => `<li>${escapeText(q)}</li>`), '</ul>');
  out.push('</section>');
  return { header, sections: out };
}

/** Renders a report (its stored JSON, validated here) as a complete HTML document. */
export function renderReportHtml(
  input: unknown,
  options: { sourceLabels: SourceLabels; styleNonce?: string },
): string {
  const r = EarlyAssessmentReport.parse(input);
  const { header, sections } = reportContent(r, 1, options.sourceLabels);
  return [
    '<!DOCTYPE html>',
    '<html lang="sv">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeText(r.title)}</title>`,
    `<style${options.styleNonce === undefined ? '' : ` nonce="${escapeText(options.styleNonce)}"`}>${REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    ...header,
    '</header>',
    '<main>',
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * A report (its stored JSON, validated here) inside a page whose own headings go down to
 * h`level - 1`: the file's content and wording, without its document, landmarks and stylesheet.
 */
export function renderReportSection(input: unknown, level: number, sourceLabels: SourceLabels): string {
  const { header, sections } = reportContent(EarlyAssessmentReport.parse(input), level, sourceLabels);
  return [...header, ...sections].join('\n');
}
