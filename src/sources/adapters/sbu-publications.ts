import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import { parseSourceDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'sbu-publications';
const SITE = 'https://www.sbu.se';

export const SbuPublicationsOptions = z.strictObject({
  /** Upper bound on items taken from one list page (the page size is the `ps` URL parameter). */
  maxItems: z.number().int().min(1).max(500).default(100),
});
export type SbuPublicationsOptions = z.infer<typeof SbuPublicationsOptions>;

/** Hit types that are news about SBU rather than publications. */
const NEWS_TYPES = /^(nyhet|nyheter|pressmeddelande|news)\b/i;

function statesNoHits(container: Selection): boolean {
  if (container.find('.search-result__no-hits').length > 0) return true;
  const text = cleanText(container.text());
  return /\binga träffar\b/i.test(text) || /\bgav 0 träffar\b/i.test(text);
}

/**
 * The item key: SBU's numeric publication id where the link carries one (`?pub=`), else the
 * URL path. The path is what both the regional-HTA search and the all-types search link to,
 * so one publication seen through either list gets one key.
 */
function itemKeyOf(url: URL): string {
  const pub = url.searchParams.get('pub');
  if (pub && /^\d+$/.test(pub)) return `pub-${pub}`;
  const path = url.pathname.replace(/\/+$/, '');
  return (path === '' ? '/' : path).toLowerCase();
}

function languageOf($: CheerioAPI): RawItem['language'] {
  return ($('html').attr('lang') ?? 'sv').toLowerCase().startsWith('en') ? 'en' : 'sv';
}

function parseHit(hit: Selection, language: RawItem['language']): RawItem | undefined {
  const link = hit.find('a.search-hit__link').first().length
    ? hit.find('a.search-hit__link').first()
    : hit.find('h2 a[href], h3 a[href]').first();
  const title = cleanText(link.text());
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  if (!title || !url) return undefined;

  const publicationType = cleanText(hit.find('.search-hit__type').first().text()) || undefined;
  const region = cleanText(hit.find('.search-hit__organisation').first().text()) || undefined;
  const summary = cleanText(hit.find('.search-hit__excerpt').first().text()) || undefined;
  const publishedAt = parseSourceDate(hit.find('.search-hit__date').first().text());

  return {
    itemKey: itemKeyOf(new URL(url)),
    kind: publicationType && NEWS_TYPES.test(publicationType) ? 'news' : 'hta-report',
    title,
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary } : {}),
    language,
    ...(publicationType ? { publicationType } : {}),
    ...(region ? { region } : {}),
  };
}

/**
 * SBU's publication search (Episerver), sorted by date: the regional-HTA facet is the one place
 * all regional HTA units publish into; the unfaceted search adds SBU's own reports. First page
 * only: a nightly scan of a date-sorted list does not need the tail.
 */
export const sbuPublications: SourceAdapter<SbuPublicationsOptions> = {
  id: ID,
  description: "SBU's publication search (regional HTA and SBU reports), newest first",
  profile: { kind: 'hta-agency', region: 'SE' },
  hosts: {
    'www.sbu.se': { minIntervalMs: 2000 },
  },
  sources: [
    {
      id: ID,
      label: 'SBU',
      // Newest first. The regional HTA search is where every region's HTA unit publishes.
      urls: [
        {
          url: 'https://www.sbu.se/sv/sok/?q=&s=date&pt=/publication-type/regional-hta&ps=10&view=Classic&pdf=false',
          verified: true,
          basis:
            'Linked as "SBU\'s publication database for regional HTA reports" from adamsdarwich.github.io/database.html (link accessed 2023-03-19). The result page\'s markup was not seen.',
        },
        {
          url: 'https://www.sbu.se/sv/sok/?q=&s=date&ps=10&view=Classic&pdf=false',
          verified: false,
          basis:
            "The same /sv/sok/ search without the publication-type facet; no stored page or code uses this form. SBU's publications RSS feed (/sv/publikationer/feed/) is the alternative, seen in one public code file only.",
        },
      ],
    },
  ],
  optionsSchema: SbuPublicationsOptions,

  requests(source: SourceSpec<SbuPublicationsOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<SbuPublicationsOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    const container = $('.search-result').first();
    if (container.length === 0) throw unrecognisedPage($, ID, 'the search result container (.search-result)');

    const hits = container.find('article.search-hit');
    if (hits.length === 0) {
      if (statesNoHits(container)) return { items: [] };
      throw new HorisontError('layout-changed', `parse(${ID}): the search result has no recognisable hits`);
    }

    const language = languageOf($);
    const items: RawItem[] = [];
    const seen = new Set<string>();
    hits.each((_, element) => {
      const item = parseHit($(element), language);
      if (item && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    if (items.length === 0) {
      throw new HorisontError('layout-changed', `parse(${ID}): no hit has a title and a link`);
    }
    return { items: items.slice(0, source.options.maxItems) };
  },
};

export default sbuPublications;
