import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HorisontError } from './errors.js';
import { ItemKind } from './item.js';

/**
 * Schema of `config/triage-criteria.yaml`: the versioned triage criteria. Every signal names one
 * detector from a closed set, so a criterion can be explained by pointing at the evidence that
 * triggered it. The version is stored with every score, so rankings can be explained and re-run.
 */

const Slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a kebab-case id');

/**
 * Terms are matched on whole words of normalised text (case and diacritics folded). A `*` at
 * either end lets the word continue on that side, for Swedish compounds: `*cancer` matches
 * "prostatacancer", `diabetes*` matches "diabetesvård". Several words match a word sequence.
 */
const Term = z
  .string()
  .min(1)
  .max(200)
  .refine((t) => /[\p{L}\p{N}]/u.test(t), 'a term needs a letter or digit')
  .refine((t) => !t.slice(1, -1).includes('*'), '`*` is only allowed at the start or end of a term');
const Terms = z.array(Term).min(1);

const CandidateKindSchema = z.enum(['device', 'ivd', 'drug', 'method']);

export const Detector = z.discriminatedUnion('type', [
  /** Any term in the title, summary, publication type or trade name of an evidence item. */
  z.strictObject({
    type: z.literal('terms'),
    terms: Terms,
    /** Only look at evidence of these kinds. */
    kinds: z.array(ItemKind).min(1).optional(),
  }),
  /** A registry risk class, as EUDAMED code suffix: `class-iii`, `class-iib`, `class-d`, … */
  z.strictObject({ type: z.literal('risk-class'), classes: z.array(z.string().min(1)).min(1) }),
  /** The registry says the device is implantable, or (with `terms`) a source says so. */
  z.strictObject({ type: z.literal('implantable'), terms: Terms.optional() }),
  /** Applicable legislation: `mdr`, `ivdr`, `mdd`, `aimdd`, `ivdd`. */
  z.strictObject({ type: z.literal('legislation'), values: z.array(z.string().min(1)).min(1) }),
  /**
   * Distinct regions among regional HTA reports. With `max` below the number of regions it says
   * "assessed in some regions but not in all": a risk of unequal use.
   */
  z.strictObject({
    type: z.literal('regional-hta-count'),
    min: z.number().int().min(1),
    max: z.number().int().min(1).optional(),
  }),
  /** Evidence from at least `min` different sources. */
  z.strictObject({ type: z.literal('independent-sources'), min: z.number().int().min(1) }),
  /** Evidence of a given kind, optionally from given sources and/or mentioning given terms. */
  z.strictObject({
    type: z.literal('evidence-kind'),
    kinds: z.array(ItemKind).min(1),
    /** The source id contains one of these (e.g. `tlv`). */
    sourceIdIncludes: z.array(z.string().min(1)).min(1).optional(),
    terms: Terms.optional(),
  }),
  /** The candidate is of one of these kinds. */
  z.strictObject({ type: z.literal('candidate-kind'), kinds: z.array(CandidateKindSchema).min(1) }),
  /** An EMDN code of a registry item starts with one of these prefixes (`J`, `W0101`, …). */
  z.strictObject({ type: z.literal('emdn'), prefixes: z.array(z.string().min(1)).min(1) }),
  /** Registry market status, code suffix: `on-the-market`, `no-longer-on-the-market`, … */
  z.strictObject({ type: z.literal('market-status'), values: z.array(z.string().min(1)).min(1) }),
]);
export type Detector = z.infer<typeof Detector>;
export type DetectorType = Detector['type'];

export const Signal = z.strictObject({
  id: Slug,
  /** Short Swedish label. */
  label: z.string().min(1),
  /** Integer points; negative points express reasons against (capped at 0 per criterion). */
  points: z.number().int().min(-100).max(100),
  /**
   * Swedish explanation template. Placeholders: {terms}, {count}, {regions}, {sources},
   * {riskClasses}, {legislation}, {kinds}, {codes}, {titles}.
   */
  explanation: z.string().min(1),
  detect: Detector,
});
export type Signal = z.infer<typeof Signal>;

export const Criterion = z.strictObject({
  id: Slug,
  /** Swedish label, as in the councils' criteria. */
  label: z.string().min(1),
  description: z.string().optional(),
  /** Share of the 0–100 total this criterion can contribute (relative to the other weights). */
  weight: z.number().positive(),
  /** Points at which the criterion counts as fully met; signal points are summed and capped. */
  maxPoints: z.number().int().positive(),
  /** Candidate kinds the criterion applies to; all when absent. */
  appliesTo: z.array(CandidateKindSchema).min(1).optional(),
  signals: z.array(Signal).min(1),
});
export type Criterion = z.infer<typeof Criterion>;

export const TriageCriteria = z
  .strictObject({
    version: z.string().min(1),
    description: z.string().optional(),
    bands: z.strictObject({ hög: z.number().min(0).max(100), medel: z.number().min(0).max(100) }),
    nomination: z.strictObject({ minTotal: z.number().int().min(0).max(100) }),
    routing: z.strictObject({
      /** A method whose evidence uses these terms builds on a medical device → MTP-rådet. */
      deviceTerms: Terms,
      /** A method whose evidence uses these terms is about a drug → NT-rådet. */
      drugTerms: Terms,
      /** Evidence saying the product is not a medical device → outside both councils. */
      outOfScopeTerms: Terms,
    }),
    criteria: z.array(Criterion).min(1),
  })
  .superRefine((value, ctx) => {
    if (value.bands.hög <= value.bands.medel) {
      ctx.addIssue({ code: 'custom', path: ['bands'], message: 'bands.hög must be above bands.medel' });
    }
    const criterionIds = new Set<string>();
    const signalIds = new Set<string>();
    value.criteria.forEach((criterion, ci) => {
      if (criterionIds.has(criterion.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria', ci, 'id'],
          message: `duplicate criterion id ${criterion.id}`,
        });
      }
      criterionIds.add(criterion.id);
      criterion.signals.forEach((signal, si) => {
        if (signalIds.has(signal.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', ci, 'signals', si, 'id'],
            message: `duplicate signal id ${signal.id}`,
          });
        }
        signalIds.add(signal.id);
        const d = signal.detect;
        if (d.type === 'regional-hta-count' && d.max !== undefined && d.max < d.min) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', ci, 'signals', si, 'detect', 'max'],
            message: 'max must not be below min',
          });
        }
      });
    });
  });
export type TriageCriteria = z.infer<typeof TriageCriteria>;

/**
 * Parses and validates the YAML text of `config/triage-criteria.yaml`. Throws
 * `HorisontError('config')` listing every issue with its path. Reading the file is the caller's
 * business (the domain does no I/O).
 */
export function parseTriageCriteria(
  yamlText: string,
  origin = 'config/triage-criteria.yaml',
): TriageCriteria {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    throw new HorisontError('config', `criteria: ${origin} is not valid YAML`, { cause: error });
  }
  const result = TriageCriteria.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HorisontError('config', `criteria: ${origin} is invalid: ${issues}`, { cause: result.error });
  }
  return result.data;
}
