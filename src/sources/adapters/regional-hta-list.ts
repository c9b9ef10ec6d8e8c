import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import { z } from 'zod';
import { parseSourceDate } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'regional-hta-list';

/** A CSS selector cheerio can run; checked when the configuration is loaded, not at 02:00. */
const CssSelector = z
  .string()
  .min(1)
  .max(500)
  .refine((selector) => {
    try {
      cheerio.load('')(selector);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid CSS selector');

/**
 * Where the entries are on the page. `container` is looked up in the document, the others inside
 * it (`item`) or inside each item.
 */
export const ListSelectors = z.strictObject({
  container: CssSelector,
  item: CssSelector,
  /** The title; the link's text when absent. */
  title: CssSelector.optional(),
  link: CssSelector.default('a[href]'),
  /** The date (a `datetime` attribute wins over the text); a `time` element or the item's own text when absent. */
  date: CssSelector.optional(),
  summary: CssSelector.optional(),
});
export type ListSelectors = z.infer<typeof ListSelectors>;

const RegexText = z
  .string()
  .min(1)
  .max(300)
  .refine((pattern) => {
    try {
      new RegExp(pattern, 'iu');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

export const RegionalHtaListOptions = z.strictObject({
  /** The publishing region or unit, as the users know it (`Region Skåne`). */
  region: z.string().min(1).max(200).optional(),
  /** The unit's own markup. When absent the built-in layouts are tried in order. */
  selectors: ListSelectors.optional(),
  /**
   * Base for relative links. When absent: the page's canonical URL, then the URL it was fetched
   * from (which, behind the fixture server or a replay, is not the public site).
   */
  siteOrigin: z.url({ protocol: /^https?$/ }).optional(),
  kind: z.enum(['hta-report', 'method']).default('hta-report'),
  /** Publication type to put on every item (`HTA-rapport`, `Metodvärdering`). */
  publicationType: z.string().min(1).max(200).optional(),
  /** A short line that says the list is empty; only a line saying nothing else counts. */
  emptyPattern: RegexText.default(
    '^(inga (rapporter|publikationer|träffar|dokument)|det finns (inga|för närvarande inga))\\b',
  ),
  language: z.enum(['sv', 'en']).default('sv'),
  maxItems: z.number().int().min(1).max(500).default(100),
});
export type RegionalHtaListOptions = z.infer<typeof RegionalHtaListOptions>;

/**
 * The layouts the regional units' sites were seen to use, tried in this order when a source names
 * no selectors: a Sitevision list module, a report table, Episerver-style teaser cards, and a
 * Sitevision text module holding a plain list of report links.
 */
export const BUILT_IN_LAYOUTS: Readonly<Record<string, ListSelectors>> = {
  'sitevision-list': {
    container: 'ul.sv-defaultlist, ul.sol-article-list',
    item: 'li',
    title: '.sv-channel-title, [class*="rubrik"], .sol-article-item__heading',
    link: 'a[href]',
    date: '[class*="datum"], .sol-article-item__date, time',
    summary: '[class*="brodtext"], .sol-article-item__desc',
  },
  table: {
    container: 'main table:has(tbody a[href]), table.hta-rapporter',
    item: 'tbody tr',
    link: 'a[href]',
  },
  teasers: {
    container: '.teaser-list, .search-result-list, .listing--reports',
    item: 'article',
    title: 'h2, h3',
    link: 'a[href]',
    date: 'time',
    summary: 'p',
  },
  'link-list': {
    container: '.sv-text-portlet-content ul:has(a[href$=".pdf"]), .rich-text ul:has(a[href$=".pdf"])',
    item: 'li',
    link: 'a[href]',
  },
};

function statesEmpty($: CheerioAPI, scope: Selection | undefined, pattern: RegExp): boolean {
  const elements = (scope ?? $('body')).find('p, li, div, span, td, strong, em').toArray();
  if (scope && pattern.test(cleanText(scope.text()))) return true;
  return elements.some((element) => {
    const text = cleanText($(element).text());
    return text.length > 0 && text.length < 100 && pattern.test(text);
  });
}

function baseOf($: CheerioAPI, doc: FetchedDocument, options: RegionalHtaListOptions): string {
  if (options.siteOrigin) return options.siteOrigin;
  for (const href of [
    $('link[rel="canonical"]').attr('href'),
    $('meta[property="og:url"]').attr('content'),
  ]) {
    if (href && /^https?:\/\//i.test(href) && URL.canParse(href)) return href;
  }
  return doc.url;
}

/** The item key: the report's path (a PDF or a page), without a trailing slash, lower-cased. */
function itemKeyOf(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  return `${path}${parsed.search}`.toLowerCase();
}

function dateOf(item: Selection, selectors: ListSelectors, titleText: string): string | undefined {
  const element = item.find(selectors.date ?? 'time').first();
  if (element.length > 0) {
    const attribute = element.attr('datetime');
    return parseSourceDate(attribute ?? element.text()) ?? parseSourceDate(element.text());
  }
  if (selectors.date) return undefined;
  // No date element: lists like "Rapportens titel (2026-06-12)" carry the date in the item's text.
  const text = cleanText(item.text()).replace(titleText, ' ');
  return parseSourceDate(text);
}

function parseItem(
  item: Selection,
  selectors: ListSelectors,
  base: string,
  options: RegionalHtaListOptions,
): RawItem | undefined {
  const link = item.is('a[href]') ? item : item.find(selectors.link).first();
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, base);
  const titleElement = selectors.title ? item.find(selectors.title).first() : link;
  const title = cleanText(titleElement.text()) || cleanText(link.text());
  if (!url || !title) return undefined;

  const publishedAt = dateOf(item, selectors, cleanText(titleElement.text()));
  const summary = selectors.summary ? cleanText(item.find(selectors.summary).first().text()) : '';
  return {
    itemKey: itemKeyOf(url),
    kind: options.kind,
    title: title.slice(0, 2000),
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary && summary !== title ? { summary: summary.slice(0, 5000) } : {}),
    language: options.language,
    ...(options.publicationType ? { publicationType: options.publicationType } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
}

/** The configured layout, or the first built-in layout whose container is on the page. */
function findList(
  $: CheerioAPI,
  options: RegionalHtaListOptions,
): { selectors: ListSelectors; container: Selection } | undefined {
  const candidates = options.selectors ? [options.selectors] : Object.values(BUILT_IN_LAYOUTS);
  for (const selectors of candidates) {
    const container = $.root().find(selectors.container).first();
    if (container.length > 0) return { selectors, container };
  }
  return undefined;
}

/**
 * One adapter for the regional HTA units' own report lists: each unit's site has its own markup,
 * so the selectors live in the source's options (or one of the built-in layouts is recognised).
 * These lists are short and unpaged; the whole page is read.
 */
export const regionalHtaList: SourceAdapter<RegionalHtaListOptions> = {
  id: ID,
  description: "Regional HTA units' own report lists (HTML, selectors configured per unit)",
  profile: { kind: 'hta-agency', region: 'SE' },
  sources: [
    // Regional HTA units' own report lists: one adapter, the markup per unit in `selectors`.
    // Only Camtö's page (hta-orebro) is evidenced by a stored copy, and of no unit was the report
    // list's markup seen: the selectors follow the recorded fixtures and each `evidence` says what is
    // known (docs/sources.md). Several units send readers to SBU's database, so SBU's regional-HTA
    // search (sbu-publications) remains the complete feed.
    {
      id: 'hta-vgr',
      label: 'HTA-centrum Västra Götaland',
      urls: [
        {
          url: 'https://www.sahlgrenska.se/forskning/htacentrum/hta-rapporter/',
          verified: false,
          basis:
            "No stored page or code shows a report list here; sahlgrenska.se's HTA-centrum pages were last updated 2018 and the unit's pages now live under vgregion.se (.../vardgivarwebben/utveckling--uppfoljning/htacentrum/), where no report-list page was found either. SBU's regional-HTA search covers its reports.",
        },
      ],
      options: {
        region: 'Västra Götalandsregionen',
        publicationType: 'HTA-rapport',
        siteOrigin: 'https://www.sahlgrenska.se',
        selectors: {
          container: 'ul.sv-defaultlist',
          item: 'li.sv-channel-item',
          title: '.sv-font-rubrik-3',
          date: '.sv-font-datum',
          summary: '.sv-font-brodtext',
        },
      },
    },
    {
      id: 'hta-skane',
      label: 'HTA Region Skåne',
      urls: [
        {
          url: 'https://vardgivare.skane.se/kompetens-utveckling/sakkunniggrupper/hta-skane/hta-rapporter/',
          verified: false,
          basis:
            "The parent page .../sakkunniggrupper/hta-skane/ is stored (now titled HTA syd, for Södra sjukvårdsregionen) and sends readers to SBU's database for reports; this child list was not seen anywhere.",
        },
      ],
      options: {
        region: 'Region Skåne',
        publicationType: 'HTA-rapport',
        siteOrigin: 'https://vardgivare.skane.se',
        selectors: {
          container: 'main table',
          item: 'tbody tr',
          link: 'td:first-child a[href]',
          date: 'td:nth-child(2)',
        },
      },
    },
    {
      id: 'hta-stockholm',
      label: 'HTA Region Stockholm',
      urls: [
        {
          url: 'https://www.regionstockholm.se/verksamhet/halsa-och-vard/hta-enheten/rapporter/',
          verified: false,
          basis:
            "No stored page or code shows any Region Stockholm HTA URL; the unit exists (its head is quoted in sjukhuslakaren.se, 'Bristande resurser bakbinder HTA-enheterna').",
        },
      ],
      options: {
        region: 'Region Stockholm',
        publicationType: 'HTA-rapport',
        siteOrigin: 'https://www.regionstockholm.se',
        selectors: {
          container: '.listing--reports',
          item: 'article.teaser',
          title: '.teaser__heading',
          date: 'time',
          summary: '.teaser__text',
        },
      },
    },
    {
      id: 'hta-ostergotland',
      label: 'HTA Region Östergötland',
      urls: [
        {
          url: 'https://vardgivarwebb.regionostergotland.se/Startsida/Kunskapsstod/Metodvardering/HTA-rapporter/',
          verified: false,
          basis: 'Nothing at all was found for this host in stored pages or code.',
        },
      ],
      options: {
        region: 'Region Östergötland',
        publicationType: 'HTA-rapport',
        siteOrigin: 'https://vardgivarwebb.regionostergotland.se',
        selectors: {
          container: '.sv-text-portlet-content ul:has(a[href$=".pdf"])',
          item: 'li',
        },
      },
    },
    {
      id: 'hta-orebro',
      label: 'Camtö (Region Örebro län)',
      urls: [
        {
          url: 'https://www.regionorebrolan.se/sv/Forskning/Infrastruktur-for-forskning/HTA-enheten/',
          verified: true,
          basis:
            "Stored copy of the page (Region Örebro län, 'HTA-enheten', Camtö); a 2022-03-28 regionorebrolan.se news item counts 50 Camtö reports in five years. The page's report-list markup was not seen (text copy only).",
        },
      ],
      options: {
        region: 'Region Örebro län',
        publicationType: 'HTA-rapport',
        siteOrigin: 'https://www.regionorebrolan.se',
        selectors: {
          container: '.rich-text ul:has(a[href$=".pdf"])',
          item: 'li',
        },
      },
    },
  ],
  optionsSchema: RegionalHtaListOptions,

  requests(source: SourceSpec<RegionalHtaListOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<RegionalHtaListOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    const options = source.options;
    const emptyPattern = new RegExp(options.emptyPattern, 'iu');
    const found = findList($, options);
    if (!found) {
      // Sitevision prints "Inga rapporter" in place of a list module that has nothing to show.
      if (statesEmpty($, undefined, emptyPattern)) return { items: [] };
      throw unrecognisedPage($, ID, 'the report list container');
    }

    const { selectors, container } = found;
    const entries = container.find(selectors.item);
    if (entries.length === 0) {
      if (cleanText(container.text()) === '' || statesEmpty($, container, emptyPattern)) return { items: [] };
      throw new HorisontError(
        'layout-changed',
        `parse(${ID}): the report list has no entries of the expected shape`,
      );
    }

    const base = baseOf($, doc, options);
    const items: RawItem[] = [];
    const seen = new Set<string>();
    entries.each((_, element) => {
      const item = parseItem($(element), selectors, base, options);
      if (item && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    if (items.length === 0) {
      if (statesEmpty($, container, emptyPattern)) return { items: [] };
      throw new HorisontError('layout-changed', `parse(${ID}): no list entry has a title and a link`);
    }
    return { items: items.slice(0, options.maxItems) };
  },
};

export default regionalHtaList;
