import type { z } from 'zod';
import { label } from './labels.js';
import type { SourceLabels } from './labels.js';
import { STAGE_LABELS } from './lifecycle.js';
import { GAP_PREFIX } from './report-schema.js';
import type {
  EarlyAssessmentReport,
  ProgrammeAreaEvidenceSchema,
  ReportFact,
  ReportSource,
} from './report-schema.js';
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
import { PROCESS_STATUS_LABELS } from './routing.js';

// The early assessment report as Swedish Markdown (the `.md` file), rendered from its JSON.

/**
 * Scraped text as inert Markdown: control and bidirectional-override characters removed, line
 * breaks collapsed, `&`, `<` and `>` written as entities (so raw HTML cannot survive), and every
 * character with inline meaning backslash-escaped; a line-start construct (heading, list, quote)
 * at the very beginning is escaped too.
 */
export function escapeMarkdown(text: string): string {
  return (
    withoutControls(text)
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // With `[` and `]` escaped no link or image can form, so parentheses and `!` stay as they are.
      .replace(/[\\`*_[\]|~]/g, '\\$&')
      .replace(/^([#+\-=])/, '\\$1')
  );
}

function mdLink(text: string, url: string | null | undefined): string {
  const safe = url === null || url === undefined ? undefined : safeHttpUrl(url);
  return safe === undefined ? escapeMarkdown(text) : `[${escapeMarkdown(text)}](${safe})`;
}

function cite(refs: readonly string[], byRef: Map<string, ReportSource>): string {
  if (refs.length === 0) return '';
  const links = refs.map((r) => {
    const source = byRef.get(r);
    const url = source?.url === null || source?.url === undefined ? undefined : safeHttpUrl(source.url);
    return url === undefined ? r : `[${r}](${url})`;
  });
  return ` (källa: ${links.join(', ')})`;
}

function renderFact(fact: ReportFact, byRef: Map<string, ReportSource>): string {
  if (fact.status === 'gap') return `- **${escapeMarkdown(fact.label)}:** _${escapeMarkdown(fact.text)}_`;
  return `- **${escapeMarkdown(fact.label)}:** ${escapeMarkdown(fact.text)}${cite(fact.sources, byRef)}`;
}

function sourceLine(s: ReportSource, sourceLabels: SourceLabels): string {
  const parts = [`**${s.ref}.** ${mdLink(s.title, s.url)}`];
  const meta = [escapeMarkdown(s.kindLabel), `källa: ${escapeMarkdown(label(sourceLabels, s.sourceId))}`];
  if (s.publicationType !== undefined) meta.push(escapeMarkdown(s.publicationType));
  if (s.region !== undefined) meta.push(escapeMarkdown(s.region));
  const published = s.publishedAt === undefined ? undefined : reportDate(s.publishedAt);
  const updated = s.updatedAt === undefined ? undefined : reportDate(s.updatedAt);
  if (published !== undefined) meta.push(`publicerad ${published}`);
  if (updated !== undefined) meta.push(`uppdaterad ${updated}`);
  if (published === undefined && updated === undefined) meta.push('_Uppgift saknas: datum_');
  if (s.url === null) meta.push('_länken är inte en http(s)-adress och visas inte_');
  return `${parts.join('')} · ${meta.join(' · ')}`;
}

function uniqueQuotes(
  quotes: readonly { source: string; text: string }[],
): { source: string; text: string }[] {
  const seen = new Set<string>();
  return quotes.filter((q) => (seen.has(q.text) ? false : (seen.add(q.text), true)));
}

function programmeEvidenceLine(e: z.infer<typeof ProgrammeAreaEvidenceSchema>): string {
  const { quote, why } = programmeEvidenceText(e);
  return `${escapeMarkdown(quote)} (${escapeMarkdown(why)})`;
}

/** The report as Markdown, each source named by `sourceLabels` (the configuration's). */
export function renderMarkdown(r: EarlyAssessmentReport, sourceLabels: SourceLabels): string {
  const byRef = new Map(r.sections.evidence.sources.map((s) => [s.ref, s]));
  const lines: string[] = [];
  const generated = reportDate(r.generatedAt) ?? r.generatedAt;
  lines.push(`# Tidig bedömningsrapport: ${escapeMarkdown(r.candidate.name)}`, '');
  lines.push(
    `- **Rapportversion:** ${r.reportVersion} (schema ${r.schemaVersion})`,
    `- **Skapad:** ${generated}`,
    `- **Kandidat:** ${escapeMarkdown(r.candidate.id)}`,
    `- **Kriterieversion:** ${escapeMarkdown(r.score.criteriaVersion)}`,
    `- **Prioritet:** ${r.score.total} av 100, nivå ${r.score.insufficientEvidence ? 'underlag saknas' : r.score.band} (betydelse ${decimal(r.score.importance)} × tidpunkt ${decimal(r.score.timing)}, bedömd per ${r.score.asOf})`,
    `- **Livscykel:** ${STAGE_LABELS[r.score.stage]}`,
    `- **Status hos råden:** ${PROCESS_STATUS_LABELS[r.score.processStatus]}`,
    ...r.score.decisive.map(
      (reason, i) => `${i === 0 ? '- **Avgörande skäl:**\n' : ''}  - ${escapeMarkdown(reason)}`,
    ),
    `- **Föreslaget råd:** ${COUNCIL_TEXT[r.score.council]}`,
    `- **Föreslås för nominering:** ${r.score.nominate ? 'ja' : 'nej'}`,
    '',
    '> Automatiskt framtaget utkast inför beredningen. Varje uppgift hänvisar till sin källa (E1, E2, …, se avsnitt 6); det som inte framgår av källorna står som ”Uppgift saknas”.',
    '',
  );
  let n = 0;
  const heading = (text: string): void => {
    n += 1;
    lines.push(`## ${n}. ${text}`, '');
  };
  const factSection = (section: { heading: string; facts: ReportFact[] }): void => {
    heading(section.heading);
    for (const fact of section.facts) lines.push(renderFact(fact, byRef));
    lines.push('');
  };

  factSection(r.sections.product);
  factSection(r.sections.description);
  factSection(r.sections.intendedUse);
  factSection(r.sections.regulatory);
  factSection(r.sections.currentCare);

  heading(r.sections.evidence.heading);
  if (r.sections.evidence.sources.length === 0) {
    lines.push(`- _${GAP_PREFIX}inga källor är kopplade till kandidaten_`);
  }
  for (const s of r.sections.evidence.sources) lines.push(`- ${sourceLine(s, sourceLabels)}`);
  lines.push('');

  heading(r.sections.criteria.heading);
  lines.push(escapeMarkdown(criteriaSummaryText(r)), '');
  for (const c of r.sections.criteria.criteria) {
    lines.push(`### ${escapeMarkdown(c.label)}`, '', criterionLineText(c), '');
    if (c.signals.length === 0) lines.push('- _Inga signaler i källorna._');
    for (const s of c.signals) {
      const sign = s.points > 0 ? `+${s.points}` : String(s.points);
      lines.push(
        `- **${escapeMarkdown(s.label)}** (${sign}): ${escapeMarkdown(s.explanation)}${cite(s.sources, byRef)}`,
      );
      const quotes = uniqueQuotes(s.quotes);
      for (const q of quotes.slice(0, 3)) {
        lines.push(`  - ”${escapeMarkdown(q.text)}”${cite([q.source], byRef)}`);
      }
      if (quotes.length > 3) lines.push(`  - … och ${quotes.length - 3} till`);
    }
    lines.push('');
  }

  heading(r.sections.timing.heading);
  lines.push(
    `- **Livscykel:** ${STAGE_LABELS[r.sections.timing.stage]}. ${escapeMarkdown(r.sections.timing.expected)}`,
    `- **Rådens hantering:** ${PROCESS_STATUS_LABELS[r.sections.timing.processStatus]}. ${escapeMarkdown(r.sections.timing.statusReason)}`,
  );
  for (const fact of r.sections.timing.facts) lines.push(renderFact(fact, byRef));
  lines.push('');

  factSection(r.sections.resourceImpact);

  heading(r.sections.programme.heading);
  lines.push(`- **Råd:** ${COUNCIL_TEXT[r.sections.programme.council]}`);
  const councilFact = r.sections.programme.facts.find((f) => f.status === 'known' && f.label === 'Råd');
  const councilRefs = councilFact?.status === 'known' ? councilFact.sources : [];
  lines.push(
    `- **Motivering:** ${escapeMarkdown(r.sections.programme.routingReason)}${cite(councilRefs, byRef)}`,
  );
  for (const area of r.sections.programme.programmeAreas) {
    lines.push(`- **Programområde (förslag):** ${escapeMarkdown(area.name)}${cite(area.sources, byRef)}`);
    const shown = area.evidence ?? [];
    for (const e of shown.slice(0, 3)) {
      lines.push(`  - ${programmeEvidenceLine(e)}${cite([e.source], byRef)}`);
    }
    if (shown.length > 3) lines.push(`  - … och ${shown.length - 3} till`);
  }
  for (const fact of r.sections.programme.facts) {
    if (fact.status === 'gap') lines.push(renderFact(fact, byRef));
  }
  lines.push('');

  heading(r.sections.openQuestions.heading);
  for (const q of r.sections.openQuestions.questions) lines.push(`- ${escapeMarkdown(q)}`);
  lines.push('');
  return lines.join('\n');
}
