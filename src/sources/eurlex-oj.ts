import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { parseSourceDate } from '../domain/dates.js';
import { HorisontError } from '../domain/errors.js';
import type { ItemReference, RawItem } from '../domain/item.js';
import { cleanText, decodeBody, listRequestKey, looksBlocked } from './html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from './types.js';

const ID = 'eurlex-oj';
const SITE = 'https://eur-lex.europa.eu';
const MAX_FEED_CHARS = 5_000_000;

export const EurlexOjOptions = z.strictObject({
  /**
   * An item is kept when its title, description or CELEX number matches one of these
   * (case-insensitive); `YYYY/N` also matches the act's own CELEX number, so corrigenda of the
   * MDR, whose feed title is the bare number, are kept. An empty list keeps every item (a saved
   * search feed that is already about devices).
   */
  keywords: z
    .array(z.string().trim().min(2).max(100))
    .max(100)
    .default(['2017/745', '2017/746', 'medical device', 'in vitro diagnostic']),
});
export type EurlexOjOptions = z.infer<typeof EurlexOjOptions>;

/**
 * Entity processing off: the feed's own markup needs only the five predefined entities and
 * numeric references, decoded below in one bounded pass; DOCTYPE entities (expansion attacks)
 * are never expanded.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  maxNestedTags: 32,
  isArray: (_name, jPath) => jPath === 'rss.channel.item',
});

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : '';
    }
    return PREDEFINED[name.toLowerCase()] ?? whole;
  });
}

/** Feed text, decoded and without the markup some descriptions carry. */
function plain(value: unknown): string {
  if (typeof value !== 'string') return '';
  const decoded = decodeEntities(value);
  return cleanText(decodeEntities(decoded.replace(/<[^>]*>/g, ' ')));
}

const FeedText = z.union([z.string(), z.number()]).transform(String).optional();

const FeedItem = z.object({
  title: FeedText,
  link: FeedText,
  guid: FeedText,
  description: FeedText,
  pubDate: FeedText,
});

const Feed = z.object({
  rss: z.object({
    channel: z.object({
      // An empty channel parses as '' (no child elements at all).
      item: z.array(z.unknown()).optional(),
    }),
  }),
});

// `CELEX:32026R1167: Commission Delegated Regulation …`; corrigenda come bare (`…R(03)`).
const TITLE_CELEX = /^CELEX:\s*([0-9A-Z][0-9A-Z()_]*)(?::\s*([\s\S]*))?$/i;
const URI_CELEX = /[?&]uri=CELEX(?::|%3A)([0-9A-Z()_]+)/i;
// The act type that opens an OJ title: `Commission Implementing Regulation`, `Council Decision`.
const ACT_TYPE =
  /^((?:[A-Z][a-z]+ ){0,4}(?:Regulation|Directive|Decision|Recommendation|Guideline|Notice|Communication|Opinion|Corrigendum))\b/;

const MDR_IVDR: ReadonlyArray<[RegExp, string]> = [
  [/\b2017\/745\b/, '32017R0745'],
  [/\b2017\/746\b/, '32017R0746'],
];

/** A keyword's matcher over the text, and over the CELEX number for `YYYY/N` keywords. */
function matcherFor(keyword: string): (text: string, celex: string | undefined) => boolean {
  const needle = keyword.toLowerCase().replace(/\s+/g, ' ');
  const act = /^(\d{4})\/(\d{1,4})$/.exec(keyword.trim());
  const celexPattern = act ? new RegExp(`^3${act[1]}[A-Z]0*${act[2]}(?!\\d)`, 'i') : undefined;
  return (text, celex) =>
    text.toLowerCase().includes(needle) ||
    (celexPattern !== undefined && celex !== undefined && celexPattern.test(celex));
}

function feedLanguage(url: string): RawItem['language'] {
  const match = /\/(EN|SV)\//i.exec(URL.canParse(url) ? new URL(url).pathname : url);
  return match ? (match[1]!.toLowerCase() as 'en' | 'sv') : undefined;
}

function canonicalUrl(link: string, celex: string | undefined): string | undefined {
  if (link !== '' && URL.canParse(link)) {
    const url = new URL(link);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
  }
  return celex ? `${SITE}/legal-content/EN/TXT/?uri=CELEX:${celex}` : undefined;
}

function readFeed(doc: FetchedDocument): unknown {
  const text = decodeBody(doc).trim();
  if (text === '') throw new HorisontError('empty-body', `parse(${ID}): empty document`);
  // A feed holds the last 100 acts (tens of kB); anything near this is not the feed, and the
  // parser should not be handed it.
  if (text.length > MAX_FEED_CHARS) {
    throw new HorisontError('too-large', `parse(${ID}): ${text.length} characters is not an RSS feed`);
  }
  const head = text.slice(0, 8000);
  // EUR-Lex sits behind an AWS WAF challenge that answers scripts with a JavaScript page.
  if (
    /gokuProps|awsWafCookieDomainList|AwsWafIntegration|token\.awswaf\.com/.test(head) ||
    looksBlocked(head)
  ) {
    if (!/^<\?xml|^<rss\b/i.test(text)) {
      throw new HorisontError(
        'blocked',
        `parse(${ID}): the site answered with a bot challenge instead of the feed`,
      );
    }
  }
  if (/^<!doctype html|^<html\b/i.test(text)) {
    throw new HorisontError('parse', `parse(${ID}): expected an RSS feed, got an HTML page`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new HorisontError(
      'parse',
      `parse(${ID}): malformed XML (${valid.err.code} at line ${valid.err.line})`,
    );
  }
  try {
    return parser.parse(text) as unknown;
  } catch (error) {
    throw new HorisontError('parse', `parse(${ID}): the feed could not be parsed`, { cause: error });
  }
}

function toItem(
  raw: z.infer<typeof FeedItem>,
  language: RawItem['language'],
): { item: RawItem; celex: string | undefined } | undefined {
  const rawTitle = plain(raw.title);
  const link = plain(raw.link);
  const guid = plain(raw.guid);
  const description = plain(raw.description);
  const titleMatch = TITLE_CELEX.exec(rawTitle);
  const celex = (titleMatch?.[1] ?? URI_CELEX.exec(link)?.[1] ?? URI_CELEX.exec(guid)?.[1])?.toUpperCase();
  const actTitle = titleMatch ? cleanText(titleMatch[2] ?? '') : rawTitle;
  const title = actTitle || description || (celex ? `CELEX ${celex}` : '');
  const url = canonicalUrl(link, celex) ?? canonicalUrl(guid, undefined);
  const itemKey = celex ?? (guid || link);
  if (!title || !url || !itemKey) return undefined;

  const references: ItemReference[] = celex ? [{ scheme: 'celex', value: celex.slice(0, 100) }] : [];
  // Acts that amend or implement the MDR/IVDR name them; the CELEX link ties them to the act.
  for (const [pattern, target] of MDR_IVDR) {
    if (target !== celex && pattern.test(`${actTitle} ${description}`)) {
      references.push({ scheme: 'celex', value: target });
    }
  }
  const publishedAt = raw.pubDate ? parseSourceDate(plain(raw.pubDate)) : undefined;
  const publicationType = ACT_TYPE.exec(actTitle || title)?.[1];
  const summary = description && description !== title ? description : undefined;
  const item: RawItem = {
    // The CELEX number is the act's identity in every feed and search; the guid is per feed.
    itemKey: itemKey.slice(0, 500),
    kind: 'regulation',
    title: title.slice(0, 2000),
    url,
    ...(publishedAt ? { publishedAt } : {}),
    ...(summary ? { summary: summary.slice(0, 20_000) } : {}),
    ...(language ? { language } : {}),
    ...(publicationType ? { publicationType } : {}),
    ...(references.length > 0 ? { references } : {}),
  };
  return { item, celex };
}

/**
 * EUR-Lex RSS 2.0 feeds (the Official Journal L series, or a saved search), kept to the acts about
 * medical devices and in vitro diagnostics.
 */
export const eurlexOj: SourceAdapter<EurlexOjOptions> = {
  id: ID,
  description: 'EUR-Lex RSS feeds (Official Journal acts), kept to MDR/IVDR and medical devices',
  optionsSchema: EurlexOjOptions,

  requests(source: SourceSpec<EurlexOjOptions>): FetchRequest[] {
    return source.urls.map((url) => ({
      key: listRequestKey(url),
      url,
      accept: 'application/rss+xml, application/xml;q=0.9, text/xml;q=0.8',
    }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<EurlexOjOptions>): ParseResult {
    const feed = Feed.safeParse(readFeed(doc));
    if (!feed.success) {
      throw new HorisontError('schema', `parse(${ID}): not an RSS 2.0 feed (no rss/channel)`);
    }

    const matchers = source.options.keywords.map(matcherFor);
    const language = feedLanguage(doc.request.url);
    const items: RawItem[] = [];
    const seen = new Set<string>();
    (feed.data.rss.channel.item ?? []).forEach((raw, index) => {
      const entry = FeedItem.safeParse(raw);
      if (!entry.success || typeof raw !== 'object' || raw === null) {
        throw new HorisontError('schema', `parse(${ID}): item ${index} is not an RSS item`);
      }
      const mapped = toItem(entry.data, language);
      if (!mapped) {
        throw new HorisontError('schema', `parse(${ID}): item ${index} has no title, link or identifier`);
      }
      const { item, celex } = mapped;
      const text = `${item.title} ${item.summary ?? ''}`;
      // Most of the Official Journal is about other things: those items are skipped, not errors.
      if (matchers.length > 0 && !matchers.some((matches) => matches(text, celex))) return;
      if (seen.has(item.itemKey)) return;
      seen.add(item.itemKey);
      items.push(item);
    });
    return { items };
  },
};
