import { escapeHtml } from './html.js';

// Characters XML 1.0 does not allow at all (lone surrogates among them): a document holding one
// does not open.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Text and attribute content for XML (Atom feeds, workbook parts): characters XML cannot carry
 * removed (scraped text may hold them), markup characters escaped as for HTML, which XML reads
 * the same way.
 */
export function xmlText(value: string): string {
  return escapeHtml(value.replace(NOT_XML, ''));
}
