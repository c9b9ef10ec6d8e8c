import { foldForMatching, normaliseProductName, normaliseText } from './normalise.js';
import {
  COMPANY_LABELS,
  ENGLISH_WORDS,
  GENERATION_WORDS,
  LEGAL_FORMS,
  NORDIC_WORDS,
  STOP_SUFFIXES,
  STOP_WORDS,
} from './mention-words.js';

/**
 * Product-name mentions in Swedish, English or Norwegian prose (titles, summaries).
 *
 * Swedish and Norwegian do not capitalise common nouns, so a capitalised word in the middle of a
 * sentence is either a proper noun (a place, an organisation, a person) or a brand. Places and
 * organisations that recur in this domain are listed in mention-words.ts; what remains is treated
 * as a brand.
 * The first word of a sentence is capitalised anyway, so it only counts when something else marks
 * it as a brand: CamelCase (FreeStyle), a model/generation token after it (Dexcom G7), a Swedish
 * hyphen compound (Optune-behandling), parentheses, or the same word recognised elsewhere in the
 * text. English headlines in Title Case are detected and then need CamelCase, a model token or
 * parentheses.
 */

const STOP_WORD_SET = new Set(STOP_WORDS.map((w) => foldForMatching(w)));

const LEGAL_FORM_SET = new Set(LEGAL_FORMS.map((w) => foldForMatching(w)));

/** "S.A.", "B.V.", "Inc.", "GmbH" → a legal form. */
export function isLegalForm(word: string): boolean {
  return LEGAL_FORM_SET.has(foldForMatching(word).replace(/\./g, ''));
}

const GENERATION_WORD_SET = new Set(GENERATION_WORDS);

interface Token {
  /** The word without surrounding punctuation (and without a lowercase hyphen tail). */
  word: string;
  start: number;
  /** A sentence boundary precedes this token. */
  sentenceStart: boolean;
  /** Punctuation between the previous token and this one ends a phrase. */
  breakBefore: boolean;
  openParen: boolean;
  closeParen: boolean;
  /** The word had a hyphenated tail that was cut off: the phrase ends here. */
  hyphenTail: boolean;
  /** Swedish compound with a hyphen and a lowercase tail ("Optune-behandling"): marks a brand. */
  brandCompound: boolean;
  /** A short capitalised abbreviation with a full stop ("Rev.", "Dr.", "Fig."): never a brand. */
  abbreviation: boolean;
  /** Part of a company name after a label such as "Tillverkare:" or "Applicant:". */
  company: boolean;
}

const COMPANY_LABEL_SET = new Set(COMPANY_LABELS);

const OPENERS = /^[(["'“”‘’«»„[{<]+/u;
const CLOSERS = /[)\]}"'“”’»>,.;:!?…]+$/u;
const DASHES = new Set(['-', '–', '—', '|', '•', '/', '·']);

function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let sentenceStart = true;
  let breakNext = true;
  let inCompany = false;
  for (const match of text.matchAll(/\S+/gu)) {
    const raw = match[0];
    if (DASHES.has(raw)) {
      sentenceStart = true;
      breakNext = true;
      inCompany = false;
      continue;
    }
    const lead = OPENERS.exec(raw)?.[0] ?? '';
    const trail = CLOSERS.exec(raw.slice(lead.length))?.[0] ?? '';
    let word = raw.slice(lead.length, raw.length - trail.length);
    if (word === '') {
      if (/[.!?:;…]/u.test(raw)) sentenceStart = true;
      breakNext = true;
      continue;
    }
    let hyphenTail = false;
    let brandCompound = false;
    if (!STOP_WORD_SET.has(foldForMatching(word))) {
      // "Optune-behandling", "G7-sensorn": a brand (or model) with a Swedish lowercase tail.
      const lower = /^([^-]+)-(\p{Ll}[\p{Ll}-]*)$/u.exec(word);
      // "Realtids-CGM", "HTA-rapport"-like words with an acronym tail: the head is an ordinary word.
      const acronym = /^([^-]+)-(\p{Lu}[\p{Lu}\d]*)$/u.exec(word);
      if (lower?.[1] !== undefined) {
        word = lower[1];
        hyphenTail = true;
        brandCompound = true;
      } else if (acronym?.[1] !== undefined && acronym[2] !== undefined && isStop(acronym[2])) {
        word = acronym[1];
        hyphenTail = true;
      }
    }
    tokens.push({
      word,
      start: (match.index ?? 0) + lead.length,
      sentenceStart,
      breakBefore: breakNext || lead !== '',
      openParen: lead.includes('('),
      closeParen: trail.includes(')'),
      hyphenTail,
      brandCompound,
      abbreviation: trail.startsWith('.') && /^\p{Lu}\p{Ll}{1,2}$/u.test(word),
      company: inCompany,
    });
    // An initial ("B. Braun") does not end a sentence.
    const initial = /^\p{Lu}$/u.test(word) && trail === '.';
    const ends = /[.!?:;…]/u.test(trail) && !initial;
    if (trail.includes(':') && COMPANY_LABEL_SET.has(foldForMatching(word))) inCompany = true;
    else if (ends) inCompany = false;
    sentenceStart = ends;
    breakNext = trail !== '' || hyphenTail;
  }
  return tokens;
}

const hasLetter = (w: string): boolean => /\p{L}/u.test(w);
const isCamel = (w: string): boolean => /\p{Ll}\p{Lu}/u.test(w) || /\p{Lu}\p{Ll}+-\p{Lu}\p{Ll}/u.test(w);
const isCapitalised = (w: string): boolean => /^\p{Lu}/u.test(w) && /\p{Ll}/u.test(w);
const isAllCaps = (w: string): boolean => /\p{Lu}.*\p{Lu}/u.test(w) && !/\p{Ll}/u.test(w);

function isStop(word: string): boolean {
  const f = foldForMatching(word);
  if (STOP_WORD_SET.has(f) || isLegalForm(word)) return true;
  // Genitive: "Skånes", "Sveriges", "Abbott's", "TLV:s".
  const base = f.replace(/[:'’]s$/u, '').replace(/s$/u, '');
  if (base !== f && STOP_WORD_SET.has(base)) return true;
  if (f.startsWith('region') || f.startsWith('landsting')) return true;
  return STOP_SUFFIXES.some((suffix) => f.length > suffix.length && f.endsWith(suffix));
}

function isModel(word: string): boolean {
  if (/^\d{1,4}$/.test(word)) return !/^(?:19|20)\d\d$/.test(word);
  if (/^\p{L}{1,3}\d{1,4}\p{L}{0,3}$/u.test(word) || /^\d{1,4}\p{L}{1,3}$/u.test(word)) return true;
  return /^\p{Lu}/u.test(word) && GENERATION_WORD_SET.has(foldForMatching(word));
}

/** Can this token continue a brand phrase that has started? */
function continues(word: string): boolean {
  if (isStop(word)) return false;
  return isModel(word) || isCamel(word) || isCapitalised(word) || (isAllCaps(word) && hasLetter(word));
}

/** Can this token start a brand phrase? */
function starts(word: string, next: string | undefined): boolean {
  if (isStop(word) || !hasLetter(word) || word.length < 2) return false;
  if (isCamel(word) || isCapitalised(word)) return true;
  // An all-caps word is an acronym unless a model token follows ("ENDURANT II").
  return isAllCaps(word) && next !== undefined && isModel(next) && !isStop(next);
}

/** English Title Case headline: most longer words capitalised. */
function isTitleCase(tokens: Token[]): boolean {
  // Only ordinary-looking words count: not sentence openers, places/organisations, CamelCase
  // brands or words right before a model token ("Dexcom" in "Dexcom G7").
  const long = tokens.filter(
    (t, i) =>
      !t.sentenceStart &&
      t.word.length >= 4 &&
      /^\p{L}/u.test(t.word) &&
      !isStop(t.word) &&
      !isCamel(t.word) &&
      // A model token ("Q105") is no ordinary word, capitalised or not.
      !isModel(t.word) &&
      !isModel(tokens[i + 1]?.word ?? ''),
  );
  if (long.length < 2) return false;
  const caps = long.filter((t) => /^\p{Lu}/u.test(t.word)).length;
  return caps / long.length >= 0.75;
}

const ENGLISH_WORD_SET = new Set(ENGLISH_WORDS);
const NORDIC_WORD_SET = new Set(NORDIC_WORDS);

/**
 * English prose capitalises more than Swedish does (headings, document names, "Questions &
 * Answers"), so a lone capitalised word is weak evidence of a brand there.
 */
function looksEnglish(tokens: Token[]): boolean {
  let english = 0;
  let nordic = 0;
  for (const t of tokens) {
    const w = t.word.toLowerCase();
    if (ENGLISH_WORD_SET.has(w)) english++;
    else if (NORDIC_WORD_SET.has(w)) nordic++;
  }
  return english > nordic;
}

export interface MentionOptions {
  /**
   * The item's language, when the source states it. English text (stated or recognised) needs a
   * stronger sign of a brand than capitalisation: CamelCase, a model token or parentheses.
   */
  language?: 'sv' | 'en' | 'no';
}

interface Phrase {
  tokens: Token[];
  accepted: boolean;
  /** Rejected only because it begins a sentence; accepted later if its head is a known brand. */
  initialOnly: boolean;
}

function phrasesOf(tokens: Token[], strict: boolean): Phrase[] {
  const titleCase = strict || isTitleCase(tokens);
  const phrases: Phrase[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i];
    if (first === undefined) break;
    if (first.abbreviation || first.company || !starts(first.word, tokens[i + 1]?.word)) {
      i++;
      continue;
    }
    let j = i + 1;
    if (!first.hyphenTail) {
      while (j < tokens.length && j - i < 6) {
        const t = tokens[j];
        if (t === undefined || t.breakBefore || t.abbreviation || t.company || !continues(t.word)) break;
        j++;
        if (t.hyphenTail || t.closeParen) break;
      }
    }
    // "Braun Melsungen AG", "Diabetes Care Inc", "Medtronic MiniMed, Inc.": a company name.
    const after = tokens[j];
    if (after !== undefined && isLegalForm(after.word)) {
      i = j + 1;
      continue;
    }
    let phrase = tokens.slice(i, j);
    // "Nya Dexcom G7": a plain capitalised sentence opener followed by another brand-like word
    // is an ordinary word; the brand starts at the second token.
    const second = phrase[1];
    if (
      first.sentenceStart &&
      second !== undefined &&
      !isCamel(first.word) &&
      !isModel(second.word) &&
      (isCamel(second.word) || isCapitalised(second.word))
    ) {
      phrase = phrase.slice(1);
    }
    const head = phrase[0];
    if (head === undefined) {
      i = j;
      continue;
    }
    const hasCamel = phrase.some((t) => isCamel(t.word));
    const modelAt = phrase.findIndex((t, k) => k > 0 && isModel(t.word));
    const last = phrase[phrase.length - 1];
    const inParens = head.openParen && last?.closeParen === true;
    const strong = hasCamel || modelAt > 0 || inParens || head.brandCompound;
    if (titleCase) {
      // Every word is capitalised, so the brand is what sits next to the strong token: from the
      // CamelCase word (or the word before the first model token) up to the last model token;
      // without a model token, the CamelCase word and one more.
      const camelAt = phrase.findIndex((t) => isCamel(t.word));
      const start = camelAt >= 0 ? camelAt : Math.max(0, modelAt - 1);
      if (modelAt > 0) {
        let end = phrase.length;
        while (end > 1 && !isModel(phrase[end - 1]?.word ?? '')) end--;
        phrase = phrase.slice(Math.min(start, end - 1), end);
      } else if (hasCamel) {
        phrase = phrase.slice(camelAt, camelAt + 2);
      }
      phrases.push({ tokens: phrase, accepted: strong, initialOnly: false });
    } else {
      const initial = head.sentenceStart;
      phrases.push({ tokens: phrase, accepted: strong || !initial, initialOnly: !strong && initial });
    }
    i = j;
  }
  return phrases;
}

function display(text: string, phrase: Token[]): string {
  const first = phrase[0];
  const last = phrase[phrase.length - 1];
  if (first === undefined || last === undefined) return '';
  return text.slice(first.start, last.start + last.word.length);
}

/**
 * Product names mentioned in a Swedish/English title or summary: brand tokens that are
 * capitalised mid-sentence, CamelCase (FreeStyle, MiniMed), in parentheses "(Optune)", followed
 * by model/generation tokens (3, 780G, G7, E3). In English text (see {@link MentionOptions}) a
 * capitalised word alone is not enough. Excludes organisations/places/acronyms (Region,
 * Västra Götaland, Skåne, Stockholm, SBU, TLV, HTA, EU, MDR, IVDR, NT-rådet, MTP-rådet, Sverige,
 * …) and sentence-initial ordinary words. Returns display strings, de-duplicated (by
 * {@link normaliseProductName}), in order of first appearance.
 */
export function extractProductMentions(text: string, options: MentionOptions = {}): string[] {
  // Line breaks and block elements end a sentence; keep them as a visible boundary.
  const clean = text
    .replace(/<\/?(?:p|div|br|li|h[1-6]|tr|td|th|dd|dt|section|article)\b[^>]*>/gi, '\n')
    .split(/[\r\n\u2028\u2029]+/u)
    .map((line) => normaliseText(line))
    .filter((line) => line !== '')
    .join(' | ');
  if (clean === '') return [];
  const tokens = tokenise(clean);
  const strict = options.language === 'en' || looksEnglish(tokens);
  const phrases = phrasesOf(tokens, strict);
  const brandHeads = new Set(
    phrases.filter((p) => p.accepted).map((p) => foldForMatching(p.tokens[0]?.word ?? '')),
  );
  const seen = new Set<string>();
  const out: string[] = [];
  for (const phrase of phrases) {
    const head = foldForMatching(phrase.tokens[0]?.word ?? '');
    if (!phrase.accepted && !(phrase.initialOnly && brandHeads.has(head))) continue;
    const shown = display(clean, phrase.tokens);
    const key = normaliseProductName(shown);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(shown);
  }
  return out;
}
