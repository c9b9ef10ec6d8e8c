import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import { parseSourceDate } from '../../domain/dates.js';
import type { ProductFacts, RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'lakemedelsverket-fsn';
const SITE = 'https://www.lakemedelsverket.se';

export const LakemedelsverketFsnOptions = z.strictObject({
  /** Pages followed per configured list and scan; the list is newest first. */
  maxPages: z.number().int().min(1).max(100).default(5),
  /** Upper bound on items taken from one list page. */
  maxItems: z.number().int().min(1).max(500).default(100),
});
export type LakemedelsverketFsnOptions = z.infer<typeof LakemedelsverketFsnOptions>;

// "Publicerad: 16 juni 2021" (no zero padding); the label is what marks a list entry.
const PUBLISHED = /Publicerad:?\s*([^\n]{0,40})/i;
const UPDATED = /(?:Senast\s+uppdaterad|Uppdaterad):?\s*([^\n]{0,40})/i;

/** Labels of the facts an entry may state, by what they mean. */
const FACT_LABELS: Record<string, 'manufacturer' | 'product' | 'action'> = {
  tillverkare: 'manufacturer',
  produkt: 'product',
  produktnamn: 'product',
  'berörd produkt': 'product',
  'berörda produkter': 'product',
  'typ av åtgärd': 'action',
  åtgärd: 'action',
  typ: 'action',
};

interface Facts {
  manufacturer?: string;
  product?: string;
  action?: string;
}

/** `dt`/`dd` pairs and `Label: value` lines, as list entries print them. */
function factsOf($: CheerioAPI, entry: Selection): Facts {
  const facts: Facts = {};
  const put = (label: string, value: string) => {
    const key = FACT_LABELS[cleanText(label).replace(/:$/, '').toLowerCase()];
    const clean = cleanText(value);
    if (key && clean && facts[key] === undefined) facts[key] = clean.slice(0, 500);
  };
  entry.find('dt').each((_, dt) => {
    put($(dt).text(), $(dt).next('dd').text());
  });
  entry.find('p, li, span, div').each((_, element) => {
    if ($(element).children('p, li, div').length > 0) return;
    const match = /^([\p{L} ]{3,25}):\s*(.+)$/u.exec(cleanText($(element).text()));
    if (match) put(match[1]!, match[2]!);
  });
  return facts;
}

/** Entries of the list: the innermost elements with a link and a "Publicerad" date line. */
function entriesOf($: CheerioAPI): Selection {
  const scope = $('main').length > 0 ? $('main') : $('body');
  const isEntry = (entry: Selection) => entry.find('a[href]').length > 0 && PUBLISHED.test(entry.text());
  const articles = scope.find('article').filter((_, element) => isEntry($(element)));
  if (articles.length > 0) return articles;
  return scope
    .find('li')
    .filter((_, element) => isEntry($(element)))
    .filter(
      (_, element) =>
        $(element)
          .find('li')
          .filter((__, inner) => isEntry($(inner))).length === 0,
    );
}

/** A short line that says the list is empty ("Inga säkerhetsmeddelanden hittades"). */
function statesEmpty($: CheerioAPI): boolean {
  return $('main p, main div, main span, body p')
    .toArray()
    .some((element) => {
      const text = cleanText($(element).text());
      return (
        text.length < 100 && /^(inga (träffar|säkerhetsmeddelanden|resultat)|det finns inga\b)/i.test(text)
      );
    });
}

function toItem($: CheerioAPI, entry: Selection): RawItem | undefined {
  const link = entry.find('h2 a[href], h3 a[href], h4 a[href]').first().length
    ? entry.find('h2 a[href], h3 a[href], h4 a[href]').first()
    : entry.find('a[href]').first();
  const title = cleanText(link.text());
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  if (!title || !url) return undefined;

  const text = entry
    .find('p, span, li, dd, dt, time')
    .toArray()
    .map((element) => cleanText($(element).text()))
    .join('\n');
  const publishedAt = parseSourceDate(PUBLISHED.exec(text)?.[1] ?? '');
  const updatedAt = parseSourceDate(UPDATED.exec(text)?.[1] ?? '');
  const facts = factsOf($, entry);
  const teaser = entry
    .find('p')
    .toArray()
    .map((element) => cleanText($(element).text()))
    .find((line) => line.length > 30 && !PUBLISHED.test(line) && !/^[\p{L} ]{3,25}:/u.test(line));

  // Product facts only where the entry names the product in its own field; a name in the title
  // is left to the resolver, which reads titles with care.
  const product: ProductFacts | undefined = facts.product
    ? { tradeName: facts.product, ...(facts.manufacturer ? { manufacturer: facts.manufacturer } : {}) }
    : undefined;
  const summary = [teaser, !product && facts.manufacturer ? `Tillverkare: ${facts.manufacturer}.` : undefined]
    .filter(Boolean)
    .join(' ');
  const path = new URL(url).pathname.replace(/\/+$/, '').toLowerCase();
  return {
    itemKey: path || '/',
    kind: 'safety-notice',
    title,
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(updatedAt && updatedAt !== publishedAt ? { updatedAt } : {}),
    ...(summary ? { summary } : {}),
    language: 'sv',
    ...(facts.action ? { publicationType: facts.action } : {}),
    ...(product ? { product } : {}),
  };
}

function pageNumber(url: URL): number {
  const page = Number(url.searchParams.get('page') ?? '1');
  return Number.isInteger(page) && page > 0 ? page : 1;
}

/**
 * The next page from the pager's "next" link. Only query-string paging is followed, applied to
 * the URL the page was fetched from: the link's path is the public site's, and following it
 * would leave a fixture server or a snapshot replay.
 */
function nextPage($: CheerioAPI, doc: FetchedDocument, maxPages: number): FetchRequest | undefined {
  const link = $('a[rel~="next"], a.pagination__link--next, a.pagination__next')
    .add($('nav a, .pagination a').filter((_, a) => /^nästa( sida)?\b/i.test(cleanText($(a).text()))))
    .first();
  const href = link.attr('href');
  if (href === undefined || !URL.canParse(href, SITE)) return undefined;
  const target = new URL(href, SITE);
  const url = new URL(doc.request.url);
  const current = pageNumber(url);
  for (const [name, value] of target.searchParams) url.searchParams.set(name, value);
  const next = pageNumber(url);
  if (next <= current || next > maxPages) return undefined;
  return { key: listRequestKey(url.toString()), url: url.toString(), accept: 'text/html' };
}

/**
 * Läkemedelsverket's list of manufacturers' field safety notices (säkerhetsmeddelanden) for
 * medical devices, newest first, paged with `?page=N`. Since EUDAMED publishes no FSNs, the
 * national authorities' lists are where they appear.
 */
export const lakemedelsverketFsn: SourceAdapter<LakemedelsverketFsnOptions> = {
  id: ID,
  description: "Läkemedelsverket's list of field safety notices (säkerhetsmeddelanden) for medical devices",
  profile: { kind: 'regulator', region: 'SE' },
  sources: [
    {
      id: ID,
      label: 'Läkemedelsverket (säkerhetsmeddelanden)',
      // TO BE VERIFIED LIVE: the current list URL, its markup and its paging were not found in the
      // public material (the legacy list lived under /malgrupp/Halso---sjukvard/Medicinteknisk-
      // sakerhetsinformation/). EUDAMED publishes no FSNs, so this list is the Swedish source.
      urls: [
        {
          url: 'https://www.lakemedelsverket.se/sv/medicinteknik/folj-upp-anvandning/sakerhetsmeddelanden',
          verified: false,
          basis:
            'The section exists (stored: .../folj-upp-anvandning/rapportering-av-fsca-fsn, updated 26 June 2024) but this list page was not found; the legacy list lived at lakemedelsverket.se/malgrupp/Halso---sjukvard/Medicinteknisk-sakerhetsinformation/.',
        },
      ],
    },
  ],
  optionsSchema: LakemedelsverketFsnOptions,

  requests(source: SourceSpec<LakemedelsverketFsnOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<LakemedelsverketFsnOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    const entries = entriesOf($);
    if (entries.length === 0) {
      if (statesEmpty($)) return { items: [] };
      throw unrecognisedPage($, ID, 'the list of safety notices (entries with "Publicerad")');
    }

    const items: RawItem[] = [];
    const seen = new Set<string>();
    entries.each((_, element) => {
      const item = toItem($, $(element));
      if (item && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    if (items.length === 0) throw unrecognisedPage($, ID, 'a safety notice with a title and a link');

    const next = nextPage($, doc, source.options.maxPages);
    const kept = items.slice(0, source.options.maxItems);
    return next ? { items: kept, next } : { items: kept };
  },
};

export default lakemedelsverketFsn;
