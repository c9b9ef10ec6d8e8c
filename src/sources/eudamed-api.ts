import { z } from 'zod';
import type { FetchedDocument, FetchRequest } from './types.js';

/**
 * Helpers shared by the adapters that read EUDAMED's UI API (certificates, notified bodies). Not
 * an adapter itself; what each endpoint's records mean stays in the adapter.
 */

/** About 20 requests a minute per IP before EUDAMED answers 429 with `Retry-After: 60`. */
export const EUDAMED_HOSTS = { 'ec.europa.eu': { minIntervalMs: 3000 } };

/** Spring Data `Page`, as EUDAMED's list endpoints return it. */
export const SpringPage = z.object({
  content: z.array(z.unknown()),
  number: z.number().int().min(0),
  size: z.number().int().min(0),
  totalElements: z.number().int().min(0),
  totalPages: z.number().int().min(0),
  last: z.boolean(),
  first: z.boolean().optional(),
  numberOfElements: z.number().int().min(0).optional(),
});
export type SpringPage = z.infer<typeof SpringPage>;

/** `{ code: "refdata.…" }`, EUDAMED's reference-data value. */
export const RefCode = z.object({ code: z.string().min(1) }).nullish();

/** A text EUDAMED gives in several languages: `{ texts: [{ text }] }`. */
export const MultilingualText = z.object({
  texts: z.array(z.object({ text: z.string().nullish() })).nullish(),
});

/** A name given as a plain string or as a multilingual text (the first non-empty one). */
export function textOf(
  value: string | z.infer<typeof MultilingualText> | null | undefined,
): string | undefined {
  if (typeof value === 'string') return present(value);
  return present(value?.texts?.map((entry) => entry.text ?? '').find((text) => text.trim() !== ''));
}

/** Parameters the adapters own; everything else in a configured URL is a filter. */
const PAGING_PARAMS = new Set(['page', 'size', 'pageSize', 'iso2Code', 'languageIso2Code']);

export function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `refdata.certificate-status.issued` → `issued`. */
export function lastSegment(code: string): string {
  return code.slice(code.lastIndexOf('.') + 1).toLowerCase();
}

/** The URL of one page: the configured filters kept, paging and language parameters set. */
export function eudamedPageUrl(base: string, page: number, pageSize?: number): URL {
  const url = new URL(base);
  url.searchParams.set('page', String(page));
  if (pageSize !== undefined) {
    // The UI sends both; deployments have honoured one or the other.
    url.searchParams.set('size', String(pageSize));
    url.searchParams.set('pageSize', String(pageSize));
  }
  if (!url.searchParams.has('iso2Code')) url.searchParams.set('iso2Code', 'en');
  if (!url.searchParams.has('languageIso2Code')) url.searchParams.set('languageIso2Code', 'en');
  return url;
}

/** A readable request key from the filters and the page number, without `:` (BullMQ job ids). */
export function eudamedPageKey(url: URL, page: number, prefix = ''): string {
  const filters = [...url.searchParams]
    .filter(([name]) => !PAGING_PARAMS.has(name))
    .map(([name, value]) => `${name}-${value}`)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 150);
  const parts = [prefix, filters, `page-${page}`].filter(Boolean);
  return parts.join('-');
}

/**
 * The request for the page after `page`, or undefined on the last page, on an empty page (the
 * server has nothing further whatever `last` says) or at the scan's page budget. Built from the
 * URL the document was fetched from, so paging stays on whatever host served the first page.
 */
export function nextEudamedPage(
  page: SpringPage,
  doc: FetchedDocument,
  maxPages: number,
  keyPrefix = '',
): FetchRequest | undefined {
  const nextPage = page.number + 1;
  const more = !page.last && nextPage < page.totalPages && page.content.length > 0;
  if (!more || nextPage >= maxPages) return undefined;
  const url = eudamedPageUrl(doc.request.url, nextPage);
  return { key: eudamedPageKey(url, nextPage, keyPrefix), url: url.toString(), accept: 'application/json' };
}
