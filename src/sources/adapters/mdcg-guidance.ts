import { z } from 'zod';
import type { CheerioAPI } from 'cheerio';
import { HorisontError } from '../../domain/errors.js';
import { ENGLISH_MONTHS, parseSourceMonth } from '../../domain/dates.js';
import type { ItemReference, RawItem } from '../../domain/item.js';
import { absoluteUrl, cleanText, listRequestKey, loadHtml, unrecognisedPage } from '../html.js';
import type { Selection } from '../html.js';
import type { FetchedDocument, FetchRequest, ParseResult, SourceAdapter, SourceSpec } from '../types.js';

const ID = 'mdcg-guidance';
const SITE = 'https://health.ec.europa.eu';

export const MdcgGuidanceOptions = z.strictObject({
  /**
   * File types taken from the document links (by the `filename` parameter or the path). The page
   * also links spreadsheets (EMDN version history, device tables) and Word copies of PDFs, which
   * are data or duplicates rather than guidance.
   */
  fileTypes: z
    .array(z.string().regex(/^[a-z0-9]{1,8}$/))
    .min(1)
    .default(['pdf']),
  /** Upper bound on items taken from the page. */
  maxItems: z.number().int().min(1).max(2000).default(500),
});
export type MdcgGuidanceOptions = z.infer<typeof MdcgGuidanceOptions>;

/** `June 2025`, `April2024` (the page drops the space at times) → `2025-06`. Never a day. */
function publishedOf(text: string | undefined): { published?: { text: string; month: string } } {
  const month = text === undefined ? undefined : parseSourceMonth(text);
  if (month === undefined) return {};
  const name = ENGLISH_MONTHS[Number(month.slice(5)) - 1]!;
  return {
    published: { text: `${name.charAt(0).toUpperCase()}${name.slice(1)} ${month.slice(0, 4)}`, month },
  };
}

const MDCG_ID = /^MDCG\s*\d{4}-\d+/i;

/**
 * `MDCG 2021-6 - rev.1`, `MDCG 2021-12 Rev. 1` → `MDCG 2021-6 rev.1`, `MDCG 2021-12 rev.1`. Annexes,
 * appendices and forms keep their wording: they are documents of their own.
 */
export function normaliseMdcgId(text: string): string | undefined {
  const clean = cleanText(text);
  if (!MDCG_ID.test(clean)) return undefined;
  return clean
    .replace(/^MDCG\s*/i, 'MDCG ')
    .replace(/\s*[-–]\s*(?=rev\b)/i, ' ')
    .replace(/\brev\.?\s*(\d+)/i, 'rev.$1')
    .replace(/[\s\-–]+$/, '')
    .slice(0, 100);
}

/** The Europa document id in `/document/download/<uuid>_en?filename=…`. */
const DOWNLOAD_PATH =
  /\/document\/download\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:_[a-z]{2})?$/i;

interface DocumentLink {
  key: string;
  url: string;
}

function documentLink(href: string | undefined, fileTypes: readonly string[]): DocumentLink | undefined {
  const url = href === undefined ? undefined : absoluteUrl(href, SITE);
  if (!url) return undefined;
  const parsed = new URL(url);
  const fileName = parsed.searchParams.get('filename') ?? parsed.pathname;
  const extension = /\.([a-z0-9]{1,8})$/i.exec(fileName)?.[1]?.toLowerCase();
  const uuid = DOWNLOAD_PATH.exec(parsed.pathname)?.[1]?.toLowerCase();
  // A download without a file name is still a document; anything else must be a listed type.
  if (extension !== undefined ? !fileTypes.includes(extension) : uuid === undefined) return undefined;
  // The uuid stays when the file is replaced; the path is the fallback for direct file links.
  return { key: uuid ?? parsed.pathname.toLowerCase(), url };
}

/** The lines of a cell as the browser breaks them (paragraphs, list items, `<br>`). */
function linesOf($: CheerioAPI, cell: Selection, drop: (href: string | undefined) => boolean): string[] {
  const copy = cell.clone();
  copy.find('a').each((_, a) => {
    if (drop($(a).attr('href'))) $(a).remove();
  });
  copy.find('br').replaceWith('\n');
  copy.find('p, li, div').each((_, block) => {
    $(block).append('\n');
  });
  return copy
    .text()
    .split('\n')
    .map(cleanText)
    .filter((line) => line !== '' && !/^[-–]+$/.test(line));
}

interface RowDocument extends DocumentLink {
  reference?: string;
  title: string;
  /** The publication month as printed (`June 2025`) and as `YYYY-MM`. */
  published?: { text: string; month: string };
}

function pick(lines: string[], index: number, count: number): string | undefined {
  return lines.length === count ? lines[index] : lines[0];
}

/**
 * The documents of one table row. A row can hold several documents (a guidance and its
 * appendix, a form per regulation); each cell then holds one line per document, and the lines are
 * paired by position when the counts agree.
 */
function rowDocuments($: CheerioAPI, row: Selection, options: MdcgGuidanceOptions): RowDocument[] {
  const cells = row.children('td');
  if (cells.length < 2) return [];
  const [refCell, titleCell, dateCell] = [cells.eq(0), cells.eq(1), cells.eq(2)];
  const rejected = (href: string | undefined) => documentLink(href, options.fileTypes) === undefined;
  const linksIn = (cell: Selection) =>
    cell
      .find('a[href]')
      .toArray()
      .map((a) => ({
        link: documentLink($(a).attr('href'), options.fileTypes),
        text: cleanText($(a).text()),
      }))
      .filter((entry): entry is { link: DocumentLink; text: string } => entry.link !== undefined);

  const refLines = linesOf($, refCell, rejected);
  const titleLines = linesOf($, titleCell, rejected);
  const dateLines = dateCell.length > 0 ? linesOf($, dateCell, rejected) : [];
  const refLinks = linksIn(refCell);
  const titleLinks = linksIn(titleCell);

  const documents: RowDocument[] = [];
  const main = refLinks.length > 0 ? refLinks : titleLinks;
  main.forEach(({ link, text }, index) => {
    const reference =
      refLinks.length > 0
        ? refLines.length === refLinks.length
          ? refLines[index]
          : text
        : refLines.length === main.length
          ? refLines[index]
          : refLines.join(' ') || undefined;
    const title = pick(titleLines, index, main.length) ?? text;
    documents.push({
      ...link,
      ...(reference ? { reference } : {}),
      title,
      ...publishedOf(pick(dateLines, index, main.length)),
    });
  });

  // Further documents linked from the title cell (a background note beside a manual).
  if (refLinks.length > 0) {
    const keys = new Set(documents.map((d) => d.key));
    for (const { link, text } of titleLinks) {
      if (keys.has(link.key)) continue;
      keys.add(link.key);
      const line = titleLines.find((candidate) => candidate.includes(text)) ?? text;
      documents.push({ ...link, title: line, ...publishedOf(dateLines[0]) });
    }
  }
  return documents;
}

function toItem(doc: RowDocument, topic: string | undefined): RawItem {
  const mdcgId = doc.reference ? normaliseMdcgId(doc.reference) : undefined;
  const title = mdcgId ? `${mdcgId}: ${doc.title}` : doc.title || doc.reference || doc.key;
  const summary = [
    topic ? `Topic: ${topic}.` : undefined,
    doc.published ? `Publication: ${doc.published.text}.` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const references: ItemReference[] = mdcgId ? [{ scheme: 'mdcg', value: mdcgId }] : [];
  return {
    itemKey: doc.key,
    kind: 'guidance',
    title: title.slice(0, 2000),
    url: doc.url,
    // The page gives month and year only; a day would be invented, so no publishedAt.
    ...(summary ? { summary } : {}),
    language: 'en',
    // A revised file under the same document id shows up as a new publication month.
    ...(doc.published ? { sourceVersion: doc.published.month } : {}),
    ...(mdcgId ? { publicationType: 'MDCG guidance' } : {}),
    ...(references.length > 0 ? { references } : {}),
  };
}

/** Tables whose header names the guidance columns. */
function guidanceTables($: CheerioAPI): Selection {
  return $('table').filter((_, table) => {
    const header = cleanText($(table).find('th').text()).toLowerCase();
    return header.includes('title') && (header.includes('publication') || header.includes('reference'));
  });
}

/**
 * The Commission's page of MDCG-endorsed guidance on the MDR and IVDR (Europa ECL tables, one per
 * topic). One item per linked document, keyed by the Europa document id.
 */
export const mdcgGuidance: SourceAdapter<MdcgGuidanceOptions> = {
  id: ID,
  description: 'MDCG-endorsed guidance documents on the MDR and IVDR (European Commission)',
  profile: { kind: 'regulator', region: 'EU' },
  sources: [
    {
      id: ID,
      label: 'MDCG-vägledningar',
      // Answers 403 to default clients; the browser-like http.userAgent of config/sources.yaml is what
      // it needs.
      urls: [
        {
          url: 'https://health.ec.europa.eu/medical-devices-sector/new-regulations/guidance-mdcg-endorsed-documents-and-other-guidance_en',
          verified: true,
          basis:
            'Fetched daily by rlwadh/ReguWatch (reports/2025-10-17/daily-summary.md: 200 after an earlier 403).',
        },
      ],
    },
  ],
  optionsSchema: MdcgGuidanceOptions,

  requests(source: SourceSpec<MdcgGuidanceOptions>): FetchRequest[] {
    return source.urls.map((url) => ({ key: listRequestKey(url), url, accept: 'text/html' }));
  },

  parse(doc: FetchedDocument, source: SourceSpec<MdcgGuidanceOptions>): ParseResult {
    const $ = loadHtml(ID, doc);
    const tables = guidanceTables($);
    if (tables.length === 0) {
      throw unrecognisedPage($, ID, 'the guidance tables (Reference, Title, Publication)');
    }

    const items: RawItem[] = [];
    const seen = new Set<string>();
    let rows = 0;
    let linkedRows = 0;
    let topic: string | undefined;
    // Headings and tables in document order: each table belongs to the heading above it.
    $('h2, h3, h4, table').each((_, element) => {
      if (element.tagName !== 'table') {
        topic = cleanText($(element).text()) || topic;
        return;
      }
      if (!tables.is(element)) return;
      $(element)
        .find('tr')
        .filter((__, tr) => $(tr).children('td').length > 0)
        .each((__, tr) => {
          rows += 1;
          if ($(tr).find('a[href]').length > 0) linkedRows += 1;
          for (const document of rowDocuments($, $(tr), source.options)) {
            if (seen.has(document.key)) continue;
            seen.add(document.key);
            items.push(toItem(document, topic));
          }
        });
    });

    // Tables with headers and no rows: the page lists nothing (mid-edit); rows whose links are
    // all of other types are a change in how documents are linked.
    if (items.length === 0 && linkedRows > 0) {
      throw new HorisontError(
        'layout-changed',
        `parse(${ID}): ${rows} guidance rows but no link to a ${source.options.fileTypes.join('/')} document`,
      );
    }
    return { items: items.slice(0, source.options.maxItems) };
  },
};

export default mdcgGuidance;
