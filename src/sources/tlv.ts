import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import { parseSourceDate } from '../domain/dates.js';
import type { RawItem } from '../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from './html.js';
import type { Selection } from './html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from './types.js';

const ID = 'tlv';
const SITE = 'https://www.tlv.se';

const TlvKind = z.enum(['news', 'hta-report']);

/** A list URL (`https://www.tlv.se/…html`) or its path (`/medicinteknik/….html`). */
const ListRef = z
  .string()
  .min(1)
  .refine((value) => value.startsWith('/') || /^https?:\/\//i.test(value), 'expected a URL or a path');

export const TlvOptions = z.strictObject({
  /**
   * What each list holds, keyed by list URL or path; lists not named here get `defaultKind`.
   * A path also matches a URL that ends with it, so the entry survives a change of host (a
   * fixture server, a staging copy).
   */
  listKinds: z
    .record(ListRef, TlvKind)
    .default({ '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html': 'hta-report' }),
  defaultKind: TlvKind.default('news'),
  /** Upper bound on items taken from one list page. */
  maxItems: z.number().int().min(1).max(500).default(100),
});
export type TlvOptions = z.infer<typeof TlvOptions>;

function pathOf(ref: string): string {
  return /^https?:\/\//i.test(ref) && URL.canParse(ref) ? new URL(ref).pathname : ref.split(/[?#]/)[0]!;
}

/** The kind of the list the document was fetched as; the most specific (longest) entry wins. */
export function kindForList(listUrl: string, options: TlvOptions): z.infer<typeof TlvKind> {
  const requested = URL.canParse(listUrl) ? new URL(listUrl).pathname : listUrl;
  let best: { length: number; kind: z.infer<typeof TlvKind> } | undefined;
  for (const [ref, kind] of Object.entries(options.listKinds)) {
    const path = pathOf(ref);
    const matches = ref === listUrl || requested === path || requested.endsWith(path);
    if (matches && (!best || path.length > best.length)) best = { length: path.length, kind };
  }
  return best?.kind ?? options.defaultKind;
}

/**
 * Sitevision prints a short line ("Inga träffar", "Det finns inga nyheter att visa") where an
 * empty list module would be. Only a line that says nothing else counts, so a sentence in the
 * page text cannot make a redesigned page pass as empty.
 */
function statesEmpty($: CheerioAPI): boolean {
  return $('main p, main div, main span, body p')
    .toArray()
    .some((element) => {
      const text = cleanText($(element).text());
      return text.length < 100 && /^(inga träffar|det finns inga\b)/i.test(text);
    });
}

function languageOf($: CheerioAPI): RawItem['language'] {
  return ($('html').attr('lang') ?? 'sv').toLowerCase().startsWith('en') ? 'en' : 'sv';
}

function parseItem(li: Selection, kind: RawItem['kind'], language: RawItem['language']): RawItem | undefined {
  const link = li.find('a[href]').first();
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  const dateElement = li.find('.sol-article-item__date').first();
  // Older list templates put the title straight in the link, next to the date.
  const title =
    cleanText(li.find('.sol-article-item__heading, .sol-article-item__title').first().text()) ||
    cleanText(link.clone().find('.sol-article-item__date, .sol-article-item__desc').remove().end().text());
  if (!url || !title) return undefined;

  const publishedAt = parseSourceDate(dateElement.text());
  const summary = cleanText(li.find('.sol-article-item__desc, .sol-article-item__text').first().text());
  return {
    itemKey: new URL(url).pathname,
    kind,
    title,
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary } : {}),
    language,
  };
}

/**
 * TLV's Sitevision list pages: news, and the medical-device pages with the health-economic
 * assessments TLV makes for MTP-rådet. First page only.
 */
export const tlv: SourceAdapter<TlvOptions> = {
  id: ID,
  description: 'TLV list pages (Sitevision): news and health-economic assessments of medical devices',
  optionsSchema: TlvOptions,

  requests(source: SourceSpec<TlvOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<TlvOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    // The list items are what identifies the page: `li`s that carry the Sitevision date line.
    const listItems = $('li').filter(
      (_, li) => $(li).hasClass('sol-article-item') || $(li).find('.sol-article-item__date').length > 0,
    );
    const lists = $('.sol-article-list');
    if (listItems.length === 0) {
      // An empty list module renders its container without entries; entries of another shape
      // mean the markup changed.
      const emptyList = lists.length > 0 && lists.find('li').length === 0;
      if (emptyList || statesEmpty($)) return { items: [] };
      throw unrecognisedPage($, ID, 'the article list (li with .sol-article-item__date)');
    }

    const kind = kindForList(doc.request.url, source.options);
    const language = languageOf($);
    const items: RawItem[] = [];
    const seen = new Set<string>();
    listItems.each((_, element) => {
      const item = parseItem($(element), kind, language);
      if (item && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    if (items.length === 0) throw unrecognisedPage($, ID, 'a list item with a title and a link');
    return { items: items.slice(0, source.options.maxItems) };
  },
};
