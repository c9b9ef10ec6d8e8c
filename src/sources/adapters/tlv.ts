import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import { parseSourceDate } from '../../domain/dates.js';
import type { DrugFacts, RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'tlv';
const SITE = 'https://www.tlv.se';

/** `benefit-decision`: TLV's decisions on prescription drugs in the benefits (förmånsbeslut). */
const TlvKind = z.enum(['news', 'hta-report', 'benefit-decision']);
type TlvKind = z.infer<typeof TlvKind>;

/** The benefit-decision lists, by the path segment that names the decision. */
const DECISION_LISTS: Readonly<Record<string, string>> = {
  'generell-subvention': 'generell subvention',
  'begransad-subvention': 'begränsad subvention',
  'avslag-och-uteslutningar': 'avslag eller uteslutning',
};
const DECISION_PATH = '/beslut/beslut-lakemedel/';

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
  listKinds: z.record(ListRef, TlvKind).default({
    '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html': 'hta-report',
    ...Object.fromEntries(
      Object.keys(DECISION_LISTS).map((list) => [
        `${DECISION_PATH}${list}.html`,
        'benefit-decision' as const,
      ]),
    ),
  }),
  defaultKind: TlvKind.default('news'),
  /** Upper bound on items taken from one list page. */
  maxItems: z.number().int().min(1).max(500).default(100),
});
export type TlvOptions = z.infer<typeof TlvOptions>;

function pathOf(ref: string): string {
  return /^https?:\/\//i.test(ref) && URL.canParse(ref) ? new URL(ref).pathname : ref.split(/[?#]/)[0]!;
}

/** The kind of the list the document was fetched as; the most specific (longest) entry wins. */
export function kindForList(listUrl: string, options: TlvOptions): TlvKind {
  const requested = URL.canParse(listUrl) ? new URL(listUrl).pathname : listUrl;
  let best: { length: number; kind: TlvKind } | undefined;
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

/**
 * A decision's heading names the medicine first ("Tukysa ingår i högkostnadsskyddet", "Rinvoq
 * (upadacitinib) får begränsad subvention"); the decision list's path says which decision it is.
 */
const DECISION_VERB = /\s+(?:ingår|får|utesluts|avslås|ska|tas|omfattas|kvarstår)\b/i;

function decisionFacts(title: string, summary: string, day: string | undefined): DrugFacts {
  const head = title.split(DECISION_VERB)[0]!.trim();
  const named = /^(.+?)\s*\(([^)]+)\)$/.exec(head);
  const brand = (named?.[1] ?? head).slice(0, 200);
  const inn = named?.[2]?.trim();
  // "… för behandling av X." / "… används vid X." in the list's short text.
  const indication =
    /(?:används (?:vid|för|mot)(?: behandling av)?|(?:för|vid) behandling av)\s+([^.]+)/i.exec(summary)?.[1];
  return {
    ...(inn === undefined || inn === '' ? {} : { inn }),
    brandNames: [brand],
    ...(indication === undefined ? {} : { indication: cleanText(indication).slice(0, 5000) }),
    // TLV's benefits are for drugs on prescription (seed 004): routing reads this as stated.
    supply: 'recept',
    event: 'tlv-decision',
    ...(day === undefined ? {} : { eventOn: day }),
  };
}

function decisionName(listUrl: string): string | undefined {
  const path = URL.canParse(listUrl) ? new URL(listUrl).pathname : listUrl;
  const list = /\/beslut\/beslut-lakemedel\/([a-z-]+)(?:\.html|\/)/.exec(path)?.[1];
  return list === undefined ? undefined : DECISION_LISTS[list];
}

function parseItem(
  li: Selection,
  kind: TlvKind,
  language: RawItem['language'],
  listUrl: string,
): RawItem | undefined {
  const link = li.find('a[href]').first();
  const href = link.attr('href');
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  const dateElement = li.find('.sol-article-item__date').first();
  // Older list templates put the title straight in the link, next to the date.
  const title =
    cleanText(
      li
        .find('.sol-article-item__heading, .sol-article-item__title, .sol-article-item__content__heading')
        .first()
        .text(),
    ) ||
    cleanText(link.clone().find('.sol-article-item__date, .sol-article-item__desc').remove().end().text());
  if (!url || !title) return undefined;

  const publishedAt = parseSourceDate(dateElement.text());
  const summary = cleanText(li.find('.sol-article-item__desc, .sol-article-item__text').first().text());
  if (kind === 'benefit-decision') {
    const decision = decisionName(listUrl);
    // The archive path starts with the decision's day (`…/arkiv/2026-11-12-dawnzera-….html`).
    const day = /\/arkiv\/(\d{4}-\d{2}-\d{2})-/.exec(new URL(url).pathname)?.[1] ?? publishedAt?.slice(0, 10);
    const drug = decisionFacts(title, summary, day);
    return {
      itemKey: new URL(url).pathname,
      kind: 'drug',
      title,
      url,
      ...(publishedAt ? { publishedAt } : {}),
      summary: [`TLV:s förmånsbeslut${decision === undefined ? '' : ` (${decision})`}.`, summary]
        .filter(Boolean)
        .join(' ')
        .slice(0, 5000),
      language,
      publicationType: 'TLV:s beslut om läkemedelsförmåner',
      product: { tradeName: drug.brandNames![0]! },
      drug,
    };
  }
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
 * TLV's Sitevision list pages: news, the medical-device pages with the health-economic
 * assessments TLV makes for MTP-rådet, and the decisions on drugs in the benefits (generell,
 * begränsad, avslag), each a drug item with a TLV decision on a prescription drug. First page only.
 */
export const tlv: SourceAdapter<TlvOptions> = {
  id: ID,
  description:
    'TLV list pages (Sitevision): news, health-economic assessments of medical devices, benefit decisions on drugs',
  profile: { kind: 'reimbursement-agency', region: 'SE' },
  hosts: {
    'www.tlv.se': { minIntervalMs: 2000 },
  },
  sources: [
    {
      id: ID,
      label: 'TLV',
      urls: [
        {
          url: 'https://www.tlv.se/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html',
          verified: false,
          basis:
            "No stored page or code shows this Swedish path. The English equivalent exists (stored copy of tlv.se/in-english/medical-devices/health-economic-evaluations.html); TLV's sitemap (sitemap1.xml.gz) is the discovery route a public scraper uses.",
        },
        {
          url: 'https://www.tlv.se/om-tlv/nyheter.html',
          verified: false,
          basis: "No stored page or code shows TLV's news list at this path, and no TLV RSS feed was found.",
        },
      ],
      options: {
        listKinds: {
          '/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html': 'hta-report',
        },
      },
    },
    {
      id: 'tlv-beslut',
      label: 'TLV (förmånsbeslut)',
      // TLV's benefit decisions on drugs (förmånsbeslut): each a TLV decision on a prescription drug.
      // The lists without a date range show the latest decisions.
      urls: [
        {
          url: 'https://www.tlv.se/beslut/beslut-lakemedel/generell-subvention.html',
          verified: true,
          basis:
            'Public scrapers read this list (with ?start=YYYY0101-00000000-AM&end=YYYY1231-235959999-PM per year): li > a[href=.../generell-subvention/arkiv/YYYY-MM-DD-slug.html] with div.sol-article-item__date and span.sol-article-item__content__heading; item pages of the archive are cited in public drug datasets. What the list shows without a date range is inferred (the latest decisions).',
        },
        {
          url: 'https://www.tlv.se/beslut/beslut-lakemedel/begransad-subvention.html',
          verified: true,
          basis:
            'The same public scrapers loop over generell-subvention, begransad-subvention and avslag-och-uteslutningar with the same markup.',
        },
        {
          url: 'https://www.tlv.se/beslut/beslut-lakemedel/avslag-och-uteslutningar.html',
          verified: true,
          basis:
            'The same public scrapers loop over generell-subvention, begransad-subvention and avslag-och-uteslutningar with the same markup.',
        },
      ],
      recorded: { urls: ['https://www.tlv.se/beslut/beslut-lakemedel/generell-subvention.html'] },
    },
  ],
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
      const item = parseItem($(element), kind, language, doc.request.url);
      if (item && !seen.has(item.itemKey)) {
        seen.add(item.itemKey);
        items.push(item);
      }
    });
    if (items.length === 0) throw unrecognisedPage($, ID, 'a list item with a title and a link');
    return { items: items.slice(0, source.options.maxItems) };
  },
};

export default tlv;
