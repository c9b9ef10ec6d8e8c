import { z } from 'zod';
import type { TokenisedText } from './normalise.js';
import { TermMatcher, compileTerm, normaliseText, tokeniseForMatching } from './normalise.js';

/**
 * The condition vocabulary (`config/conditions.yaml`): conditions under ICD-10 chapters, each
 * with a severity class, an order of magnitude of the people it concerns in Sweden, and the words
 * that name it in Swedish, English and Norwegian. Triage reads severity and patient-group size
 * from the conditions recognised here rather than from word lists of its own (issue 16).
 */

/** Severity classes, least severe first. */
export const SEVERITY_ORDER = ['lag', 'mattlig', 'hog', 'mycket-hog'] as const;
export const Severity = z.enum(SEVERITY_ORDER);
export type Severity = z.infer<typeof Severity>;

/** Swedish names of the classes, for reports, the workbench and the CLI. */
export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  'mycket-hog': 'mycket hög',
  hog: 'hög',
  mattlig: 'måttlig',
  lag: 'låg',
};

/** 0 for `lag` up to 3 for `mycket-hog`. */
export function severityRank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

const ChapterCode = z.string().regex(/^[IVX]{1,5}$/, 'ICD-10 chapter in Roman numerals (I … XXII)');

const Term = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((t) => /[\p{L}\p{N}]/u.test(t), 'a term needs a letter or digit')
  .refine((t) => !t.slice(1, -1).includes('*'), '`*` only at either end of a term');
/** Every language must name the condition: a title's language is not always known. */
const Terms = z.array(Term).min(1).max(100);

/** The people concerned, as a power of ten: 10, 100, … 10 000 000. */
const Magnitude = z
  .number()
  .int()
  .refine(
    (n) => n >= 10 && n <= 10_000_000 && /^10*$/.test(String(n)),
    'an order of magnitude: 10, 100, 1000, … 10000000',
  );

export const Condition = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'kebab-case id expected'),
  /** Swedish display name. */
  label: z.string().trim().min(1).max(100),
  chapter: ChapterCode,
  severity: Severity,
  patientsInSweden: Magnitude,
  /** The id of the wider condition this is a kind of (type 1 diabetes → diabetes). */
  broader: z.string().optional(),
  terms: z.strictObject({ sv: Terms, en: Terms, no: Terms }),
});
export type Condition = z.infer<typeof Condition>;

/** The key two terms share when they match the same words: folded, with their wildcards. */
function termKey(term: string): string {
  const t = compileTerm(term);
  return `${t.openStart ? '*' : ''}${t.parts.join(' ')}${t.openEnd ? '*' : ''}`;
}

/**
 * The shape the checks across conditions need. They run whenever the file has it, even if single
 * conditions are malformed, so that one pass reports every problem.
 */
const Skeleton = z.object({
  chapters: z.record(z.string(), z.unknown()),
  conditions: z.array(
    z.object({
      id: z.string(),
      chapter: z.string(),
      broader: z.string().optional(),
      terms: z.object({ sv: z.array(z.string()), en: z.array(z.string()), no: z.array(z.string()) }),
    }),
  ),
});

export const ConditionVocabulary = z
  .strictObject({
    version: z.string().min(1),
    /** ICD-10 chapter code → its Swedish heading. */
    chapters: z.record(ChapterCode, z.string().trim().min(1)),
    conditions: z.array(Condition).min(1),
  })
  .superRefine(
    (value, ctx) => {
      const skeleton = Skeleton.safeParse(value);
      if (skeleton.success) checkAcross(skeleton.data, ctx);
    },
    { when: () => true },
  );
export type ConditionVocabulary = z.infer<typeof ConditionVocabulary>;

function checkAcross(file: z.infer<typeof Skeleton>, ctx: z.RefinementCtx): void {
  const ids = new Map<string, number>();
  file.conditions.forEach((c, i) => {
    if (ids.has(c.id)) {
      ctx.addIssue({ code: 'custom', path: ['conditions', i, 'id'], message: `duplicate id "${c.id}"` });
    } else {
      ids.set(c.id, i);
    }
  });
  const owner = new Map<string, string>();
  file.conditions.forEach((c, i) => {
    if (file.chapters[c.chapter] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['conditions', i, 'chapter'],
        message: `chapter "${c.chapter}" is not under chapters`,
      });
    }
    if (c.broader !== undefined && (!ids.has(c.broader) || c.broader === c.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['conditions', i, 'broader'],
        message: `"${c.broader}" is not another condition's id`,
      });
    }
    for (const language of ['sv', 'en', 'no'] as const) {
      c.terms[language].forEach((term, k) => {
        const key = termKey(term);
        if (key.replace(/\*/g, '') === '') return;
        const other = owner.get(key);
        if (other !== undefined && other !== c.id) {
          ctx.addIssue({
            code: 'custom',
            path: ['conditions', i, 'terms', language, k],
            message: `"${term}" is also a term of "${other}"`,
          });
        }
        owner.set(key, other ?? c.id);
      });
    }
  });
  // A cycle of `broader` would make each condition hide the others.
  file.conditions.forEach((c, i) => {
    const seen = new Set([c.id]);
    for (let at = c.broader; at !== undefined; at = file.conditions[ids.get(at) ?? -1]?.broader) {
      if (seen.has(at)) {
        ctx.addIssue({
          code: 'custom',
          path: ['conditions', i, 'broader'],
          message: `the broader conditions of "${c.id}" form a cycle`,
        });
        break;
      }
      seen.add(at);
    }
  });
}

export interface CompiledCondition {
  readonly id: string;
  readonly label: string;
  readonly chapter: { readonly code: string; readonly label: string };
  readonly severity: Severity;
  readonly patientsInSweden: number;
  /** Indexes of the conditions this one is a kind of, nearest first. */
  readonly ancestors: readonly number[];
  /** Some other condition is a kind of this one: it only counts where none of those does. */
  readonly generic: boolean;
}

interface TermOf {
  condition: number;
  /** Letters and digits of the term: between equal spans, the longer term is the more specific. */
  literal: number;
  open: { start: boolean; end: boolean };
  /** Per word of the term: as written if in capitals (ALS, KOL, the MS of "vid MS"), else null. */
  capitals?: readonly (string | null)[];
}

/** The vocabulary compiled for matching; build once per loaded configuration. */
export interface ConditionIndex {
  readonly version: string;
  /** In the file's order. */
  readonly conditions: readonly CompiledCondition[];
  readonly matcher: TermMatcher;
  readonly terms: ReadonlyMap<string, TermOf>;
  /** Every term's folded words without wildcards ("hjartsvikt", "typ 1 diabetes"). */
  readonly words: ReadonlySet<string>;
}

function wordsAsWritten(s: string): string[] {
  return s.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

/**
 * A word written in capitals is an abbreviation and matches only as written: "ALS" is not the
 * German "als", "SMA" not the Swedish "små", "KOL" not "kol" (coal).
 */
function capitalsOf(term: string, words: number): (string | null)[] | undefined {
  const written = wordsAsWritten(term.normalize('NFC'));
  const capitals = written.map((w) => (/\p{Lu}/u.test(w) && w === w.toUpperCase() ? w : null));
  return written.length === words && capitals.some((w) => w !== null) ? capitals : undefined;
}

function writtenAsRequired(text: string, of: TermOf): boolean {
  if (of.capitals === undefined) return true;
  const words = wordsAsWritten(text);
  const last = of.capitals.length - 1;
  return of.capitals.every((required, k) => {
    const word = words[k];
    if (required === null) return true;
    if (word === undefined) return false;
    if (k === 0 && of.open.start) return word.endsWith(required);
    if (k === last && of.open.end) return word.startsWith(required);
    return word === required;
  });
}

export function compileConditions(vocabulary: ConditionVocabulary): ConditionIndex {
  const position = new Map(vocabulary.conditions.map((c, i) => [c.id, i]));
  const terms = new Map<string, TermOf>();
  const words = new Set<string>();
  vocabulary.conditions.forEach((c, condition) => {
    for (const term of [...c.terms.sv, ...c.terms.en, ...c.terms.no]) {
      const compiled = compileTerm(term);
      const capitals = capitalsOf(term, compiled.parts.length);
      terms.set(term, {
        condition,
        literal: compiled.parts.join('').length,
        open: { start: compiled.openStart, end: compiled.openEnd },
        ...(capitals === undefined ? {} : { capitals }),
      });
      words.add(compiled.parts.join(' '));
    }
  });
  const broader = new Set(vocabulary.conditions.flatMap((c) => c.broader ?? []));
  const conditions = vocabulary.conditions.map((c): CompiledCondition => {
    const ancestors: number[] = [];
    for (let at = c.broader; at !== undefined;) {
      const i = position.get(at);
      if (i === undefined || ancestors.includes(i)) break;
      ancestors.push(i);
      at = vocabulary.conditions[i]?.broader;
    }
    return {
      id: c.id,
      label: c.label,
      chapter: { code: c.chapter, label: vocabulary.chapters[c.chapter] ?? c.chapter },
      severity: c.severity,
      patientsInSweden: c.patientsInSweden,
      ancestors,
      generic: broader.has(c.id),
    };
  });
  return {
    version: vocabulary.version,
    conditions,
    matcher: new TermMatcher([...terms.keys()]),
    terms,
    words,
  };
}

/**
 * The folded words of every term ("hjartsvikt", "typ 1 diabetes", "als"), for checking that
 * other configuration does not name conditions itself.
 */
export function conditionWordsIn(index: ConditionIndex): ReadonlySet<string> {
  return index.words;
}

/** A condition recognised in a text. */
export interface ConditionMatch {
  id: string;
  label: string;
  chapter: { code: string; label: string };
  severity: Severity;
  patientsInSweden: number;
  /** The words as they appear in the text ("Alzheimers sjukdom", "typ 1-diabetes"). */
  term: string;
  /** The configured term that matched them (`alzheimer*`). */
  pattern: string;
  /** Where the words are in the normalised text (see {@link recogniseConditions}). */
  index: number;
  length: number;
}

interface Hit {
  condition: number;
  pattern: string;
  text: string;
  index: number;
  length: number;
  literal: number;
}

function overlaps(a: Hit, b: Hit): boolean {
  return a.index < b.index + b.length && b.index < a.index + a.length;
}

/**
 * The conditions a text names, each once, in the order they first occur. `text` is normalised
 * first (`normaliseText`) and the offsets refer to that; a text tokenised by the caller is taken
 * as it is.
 *
 * Where matches overlap, one wins: a specific condition before a generic one (one that others
 * are a kind of, such as plain "diabetes" or "cancer"), then the longest span, then the longer
 * term (`prostatacancer*` before `*cancer*` on "prostatacancer"). A generic condition is dropped
 * altogether when a condition that is a kind of it is recognised in the same text, so that "typ
 * 1-diabetes … diabetesvård" is type 1 diabetes only.
 */
export function recogniseConditions(index: ConditionIndex, text: string | TokenisedText): ConditionMatch[] {
  const tokenised = typeof text === 'string' ? tokeniseForMatching(normaliseText(text)) : text;
  const hits: Hit[] = [];
  for (const m of index.matcher.findAll(tokenised)) {
    const of = index.terms.get(m.term);
    if (of === undefined) continue;
    if (!writtenAsRequired(m.text, of)) continue;
    hits.push({
      condition: of.condition,
      pattern: m.term,
      text: m.text,
      index: m.index,
      length: m.length,
      literal: of.literal,
    });
  }
  const generic = (h: Hit): number => (index.conditions[h.condition]?.generic === true ? 1 : 0);
  hits.sort(
    (a, b) =>
      generic(a) - generic(b) ||
      b.length - a.length ||
      b.literal - a.literal ||
      a.index - b.index ||
      a.condition - b.condition,
  );
  const kept: Hit[] = [];
  for (const hit of hits) if (!kept.some((k) => overlaps(k, hit))) kept.push(hit);
  const covered = new Set(kept.flatMap((h) => index.conditions[h.condition]?.ancestors ?? []));
  const out: ConditionMatch[] = [];
  const seen = new Set<number>();
  for (const hit of kept.sort((a, b) => a.index - b.index)) {
    const c = index.conditions[hit.condition];
    if (c === undefined || covered.has(hit.condition) || seen.has(hit.condition)) continue;
    seen.add(hit.condition);
    out.push({
      id: c.id,
      label: c.label,
      chapter: { code: c.chapter.code, label: c.chapter.label },
      severity: c.severity,
      patientsInSweden: c.patientsInSweden,
      term: hit.text,
      pattern: hit.pattern,
      index: hit.index,
      length: hit.length,
    });
  }
  return out;
}
