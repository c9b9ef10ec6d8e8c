import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HorisontError } from './errors.js';
import type { ConditionIndex } from './conditions.js';
import { SEVERITY_LABELS, SEVERITY_ORDER, recogniseConditions } from './conditions.js';
import { foldForMatching } from './normalise.js';
import { ItemKind } from './item.js';
import { SOURCE_KINDS } from './source-profile.js';
import { DRUG_SIGNAL_FACTS, DRUG_SIGNAL_FACT_LABELS } from './drugs.js';

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
/**
 * A term list: either one list, or one list per language (Swedish, English, Norwegian: the
 * languages of the sources), which must then name all three. Either way it is read as one list.
 */
const TermList = z.array(Term).min(1);
export const LanguageTerms = z.strictObject({ sv: TermList, en: TermList, no: TermList });
const Terms = z
  .union([TermList, LanguageTerms])
  .transform((t): string[] => (Array.isArray(t) ? t : [...t.sv, ...t.en, ...t.no]));

/**
 * NT-rådet's selection signals in horizon scanning: what makes a new therapy worth an early
 * assessment report. Every one must be expressed by at least one signal (`covers`).
 */
export const NT_SELECTION_SIGNALS = {
  'stor-patientpopulation': 'Stor patientpopulation',
  'betydande-sjuklighet': 'Betydande sjuklighet',
  'potentiell-klinisk-nytta': 'Potentiell klinisk nytta',
  'innovativt-behandlingssatt': 'Innovativt behandlingssätt',
  kostnadskonsekvenser: 'Kostnadskonsekvenser',
  'omorganisation-av-varden': 'Behov av att organisera om vården',
  'effekt-pa-riktlinjer': 'Effekt på riktlinjer',
  sakerhetsaspekter: 'Säkerhetsaspekter',
  'media-eller-patientintresse': 'Media- eller patientintresse',
  'for-snabbt-eller-langsamt-upptag': 'Risk för för snabbt eller för långsamt upptag',
  'juridiskt-etiskt-politiskt-intresse': 'Juridiskt, etiskt eller politiskt intresse',
} as const;

/**
 * MTP-rådet's device-specific gates and boosts. Gates that take a candidate out of scope live in
 * `routing`; the rest must be expressed by at least one signal (`covers`).
 */
export const DEVICE_SELECTION_SIGNALS = {
  'mdr-ivdr': 'Medicinteknisk produkt eller IVD enligt MDR/IVDR',
  'ce-status': 'CE-märkning',
  'ny-eller-etablerad': 'Ny snarare än etablerad produkt',
  'patientnara-stora-volymer': 'Patientnära produkt i stora volymer',
  'risk-for-ojamlik-anvandning': 'Risk för ojämlik användning (t.ex. HTA i vissa regioner men inte i andra)',
  tillvaxtomraden: 'TLV:s tillväxtområden: diabetes, diagnostik, digital hälsa',
  'riskklass-iii-implantat': 'Riskklass III eller implantat',
  'evidensens-mognad': 'Evidensens mognad',
  sakerhetsmeddelanden: 'Säkerhetsmeddelanden',
} as const;

export type SelectionSignalId = keyof typeof NT_SELECTION_SIGNALS | keyof typeof DEVICE_SELECTION_SIGNALS;
const SelectionSignalId = z.enum([
  ...(Object.keys(NT_SELECTION_SIGNALS) as (keyof typeof NT_SELECTION_SIGNALS)[]),
  ...(Object.keys(DEVICE_SELECTION_SIGNALS) as (keyof typeof DEVICE_SELECTION_SIGNALS)[]),
]);

const Share = z.number().min(0).max(1);

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
  /** A condition the evidence names, of one of these severities (config/conditions.yaml). */
  z.strictObject({
    type: z.literal('condition-severity'),
    severities: z.array(z.enum(SEVERITY_ORDER)).min(1),
  }),
  /** A condition the evidence names with at least `min` patients in Sweden (order of magnitude). */
  z.strictObject({ type: z.literal('condition-prevalence'), min: z.number().int().min(1) }),
  /** Evidence of a given kind, optionally from given sources and/or mentioning given terms. */
  z.strictObject({
    type: z.literal('evidence-kind'),
    kinds: z.array(ItemKind).min(1),
    /** From a source of one of these kinds (its adapter's profile, e.g. `hta-agency`). */
    sourceKinds: z.array(z.enum(SOURCE_KINDS)).min(1).optional(),
    terms: Terms.optional(),
    // Criteria files written before source profiles named sources by id; say what replaced it
    // rather than leave the operator with "unrecognized key".
    sourceIdIncludes: z
      .never({
        error: `sourceIdIncludes (a part of a source id) was replaced by sourceKinds, the kinds of source: ${SOURCE_KINDS.join(', ')}`,
      })
      .optional(),
  }),
  /** The candidate is of one of these kinds. */
  z.strictObject({ type: z.literal('candidate-kind'), kinds: z.array(CandidateKindSchema).min(1) }),
  /** An EMDN code of a registry item starts with one of these prefixes (`J`, `W0101`, …). */
  z.strictObject({ type: z.literal('emdn'), prefixes: z.array(z.string().min(1)).min(1) }),
  /** Registry market status, code suffix: `on-the-market`, `no-longer-on-the-market`, … */
  z.strictObject({ type: z.literal('market-status'), values: z.array(z.string().min(1)).min(1) }),
  /** A drug fact a source states (EMA's designations, new substance or indication, Nordic trial sites). */
  z.strictObject({ type: z.literal('drug-fact'), facts: z.array(z.enum(DRUG_SIGNAL_FACTS)).min(1) }),
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
  /** The selection signals (NT-rådet's and MTP-rådet's) this signal expresses. */
  covers: z.array(SelectionSignalId).min(1).optional(),
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
  /**
   * `conditions`: the criterion is judged from the conditions the evidence names; when it names
   * none, the criterion is unknown (left out of the importance) rather than zero.
   */
  basis: z.literal('conditions').optional(),
  signals: z.array(Signal).min(1),
});
export type Criterion = z.infer<typeof Criterion>;

export const TriageCriteria = z
  .strictObject({
    version: z.string().min(1),
    description: z.string().optional(),
    bands: z.strictObject({ hög: z.number().min(0).max(100), medel: z.number().min(0).max(100) }),
    nomination: z.strictObject({ minTotal: z.number().int().min(0).max(100) }),
    /** Importance = weighted power mean of the known criteria's shares; higher powers let a strong criterion carry. */
    importance: z.strictObject({ power: z.number().min(1).max(8) }),
    /** Fewer signals than this and no recognised condition: "underlag saknas" instead of a band. */
    insufficientBelow: z.strictObject({ signals: z.number().int().min(0) }),
    routing: z.strictObject({
      deviceTerms: Terms,
      drugTerms: Terms,
      outOfScopeTerms: Terms,
    }),
    /** Words that say a council commissioned an assessment: the product is in that council's process. */
    status: z.strictObject({ commissionedByMtp: Terms, commissionedByNt: Terms }),
    /** Seed 004: requisition drugs are NT-rådet's; prescription drugs go to TLV unless an exception holds. */
    drugs: z.strictObject({
      requisitionTerms: Terms,
      prescriptionTerms: Terms,
      exceptionTerms: Terms,
      exceptionSeverities: z.array(z.enum(SEVERITY_ORDER)).min(1),
    }),
    lifecycle: z.strictObject({
      covers: z.array(SelectionSignalId).min(1),
      entryMonths: z.number().int().min(1).max(120),
      freshMonths: z.number().int().min(1).max(120),
      legacyLegislation: z.array(z.string().min(1)).min(1),
      timing: z.strictObject({
        'pre-market': Share,
        'market-entry-fresh': Share,
        'market-entry': Share,
        'market-entry-undated': Share,
        'market-entry-assessed': Share,
        'new-indication': Share,
        unknown: Share,
        established: Share,
        withdrawn: Share,
      }),
      terms: z.strictObject({
        breakthrough: Terms,
        notCeMarked: Terms,
        notYetApproved: Terms,
        euApproval: Terms,
        newIndication: Terms,
        established: Terms,
        earlyNotice: Terms,
        reimbursement: Terms,
        notAssessments: z.array(z.string().min(1)),
      }),
    }),
    criteria: z.array(Criterion).min(1),
  })
  .superRefine((value, ctx) => {
    if (value.bands.hög <= value.bands.medel) {
      ctx.addIssue({ code: 'custom', path: ['bands'], message: 'bands.hög must be above bands.medel' });
    }
    const criterionIds = new Set<string>();
    const signalIds = new Set<string>();
    const covered = new Set<string>([
      ...value.criteria.flatMap((c) => c.signals.flatMap((s) => s.covers ?? [])),
      ...value.lifecycle.covers,
    ]);
    for (const [id, label] of [
      ...Object.entries(NT_SELECTION_SIGNALS),
      ...Object.entries(DEVICE_SELECTION_SIGNALS),
    ]) {
      if (!covered.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria'],
          message: `no signal covers the selection signal ${id} (${label})`,
        });
      }
    }
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
      });
    });
  });
export type TriageCriteria = z.infer<typeof TriageCriteria>;

const TERM_FIELDS = 'titel, sammanfattning, handelsnamn eller publikationstyp';

function list(values: readonly string[], max = 8): string {
  return values.length > max
    ? `${values.slice(0, max).join(', ')} m.fl. (${values.length})`
    : values.join(', ');
}

/** How a signal is detected, in Swedish (for `horisont criteria` and the workbench). */
export function describeDetector(d: Detector): string {
  switch (d.type) {
    case 'terms':
      return `Ord i ${TERM_FIELDS}${d.kinds === undefined ? '' : ` (endast ${d.kinds.join(', ')})`}: ${list(d.terms)}`;
    case 'risk-class':
      return `Strukturerat fält: riskklass ${d.classes.join(', ')}`;
    case 'implantable':
      return `Strukturerat fält: implanterbar enligt registret${d.terms === undefined ? '' : `, eller ord: ${list(d.terms)}`}`;
    case 'legislation':
      return `Strukturerat fält: tillämplig lagstiftning ${d.values.join(', ')}`;
    case 'condition-severity':
      return `Tillstånd i tillståndsvokabulären med svårighetsgrad ${d.severities.map((s) => SEVERITY_LABELS[s]).join(', ')}`;
    case 'condition-prevalence':
      return `Tillstånd i tillståndsvokabulären med minst ${d.min.toLocaleString('sv-SE')} patienter i Sverige`;
    case 'evidence-kind':
      return `Evidens av typen ${d.kinds.join(', ')}${d.sourceKinds === undefined ? '' : ` från källor av slaget ${d.sourceKinds.join(', ')}`}${d.terms === undefined ? '' : ` som nämner ${list(d.terms)}`}`;
    case 'candidate-kind':
      return `Kandidatens typ: ${d.kinds.join(', ')}`;
    case 'emdn':
      return `Strukturerat fält: EMDN-kod som börjar med ${d.prefixes.join(', ')}`;
    case 'market-status':
      return `Strukturerat fält: marknadsstatus ${d.values.join(', ')}`;
    case 'drug-fact':
      return `Strukturerat fält om läkemedlet: ${d.facts.map((f) => DRUG_SIGNAL_FACT_LABELS[f]).join(', ')}`;
  }
}

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

/** The words a detector matches, when it matches words. */
function termsOf(detector: Detector): readonly string[] {
  switch (detector.type) {
    case 'terms':
      return detector.terms;
    case 'implantable':
    case 'evidence-kind':
      return detector.terms ?? [];
    default:
      return [];
  }
}

/** What a structured detector reads, as one key: two signals reading the same fact count it twice. */
function structuredKey(detector: Detector): string | undefined {
  if (detector.type === 'terms') return undefined;
  const { terms: _terms, ...rest } = detector as Detector & { terms?: unknown };
  return JSON.stringify(rest);
}

/**
 * What counts once (issue 16): no criteria term may name a condition, since conditions count only
 * through the vocabulary (severity and patient group), and no word or structured fact may be scored
 * by two signals. Returns one problem per offence, with its path in the criteria file.
 */
export function criteriaWordProblems(criteria: TriageCriteria, conditions: ConditionIndex): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const claim = (key: string, signalId: string, where: string, what: string): void => {
    const owner = owners.get(key);
    if (owner !== undefined && owner !== signalId) {
      problems.push(
        `${where}: ${what} is also scored by the signal ${owner}; one piece of evidence counts for one signal`,
      );
    }
    if (owner === undefined) owners.set(key, signalId);
  };
  criteria.criteria.forEach((criterion, ci) => {
    criterion.signals.forEach((signal, si) => {
      const where = `criteria.${ci}.signals.${si} (${signal.id})`;
      for (const term of termsOf(signal.detect)) {
        const words = term.replace(/^\*|\*$/g, '');
        const named = recogniseConditions(conditions, words)[0];
        if (named !== undefined) {
          problems.push(
            `${where}: the term "${term}" names the condition ${named.label} (${named.id}); conditions count only through conditions.yaml`,
          );
        }
        claim(`term ${foldForMatching(words)}`, signal.id, where, `the term "${term}"`);
      }
      const key = structuredKey(signal.detect);
      if (key !== undefined && signal.detect.type !== 'evidence-kind') {
        claim(key, signal.id, where, `the fact ${key}`);
      }
    });
  });
  return problems;
}
