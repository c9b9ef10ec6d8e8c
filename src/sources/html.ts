import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import { HorisontError } from '../domain/errors.js';
import { decodeBody } from './charset.js';
import type { FetchedDocument } from './types.js';

/**
 * Helpers shared by the adapters that read documents. Not an adapter itself; site quirks stay
 * in each adapter file.
 */

/** A selection of elements, as `find` returns it (cheerio does not export its element type). */
export type Selection = ReturnType<ReturnType<CheerioAPI['root']>['find']>;

/** The characters above U+167F that `\s` matches (typographic quotes and dashes are not). */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** True when `text` has no whitespace but single spaces between words (one pass, no regex). */
function isCollapsed(text: string): boolean {
  let previousSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (previousSpace) return false;
      previousSpace = true;
    } else if (c <= 13 || c === 0xa0 || (c >= 0x1680 && isUnicodeSpace(c))) {
      // Other whitespace (or a control character): the regular expression decides.
      return false;
    } else {
      previousSpace = false;
    }
  }
  return !previousSpace || text.length === 0;
}

/**
 * Collapses whitespace the way a browser renders it. Most source text is collapsed already and is
 * returned after one character pass: the regular expression was a tenth of the feed and JSON
 * adapters' time (W2).
 */
export function cleanText(text: string): string {
  return isCollapsed(text) ? text : text.replace(/\s+/gu, ' ').trim();
}

// Phrases of the challenge and denial pages of the WAFs and CDNs in front of the sources
// (Cloudflare, Akamai, F5/the Commission's gateway, Imperva, Azure Front Door).
const BLOCK_MARKERS: readonly RegExp[] = [
  /\bjust a moment\b/i,
  /checking if the site connection is secure/i,
  /\battention required\b/i,
  /\baccess denied\b/i,
  /\brequest rejected\b/i,
  /the requested url was rejected/i,
  /\bcaptcha\b/i,
  /are you a robot|not a robot/i,
  /incapsula incident/i,
  /the request is blocked/i,
  /\bdu har blockerats\b/i,
];

/** True when the text reads like a bot challenge or an access-denied page. */
export function looksBlocked(text: string): boolean {
  return BLOCK_MARKERS.some((marker) => marker.test(text));
}

/**
 * Loads an HTML document. Throws `empty-body` for nothing at all and `parse` for bytes that are
 * not markup; whether the markup is the expected page is for the adapter to decide.
 */
export function loadHtml(adapterId: string, doc: FetchedDocument): CheerioAPI {
  const text = decodeBody(doc);
  if (text.trim() === '') throw new HorisontError('empty-body', `parse(${adapterId}): empty document`);
  if (!/<[a-z!]/i.test(text.slice(0, 4096))) {
    throw new HorisontError('parse', `parse(${adapterId}): the document is not HTML`);
  }
  const $ = cheerio.load(text);
  if (nestingDepth($.root()[0]) > MAX_NESTING) {
    throw new HorisontError(
      'parse',
      `parse(${adapterId}): markup nested deeper than ${MAX_NESTING} elements`,
    );
  }
  return $;
}

/**
 * Deeper than any real page. Far deeper nesting (a broken or hostile document) overflows the
 * stack in cheerio's recursive `.text()`, which would surface as an unclassified RangeError.
 */
const MAX_NESTING = 1000;

/** The deepest nesting of the tree, counted without recursion. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    deepest = Math.max(deepest, depth);
    const children = (node as { children?: unknown[] }).children;
    if (children) for (const child of children) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The error for a page whose expected markup is missing: a block page when it reads like one,
 * otherwise a redesign. Only called after the expected markup was not found, so a real page that
 * happens to mention "captcha" is never misread as blocked.
 */
export function unrecognisedPage($: CheerioAPI, adapterId: string, what: string): HorisontError {
  const text = cleanText(`${$('title').text()} ${$('body').text()}`).slice(0, 5000);
  if (looksBlocked(text)) {
    return new HorisontError(
      'blocked',
      `parse(${adapterId}): the site answered with a block or challenge page`,
    );
  }
  return new HorisontError('layout-changed', `parse(${adapterId}): ${what} not found`);
}

/**
 * Resolves a link against the site's canonical origin rather than the fetched URL, so items
 * point at the public page whether the bytes came from the site, a fixture server or a stored
 * snapshot. Returns undefined for links that are not http(s).
 */
export function absoluteUrl(href: string, siteOrigin: string): string | undefined {
  const trimmed = href.trim();
  if (trimmed === '' || !URL.canParse(trimmed, siteOrigin)) return undefined;
  const url = new URL(trimmed, siteOrigin);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.hash = '';
  return url.toString();
}

/**
 * A public link followed from a fetched page, on the origin the page was fetched from: behind the
 * fixture server (or a replay) the public host is the first path segment of the request.
 */
export function onFetchedOrigin(link: string, requestUrl: string): string {
  const target = new URL(link);
  const request = new URL(requestUrl);
  if (target.host !== request.host && request.pathname.startsWith(`/${target.host}/`)) {
    return `${request.origin}/${target.host}${target.pathname}${target.search}`;
  }
  return target.toString();
}

/**
 * A stable request key from a list URL: readable, without `:` (BullMQ job ids), the same for
 * the same URL whatever order the configuration lists it in.
 */
export function listRequestKey(url: string): string {
  const parsed = new URL(url);
  const slug = `${parsed.pathname}${parsed.search}`
    .toLowerCase()
    .replace(/\.html?$|\.html?(?=\?)/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `list-${slug || 'root'}`.slice(0, 200);
}
