/**
 * Fuzzy identity resolution: when do two names (with their manufacturers) speak of one product?
 *
 * Pure. Exact identifiers (UDI-DI, Basic UDI-DI, the normalised product name) are linked before
 * this runs; here a name that matched no key is compared with the names that share one of its
 * blocks (a significant word, the first or last letters), never with every candidate. A pair
 * scoring at least `thresholds.link` is one product; between `thresholds.possibleDuplicate` and
 * `thresholds.link` the pair stays apart and is shown to a reviewer as a possible duplicate.
 *
 * Generation and model codes are distinguishing: two names whose digits or variant words differ
 * (Libre 2 / Libre 3, G6 / G7, Omnipod 5 / Omnipod DASH, Evolut PRO / Evolut FX) never match, however
 * close their letters are.
 */
import { z } from 'zod';
import type { CandidateKind } from './candidate.js';
import type { ItemIdentity } from './identity.js';
import { boundedEditDistance } from './linkage.js';
import type { MethodProfile } from './method-similarity.js';
import { MethodTerms, methodProfile, methodSimilarity } from './method-similarity.js';
import { normaliseProductName, normaliseText } from './normalise.js';

export const ResolutionSettings = z
  .object({
    version: z.string().min(1),
    thresholds: z.object({
      /** At or above: the same product, linked automatically. */
      link: z.number().gt(0).max(1),
      /** At or above (and below `link`): kept apart, flagged for a reviewer. */
      possibleDuplicate: z.number().gt(0).max(1),
    }),
    blocking: z.object({
      /** Letters of a name's start and end that form a block (typos rarely hit both ends). */
      affixLength: z.number().int().min(2).max(10),
      /** A block with more names than this is too common to tell anything; it is skipped. */
      maxBlockSize: z.number().int().min(10),
    }),
    /** Words that say what kind of thing a product is, not which one ("valve", "monitor"). */
    descriptiveWords: z.array(z.string().min(1)),
    /** Words that name a variant or generation ("plus", "pro", "mini"): they must agree. */
    variantWords: z.array(z.string().min(1)),
    /** First words of company names that say nothing about the group ("medical", "global"). */
    genericManufacturerWords: z.array(z.string().min(1)),
    /** How methods (titles without a product name) are compared across languages. */
    methods: MethodTerms,
  })
  .strict()
  .refine((s) => s.thresholds.possibleDuplicate < s.thresholds.link, {
    message: 'thresholds.possibleDuplicate must be below thresholds.link',
    path: ['thresholds', 'possibleDuplicate'],
  });
export type ResolutionSettings = z.infer<typeof ResolutionSettings>;

/** A name as resolution compares it: normalised product name, manufacturer key and kind. */
export interface NameProfile {
  /** `normaliseProductName` form. */
  name: string;
  /** Canonical manufacturer key, '' when the source names none. */
  manufacturer: string;
  kind: CandidateKind;
}

export interface Similarity {
  score: number;
  /** Swedish, shown with the link or the possible duplicate. */
  reason: string;
}

/** Devices and IVDs can be confused by a source; drugs and methods are their own worlds. */
function family(kind: CandidateKind): string {
  return kind === 'ivd' ? 'device' : kind;
}

const ROMAN = /^(?:i{1,3}|iv|v|vi{1,3}|ix|x|xi{1,3})$/;

interface SplitName {
  /**
   * The model code: tokens with digits, of one or two letters (DR, PC, SB), variant words and
   * roman numerals, concatenated in order so that "SB 3" and "SB3", "780 G" and "780G" agree.
   */
  code: string;
  /** The remaining significant words, in order, each with whether a code token followed it. */
  words: string[];
  /** Every token (words and codes) in order, for prefix comparisons. */
  tokens: Array<{ text: string; code: boolean }>;
}

/** "ptau217" → "ptau 217", "15day" → "15 day": glued letters and digits are two tokens. */
function tokensOf(name: string): string[] {
  return name
    .split(' ')
    .flatMap((token) => {
      const trailing = /^(\p{L}{3,})(\d+)$/u.exec(token);
      if (trailing) return [trailing[1]!, trailing[2]!];
      const leading = /^(\d+)(\p{L}{3,})$/u.exec(token);
      if (leading) return [leading[1]!, leading[2]!];
      return [token];
    })
    .filter((token) => token !== '');
}

function isCode(token: string, settings: CompiledSettings): boolean {
  return /\d/.test(token) || token.length <= 2 || settings.variants.has(token) || ROMAN.test(token);
}

function splitName(profile: NameProfile, settings: CompiledSettings, makerWords: string[]): SplitName {
  let tokens = tokensOf(profile.name)
    .filter((token) => !settings.descriptive.has(token))
    .map((text) => ({ text, code: isCode(text, settings) }));
  // A registry name often opens with the maker ("Abbott FreeStyle Libre 3", "Edwards SAPIEN 3"); a
  // text does not. The maker's word goes, unless nothing else would be left ("Dexcom G7").
  const first = tokens[0];
  if (first !== undefined && makerWords.includes(first.text) && tokens.filter((t) => !t.code).length > 1) {
    tokens = tokens.slice(1);
  }
  return {
    code: tokens
      .filter((t) => t.code)
      .map((t) => t.text)
      .join(''),
    words: tokens.filter((t) => !t.code).map((t) => t.text),
    tokens,
  };
}

interface CompiledSettings {
  /** Method titles seen, as concepts (titles repeat across comparisons). */
  methodProfiles: Map<string, MethodProfile>;
  variants: Set<string>;
  descriptive: Set<string>;
  genericMakerWords: Set<string>;
  affix: number;
}

const compiled = new WeakMap<ResolutionSettings, CompiledSettings>();

function compile(settings: ResolutionSettings): CompiledSettings {
  let result = compiled.get(settings);
  if (result === undefined) {
    result = {
      methodProfiles: new Map(),
      variants: new Set(settings.variantWords),
      descriptive: new Set(settings.descriptiveWords),
      genericMakerWords: new Set(settings.genericManufacturerWords),
      affix: settings.blocking.affixLength,
    };
    compiled.set(settings, result);
  }
  return result;
}

/**
 * Whether two manufacturer keys can be one maker: equal, unknown on one side, or one group
 * (the same distinctive first word: "Medtronic" and "Medtronic Neuromodulation", "Edwards
 * Lifesciences" and "Edwards Lifesciences Services"). Renames and acquisitions come from the
 * alias table before this (config/manufacturers.yaml).
 */
export function sameMaker(a: string, b: string, settings: ResolutionSettings): boolean {
  if (a === '' || b === '' || a === b) return true;
  const first = a.split(' ')[0]!;
  return first === b.split(' ')[0] && first.length >= 3 && !compile(settings).genericMakerWords.has(first);
}

const METHOD_PROFILE_CACHE = 10_000;

function methodOf(title: string, settings: ResolutionSettings): MethodProfile {
  const cache = compile(settings).methodProfiles;
  let profile = cache.get(title);
  if (profile === undefined) {
    profile = methodProfile(title, settings.methods);
    if (cache.size >= METHOD_PROFILE_CACHE) cache.clear();
    cache.set(title, profile);
  }
  return profile;
}

/** Edits the letters of two names may differ by and still be one product (typos, spacing). */
function allowedEdits(length: number): number {
  // Short brand names one letter apart are as often two products as one typo.
  if (length < 8) return 0;
  if (length < 12) return 1;
  return 2;
}

/**
 * Whether the shorter name is the longer one's beginning, the rest being plain words ("Axonics
 * R20" / "Axonics R20 Rechargeable Sacral Neuromodulation", "Micra AV2" / "Micra AV2 Transcatheter
 * Pacing"). A rest holding a code or a variant word is another product ("Watchman FLX Pro").
 */
function prefixOf(a: SplitName, b: SplitName): SplitName | undefined {
  const [short, long] = a.tokens.length <= b.tokens.length ? [a, b] : [b, a];
  if (short.tokens.length === long.tokens.length) return undefined;
  if (!short.tokens.every((t, i) => long.tokens[i]?.text === t.text)) return undefined;
  if (long.tokens.slice(short.tokens.length).some((t) => t.code)) return undefined;
  return short;
}

/**
 * How alike two names are, 0…1, with the reason in Swedish. Symmetric: similarity(a, b) equals
 * similarity(b, a), which keeps resolution independent of arrival order.
 */
export function similarity(a: NameProfile, b: NameProfile, settings: ResolutionSettings): Similarity {
  if (family(a.kind) !== family(b.kind)) return { score: 0, reason: 'olika slags kandidater' };
  if (a.kind === 'method') {
    return methodSimilarity(methodOf(a.name, settings), methodOf(b.name, settings), settings.methods);
  }
  if (!sameMaker(a.manufacturer, b.manufacturer, settings)) return { score: 0, reason: 'olika tillverkare' };
  const c = compile(settings);
  // Both sides drop the same maker words, so the result does not depend on argument order.
  const maker = [a.manufacturer, b.manufacturer].filter(Boolean).map((m) => m.split(' ')[0]!);
  const left = splitName(a, c, maker);
  const right = splitName(b, c, maker);
  const joined = (name: SplitName): string => name.tokens.map((t) => t.text).join('');
  // "Tslim X2" and "t:slim X2", "Free Style" and "FreeStyle": the same letters, spaced otherwise.
  if (joined(left) === joined(right)) return { score: 1, reason: 'samma namn utan mellanrum' };
  if (left.code !== right.code) {
    return {
      score: 0,
      reason: `olika modell eller generation (${left.code || '–'} / ${right.code || '–'})`,
    };
  }
  const lettersA = left.words.join('');
  const lettersB = right.words.join('');
  if (lettersA === '' || lettersB === '') return { score: 0, reason: 'namnet saknar särskiljande ord' };
  if (lettersA === lettersB) return { score: 1, reason: 'samma namn efter normalisering' };
  const allowed = allowedEdits(Math.min(lettersA.length, lettersB.length));
  const distance = boundedEditDistance(lettersA, lettersB, Math.max(allowed, 3));
  if (distance <= allowed) {
    return {
      score: distance === 1 ? 0.93 : 0.9,
      reason: `namnen skiljer sig med ${distance} tecken (stavning)`,
    };
  }
  const shorter = prefixOf(left, right);
  if (shorter !== undefined) {
    // A one-word name ("Guardian", "Versius") is too thin to carry a longer one on its own.
    const distinctive = shorter.words.length >= 2 || shorter.code !== '';
    return distinctive
      ? { score: 0.9, reason: 'det kortare namnet inleder det längre (beskrivande tillägg)' }
      : { score: 0.8, reason: 'det ena namnet ingår i det andra' };
  }
  const setA = new Set(left.words);
  const shared = right.words.filter((word) => setA.has(word));
  if (shared.length > 0 && shared.join('').length >= 4) {
    return { score: 0.8, reason: 'namnen delar ord' };
  }
  const longest = Math.max(lettersA.length, lettersB.length);
  const ratio = 1 - Math.min(distance, longest) / longest;
  // Beyond the allowed edits a pair is at most a possible duplicate, never a link.
  return { score: Math.min(ratio, 0.85), reason: 'liknande namn' };
}

/**
 * The blocks a name belongs to: each significant word, and its first and last letters. Two names
 * that should match share at least one block unless a typo hits every word and both ends.
 */
export function blocksOf(profile: NameProfile, settings: ResolutionSettings): string[] {
  if (profile.kind === 'method') {
    return methodOf(profile.name, settings).concepts.map((concept) => `method|c:${concept}`);
  }
  const c = compile(settings);
  const { words } = splitName(profile, c, []);
  const letters = words.join('');
  if (letters === '') return [];
  const prefix = family(profile.kind);
  const blocks = new Set<string>();
  for (const word of words) if (word.length >= 3) blocks.add(`${prefix}|w:${word}`);
  if (letters.length >= c.affix) {
    blocks.add(`${prefix}|p:${letters.slice(0, c.affix)}`);
    blocks.add(`${prefix}|s:${letters.slice(-c.affix)}`);
  }
  return [...blocks].sort();
}

/** What a name is bundled "with" ("… with Control-IQ technology") says what it works with. */
const BUNDLED_WITH = /\s(?:with|med|mit|avec)\s.*$/iu;

/**
 * The form of a name that similarity compares: parenthesised asides (an abbreviation, a model
 * number: "FoundationOne CDx (F1CDx)", "da Vinci Xi (IS4000)") and a "with …" tail removed.
 */
export function comparableName(displayName: string): string {
  return normaliseProductName(displayName.replace(/\([^)]*\)/g, ' ').replace(BUNDLED_WITH, ''));
}

/**
 * The name an identity is compared by: its product name (asides and "with …" removed), or, for a
 * method (an HTA report without a product) and for a product whose name could not be read, its
 * title, compared as a method across languages.
 */
export function profileOf(
  identity: ItemIdentity,
  manufacturerKey: (name: string) => string,
): NameProfile | undefined {
  const product = identity.keys.find((key) => key.scheme === 'product')?.value;
  if (product === undefined) {
    // A method, or a product whose name could not be read: what the title says is all there is.
    const title = normaliseText(identity.displayName).toLowerCase();
    return title === '' ? undefined : { name: title, manufacturer: '', kind: 'method' };
  }
  const name = comparableName(identity.displayName) || product;
  return {
    name,
    manufacturer: identity.manufacturer === undefined ? '' : manufacturerKey(identity.manufacturer),
    kind: identity.candidateKind,
  };
}
