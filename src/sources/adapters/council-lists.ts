import type { CheerioAPI } from 'cheerio';
import { z } from 'zod';
import { parseSourceDate, stockholmDay } from '../../domain/dates.js';
import { HorisontError } from '../../domain/errors.js';
import type { ItemReference, RawItem } from '../../domain/item.js';
import { decodeBody } from '../charset.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import { describeIssues } from '../json-body.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'council-lists';
const SITE = 'https://samverkanlakemedel.se';
/** An embedded list longer than this is not the recommendations list (NT-rådet's is ~300 kB). */
const MAX_JSON_CHARS = 5_000_000;

export const CouncilListsOptions = z.strictObject({
  /**
   * Base for relative links when the page names no canonical URL. MTP-rådet's pages may live on
   * janusinfo.se, NT-rådet's live on samverkanlakemedel.se.
   */
  siteOrigin: z.url({ protocol: /^https?$/ }).default(SITE),
  /** Upper bound on entries taken from one page; the lists hold every product ever handled. */
  maxItems: z.number().int().min(1).max(5000).default(2000),
});
export type CouncilListsOptions = z.infer<typeof CouncilListsOptions>;

const OneOrMany = z.union([z.string(), z.array(z.string())]).nullish();

/** One entry of the array samverkanlakemedel.se embeds in the page for its client-side list. */
const Recommendation = z.object({
  productName: z.string().trim().min(1),
  substances: OneOrMany,
  atc: OneOrMany,
  url: z.string().trim().min(1),
  publishDate: z.union([z.string(), z.number()]).nullish(),
  recommendation: z.string().nullish(),
});
const Recommendations = z.array(Recommendation);
type Recommendation = z.infer<typeof Recommendation>;

const ATC_CODE = /^[A-Z]\d{2}(?:[A-Z](?:[A-Z](?:\d{2})?)?)?$/;

function list(value: string | string[] | null | undefined): string[] {
  const parts = Array.isArray(value) ? value : (value ?? '').split(/[,;]/);
  return parts.map((part) => cleanText(part)).filter(Boolean);
}

/** Epoch milliseconds are the day it was in Sweden, not in UTC. */
function dateOf(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    return stockholmDay(new Date(value));
  }
  return parseSourceDate(value);
}

/** The item key: the product page's path, lower-cased, without a trailing slash or `.html`. */
function itemKeyOf(url: string): string {
  const path = new URL(url).pathname.replace(/\/+$/, '').replace(/\.html?$/i, '');
  return (path || '/').toLowerCase();
}

/**
 * The JSON array that starts with `[{"productName"`, cut out with a bracket scan that respects
 * strings. A regex to the last `}]` (as scrapers of the page do) runs into the next array.
 */
export function embeddedArray(text: string): { json: string } | { unterminated: true } | undefined {
  const start = text.search(/\[\s*\{\s*"productName"\s*:/);
  if (start < 0) return undefined;
  const limit = Math.min(text.length, start + MAX_JSON_CHARS);
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let index = start; index < limit; index += 1) {
    const char = text[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') depth += 1;
    else if (char === ']' || char === '}') {
      depth -= 1;
      if (depth === 0) return { json: text.slice(start, index + 1) };
    }
  }
  return { unterminated: true };
}

function recommendationItem(entry: Recommendation, base: string): RawItem | undefined {
  const url = absoluteUrl(entry.url, base);
  if (!url) return undefined;
  const substances = list(entry.substances);
  const atcCodes = [...new Set(list(entry.atc).map((code) => code.toUpperCase()))].filter((code) =>
    ATC_CODE.test(code),
  );
  const publishedAt = dateOf(entry.publishDate);
  const recommendation = cleanText(entry.recommendation ?? '');
  const productName = cleanText(entry.productName);
  const references: ItemReference[] = atcCodes.slice(0, 50).map((value) => ({ scheme: 'atc', value }));
  return {
    itemKey: itemKeyOf(url),
    kind: 'council-decision',
    title: (substances.length > 0 ? `${productName} (${substances.join(', ')})` : productName).slice(0, 2000),
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(recommendation ? { summary: recommendation.slice(0, 5000) } : {}),
    language: 'sv',
    publicationType: 'NT-rådets rekommendation',
    product: { tradeName: productName.slice(0, 500) },
    ...(references.length > 0 ? { references } : {}),
  };
}

function parseRecommendations(json: string, base: string): RawItem[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new HorisontError('parse', `parse(${ID}): the embedded recommendations are not valid JSON`, {
      cause: error,
    });
  }
  const entries = Recommendations.safeParse(raw);
  if (!entries.success) {
    throw new HorisontError(
      'schema',
      `parse(${ID}): the embedded recommendations changed shape (${describeIssues(entries.error)})`,
    );
  }
  return entries.data.flatMap((entry) => {
    const item = recommendationItem(entry, base);
    return item ? [item] : [];
  });
}

function productItem(li: Selection, base: string): RawItem | undefined {
  const link = li.find('a[href]').first();
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, base);
  const name =
    cleanText(li.find('.sol-article-item__heading, .sv-channel-title, [class*="rubrik"]').first().text()) ||
    cleanText(link.text());
  if (!url || !name) return undefined;
  const publishedAt = parseSourceDate(
    li.find('.sol-article-item__date, [class*="datum"], time').first().text(),
  );
  const summary = cleanText(li.find('.sol-article-item__desc, [class*="brodtext"]').first().text());
  return {
    itemKey: itemKeyOf(url),
    kind: 'council-decision',
    title: name.slice(0, 2000),
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary: summary.slice(0, 5000) } : {}),
    language: 'sv',
    publicationType: 'MTP-rådet: produkt i nationellt ordnat införande',
    product: { tradeName: name.slice(0, 500) },
  };
}

function statesEmpty($: CheerioAPI): boolean {
  return $('main p, main div, main span, main li, body p')
    .toArray()
    .some((element) => {
      const text = cleanText($(element).text());
      return (
        text.length > 0 && text.length < 100 && /^(inga träffar|inga produkter|det finns inga)\b/i.test(text)
      );
    });
}

function baseOf($: CheerioAPI, options: CouncilListsOptions): string {
  const canonical = $('link[rel="canonical"]').attr('href');
  return canonical && /^https?:\/\//i.test(canonical) && URL.canParse(canonical)
    ? canonical
    : options.siteOrigin;
}

/** Latest entry per product page: NT-rådet lists a product again for each new recommendation. */
function newestPerKey(items: RawItem[]): RawItem[] {
  const byKey = new Map<string, RawItem>();
  for (const item of items) {
    const previous = byKey.get(item.itemKey);
    if (!previous || (item.publishedAt ?? '') > (previous.publishedAt ?? '')) byKey.set(item.itemKey, item);
  }
  return [...byKey.values()];
}

/**
 * The councils' own lists of products already in national collaboration: NT-rådet's
 * recommendations (a JSON array embedded in the page) and MTP-rådet's product list (a Sitevision
 * list). Items mark candidates as already handled; they are not new candidates themselves.
 */
export const councilLists: SourceAdapter<CouncilListsOptions> = {
  id: ID,
  description: "NT-rådet's recommendations and MTP-rådet's product list (already handled nationally)",
  profile: { kind: 'council', region: 'SE' },
  sources: [
    // The councils' own lists of products already in national collaboration. They mark candidates
    // as already handled (resolution), they create none. NT-rådet's page embeds its list as JSON;
    // MTP-rådet's current product list URL is NOT confirmed (samverkanlakemedel.se or janusinfo.se):
    // verify live before relying on it.
    {
      id: ID,
      label: 'MTP-rådet och NT-rådet',
      urls: [
        {
          url: 'https://samverkanlakemedel.se/lakemedel---ordnat-inforande/nt-radets-rekommendationer',
          verified: true,
          basis:
            'Fetched by a public scraper (2025) that reads the embedded JSON array with productName, substances, atc, url, publishDate, recommendation.',
        },
        {
          url: 'https://samverkanlakemedel.se/medicinteknik---ordnat-inforande/produkter-i-nationellt-ordnat-inforande',
          verified: false,
          basis:
            "No trace of this path. Medtech's ordered introduction has its own site: a stored page at samverkanmedicinteknik.se/ordnat-inforande/inforande (MTP-rådet; earlier janusinfo.se/nationelltinforandeavmedicinteknik/), but its product-list page was not found.",
        },
      ],
      schedule: '30 3 * * 1', // weekly: the lists change after council meetings
    },
  ],
  optionsSchema: CouncilListsOptions,

  requests(source: SourceSpec<CouncilListsOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<CouncilListsOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    const base = baseOf($, source.options);

    const embedded = embeddedArray(decodeBody(doc));
    if (embedded && 'unterminated' in embedded) {
      throw new HorisontError(
        'parse',
        `parse(${ID}): the embedded recommendations end before the array does`,
      );
    }
    let items: RawItem[];
    if (embedded) {
      items = parseRecommendations(embedded.json, base);
      if (items.length === 0) {
        throw new HorisontError('layout-changed', `parse(${ID}): no recommendation has a usable link`);
      }
    } else {
      const entries = $('ul.sol-article-list li, ul.sv-defaultlist li').filter(
        (_, li) => $(li).find('a[href]').length > 0,
      );
      if (entries.length === 0) {
        if (statesEmpty($)) return { items: [] };
        throw unrecognisedPage($, ID, 'the embedded recommendations or the product list');
      }
      items = entries.toArray().flatMap((li) => {
        const item = productItem($(li), base);
        return item ? [item] : [];
      });
      if (items.length === 0) {
        throw new HorisontError('layout-changed', `parse(${ID}): no product has a name and a link`);
      }
    }
    return { items: newestPerKey(items).slice(0, source.options.maxItems) };
  },
};

export default councilLists;
