/**
 * Fuzzy identity resolution: when do two names (with their makers) speak of one product?
 *
 * Pure. Exact identifiers (UDI-DI, Basic UDI-DI, an item's own key) are linked before this runs
 * (src/domain/resolver.ts); here a name is compared with the names that share one of its blocks,
 * never with every candidate. A pair scoring at least `thresholds.link` is one product; between
 * `thresholds.possibleDuplicate` and `thresholds.link` the pair stays apart and is shown to a
 * reviewer as a possible duplicate.
 *
 * Generation and model codes are distinguishing: two names whose digits or variant words differ
 * (Libre 2 / Libre 3, G6 / G7, Omnipod 5 / Omnipod DASH, Evolut PRO / Evolut FX) never match, however
 * close their letters are. Generation markers are read alike: "Gen 2", "G2", "II", "2nd
 * generation", "Mk II" and "v2" are all the generation 2.
 *
 * Makers decide before names do: a name-only match never joins two registrations whose makers,
 * SRNs or Basic UDI-DIs conflict (see {@link makersCompatible}).
 */
import { z } from 'zod';
import type { CandidateKind } from './candidate.js';
import { boundedEditDistance } from './edit-distance.js';
import type { ItemIdentity } from './identity.js';
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

/** A name as resolution compares it: comparable product name, the maker's facts and the kind. */
export interface NameProfile {
  /** `comparableName` form (for methods: the lower-case title). */
  name: string;
  /** Canonical manufacturer key, '' when the source names none. */
  manufacturer: string;
  /** `product`: a product of a kind the source does not state (a drug's or a device's name). */
  kind: CandidateKind | 'product';
  /** The manufacturer's EUDAMED SRN, when the source states it. */
  srn?: string;
  /** The registration's Basic UDI-DI, when the source states it. */
  basicUdiDi?: string;
  /**
   * The maker is only named by a notice (a safety notice names the company that sends it, often
   * the Swedish distributor), not stated by a registration, clearance or certificate.
   */
  makerNamedOnly?: true;
}

export interface Similarity {
  score: number;
  /** Swedish, shown with the link or the possible duplicate. */
  reason: string;
  /** The makers differ and one is only named by a notice (see {@link makersCompatible}). */
  weakMaker?: true;
  /** The makers are one only by their group's first word (see {@link sameMaker}). */
  groupMaker?: true;
  /**
   * One name is only the other's maker ("NordHeart" for NordHeart Medical's "NordHeart Leadless
   * Atrial Pacemaker System"): it names the product only while the maker has one by that name.
   */
  brandOnly?: true;
}

/** Devices and IVDs can be confused by a source; drugs and methods are their own worlds. */
export function family(kind: NameProfile['kind']): string {
  return kind === 'ivd' ? 'device' : kind;
}

/** Whether two kinds may name one product: the same family, or a product of unstated kind. */
function kindsMeet(a: NameProfile['kind'], b: NameProfile['kind']): boolean {
  const x = family(a);
  const y = family(b);
  if (x === y) return true;
  if (x === 'method' || y === 'method') return false;
  return x === 'product' || y === 'product';
}

/** The family whose blocks a name is filed under: a product of unstated kind goes with the devices. */
function filedFamily(kind: NameProfile['kind']): string {
  return kind === 'product' ? 'device' : family(kind);
}

/**
 * The families a name is looked up in: its own, and for a drug and a product of unstated kind
 * the devices too, where the names of unstated kind are filed (drugs are few; a device's lookup
 * stays in its own family).
 */
function lookupFamilies(kind: NameProfile['kind']): string[] {
  if (kind === 'drug') return ['drug', 'device'];
  if (kind === 'product') return ['device', 'drug'];
  return [filedFamily(kind)];
}

const ROMAN_VALUES: Record<string, number> = {
  i: 1,
  ii: 2,
  iii: 3,
  iv: 4,
  v: 5,
  vi: 6,
  vii: 7,
  viii: 8,
  ix: 9,
  x: 10,
  xi: 11,
  xii: 12,
};

/** Words that announce a generation number after them: "Gen 2", "Mk II", "version 3". */
const MARKER_WORDS = new Set([
  'gen',
  'generation',
  'generasjon',
  'generationen',
  'mk',
  'mark',
  'version',
  'v',
]);
/** Words that follow an ordinal to say it is a generation: "2nd generation", "andra generationen". */
const GENERATION_NOUNS = new Set([
  'gen',
  'generation',
  'generations',
  'generationen',
  'generasjon',
  'generasjonen',
]);
const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  forsta: 1,
  andra: 2,
  tredje: 3,
  fjarde: 4,
  femte: 5,
  forste: 1,
  andre: 2,
  fjerde: 4,
};

/** A generation number written as digits ("2"), an English ordinal ("2nd") or a roman numeral. */
function generationNumber(token: string, allowRoman: boolean): number | undefined {
  if (/^\d{1,2}$/.test(token)) return Number(token);
  const ordinal = /^(\d{1,2})(?:st|nd|rd|th|e|a)$/.exec(token);
  if (ordinal) return Number(ordinal[1]);
  if (ORDINALS[token] !== undefined) return ORDINALS[token];
  if (allowRoman && ROMAN_VALUES[token] !== undefined) return ROMAN_VALUES[token];
  return undefined;
}

/**
 * Tokens of a normalised name with generation markers read as their number ("gen 2", "g2",
 * "mk ii", "v2", "2nd generation", "andra generationen", a lone "II" → "2"), glued letters and
 * digits split ("ptau217" → "ptau 217").
 */
export function nameTokens(name: string): string[] {
  const raw = name.split(' ').filter((token) => token !== '');
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i]!;
    const next = raw[i + 1];
    // "gen 2", "mk ii", "version 3", "v 2"
    if (MARKER_WORDS.has(token) && next !== undefined) {
      const n = generationNumber(next, true);
      if (n !== undefined && !(token === 'v' && /^\d{3,}/.test(next))) {
        out.push(String(n));
        i++;
        continue;
      }
    }
    // "2nd generation", "second gen", "andra generationen"
    if (next !== undefined && GENERATION_NOUNS.has(next)) {
      const n = generationNumber(token, false);
      if (n !== undefined) {
        out.push(String(n));
        i++;
        continue;
      }
    }
    // "g2", "v3", "gen2", "mk2", "mkii": a marker glued to its number.
    const glued = /^(?:(?:g|v|gen|mk)(\d{1,2})|(?:gen|mk)(i{1,3}|iv|vi{0,3}|ix|x))$/.exec(token);
    if (glued) {
      out.push(String(generationNumber(glued[1] ?? glued[2]!, true)));
      continue;
    }
    const roman = ROMAN_VALUES[token];
    // A lone roman numeral after a word is a generation ("InterStim II"); "v" alone too ("Inspire V").
    // "I" closing a name is the first generation ("Sezypky I"); elsewhere it is a word or a letter.
    if (roman !== undefined && out.length > 0 && token !== 'x' && (token !== 'i' || next === undefined)) {
      out.push(String(roman));
      continue;
    }
    const trailing = /^(\p{L}{3,})(\d+)$/u.exec(token);
    if (trailing) {
      out.push(trailing[1]!, trailing[2]!);
      continue;
    }
    const leading = /^(\d+)(\p{L}{3,})$/u.exec(token);
    if (leading) {
      out.push(leading[1]!, leading[2]!);
      continue;
    }
    out.push(token);
  }
  return out;
}

interface SplitName {
  /**
   * The model code: tokens with digits, of one or two letters (DR, PC, SB), variant words and
   * generation numbers, concatenated in order so that "SB 3" and "SB3", "780 G" and "780G" agree.
   */
  code: string;
  /** The remaining significant words, in order. */
  words: string[];
  /** Every token (words and codes) in order, for prefix comparisons. */
  tokens: Array<{ text: string; code: boolean }>;
  /** The letters of every word, descriptive ones too: a typo can hit "Sensor" as well ("Snsor"). */
  allLetters: string;
  /** Every token of the name ({@link nameTokens}), before descriptive words and the maker's go. */
  all: string[];
}

interface CompiledSettings {
  /** Method titles seen, as concepts (titles repeat across comparisons). */
  methodProfiles: Map<string, MethodProfile>;
  /** Product names split, per maker word (names repeat across comparisons). */
  splits: Map<string, SplitName>;
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
      splits: new Map(),
      variants: new Set(settings.variantWords),
      descriptive: new Set(settings.descriptiveWords),
      genericMakerWords: new Set(settings.genericManufacturerWords),
      affix: settings.blocking.affixLength,
    };
    compiled.set(settings, result);
  }
  return result;
}

const CACHE_SIZE = 20_000;

function isCode(token: string, c: CompiledSettings): boolean {
  return /\d/.test(token) || token.length <= 2 || c.variants.has(token);
}

/**
 * A name's code and words. A registry name often opens with the maker ("Abbott FreeStyle Libre
 * 3", "Edwards SAPIEN 3"); a text does not. The maker's word goes, unless nothing else would be
 * left ("Dexcom G7").
 */
function splitName(
  name: string,
  makerWord: string,
  c: CompiledSettings,
  /** The name's tokens, when the caller has them. */
  known?: string[],
): SplitName {
  const cacheKey = `${makerWord}\u0000${name}`;
  const cached = c.splits.get(cacheKey);
  if (cached !== undefined) return cached;
  const all = known ?? nameTokens(name);
  const words = all.filter((token) => !c.descriptive.has(token));
  let tokens: SplitName['tokens'] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    // A lone letter opening a name is part of the word after it: "t:slim X2" and "Tslim X2", "e-Stroke".
    if (
      i === 0 &&
      /^\p{L}$/u.test(word) &&
      next !== undefined &&
      /^\p{L}{3,}$/u.test(next) &&
      !c.variants.has(next)
    ) {
      tokens.push({ text: word + next, code: false });
      i++;
      continue;
    }
    tokens.push({ text: word, code: isCode(word, c) });
  }
  const first = tokens[0];
  if (first !== undefined && first.text === makerWord && tokens.filter((t) => !t.code).length > 1) {
    tokens = tokens.slice(1);
  }
  const split = {
    code: tokens
      .filter((t) => t.code)
      .map((t) => t.text)
      .join(''),
    words: tokens.filter((t) => !t.code).map((t) => t.text),
    tokens,
    allLetters: all.filter((t) => !isCode(t, c) && t !== makerWord).join(''),
    all,
  };
  if (c.splits.size >= CACHE_SIZE) c.splits.clear();
  c.splits.set(cacheKey, split);
  return split;
}

function makerWordOf(manufacturer: string): string {
  const space = manufacturer.indexOf(' ');
  return space < 0 ? manufacturer : manufacturer.slice(0, space);
}

/**
 * Whether two manufacturer keys can be one maker by their names: equal, unknown on one side, or
 * one group (the same distinctive first word: "Medtronic" and "Medtronic Neuromodulation",
 * "Edwards Lifesciences" and "Edwards Lifesciences Services"). Renames and acquisitions come from
 * the alias table before this (config/manufacturers.yaml).
 */
export function sameMaker(a: string, b: string, settings: ResolutionSettings): boolean {
  if (a === '' || b === '' || a === b) return true;
  const first = makerWordOf(a);
  return first === makerWordOf(b) && first.length >= 3 && !compile(settings).genericMakerWords.has(first);
}

/** A maker stated by a registration, a clearance or a certificate, not only named by a notice. */
function registered(profile: NameProfile): boolean {
  return profile.manufacturer !== '' && profile.makerNamedOnly !== true;
}

/**
 * Whether two names come from registrations of different makers (different SRNs not made one by
 * the alias table, or different makers without SRNs): such names are never one product's.
 */
export function makersConflict(a: NameProfile, b: NameProfile, settings: ResolutionSettings): boolean {
  if (!registered(a) || !registered(b)) return false;
  if (a.srn !== undefined && b.srn !== undefined) return a.srn !== b.srn && a.manufacturer !== b.manufacturer;
  return !sameMaker(a.manufacturer, b.manufacturer, settings);
}

export interface MakerCompatibility {
  compatible: boolean;
  /**
   * The makers differ, but one of them is only named by a notice (which often names the
   * distributor or the group): only the very same name may link, and the reason says so.
   */
  weak?: boolean;
  /** The makers' names differ but open with the same distinctive word (one group, perhaps). */
  grouped?: boolean;
  reason?: string;
}

/**
 * Whether two names may be one product as far as their makers go. An SRN names one legal
 * manufacturer: the same SRN is one maker whatever the names say; different SRNs are one maker
 * only when the alias table makes their names one (a rename, an acquisition), never by the
 * first-word rule of {@link sameMaker}. Different Basic UDI-DIs are different registered models.
 * Two registrations of different makers conflict; a maker a notice names (a safety notice often
 * names the Swedish distributor) is weaker evidence and only weakens the match.
 */
export function makersCompatible(
  a: NameProfile,
  b: NameProfile,
  settings: ResolutionSettings,
): MakerCompatibility {
  if (a.basicUdiDi !== undefined && b.basicUdiDi !== undefined && a.basicUdiDi !== b.basicUdiDi) {
    return { compatible: false, reason: `olika Basic UDI-DI (${a.basicUdiDi} / ${b.basicUdiDi})` };
  }
  if (a.srn !== undefined && b.srn !== undefined) {
    if (a.srn === b.srn || a.manufacturer === b.manufacturer) return { compatible: true };
    return { compatible: false, reason: `olika tillverkare (SRN ${a.srn} / ${b.srn})` };
  }
  if (sameMaker(a.manufacturer, b.manufacturer, settings)) {
    const grouped = a.manufacturer !== '' && b.manufacturer !== '' && a.manufacturer !== b.manufacturer;
    return grouped ? { compatible: true, grouped } : { compatible: true };
  }
  if (registered(a) && registered(b)) return { compatible: false, reason: 'olika tillverkare' };
  return { compatible: true, weak: true, reason: 'källorna anger olika tillverkare' };
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
function allowedEdits(length: number, sameRegistrant: boolean): number {
  // Short brand names one letter apart are as often two products as one typo, except under one
  // legal manufacturer (one SRN), which does not register two products a letter apart.
  if (length < 5) return 0;
  if (length < 8) return sameRegistrant ? 1 : 0;
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

/** A shared word says something about identity only when it is this long. */
const SHARED_WORD_LETTERS = 5;

/**
 * A text naming a product by its maker's name alone ("Blyfri förmakspacemaker (NordHeart)"):
 * `brand` is one distinctive word, the maker's first word of `product`, whose name opens with it
 * and names no model or generation after it. Such a name would otherwise lose its only word to
 * the maker-word rule and look like no name at all. Undefined when the rule does not apply.
 */
function brandMatch(brand: NameProfile, product: NameProfile, c: CompiledSettings): Similarity | undefined {
  const word = makerWordOf(product.manufacturer);
  if (brand.name !== word || !isBrandWord(word, c)) return undefined;
  if (brand.manufacturer !== '' && brand.manufacturer !== product.manufacturer) return undefined;
  if (!product.name.startsWith(`${word} `)) return undefined;
  const rest = splitName(product.name, word, c);
  if (rest.code !== '') {
    return { score: 0.8, reason: 'tillverkarens namn, men produkten har en modell eller generation' };
  }
  return { score: 0.9, reason: 'tillverkarens namn inleder produktnamnet', brandOnly: true };
}

/**
 * How alike two product names are, 0…1, with the reason in Swedish, leaving the makers aside
 * except for dropping a maker's name that opens a registry name. Symmetric.
 */
export function nameSimilarity(a: NameProfile, b: NameProfile, settings: ResolutionSettings): Similarity {
  const sameRegistrant = a.srn !== undefined && a.srn === b.srn;
  if (!kindsMeet(a.kind, b.kind)) return { score: 0, reason: 'olika slags kandidater' };
  if (a.kind === 'method') {
    return methodSimilarity(methodOf(a.name, settings), methodOf(b.name, settings), settings.methods);
  }
  const c = compile(settings);
  const brand = brandMatch(a, b, c) ?? brandMatch(b, a, c);
  if (brand !== undefined) return brand;
  // Both sides drop the same maker word, so the result does not depend on argument order.
  const makerWord = makerWordOf(a.manufacturer) || makerWordOf(b.manufacturer);
  const left = splitName(a.name, makerWord, c);
  const right = splitName(b.name, makerWord, c);
  const joined = (name: SplitName): string => name.tokens.map((t) => t.text).join('');
  // "Tslim X2" and "t:slim X2", "Free Style" and "FreeStyle": the same letters, spaced otherwise.
  if (joined(left) === joined(right) && joined(left) !== '') {
    return { score: 1, reason: 'samma namn efter normalisering' };
  }
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
  const allowed = allowedEdits(Math.min(lettersA.length, lettersB.length), sameRegistrant);
  const distance = boundedEditDistance(lettersA, lettersB, allowed);
  if (distance <= allowed) {
    return {
      score: distance === 1 ? 0.93 : 0.9,
      reason: `namnen skiljer sig med ${distance} tecken (stavning)`,
    };
  }
  // A typo in a descriptive word ("Kunona Snsor 25G") makes it look like a word of its own.
  const fullAllowed = allowedEdits(Math.min(left.allLetters.length, right.allLetters.length), sameRegistrant);
  if (fullAllowed > 0 && boundedEditDistance(left.allLetters, right.allLetters, fullAllowed) <= fullAllowed) {
    return { score: 0.9, reason: 'namnen skiljer sig med en stavning i ett beskrivande ord' };
  }
  const shorter = prefixOf(left, right);
  if (shorter !== undefined) {
    // A one-word name ("Guardian", "Versius") is too thin to carry a longer one on its own.
    const distinctive = shorter.words.length >= 2 || shorter.code !== '';
    return distinctive
      ? { score: 0.9, reason: 'det kortare namnet inleder det längre (beskrivande tillägg)' }
      : { score: 0.8, reason: 'det ena namnet ingår i det andra' };
  }
  // Beyond this only the letters themselves can make a possible duplicate: a shared distinctive
  // word, or one edit more than a link allows. A shared number or pattern alone never does
  // ("KineticPatch 2" / "VivoCore 2").
  const setA = new Set(left.words);
  if (right.words.some((word) => word.length >= SHARED_WORD_LETTERS && setA.has(word))) {
    return { score: 0.8, reason: 'namnen delar ett särskiljande ord' };
  }
  if (Math.min(lettersA.length, lettersB.length) >= 6) {
    const near = boundedEditDistance(lettersA, lettersB, allowed + 1);
    if (near === allowed + 1) return { score: 0.76, reason: `namnen skiljer sig med ${near} tecken` };
  }
  return { score: 0, reason: 'olika namn' };
}

/**
 * How alike two names are, 0…1, with the reason in Swedish: the makers must be compatible
 * ({@link makersCompatible}), then the names decide ({@link nameSimilarity}). Symmetric:
 * similarity(a, b) equals similarity(b, a), which keeps resolution independent of arrival order.
 */
export function similarity(a: NameProfile, b: NameProfile, settings: ResolutionSettings): Similarity {
  if (!kindsMeet(a.kind, b.kind)) return { score: 0, reason: 'olika slags kandidater' };
  if (a.kind === 'method') return nameSimilarity(a, b, settings);
  const makers = makersCompatible(a, b, settings);
  if (!makers.compatible) return { score: 0, reason: makers.reason ?? 'olika tillverkare' };
  const names = nameSimilarity(a, b, settings);
  if (makers.weak && names.score > 0) {
    // Only the very same name may link across the makers a notice names; a similar one is shown.
    const score = names.score >= 1 ? 0.9 : Math.min(names.score, 0.8);
    return { score, reason: `${names.reason}; ${makers.reason}`, weakMaker: true };
  }
  return makers.grouped === true && names.score > 0 ? { ...names, groupMaker: true } : names;
}

/** Where a name is filed for blocking: its head and tail block, or a method's concepts. */
export interface NameBlocks {
  head?: string;
  tail?: string;
  concepts?: string[];
}

/** Names shorter than this are filed by their maker instead of their last letters. */
const SHORT_NAME = 8;

/**
 * The head and tail blocks of a split name. A short registered name ("Lifyd 12T") has too few
 * letters for its first and last letters to survive a typo both ways, so its tail is its maker's
 * registration (SRN) with the code: under one SRN, a typo of a short name is found by the code.
 */
function affixBlocks(
  split: SplitName,
  familyName: string,
  affix: number,
  srn: string | undefined,
  short: boolean = split.words.join('').length < SHORT_NAME,
): { head: string; tail: string } {
  const letters = split.words.join('');
  const prefix = `${familyName}|${split.code}|`;
  const tail = srn !== undefined && short ? `@${srn}` : letters.slice(-affix);
  return { head: prefix + letters.slice(0, affix), tail: prefix + tail };
}

/**
 * The blocks a name is stored under: the model code with the first letters of its words, and
 * the code with the last letters (a typo rarely hits both ends; a different code never links).
 * Methods are filed under each concept of their title.
 */
export function nameBlocks(profile: NameProfile, settings: ResolutionSettings): NameBlocks {
  if (profile.kind === 'method') return { concepts: methodOf(profile.name, settings).concepts };
  const c = compile(settings);
  const makerWord = makerWordOf(profile.manufacturer);
  const split = splitName(profile.name, makerWord, c);
  const blocks = affixBlocks(split, filedFamily(profile.kind), c.affix, profile.srn);
  // A name opening with its maker's name and naming no model is also where the maker's name
  // alone, as a text gives it ("(NordHeart)"), looks (see brandMatch).
  return isBrandWord(makerWord, c) && profile.name.startsWith(`${makerWord} `) && split.code === ''
    ? { ...blocks, concepts: [brandBlock(filedFamily(profile.kind), makerWord)] }
    : blocks;
}

/** A maker's first word distinctive enough to name its product alone. */
function isBrandWord(word: string, c: CompiledSettings): boolean {
  return word.length >= 5 && !c.genericMakerWords.has(word);
}

/** A concept-like block; no `|`, which separates concepts on their way to PostgreSQL. */
function brandBlock(familyName: string, word: string): string {
  return `${familyName}@${word}`;
}

/** The blocks to look a name up in. */
export interface LookupBlocks {
  heads: string[];
  tails: string[];
  concepts: string[];
}

/**
 * The blocks a name is looked up in: its own, the last letters also for a short registered name
 * (a text naming it may have filed it so), for a registry name opening with its maker's word the
 * blocks with that word, and for a name without a maker that opens with a word that may be its
 * maker ("Abbott FreeStyle Libre 3"), the head block without that word. The reverse — a text's
 * "Abbott FreeStyle Libre 3" stored, a registry's "FreeStyle Libre 3" looked up — meets in the
 * tail block, which the maker's word does not touch.
 */
export function lookupBlocks(profile: NameProfile, settings: ResolutionSettings): LookupBlocks {
  if (profile.kind === 'method') {
    return { heads: [], tails: [], concepts: methodOf(profile.name, settings).concepts };
  }
  const c = compile(settings);
  const makerWord = makerWordOf(profile.manufacturer);
  const own = splitName(profile.name, makerWord, c);
  const heads = new Set<string>();
  const tails = new Set<string>();
  const add = (split: SplitName, srn: string | undefined, short?: boolean): void => {
    for (const familyName of lookupFamilies(profile.kind)) {
      const blocks = affixBlocks(split, familyName, c.affix, srn, short);
      heads.add(blocks.head);
      tails.add(blocks.tail);
    }
  };
  add(own, profile.srn);
  if (profile.srn !== undefined) {
    add(own, undefined);
    // A typo one letter shorter ("Lekusso" for "Lelkusso") is a short name, filed under the SRN:
    // a name just long enough not to be short looks there too, or the order the two came in
    // would decide whether they meet.
    if (own.words.join('').length === SHORT_NAME) add(own, profile.srn, true);
  }
  // A registry name that opens with its maker ("Dexcom G7 15 Day") is filed without it; a text
  // naming it the same way is filed with it.
  if (makerWord !== '' && own.tokens.length < own.all.length && profile.name.startsWith(makerWord)) {
    add(splitName(profile.name, '', c, own.all), undefined);
  }
  if (makerWord === '' && own.words.length >= 2 && own.tokens[0]?.code === false) {
    add(
      splitName(
        own.tokens
          .slice(1)
          .map((t) => t.text)
          .join(' '),
        '',
        c,
      ),
      undefined,
    );
  }
  // One word and no model may be a maker's name standing for its product.
  const concepts =
    own.tokens.length === 1 &&
    own.code === '' &&
    profile.name === own.words[0] &&
    isBrandWord(profile.name, c)
      ? lookupFamilies(profile.kind).map((familyName) => brandBlock(familyName, profile.name))
      : [];
  return { heads: [...heads], tails: [...tails], concepts };
}

/** What a name is bundled "with" ("… with Control-IQ technology") says what it works with. */
const BUNDLED_WITH = /\s(?:with|med|mit|avec)\s.*$/iu;

/**
 * The form of a name that similarity compares: parenthesised asides (an abbreviation, a model
 * number: "FoundationOne CDx (F1CDx)", "da Vinci Xi (IS4000)") and a "with …" tail removed.
 */
export function comparableName(displayName: string, keyed?: { text: string; key: string }): string {
  const stripped = displayName
    .replace(/\(([^)]*)\)/g, (_, aside: string) => (GENERATION_ASIDE.test(aside) ? ` ${aside} ` : ' '))
    .replace(BUNDLED_WITH, '');
  // A name without asides is usually the very text its key was made from.
  return keyed !== undefined && stripped === keyed.text ? keyed.key : normaliseProductName(stripped);
}

/** A parenthesised generation ("Guardian Sensor (3)", "(Gen 2)") is part of the name, not an aside. */
const GENERATION_ASIDE =
  /^\s*(?:\d{1,2}|[ivx]{1,4}|(?:gen|generation|mk|v)\.?\s*(?:\d{1,2}|[ivx]{1,4}))\s*$/i;

/**
 * The name an identity is compared by: its product name (asides and "with …" removed) with the
 * maker's facts, or, for a method (an HTA report without a product) and for a product whose name
 * could not be read, its title, compared as a method across languages.
 */
export function profileOf(
  identity: ItemIdentity,
  manufacturerKey: (name: string) => string,
): NameProfile | undefined {
  if (identity.nameless === true) return undefined;
  const product = identity.keys.find((key) => key.scheme === 'product')?.value;
  if (product === undefined) {
    // A method, or a product whose name could not be read: what the title says is all there is.
    const title = normaliseText(identity.displayName).toLowerCase();
    return title === '' ? undefined : { name: title, manufacturer: '', kind: 'method' };
  }
  const name =
    comparableName(
      identity.displayName,
      identity.keyText === undefined ? undefined : { text: identity.keyText, key: product },
    ) || product;
  const basicUdiDi = identity.keys.find((key) => key.scheme === 'basic-udi-di')?.value;
  return {
    name,
    manufacturer: identity.manufacturer === undefined ? '' : manufacturerKey(identity.manufacturer),
    kind:
      identity.kindStated === false && identity.candidateKind === 'device'
        ? 'product'
        : identity.candidateKind,
    ...(identity.manufacturerSrn === undefined ? {} : { srn: identity.manufacturerSrn }),
    ...(basicUdiDi === undefined ? {} : { basicUdiDi }),
    ...(identity.makerNamedOnly === true && identity.manufacturer !== undefined
      ? { makerNamedOnly: true as const }
      : {}),
  };
}
