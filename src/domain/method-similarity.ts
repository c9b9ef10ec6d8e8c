/**
 * Comparing methods across languages: what an HTA report's title is about, as a set of concepts
 * (config/resolution.yaml `methods`). Pure.
 */
import { z } from 'zod';

export const MethodTerms = z
  .object({
    /** Share of concepts in common at which two titles are one method. */
    linkOverlap: z.number().gt(0).max(1),
    /** Share at which they are flagged as possible duplicates. */
    possibleOverlap: z.number().gt(0).max(1),
    stopWords: z.array(z.string().min(1)),
    concepts: z.array(
      z
        .object({
          id: z.string().min(1),
          stems: z.array(z.string().min(1)).min(1),
          /** Titles naming different concepts of one exclusive category are different methods. */
          exclusive: z.string().min(1).optional(),
        })
        .strict(),
    ),
  })
  .strict()
  .refine((m) => m.possibleOverlap < m.linkOverlap, {
    message: 'possibleOverlap must be below linkOverlap',
    path: ['possibleOverlap'],
  });
export type MethodTerms = z.infer<typeof MethodTerms>;

/** Folds Swedish, Norwegian and English spellings together: ä/æ → e, ö/ø → o, å → a. */
export function foldAcrossLanguages(text: string): string {
  return text
    .toLowerCase()
    .replace(/[äæ]/g, 'e')
    .replace(/[öø]/g, 'o')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
}

interface CompiledTerms {
  stop: Set<string>;
  /** Stems of several words ("aortic valve", "heart failure"), longest first. */
  phrases: Array<{ words: string[]; id: string }>;
  /** Stems longest first, so a word takes the most specific concept it starts with. */
  stems: Array<{ stem: string; id: string }>;
  exclusiveOf: Map<string, string>;
}

const compiledTerms = new WeakMap<MethodTerms, CompiledTerms>();

function compile(terms: MethodTerms): CompiledTerms {
  let result = compiledTerms.get(terms);
  if (result === undefined) {
    result = {
      stop: new Set(terms.stopWords.map(foldAcrossLanguages)),
      phrases: terms.concepts
        .flatMap((concept) =>
          concept.stems
            .filter((stem) => stem.includes(' '))
            .map((stem) => ({ words: foldAcrossLanguages(stem).split(' '), id: concept.id })),
        )
        .sort((a, b) => b.words.length - a.words.length),
      stems: terms.concepts
        .flatMap((concept) =>
          concept.stems
            .filter((stem) => !stem.includes(' '))
            .map((stem) => ({ stem: foldAcrossLanguages(stem), id: concept.id })),
        )
        .sort((a, b) => b.stem.length - a.stem.length || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0)),
      exclusiveOf: new Map(
        terms.concepts.flatMap((c) => (c.exclusive === undefined ? [] : [[c.id, c.exclusive] as const])),
      ),
    };
    compiledTerms.set(terms, result);
  }
  return result;
}

/** Stems this long are also found inside compound words; shorter ones would match by chance. */
const INNER_STEM_LENGTH = 6;

export interface MethodProfile {
  /** Concept ids and, for words no concept knows, their first five letters (`~xxxxx`). */
  concepts: string[];
  /** Numbers in the title (typ 1 / typ 2 are different methods). */
  numbers: string[];
}

/** What a title is about, as concepts and numbers. */
export function methodProfile(title: string, terms: MethodTerms): MethodProfile {
  const c = compile(terms);
  const concepts = new Set<string>();
  const numbers = new Set<string>();
  const words = foldAcrossLanguages(title)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
  // A phrase ("aortic valve") takes its words before they are read one by one; a phrase's last
  // word is a stem ("aortic valve" covers "aortic valves").
  const taken = new Set<number>();
  for (const phrase of c.phrases) {
    for (let i = 0; i + phrase.words.length <= words.length; i++) {
      const fits = phrase.words.every((part, k) =>
        k === phrase.words.length - 1 ? words[i + k]!.startsWith(part) : words[i + k] === part,
      );
      if (!fits || phrase.words.some((_, k) => taken.has(i + k))) continue;
      concepts.add(phrase.id);
      phrase.words.forEach((_, k) => taken.add(i + k));
    }
  }
  for (const [index, word] of words.entries()) {
    if (taken.has(index) || c.stop.has(word)) continue;
    if (/^\d+$/.test(word)) {
      numbers.add(word);
      continue;
    }
    const concept = c.stems.find((entry) => word.startsWith(entry.stem))?.id;
    concepts.add(concept ?? `~${word.slice(0, 5)}`);
    // Compounds carry a second concept inside ("mammografiscreening", "prostatacancer").
    for (const entry of c.stems) {
      if (entry.stem.length >= INNER_STEM_LENGTH && word.indexOf(entry.stem, 1) > 0) concepts.add(entry.id);
    }
  }
  return { concepts: [...concepts].sort(), numbers: [...numbers].sort() };
}

export interface MethodSimilarity {
  score: number;
  reason: string;
}

/**
 * How alike two method titles are: the share of the shorter title's concepts the other one
 * shares (an overlap coefficient, so a trial title's design words or a Norwegian subtitle do not
 * dilute it; at least two concepts must be shared), unless an exclusive category or the numbers
 * differ where both titles state them. Mapped onto the resolution scale: at least `linkOverlap`
 * is a link (≥ 0.9), at least `possibleOverlap` a possible duplicate (0.8).
 */
export function methodSimilarity(a: MethodProfile, b: MethodProfile, terms: MethodTerms): MethodSimilarity {
  const c = compile(terms);
  if (a.numbers.length > 0 && b.numbers.length > 0 && a.numbers.join(' ') !== b.numbers.join(' ')) {
    return { score: 0, reason: 'olika siffror i titlarna (t.ex. typ 1 och typ 2)' };
  }
  const categories = new Map<string, { left: Set<string>; right: Set<string> }>();
  for (const [side, profile] of [
    ['left', a],
    ['right', b],
  ] as const) {
    for (const concept of profile.concepts) {
      const category = c.exclusiveOf.get(concept);
      if (category === undefined) continue;
      const entry = categories.get(category) ?? { left: new Set<string>(), right: new Set<string>() };
      entry[side].add(concept);
      categories.set(category, entry);
    }
  }
  for (const [category, { left, right }] of categories) {
    if (left.size > 0 && right.size > 0 && [...left].sort().join() !== [...right].sort().join()) {
      return { score: 0, reason: `olika ${CATEGORY_LABELS[category] ?? category}` };
    }
  }
  const right = new Set(b.concepts);
  const shared = a.concepts.filter((concept) => right.has(concept)).length;
  const smaller = Math.min(a.concepts.length, b.concepts.length);
  const overlap = smaller === 0 || shared < 2 ? 0 : shared / smaller;
  const percent = `${shared} av ${smaller} begrepp gemensamma`;
  if (overlap >= terms.linkOverlap) return { score: 0.9 + 0.1 * overlap, reason: `samma metod (${percent})` };
  if (overlap >= terms.possibleOverlap) return { score: 0.8, reason: `liknande metod (${percent})` };
  return { score: overlap * 0.7, reason: percent };
}

const CATEGORY_LABELS: Record<string, string> = {
  site: 'organ eller behandlingsområde',
  population: 'patientgrupper',
  risk: 'riskgrupper',
};
