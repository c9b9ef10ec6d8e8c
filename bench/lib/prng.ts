/**
 * mulberry32: a small 32-bit PRNG with a full 2^32 period and good equidistribution for its size.
 * Every generator in the benchmarks draws from it with a fixed seed, so a run is reproducible.
 */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(rng: Rng, min: number, maxInclusive: number): number {
  return min + Math.floor(rng() * (maxInclusive - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const CONSONANTS = 'bcdfghklmnprstvxz';
const VOWELS = 'aeiouy';

/** A pronounceable made-up word of `syllables` syllables, e.g. "velora", "quistan". */
export function pseudoWord(rng: Rng, syllables: number): string {
  let word = '';
  for (let s = 0; s < syllables; s++) {
    word += CONSONANTS[Math.floor(rng() * CONSONANTS.length)]!;
    word += VOWELS[Math.floor(rng() * VOWELS.length)]!;
    if (rng() < 0.35) word += CONSONANTS[Math.floor(rng() * CONSONANTS.length)]!;
  }
  return word;
}

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** GS1 check digit for the first 13 digits of a GTIN-14. */
export function gtinCheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) sum += Number(body[i]) * weight;
  return (10 - (sum % 10)) % 10;
}
