import type { z } from 'zod';
import { calendarDay, formatSwedishDate } from './dates.js';
import { PROGRAMME_FIELD_LABELS } from './programme-areas.js';
import type { EarlyAssessmentReport, ProgrammeAreaEvidenceSchema } from './report-schema.js';

// Wording and value formats the report builder and both renderers (Markdown, HTML) share.

/** "2026-03-12 (12 mars 2026)": the day as ISO and in Swedish; undefined when it is not an ISO date. */
export function reportDate(iso: string): string | undefined {
  const day = calendarDay(iso);
  return day === undefined ? undefined : `${day} (${formatSwedishDate(day)})`;
}

/** Only http(s) URLs become links; credentials are dropped and characters that could end a
 * Markdown link destination are percent-encoded. */
export function safeHttpUrl(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  parsed.username = '';
  parsed.password = '';
  const href = parsed.href;
  const origin = parsed.origin;
  const rest = href.startsWith(origin) ? href.slice(origin.length) : '';
  const encoded = rest.replace(
    /[()<>"'`\\[\] ]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `${origin}${encoded}`;
}

/** Swedish decimal comma: 12.5 → "12,5". */
export function decimal(n: number): string {
  return String(n).replace('.', ',');
}

/** The priority and how it is made, for the criteria section of the Markdown and HTML reports. */
export function criteriaSummaryText(r: EarlyAssessmentReport): string {
  const band = r.score.insufficientEvidence ? 'underlag saknas' : r.sections.criteria.band;
  return `Prioritet ${r.sections.criteria.total} av 100 = betydelse ${decimal(r.score.importance)} × tidpunkt ${decimal(r.score.timing)}; nivå ${band}. Betydelsen är ett viktat kvadratiskt medelvärde av de kända kriteriernas andelar; tidpunkten följer av livscykeln.`;
}

/** One criterion's points, or why it is unknown. */
export function criterionLineText(
  c: EarlyAssessmentReport['sections']['criteria']['criteria'][number],
): string {
  return c.known
    ? `${c.points} av ${c.maxPoints} poäng (vikt ${decimal(c.weight)}, väger ${decimal(c.contribution)} av 100 bland de kända kriterierna).`
    : `Okänt: källorna nämner inget tillstånd som tillståndsvokabulären känner (vikt ${decimal(c.weight)}, räknas inte in).`;
}

/** The council in running text, for the Markdown and HTML reports. */
export const COUNCIL_TEXT: Record<EarlyAssessmentReport['score']['council'], string> = {
  'MTP-rådet': 'MTP-rådet',
  'NT-rådet': 'NT-rådet',
  båda: 'både MTP-rådet och NT-rådet',
  TLV: 'TLV:s förmånsprocess (receptläkemedel), inte rådens uppdrag',
  utanför: 'utanför rådens uppdrag',
};

/** `”… vid glioblastom …” (”glioblastom*” i sammanfattningen)` or `EMDN-koden N0199 (under N)`. */
export function programmeEvidenceText(e: z.infer<typeof ProgrammeAreaEvidenceSchema>): {
  quote: string;
  why: string;
} {
  return e.field === 'emdn'
    ? { quote: `EMDN-kod ${e.text}`, why: `under ${e.term}` }
    : { quote: `”${e.text}”`, why: `”${e.term}” i ${PROGRAMME_FIELD_LABELS[e.field]}` };
}

/**
 * Control and bidirectional-override characters as spaces: scraped text must not reorder or hide
 * what the reader of either rendering sees.
 */
export function withoutControls(text: string): string {
  return text.replace(/[\p{Cc}\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu, ' ');
}
