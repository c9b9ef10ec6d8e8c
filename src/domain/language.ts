/**
 * Language of a source text: Swedish, English or Norwegian, from function words and letters. Pure
 * and cheap (one pass over at most the first few thousand characters), so it can run on every
 * item an adapter leaves without a language.
 *
 * Swedish and Norwegian share most of their vocabulary, so the profiles hold the words that tell
 * them apart ("och/inte/för/till/från/är" against "og/ikke/for/til/fra/er") and the letters only
 * one of them writes (ä/ö against æ/ø; å is both). Words both write the same ("av", "på", "med",
 * "som", "det") count for neither.
 */

export type Language = 'sv' | 'en' | 'no';

const SWEDISH = new Set([
  'och',
  'inte',
  'för',
  'till',
  'från',
  'är',
  'att',
  'ett',
  'också',
  'efter',
  'vid',
  'hos',
  'där',
  'när',
  'hur',
  'vad',
  'vilket',
  'vilka',
  'denna',
  'detta',
  'dessa',
  'ska',
  'skall',
  'vara',
  'varit',
  'nya',
  'mycket',
  'eller',
  'sig',
  'än',
  'utan',
  'mellan',
  'bara',
  'samt',
  'enligt',
  'patienter',
  'behandling',
  'används',
  'kan',
  'har',
  'blir',
  'även',
  'någon',
  'några',
  'genom',
  'över',
]);

const NORWEGIAN = new Set([
  'og',
  'ikke',
  'ikkje',
  'for',
  'til',
  'fra',
  'frå',
  'er',
  'at',
  'å',
  'et',
  'eit',
  'ein',
  'også',
  'etter',
  'ved',
  'hvor',
  'når',
  'hvordan',
  'hva',
  'kva',
  'hvilket',
  'hvilke',
  'denne',
  'dette',
  'disse',
  'skal',
  'være',
  'vært',
  'nye',
  'mye',
  'eller',
  'seg',
  'enn',
  'uten',
  'mellom',
  'bare',
  'samt',
  'ifølge',
  'pasienter',
  'behandling',
  'brukes',
  'kan',
  'har',
  'blir',
  'ble',
  'blitt',
  'noen',
  'gjennom',
  'over',
  'metodevurdering',
  'beslutning',
  'legemiddel',
]);

const ENGLISH = new Set([
  'the',
  'and',
  'of',
  'to',
  'in',
  'is',
  'are',
  'for',
  'with',
  'on',
  'that',
  'this',
  'by',
  'be',
  'from',
  'as',
  'an',
  'or',
  'was',
  'were',
  'which',
  'not',
  'it',
  'at',
  'have',
  'has',
  'been',
  'patients',
  'treatment',
  'device',
  'devices',
  'use',
  'used',
  'new',
  'after',
  'between',
  'without',
  'through',
  'about',
  'than',
  'their',
  'these',
  'those',
  'will',
  'should',
  'can',
]);

/** How far into a text to read: the first paragraphs say as much as the whole. */
const MAX_CHARS = 4000;

/** Fewer points than this and the text says too little (a trade name, a code, one word). */
const MIN_SCORE = 2;

/**
 * The language of `text`, or `undefined` when it is too short or too mixed to tell. Words shared
 * by two languages count for both, so only the words and letters that differ decide.
 */
export function detectLanguage(text: string): Language | undefined {
  const sample = text.slice(0, MAX_CHARS).normalize('NFC').toLowerCase();
  const score: Record<Language, number> = { sv: 0, en: 0, no: 0 };
  for (const m of sample.matchAll(/\p{L}+/gu)) {
    const word = m[0];
    if (SWEDISH.has(word)) score.sv += 1;
    if (NORWEGIAN.has(word)) score.no += 1;
    if (ENGLISH.has(word)) score.en += 1;
    // Letters one Scandinavian language writes and the other never does.
    const sv = /[äö]/u.test(word);
    const no = /[æø]/u.test(word);
    if (sv && !no) score.sv += 1;
    if (no && !sv) score.no += 1;
    // å is Swedish and Norwegian, never English.
    if (word.includes('å')) {
      score.sv += 0.5;
      score.no += 0.5;
    }
  }
  const ranked = (Object.entries(score) as [Language, number][]).sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (best === undefined || second === undefined || best[1] < MIN_SCORE) return undefined;
  // A tie says nothing; a narrow lead on a short text is still a lead.
  return best[1] > second[1] ? best[0] : undefined;
}

/**
 * The item with its language: the adapter's when it set one (it knows its source), else the one
 * its title and summary are written in, else none. Adapters stay pure and need not guess; the
 * pipeline calls this once after validating what they parsed.
 */
export function withDetectedLanguage<T extends { title: string; summary?: string; language?: Language }>(
  item: T,
): T {
  if (item.language !== undefined) return item;
  const language = detectLanguage(item.summary === undefined ? item.title : `${item.title}\n${item.summary}`);
  return language === undefined ? item : { ...item, language };
}
