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
import { normaliseProductName } from './normalise.js';

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

const ROMAN = /^(?:i{1,3}|iv|v|vi{1,3}|ix|x)$/;

interface SplitName {
  /** Model codes and variant words, sorted: they must agree for a match. */
  codes: string[];
  /** The remaining significant words, in order. */
  words: string[];
}

function splitName(profile: NameProfile, settings: CompiledSettings, dropPrefix: string[]): SplitName {
  const tokens = profile.name.split(' ').filter((token) => token !== '');
  const codes: string[] = [];
  const words: string[] = [];
  for (const token of tokens) {
    if (/\d/.test(token) || settings.variants.has(token) || ROMAN.test(token)) codes.push(token);
    else if (!settings.descriptive.has(token)) words.push(token);
  }
  codes.sort();
  // A registry name often repeats the manufacturer ("Abbott FreeStyle Libre 3"); a text does
  // not. The manufacturer's words go, unless they are all the name has ("Dexcom G7").
  if (
    dropPrefix.length > 0 &&
    words.length > dropPrefix.length &&
    dropPrefix.every((word, i) => words[i] === word)
  ) {
    return { codes, words: words.slice(dropPrefix.length) };
  }
  return { codes, words };
}

interface CompiledSettings {
  variants: Set<string>;
  descriptive: Set<string>;
  affix: number;
}

const compiled = new WeakMap<ResolutionSettings, CompiledSettings>();

function compile(settings: ResolutionSettings): CompiledSettings {
  let result = compiled.get(settings);
  if (result === undefined) {
    result = {
      variants: new Set(settings.variantWords),
      descriptive: new Set(settings.descriptiveWords),
      affix: settings.blocking.affixLength,
    };
    compiled.set(settings, result);
  }
  return result;
}

/** Edits the letters of two names may differ by and still be one product (typos, spacing). */
function allowedEdits(length: number): number {
  // Short brand names one letter apart are as often two products as one typo.
  if (length < 8) return 0;
  if (length < 12) return 1;
  return 2;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * How alike two names are, 0…1, with the reason in Swedish. Symmetric: similarity(a, b) equals
 * similarity(b, a), which keeps resolution independent of arrival order.
 */
export function similarity(a: NameProfile, b: NameProfile, settings: ResolutionSettings): Similarity {
  if (family(a.kind) !== family(b.kind)) return { score: 0, reason: 'olika slags kandidater' };
  if (a.manufacturer !== '' && b.manufacturer !== '' && a.manufacturer !== b.manufacturer) {
    return { score: 0, reason: 'olika tillverkare' };
  }
  const c = compile(settings);
  const maker = (a.manufacturer || b.manufacturer).split(' ').filter(Boolean);
  const left = splitName(a, c, maker);
  const right = splitName(b, c, maker);
  if (!sameList(left.codes, right.codes)) {
    return {
      score: 0,
      reason: `olika modell eller generation (${left.codes.join(' ') || '–'} / ${right.codes.join(' ') || '–'})`,
    };
  }
  const lettersA = left.words.join('');
  const lettersB = right.words.join('');
  if (lettersA === '' || lettersB === '') return { score: 0, reason: 'namnet saknar särskiljande ord' };
  if (lettersA === lettersB) return { score: 1, reason: 'samma namn efter normalisering' };
  const longest = Math.max(lettersA.length, lettersB.length);
  const allowed = allowedEdits(Math.min(lettersA.length, lettersB.length));
  const distance = boundedEditDistance(lettersA, lettersB, Math.max(allowed, 3));
  if (distance <= allowed) {
    return {
      score: distance === 1 ? 0.93 : 0.9,
      reason: `namnen skiljer sig med ${distance} tecken (stavning)`,
    };
  }
  const setA = new Set(left.words);
  const setB = new Set(right.words);
  const shared = [...setA].filter((word) => setB.has(word));
  const contained = shared.length > 0 && (shared.length === setA.size || shared.length === setB.size);
  if (contained && shared.join('').length >= 4) {
    return { score: 0.8, reason: 'det ena namnet ingår i det andra' };
  }
  const ratio = 1 - Math.min(distance, longest) / longest;
  // Beyond the allowed edits a pair is at most a possible duplicate, never a link.
  return { score: Math.min(ratio, 0.85), reason: 'liknande namn' };
}

/**
 * The blocks a name belongs to: each significant word, and its first and last letters. Two names
 * that should match share at least one block unless a typo hits every word and both ends.
 */
export function blocksOf(profile: NameProfile, settings: ResolutionSettings): string[] {
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

/**
 * The name an identity is compared by: its product-name key, or for a method (an HTA report
 * without a product) its title. Identities keyed only by their item (a product whose name could
 * not be read) have no name to compare and are resolved by exact keys alone.
 */
export function profileOf(
  identity: ItemIdentity,
  manufacturerKey: (name: string) => string,
): NameProfile | undefined {
  const product = identity.keys.find((key) => key.scheme === 'product')?.value;
  const name =
    product ?? (identity.candidateKind === 'method' ? normaliseProductName(identity.displayName) : '');
  if (name === '') return undefined;
  return {
    name,
    manufacturer: identity.manufacturer === undefined ? '' : manufacturerKey(identity.manufacturer),
    kind: identity.candidateKind,
  };
}
