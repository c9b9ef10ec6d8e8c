import { decodeHTMLStrict } from 'entities';

/**
 * Text, product-name and manufacturer normalisation. Pure and deterministic: the same input
 * always gives the same output, so the results can be used as identity keys.
 */

/** Tags after which the text reads as a new block; replaced by a space rather than nothing. */
const BLOCK_TAGS =
  /^(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul)$/i;

function stripTags(s: string): string {
  return (
    s
      // Content of script/style/template is never text.
      .replace(/<(script|style|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
      .replace(/<\/?([a-z][a-z0-9-]*)\b[^>]*>/gi, (_tag, name: string) => (BLOCK_TAGS.test(name) ? ' ' : ''))
  );
}

/**
 * True when `normaliseText` would return `s` unchanged, decided in one pass: printable ASCII
 * without `<` and `&`, and Latin-1 letters (U+00C0–U+00FF, stable under NFKC), single spaces
 * between words and none at either end. Most titles and register fields are like that, and
 * scoring normalises every evidence field on every score.
 */
function isNormalText(s: string): boolean {
  const n = s.length;
  if (n === 0) return true;
  let previous = 0x20;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      if (previous === 0x20) return false;
    } else if (c < 0x20 || c === 0x3c || c === 0x26 || (c > 0x7e && c < 0xc0) || c > 0xff) {
      return false;
    }
    previous = c;
  }
  return previous !== 0x20;
}

/**
 * NFKC, strip HTML tags and decode entities, collapse whitespace, trim. Zero-width characters,
 * soft hyphens and bidirectional controls are removed. The trade-mark signs ™/℠ are kept as they
 * are (NFKC would turn them into the letters "TM"/"SM" and glue them onto the brand name).
 */
export function normaliseText(s: string): string {
  if (isNormalText(s)) return s;
  const decoded = decodeHTMLStrict(stripTags(s));
  const nfkc = decoded
    .split(/([™℠])/)
    .map((part) => (part === '™' || part === '℠' ? part : part.normalize('NFKC')))
    .join('');
  return nfkc
    .replace(/[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Lowercase and strip diacritics so that spelling variants meet: Mölnlycke = Molnlycke,
 * Ø/Æ (Norwegian) fold like Ö/Ä. Used for keys and matching, never for display.
 */
export function foldForMatching(s: string): string {
  const cached = foldCache.get(s);
  if (cached !== undefined) return cached;
  const folded = s
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/ß/g, 'ss')
    .replace(/đ/g, 'd')
    .replace(/ł/g, 'l')
    .normalize('NFC');
  // A bounded memo of short strings: words repeat across items and detectors, and folding them
  // is the hot path of matching.
  if (s.length <= 64) {
    if (foldCache.size >= FOLD_CACHE_SIZE) foldCache.clear();
    foldCache.set(s, folded);
  }
  return folded;
}

const FOLD_CACHE_SIZE = 50_000;
const foldCache = new Map<string, string>();

/** Words that describe what kind of thing a product is rather than which product it is. */
const GENERIC_TRAILING: readonly (readonly string[])[] = [
  ['continuous', 'glucose', 'monitoring', 'system'],
  ['continuous', 'glucose', 'monitoring'],
  ['continuous', 'glucose', 'monitor'],
  ['flash', 'glucose', 'monitoring'],
  ['glucose', 'monitoring', 'system'],
  ['glucose', 'monitoring'],
  ['insulin', 'pump'],
  ['system'],
  ['systems'],
  ['systemet'],
  ['sensor'],
  ['sensors'],
  ['sensorn'],
  ['device'],
  ['devices'],
  ['kit'],
  ['kits'],
  ['set'],
  ['sets'],
  ['cgm'],
  ['pump'],
  ['pumps'],
  ['insulinpump'],
  ['insulinpumpen'],
  ['produkt'],
  ['product'],
];

/**
 * Key form of a product name: lowercase, diacritics folded, ®/™/© removed, punctuation to
 * space, generic trailing words dropped (system, sensor, device, kit, set, …). Generation and
 * model tokens are kept: "freestyle libre 3" ≠ "freestyle libre 2"; "minimed 780g"; "dexcom g7".
 */
export function normaliseProductName(s: string): string {
  const cleaned = foldForMatching(
    normaliseText(s)
      .replace(/[®™©℠]/g, ' ')
      // "Evolut FX+" and "Dexcom ONE+" are products of their own: the plus is a word.
      .replace(/(?<=[\p{L}\p{N}])\+(?![\p{L}\p{N}])/gu, ' plus '),
  )
    .replace(/\((?:r|tm|c)\)/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (cleaned === '') return '';
  // "Libre3" and "Libre 3" are the same product; short model codes (g7, e3, 780g) stay whole.
  const tokens = cleaned
    .split(' ')
    .flatMap((token) => {
      const split = /^(\p{L}{3,})(\d{1,2})$/u.exec(token);
      return split?.[1] !== undefined && split[2] !== undefined ? [split[1], split[2]] : [token];
    })
    .filter((token) => token !== '');
  let changed = true;
  while (changed) {
    changed = false;
    for (const suffix of GENERIC_TRAILING) {
      if (
        tokens.length > suffix.length &&
        suffix.every((w, i) => tokens[tokens.length - suffix.length + i] === w)
      ) {
        tokens.splice(tokens.length - suffix.length, suffix.length);
        changed = true;
        break;
      }
    }
  }
  return tokens.join(' ');
}

/** Legal-form tokens (dots and slashes already removed) dropped from the end of a company name. */
const LEGAL_FORMS = new Set([
  'ab',
  'publ',
  'hb',
  'kb',
  'ltd',
  'limited',
  'plc',
  'llc',
  'llp',
  'lp',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'kgaa',
  'ohg',
  'se',
  'sa',
  'sas',
  'sarl',
  'spa',
  'srl',
  'sl',
  'slu',
  'nv',
  'bv',
  'oy',
  'oyj',
  'asa',
  'as',
  'aps',
  'ehf',
  'hf',
  'pty',
  'kk',
  'sro',
  'spol',
  'zoo',
  'sp',
  'ltda',
  'sau',
  'sasu',
  'eurl',
  'sprl',
  'bvba',
  'cv',
  'pte',
  'pvt',
  'private',
  'ulc',
  'kft',
  'zrt',
  'doo',
  'uab',
  'sia',
  'ou',
  'gesmbh',
  'ky',
]);

/**
 * Key form of a manufacturer name: lowercase, diacritics stripped (Mölnlycke = Molnlycke), legal
 * forms dropped (AB, Ltd, GmbH, Inc., S.A., Oy, ASA, A/S, B.V., S.r.l., Corp., LLC, …) and
 * punctuation removed. Legal forms are only dropped at the end, so "AS" or "Co" inside a name
 * survives; at least one token is always kept.
 */
export function normaliseManufacturer(s: string): string {
  const spaced = foldForMatching(normaliseText(s))
    // "S. A." → "S.A." so that it reads as one abbreviation.
    .replace(/(?<![\p{L}\p{N}])(\p{L})\.\s+(?=\p{L}\.)/gu, '$1.')
    // The Polish "Sp. z o.o." and Czech "spol. s r.o." are legal forms of several words.
    .replace(/\bsp\.?\s*z\s*o\.?\s*o\.?$/u, ' sp zoo')
    .replace(/\bspol\.?\s*s\s*r\.?\s*o\.?$/u, ' sro')
    .replace(/\bs\.?\s*a\.?\s+de\s+c\.?\s*v\.?$/u, ' sa');
  const folded = spaced
    .split(/[\s,;()]+/u)
    // Dotted or slashed single-letter abbreviations collapse: s.a. → sa, b.v. → bv, a/s → as.
    .map((token) => (/^(?:\p{L}[./]){1,4}\p{L}?\.?$/u.test(token) ? token.replace(/[./]/g, '') : token))
    .join(' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (folded === '') return '';
  const tokens = folded.split(' ');
  while (tokens.length > 1 && LEGAL_FORMS.has(tokens[tokens.length - 1] ?? '')) tokens.pop();
  return tokens.join(' ');
}

/** A term as TermMatcher reads it: folded words, and whether the first/last word may continue. */
export interface CompiledTerm {
  term: string;
  parts: string[];
  openStart: boolean;
  openEnd: boolean;
}

/** How TermMatcher reads a term; `parts` is empty for a term without letters or digits. */
export function compileTerm(term: string): CompiledTerm {
  const trimmed = term.trim();
  const openStart = trimmed.startsWith('*');
  const openEnd = trimmed.endsWith('*') && trimmed.length > 1;
  const core = trimmed.replace(/^\*|\*$/g, '');
  const parts = foldForMatching(core)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((p) => p !== '');
  return { term, parts, openStart, openEnd };
}

/** One place in a text where a term matched: offsets refer to the text as given. */
export interface TermMatch {
  term: string;
  index: number;
  length: number;
  /** The matched text as written. */
  text: string;
}

interface Word {
  index: number;
  raw: string;
  folded: string;
}

/** A text split into folded words once, so that many term lists can be matched against it. */
export interface TokenisedText {
  readonly text: string;
  readonly words: readonly Word[];
  /** Positions of each folded word, ascending. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
}

export function tokeniseForMatching(text: string): TokenisedText {
  const words: Word[] = [];
  const positions = new Map<string, number[]>();
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const folded = foldForMatching(m[0]);
    const at = positions.get(folded);
    if (at === undefined) positions.set(folded, [words.length]);
    else at.push(words.length);
    words.push({ index: m.index ?? 0, raw: m[0], folded });
  }
  return { text, words, positions };
}

function partMatches(word: string, part: string, openStart: boolean, openEnd: boolean): boolean {
  if (openStart && openEnd) return word.includes(part);
  if (openStart) return word.endsWith(part);
  if (openEnd) return word.startsWith(part);
  return word === part;
}

const HEADS_CACHE_SIZE = 10_000;
const NO_HEADS: readonly number[] = [];

/**
 * Whole-word term matching on text, folding case and diacritics. A `*` at either end of a term
 * lets the first/last word continue on that side (Swedish compounds: `*cancer` matches
 * "prostatacancer"); several words must appear in sequence, ignoring punctuation between them
 * ("typ 1 diabetes" matches "typ 1-diabetes").
 */
export class TermMatcher {
  private readonly compiled: CompiledTerm[];
  /**
   * Which terms a word can start, by the term's first part: equal to it, beginning with it
   * (`part*`), ending with it (`*part`) or containing it (`*part*`). A word is looked up by its
   * prefixes and suffixes of the lengths that occur, so one lookup costs a few map probes instead
   * of a pass over every term.
   */
  private readonly exact = new Map<string, number[]>();
  private readonly prefix = new Map<string, number[]>();
  private readonly suffix = new Map<string, number[]>();
  private readonly infix: number[] = [];
  private readonly prefixLengths: number[];
  private readonly suffixLengths: number[];
  /**
   * The heads found for a word, remembered (bounded): scoring looks up every word of a candidate's
   * evidence in every detector's matcher, and the same words come back candidate after candidate.
   */
  private readonly headsByWord = new Map<string, readonly number[]>();

  constructor(terms: readonly string[]) {
    this.compiled = terms.map(compileTerm).filter((t) => t.parts.length > 0);
    const add = (map: Map<string, number[]>, key: string, index: number): void => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [index]);
      else list.push(index);
    };
    for (const [index, t] of this.compiled.entries()) {
      const head = t.parts[0] ?? '';
      const headOpenEnd = t.parts.length === 1 && t.openEnd;
      if (t.openStart && headOpenEnd) this.infix.push(index);
      else if (t.openStart) add(this.suffix, head, index);
      else if (headOpenEnd) add(this.prefix, head, index);
      else add(this.exact, head, index);
    }
    this.prefixLengths = [...new Set([...this.prefix.keys()].map((k) => k.length))].sort((a, b) => a - b);
    this.suffixLengths = [...new Set([...this.suffix.keys()].map((k) => k.length))].sort((a, b) => a - b);
  }

  /** The first match of each term that occurs, in term order. */
  find(text: string | TokenisedText): TermMatch[] {
    return this.collect(text, true);
  }

  /**
   * Every match of every term, in term order and by position within a term. Matches of different
   * terms may overlap; which of them counts is the caller's choice.
   */
  findAll(text: string | TokenisedText): TermMatch[] {
    return this.collect(text, false);
  }

  private collect(text: string | TokenisedText, firstOnly: boolean): TermMatch[] {
    const tokenised = typeof text === 'string' ? tokeniseForMatching(text) : text;
    if (tokenised.words.length === 0 || this.compiled.length === 0) return [];
    const starts = this.startsByTerm(tokenised);
    if (starts.size === 0) return [];
    const out: TermMatch[] = [];
    for (const index of [...starts.keys()].sort((a, b) => a - b)) {
      const t = this.compiled[index];
      const candidates = starts.get(index);
      if (t === undefined || candidates === undefined) continue;
      for (const at of this.matchStarts(t, candidates, tokenised, firstOnly)) {
        const first = tokenised.words[at];
        const end = tokenised.words[at + t.parts.length - 1];
        if (first === undefined || end === undefined) continue;
        const length = end.index + end.raw.length - first.index;
        out.push({
          term: t.term,
          index: first.index,
          length,
          text: tokenised.text.slice(first.index, first.index + length),
        });
      }
    }
    return out;
  }

  matches(text: string | TokenisedText): boolean {
    const tokenised = typeof text === 'string' ? tokeniseForMatching(text) : text;
    if (tokenised.words.length === 0 || this.compiled.length === 0) return false;
    for (const [index, candidates] of this.startsByTerm(tokenised)) {
      const t = this.compiled[index];
      if (t !== undefined && this.matchStarts(t, candidates, tokenised, true).length > 0) return true;
    }
    return false;
  }

  /** Word positions where each term's first part matches, ascending, for the terms that have any. */
  private startsByTerm(tokenised: TokenisedText): Map<number, number[]> {
    const starts = new Map<number, number[]>();
    const merged = new Set<number>();
    for (const [word, at] of tokenised.positions) {
      for (const index of this.headsOf(word)) {
        const found = starts.get(index);
        if (found === undefined) {
          // Shared with `tokenised` until a second word starts the same term.
          starts.set(index, at as number[]);
        } else if (merged.has(index)) {
          found.push(...at);
        } else {
          starts.set(index, [...found, ...at]);
          merged.add(index);
        }
      }
    }
    // Several words (open heads) can start one term; each word's positions are ascending already.
    for (const index of merged) starts.get(index)?.sort((a, b) => a - b);
    return starts;
  }

  /** The terms whose first part matches `word` (each at most once). */
  private headsOf(word: string): readonly number[] {
    let heads = this.headsByWord.get(word);
    if (heads === undefined) {
      heads = this.findHeads(word);
      if (this.headsByWord.size >= HEADS_CACHE_SIZE) this.headsByWord.clear();
      this.headsByWord.set(word, heads);
    }
    return heads;
  }

  private findHeads(word: string): readonly number[] {
    const heads: number[] = [];
    const exact = this.exact.get(word);
    if (exact !== undefined) heads.push(...exact);
    for (const length of this.prefixLengths) {
      if (length > word.length) break;
      const found = this.prefix.get(word.slice(0, length));
      if (found !== undefined) heads.push(...found);
    }
    for (const length of this.suffixLengths) {
      if (length > word.length) break;
      const found = this.suffix.get(word.slice(word.length - length));
      if (found !== undefined) heads.push(...found);
    }
    for (const index of this.infix) {
      if (word.includes(this.compiled[index]?.parts[0] ?? '')) heads.push(index);
    }
    return heads.length === 0 ? NO_HEADS : heads;
  }

  /** The candidate starts from which all of the term's parts follow in sequence; only the first if asked. */
  private matchStarts(
    t: CompiledTerm,
    starts: readonly number[],
    tokenised: TokenisedText,
    firstOnly: boolean,
  ): number[] {
    const last = t.parts.length - 1;
    const out: number[] = [];
    for (const i of starts) {
      let ok = true;
      for (let k = 1; k <= last && ok; k++) {
        const word = tokenised.words[i + k]?.folded;
        ok = word !== undefined && partMatches(word, t.parts[k] ?? '', false, k === last && t.openEnd);
      }
      if (ok) {
        out.push(i);
        if (firstOnly) break;
      }
    }
    return out;
  }
}

/** A short excerpt of `text` around `index`, cut at word boundaries, with ellipses. */
export function snippetAround(text: string, index: number, length: number, radius = 70): string {
  let start = Math.max(0, index - radius);
  let end = Math.min(text.length, index + length + radius);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < index) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > index + length) end = space;
  }
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
