import { z } from 'zod';
import { toIsoDate } from './dates.js';
import { NPO_NAMES } from './programme-areas.js';
import { normaliseManufacturer, normaliseText } from './normalise.js';

/**
 * Cases (ärenden): what happens to a product or method after it is nominated. A case belongs to
 * one council, holds the nominating parties, and moves through the councils' process as an
 * append-only list of events; the state here is the projection of those events. Pure: dates come
 * in as arguments. The Swedish wording of each state follows the councils' own texts
 * (`shared/seeds/004`, NT-rådet's process; `003`, MTP-rådet's); docs/cases.md quotes them.
 */

export const CASE_COUNCILS = ['MTP-rådet', 'NT-rådet'] as const;
export type CaseCouncil = (typeof CASE_COUNCILS)[number];

/** Who asked for the case. A company cannot apply (seed 004): its signal is evidence, not a case. */
export const NOMINATING_ORIGINS = ['scan', 'region', 'npo', 'profession'] as const;
export type NominatingOrigin = (typeof NOMINATING_ORIGINS)[number];
export const CASE_ORIGINS = [...NOMINATING_ORIGINS, 'council-list'] as const;
export type CaseOrigin = (typeof CASE_ORIGINS)[number];

export const CASE_ORIGIN_LABELS: Record<CaseOrigin, string> = {
  scan: 'Horisontspaning (tidig bedömningsrapport)',
  region: 'Nominering från region',
  npo: 'Nominering från nationellt programområde (NPO)',
  profession: 'Nominering från profession',
  'council-list': 'Rådets publicerade lista',
};

/** The 21 regions, as they name themselves. */
export const REGIONS = [
  'Region Blekinge',
  'Region Dalarna',
  'Region Gotland',
  'Region Gävleborg',
  'Region Halland',
  'Region Jämtland Härjedalen',
  'Region Jönköpings län',
  'Region Kalmar län',
  'Region Kronoberg',
  'Region Norrbotten',
  'Region Skåne',
  'Region Stockholm',
  'Region Sörmland',
  'Region Uppsala',
  'Region Värmland',
  'Region Västerbotten',
  'Region Västernorrland',
  'Region Västmanland',
  'Västra Götalandsregionen',
  'Region Örebro län',
  'Region Östergötland',
] as const;
export type RegionName = (typeof REGIONS)[number];

/** What a nominating NPO is called as a party. */
export function npoParty(name: string): string {
  return `NPO ${name}`;
}
export const NPO_PARTIES: readonly string[] = NPO_NAMES.map(npoParty);

export const CASE_STATUSES = [
  'nominated',
  'taken-up',
  'omfattas',
  'omfattas-inte',
  'assessment-ordered',
  'recommended',
  'follow-up',
  'reconsideration',
  'closed',
  'handled-by-council',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Short Swedish names of the states, for lists and badges. */
export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  nominated: 'Nominerad',
  'taken-up': 'Under beredning',
  omfattas: 'Omfattas av nationell samverkan',
  'omfattas-inte': 'Omfattas inte av nationell samverkan',
  'assessment-ordered': 'Kunskapsunderlag beställt',
  recommended: 'Rekommendation',
  'follow-up': 'Uppföljning',
  reconsideration: 'Omprövning',
  closed: 'Avslutat',
  'handled-by-council': 'Hanterat av rådet',
};

/** What each state means, in the councils' words where they have some (docs/cases.md). */
export const CASE_STATUS_DESCRIPTIONS: Record<CaseStatus, string> = {
  nominated:
    'Produkten eller metoden har filtrerats fram i horisontspaningen eller nominerats av en region, ett programområde eller en profession. Ett företag kan inte ansöka.',
  'taken-up':
    'Beredningsgruppen bereder ärendet inför rådets beslut om nationell samverkan och inhämtar regionernas önskemål.',
  omfattas:
    'Rådet har beslutat att produkten/indikationen omfattas av nationell samverkan: rådet kommer att avge en rekommendation till regionerna. Ärendet syns som pågående.',
  'omfattas-inte':
    'Rådet har beslutat att produkten/indikationen inte omfattas av nationell samverkan. Det är inte en avrådan från användning; det betyder bara att rådet inte kommer att avge någon rekommendation. Regionerna hanterar den enligt sina vanliga rutiner.',
  'assessment-ordered':
    'Rådet har beställt kunskapsunderlag, i regel en hälsoekonomisk värdering av TLV, inför sin rekommendation.',
  recommended: 'Rådet har gett regionerna en rekommendation om användning.',
  'follow-up': 'Rekommendationen gäller och regionernas införande följs upp.',
  reconsideration:
    'Rekommendationen eller beslutet omprövas, till exempel efter en ny generation av produkten, en ny indikation, ett säkerhetsmeddelande eller ett nytt kunskapsunderlag.',
  closed: 'Ärendet är avslutat.',
  'handled-by-council':
    'Produkten finns på rådets egen publicerade lista över produkter i nationellt ordnat införande eller rekommendationer.',
};

/** Criteria that speak for national collaboration (seed 004; at least one must be met). */
export const COLLABORATION_CRITERIA = {
  'equal-use': 'Jämlik användning över landet är angeläget',
  severity: 'Hög till mycket hög svårighetsgrad för tillståndet',
  'resource-impact': 'Förväntat stor resurspåverkan',
  ethical: 'Etiskt eller politiskt utmanande',
} as const satisfies Record<string, string>;
export type CollaborationCriterion = keyof typeof COLLABORATION_CRITERIA;

/**
 * Reasons for "omfattas inte": NT-rådet's list (seed 004) and MTP-rådet's delimitation (seed 003:
 * products already established, or not meeting the criteria; only MDR/IVDR products).
 */
export const NOT_INCLUDED_REASONS = {
  'small-budget-impact': 'Budgetpåverkan är så liten att en hälsoekonomisk värdering inte är nödvändig',
  'other-processes': 'Det finns andra processer som kan säkerställa en jämlik användning',
  'little-expected-use': 'Ingen stor användning förväntas',
  'tlv-benefit': 'Kan hanteras genom förmånsansökan hos TLV',
  established: 'Produkten eller terapiområdet är redan etablerat på marknaden',
  'criteria-not-met': 'Uppfyller inte prioriteringskriterierna',
  'not-mdr-ivdr': 'Inte en medicinteknisk produkt enligt MDR eller IVDR',
} as const satisfies Record<string, string>;
export type NotIncludedReason = keyof typeof NOT_INCLUDED_REASONS;

export const ASSESSMENT_BODIES = {
  tlv: 'TLV (hälsoekonomisk värdering)',
  sbu: 'SBU',
  'regional-hta': 'Regional HTA-enhet',
  other: 'Annan',
} as const satisfies Record<string, string>;
export type AssessmentBody = keyof typeof ASSESSMENT_BODIES;

export const RECOMMENDATION_KINDS = {
  avvakta: 'Avvakta',
  use: 'Använd',
  'use-with-conditions': 'Använd med villkor',
  'do-not-use': 'Använd inte',
} as const satisfies Record<string, string>;
export type RecommendationKind = keyof typeof RECOMMENDATION_KINDS;

export const RECONSIDER_REASONS = {
  'review-date-passed': 'Datumet för omprövning har passerats',
  'new-generation': 'Ny generation av produkten',
  'new-indication': 'Ny indikation',
  'safety-notice': 'Säkerhetsmeddelande',
  'new-assessment': 'Nytt kunskapsunderlag (HTA eller hälsoekonomisk värdering)',
  other: 'Annat skäl',
} as const satisfies Record<string, string>;
export type ReconsiderReason = keyof typeof RECONSIDER_REASONS;

export const CLOSE_REASONS = {
  completed: 'Ärendet är slutfört',
  'not-taken-up': 'Nomineringen togs inte upp av beredningsgruppen',
  withdrawn: 'Nomineringen har dragits tillbaka',
  superseded: 'Hanteras i ett annat ärende',
  other: 'Annat skäl',
} as const satisfies Record<string, string>;
export type CloseReason = keyof typeof CLOSE_REASONS;

function keysOf<T extends Record<string, string>>(labels: T): [keyof T & string, ...(keyof T & string)[]] {
  return Object.keys(labels) as [keyof T & string, ...(keyof T & string)[]];
}

export const DATE_MESSAGE = 'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-12.';

/** A calendar date written `YYYY-MM-DD` (2026-02-30 is refused). */
export const CalendarDate = z
  .string()
  .trim()
  .refine((value) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    return m !== null && toIsoDate(Number(m[1]), Number(m[2]), Number(m[3])) === value;
  }, DATE_MESSAGE);

const Text = (max: number) => z.string().trim().min(1).max(max);
const OptionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), Text(max).optional());
const OptionalDate = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  CalendarDate.optional(),
);
const HttpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'ange en http(s)-adress');

/**
 * One change to a case, as a reviewer asks for it. The fields are the public record of the
 * change; the internal comment travels beside it (never in these objects).
 */
export const CaseActionInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('take-up'),
    council: z.enum(CASE_COUNCILS),
    indication: OptionalText(2000),
  }),
  z
    .object({
      action: z.literal('decide'),
      outcome: z.enum(['omfattas', 'omfattas-inte']),
      decidedOn: CalendarDate,
      criteria: z
        .array(z.enum(keysOf(COLLABORATION_CRITERIA)))
        .max(4)
        .default([]),
      reasons: z
        .array(z.enum(keysOf(NOT_INCLUDED_REASONS)))
        .max(7)
        .default([]),
    })
    .superRefine((input, ctx) => {
      if (input.outcome === 'omfattas' && input.criteria.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria'],
          message: 'ange minst ett kriterium som talar för nationell samverkan',
        });
      }
      if (input.outcome === 'omfattas-inte' && input.reasons.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['reasons'], message: 'ange minst ett skäl' });
      }
    }),
  z
    .object({
      action: z.literal('order-assessment'),
      body: z.enum(keysOf(ASSESSMENT_BODIES)),
      /** Which unit, for a regional HTA unit or another body ("HTA-centrum Västra Götaland"). */
      bodyName: OptionalText(200),
      orderedOn: CalendarDate,
      expectedOn: OptionalDate,
      deliveredOn: OptionalDate,
    })
    .superRefine((input, ctx) => {
      if ((input.body === 'regional-hta' || input.body === 'other') && input.bodyName === undefined) {
        ctx.addIssue({ code: 'custom', path: ['bodyName'], message: 'ange vem som tar fram underlaget' });
      }
      for (const field of ['expectedOn', 'deliveredOn'] as const) {
        const value = input[field];
        if (value !== undefined && value < input.orderedOn) {
          ctx.addIssue({ code: 'custom', path: [field], message: 'datumet ligger före beställningen' });
        }
      }
    }),
  z
    .object({
      action: z.literal('recommend'),
      kind: z.enum(keysOf(RECOMMENDATION_KINDS)),
      text: Text(5000),
      decidedOn: CalendarDate,
      reviewOn: OptionalDate,
    })
    .superRefine((input, ctx) => {
      // "Avvakta" lasts until the council can judge; every other recommendation is reviewed.
      if (input.kind !== 'avvakta' && input.reviewOn === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviewOn'],
          message: 'ange när rekommendationen ska omprövas',
        });
      }
      if (input.reviewOn !== undefined && input.reviewOn <= input.decidedOn) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviewOn'],
          message: 'omprövningsdatumet måste ligga efter beslutsdatumet',
        });
      }
    }),
  z.object({ action: z.literal('set-follow-up'), followUpOn: CalendarDate }),
  z.object({ action: z.literal('reconsider'), reason: z.enum(keysOf(RECONSIDER_REASONS)) }),
  z.object({ action: z.literal('close'), reason: z.enum(keysOf(CLOSE_REASONS)) }),
  /** "Not now": the triggers seen so far are judged; a new review date may be set. Internal. */
  z.object({ action: z.literal('acknowledge-review'), reviewOn: OptionalDate }),
  z.object({
    action: z.literal('set-procurement'),
    relevant: z.preprocess((v) => (v === 'ja' ? true : v === 'nej' ? false : v), z.boolean()),
    note: OptionalText(1000),
  }),
  z.object({
    action: z.literal('add-consequence-analysis'),
    region: z.enum(REGIONS),
    url: HttpUrl,
    title: OptionalText(300),
  }),
]);
export type CaseActionInput = z.infer<typeof CaseActionInput>;
export type CaseAction = CaseActionInput['action'];
export const CASE_ACTIONS: CaseAction[] = CaseActionInput.options.map((o) => o.shape.action.value);

/** Events that are not asked for by a reviewer: a case opened, joined by another party, imported. */
export type CaseEventAction = CaseAction | 'open' | 'add-party' | 'import';

export const CASE_ACTION_LABELS: Record<CaseEventAction, string> = {
  open: 'Nominerad',
  'add-party': 'Ytterligare nominering',
  import: 'Hämtat från rådets lista',
  'take-up': 'Upptagen av beredningsgruppen',
  decide: 'Beslut om nationell samverkan',
  'order-assessment': 'Kunskapsunderlag beställt',
  recommend: 'Rekommendation',
  'set-follow-up': 'Uppföljningsdatum',
  reconsider: 'Omprövning inledd',
  close: 'Avslutat',
  'acknowledge-review': 'Omprövning inte aktuell nu',
  'set-procurement': 'Upphandlingssamverkan',
  'add-consequence-analysis': 'Regional konsekvensanalys',
};

export interface Assessment {
  body: AssessmentBody;
  bodyName: string | null;
  orderedOn: string;
  expectedOn: string | null;
  deliveredOn: string | null;
}

export interface Recommendation {
  kind: RecommendationKind;
  text: string;
  decidedOn: string;
  reviewOn: string | null;
}

export interface ConsequenceAnalysis {
  region: RegionName;
  url: string;
  title: string | null;
}

/** The current state of a case: the projection of its events, stored with the case. */
export interface CaseState {
  status: CaseStatus;
  /** Increments with every event; a reviewer acts on the version they saw. */
  version: number;
  council: CaseCouncil | null;
  indication: string | null;
  decision: {
    outcome: 'omfattas' | 'omfattas-inte';
    decidedOn: string;
    criteria: CollaborationCriterion[];
    reasons: NotIncludedReason[];
  } | null;
  assessments: Assessment[];
  recommendation: Recommendation | null;
  /** When the recommendation (or the acknowledged review) says to look again. */
  reviewOn: string | null;
  followUpOn: string | null;
  /**
   * The date up to which the world is judged: events about the candidate dated after it (a new
   * generation, indication, safety notice or assessment) are reasons to reconsider.
   */
  judgedThrough: string | null;
  procurement: { relevant: boolean; note: string | null } | null;
  consequenceAnalyses: ConsequenceAnalysis[];
  closeReason: CloseReason | null;
  reconsiderReason: ReconsiderReason | null;
  /** A case is public from the council's first decision (or its import from a council's list). */
  public: boolean;
}

export function initialCaseState(input: {
  council: CaseCouncil | null;
  indication: string | null;
}): CaseState {
  return {
    status: 'nominated',
    version: 1,
    council: input.council,
    indication: input.indication,
    decision: null,
    assessments: [],
    recommendation: null,
    reviewOn: null,
    followUpOn: null,
    judgedThrough: null,
    procurement: null,
    consequenceAnalyses: [],
    closeReason: null,
    reconsiderReason: null,
    public: false,
  };
}

/** A case imported from a council's published list starts as handled, and public. */
export function importedCaseState(input: { council: CaseCouncil; publishedOn: string | null }): CaseState {
  return {
    ...initialCaseState({ council: input.council, indication: null }),
    status: 'handled-by-council',
    judgedThrough: input.publishedOn,
    public: true,
  };
}

/** States in which a case can need reconsidering: the council has decided and it is not closed. */
export const REVIEWABLE: readonly CaseStatus[] = [
  'omfattas',
  'omfattas-inte',
  'assessment-ordered',
  'recommended',
  'follow-up',
  'handled-by-council',
];

/** From which states each action may be taken. */
const ALLOWED_FROM: Record<CaseAction, readonly CaseStatus[]> = {
  'take-up': ['nominated'],
  decide: ['taken-up', 'reconsideration'],
  'order-assessment': [
    'omfattas',
    'assessment-ordered',
    'recommended',
    'reconsideration',
    'handled-by-council',
  ],
  recommend: [
    'omfattas',
    'assessment-ordered',
    'recommended',
    'follow-up',
    'reconsideration',
    'handled-by-council',
  ],
  'set-follow-up': ['recommended', 'follow-up', 'handled-by-council'],
  reconsider: [
    'omfattas',
    'omfattas-inte',
    'assessment-ordered',
    'recommended',
    'follow-up',
    'closed',
    'handled-by-council',
  ],
  close: [
    'nominated',
    'taken-up',
    'omfattas',
    'omfattas-inte',
    'assessment-ordered',
    'recommended',
    'follow-up',
    'reconsideration',
    'handled-by-council',
  ],
  'acknowledge-review': REVIEWABLE,
  'set-procurement': CASE_STATUSES.filter((s) => s !== 'closed'),
  'add-consequence-analysis': CASE_STATUSES.filter((s) => s !== 'closed'),
};

export function allowedActions(state: CaseState): CaseAction[] {
  return CASE_ACTIONS.filter((action) => ALLOWED_FROM[action].includes(state.status));
}

/** Actions whose record is part of the public case (the rest is the beredning's own work). */
const PUBLIC_ACTIONS = new Set<CaseEventAction>([
  'import',
  'decide',
  'order-assessment',
  'recommend',
  'set-follow-up',
  'reconsider',
  'close',
  'set-procurement',
  'add-consequence-analysis',
]);

export function isPublicEvent(action: CaseEventAction, after: CaseState): boolean {
  return after.public && PUBLIC_ACTIONS.has(action);
}

export type CaseTransition = { kind: 'ok'; state: CaseState } | { kind: 'refused'; reason: string };

/**
 * The state an action leads to, or why it is refused from this state. `today` is the Stockholm
 * calendar date of the change (an acknowledged review judges the world up to it).
 */
export function applyCaseAction(state: CaseState, input: CaseActionInput, today: string): CaseTransition {
  if (!ALLOWED_FROM[input.action].includes(state.status)) {
    return {
      kind: 'refused',
      reason: `”${CASE_ACTION_LABELS[input.action]}” går inte i läget ”${CASE_STATUS_LABELS[state.status]}”`,
    };
  }
  const next: CaseState = { ...state, version: state.version + 1 };
  switch (input.action) {
    case 'take-up':
      return ok({
        ...next,
        status: 'taken-up',
        council: input.council,
        indication: input.indication ?? state.indication,
      });
    case 'decide':
      return ok({
        ...next,
        status: input.outcome,
        decision: {
          outcome: input.outcome,
          decidedOn: input.decidedOn,
          criteria: input.outcome === 'omfattas' ? input.criteria : [],
          reasons: input.outcome === 'omfattas-inte' ? input.reasons : [],
        },
        reconsiderReason: null,
        judgedThrough: input.decidedOn,
        public: true,
      });
    case 'order-assessment': {
      if (state.status === 'recommended' && state.recommendation?.kind !== 'avvakta') {
        return { kind: 'refused', reason: 'inled en omprövning innan nytt kunskapsunderlag beställs' };
      }
      const assessment: Assessment = {
        body: input.body,
        bodyName: input.bodyName ?? null,
        orderedOn: input.orderedOn,
        expectedOn: input.expectedOn ?? null,
        deliveredOn: input.deliveredOn ?? null,
      };
      // The same order again (with a delivery date, say) updates it rather than adding one.
      const same = (a: Assessment) => a.body === assessment.body && a.orderedOn === assessment.orderedOn;
      const assessments = state.assessments.some(same)
        ? state.assessments.map((a) => (same(a) ? assessment : a))
        : [...state.assessments, assessment];
      return ok({ ...next, status: 'assessment-ordered', assessments });
    }
    case 'recommend':
      if (state.recommendation !== null && input.decidedOn < state.recommendation.decidedOn) {
        return { kind: 'refused', reason: 'rekommendationen är äldre än den som gäller' };
      }
      return ok({
        ...next,
        status: 'recommended',
        recommendation: {
          kind: input.kind,
          text: input.text,
          decidedOn: input.decidedOn,
          reviewOn: input.reviewOn ?? null,
        },
        reviewOn: input.reviewOn ?? null,
        reconsiderReason: null,
        judgedThrough: input.decidedOn,
        public: true,
      });
    case 'set-follow-up':
      return ok({ ...next, status: 'follow-up', followUpOn: input.followUpOn });
    case 'reconsider':
      return ok({
        ...next,
        status: 'reconsideration',
        reconsiderReason: input.reason,
        closeReason: null,
        judgedThrough: today,
      });
    case 'close':
      return ok({ ...next, status: 'closed', closeReason: input.reason });
    case 'acknowledge-review':
      if (input.reviewOn !== undefined && input.reviewOn <= today) {
        return { kind: 'refused', reason: 'det nya omprövningsdatumet måste ligga efter i dag' };
      }
      return ok({ ...next, judgedThrough: today, reviewOn: input.reviewOn ?? state.reviewOn });
    case 'set-procurement':
      return ok({ ...next, procurement: { relevant: input.relevant, note: input.note ?? null } });
    case 'add-consequence-analysis': {
      const analysis: ConsequenceAnalysis = {
        region: input.region,
        url: input.url,
        title: input.title ?? null,
      };
      return ok({
        ...next,
        consequenceAnalyses: [
          ...state.consequenceAnalyses.filter(
            (a) => !(a.region === analysis.region && a.url === analysis.url),
          ),
          analysis,
        ],
      });
    }
  }
}

function ok(state: CaseState): CaseTransition {
  return { kind: 'ok', state };
}

/** `HOR-2026-0042`: the year the case was opened and its number within that year. */
export function formatCaseNumber(year: number, serial: number): string {
  return `HOR-${year}-${String(serial).padStart(4, '0')}`;
}

export const CASE_NUMBER = /^HOR-\d{4}-\d{4,}$/;

/**
 * The council a new case most likely belongs to: NT-rådet for drugs, MTP-rådet for devices,
 * IVDs and methods. The beredning confirms it when taking the case up.
 */
export function councilForKind(kind: string): CaseCouncil {
  return kind === 'drug' ? 'NT-rådet' : 'MTP-rådet';
}

// --- reasons to reconsider ------------------------------------------------------------------

export type MaterialEventKind = 'new-generation' | 'new-indication' | 'safety-notice' | 'new-assessment';

export const MATERIAL_EVENT_LABELS: Record<MaterialEventKind, string> = {
  'new-generation': 'Ny generation av produkten',
  'new-indication': 'Ny indikation',
  'safety-notice': 'Säkerhetsmeddelande',
  'new-assessment': 'Nytt kunskapsunderlag',
};

/** Wording of an extended or new indication, in Swedish, Norwegian and English. */
const NEW_INDICATION =
  /\b(?:ny(?:a)?\s+(?:bruks)?indika(?:tion|sjon)(?:er)?|utvid(?:gad|gat|gade|et|ede)\s+(?:bruks)?indika(?:tion|sjon)|indikationsutvidgning|extension\s+of\s+(?:the\s+)?indication|new\s+indications?|extended\s+indications?|additional\s+indications?)\b/iu;

/** What a newly linked item means for a decided case, if anything. */
export function materialEventOf(item: {
  kind: string;
  title: string;
  summary?: string | undefined;
}): MaterialEventKind | undefined {
  if (item.kind === 'safety-notice') return 'safety-notice';
  if (item.kind === 'hta-report') return 'new-assessment';
  if (NEW_INDICATION.test(`${item.title}\n${item.summary ?? ''}`)) return 'new-indication';
  return undefined;
}

const ROMAN: Record<string, number> = { ii: 2, iii: 3, iv: 4, v: 5, vi: 6, vii: 7, viii: 8, ix: 9, x: 10 };
const GENERATION_WORDS = new Set(['gen', 'generation', 'generationen', 'generasjon', 'series', 'serie']);
/** The highest number that reads as a generation after a name without one. */
const MAX_FIRST_SUCCESSOR = 9;

/** A number before one of these is a size or a dose, not a generation ("Stent 20 mm"). */
const UNITS = new Set([
  'mm',
  'cm',
  'm',
  'ml',
  'l',
  'mg',
  'g',
  'kg',
  'mcg',
  'µg',
  'ug',
  'fr',
  'ch',
  'f',
  'iu',
  'ie',
  'mmol',
]);

/**
 * The name's words before its generation mark (all of them when it has none), and the generation
 * the mark states, if any.
 */
interface Generation {
  readonly head: readonly string[];
  readonly generation: number | undefined;
}

const generations = new Map<string, Generation>();

/**
 * Every candidate is compared with every entry of the councils' lists when it is scored, so each
 * name is read once: without this, a rescore spent ≈ 36 µs per list entry and candidate here
 * (about 100 hours for a million candidates against 10,800 entries).
 */
function generationOf(name: string): Generation {
  let found = generations.get(name);
  if (found === undefined) {
    found = readGeneration(name);
    if (generations.size >= 200_000) generations.clear();
    generations.set(name, found);
  }
  return found;
}

function readGeneration(name: string): Generation {
  const tokens = normaliseText(name)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '');
  const head: string[] = [];
  for (const [index, token] of tokens.entries()) {
    // "3", "670g", "g7" (Dexcom G6 → G7: the letter stays part of the name).
    const numeric = /^([a-z]{1,2})?(\d{1,4})[a-z]{0,3}$/u.exec(token);
    if (numeric && !UNITS.has(tokens[index + 1] ?? '')) {
      if (numeric[1] !== undefined) head.push(`${numeric[1]}#`);
      return { head, generation: Number(numeric[2]) };
    }
    if (ROMAN[token] !== undefined && head.length > 0) return { head, generation: ROMAN[token] };
    if (!GENERATION_WORDS.has(token)) head.push(token);
  }
  return { head, generation: undefined };
}

/**
 * Whether `other` names a later generation of the product `base` names: the same name up to the
 * generation mark, whatever descriptive words follow ("MiniMed 670G" → "MiniMed 780G Insulin Pump
 * System", "Dexcom G6 CGM System" → "Dexcom G7 15 Day CGM System"), and a higher generation; a
 * name without a mark counts as the first ("FreeStyle Libre" → "FreeStyle Libre 3 Sensor").
 * Resolution keeps generations apart as candidates of their own, so a new one shows up as
 * another candidate.
 */
export function isNewerGeneration(base: string, other: string): boolean {
  const a = generationOf(base);
  const b = generationOf(other);
  if (b.generation === undefined || b.head.length === 0) return false;
  const sameLine =
    a.generation === undefined
      ? b.head.every((word, i) => a.head[i] === word)
      : a.head.length === b.head.length && a.head.every((word, i) => b.head[i] === word);
  // After an unnumbered first model, only a small number reads as a generation ("FreeStyle Libre"
  // → "FreeStyle Libre 3"); a larger one is a model number ("Andova NIV" → "Andova NIV 150").
  if (a.generation === undefined && b.generation > MAX_FIRST_SUCCESSOR) return false;
  return sameLine && b.generation > (a.generation ?? 1);
}

/**
 * Whether `name` names the product `listed` names, or a model of its line: the listed name's words
 * open it and it is not a newer generation ("Sakralis" → "Sakralis Sacral Neuromodulation System",
 * "Andova NIV" → "Andova NIV 150"). A council's listing of a product line covers its models.
 */
export function isSameLine(listed: string, name: string): boolean {
  const a = generationOf(listed);
  const b = generationOf(name);
  if (a.head.length === 0 || isNewerGeneration(listed, name)) return false;
  const opens = a.head.every((word, i) => b.head[i] === word);
  if (!opens) return false;
  return a.generation === undefined || a.generation === b.generation;
}

/**
 * The first word of the name before its generation mark. {@link isNewerGeneration} and
 * {@link isSameLine} hold only between names whose first words are equal, so it keys an index of
 * listed names (`CouncilLists`). Undefined for a name without words before a mark, which neither
 * relation holds for.
 */
export function lineKeyOf(name: string): string | undefined {
  return generationOf(name).head[0];
}

/** Makers compared without legal forms, case and diacritics ("Abbott Diabetes Care Inc." ≈ "ABBOTT DIABETES CARE"). */
export function sameMakerName(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const x = normaliseManufacturer(a);
  return x !== '' && x === normaliseManufacturer(b);
}

/** A reason a decided case should be looked at again. */
export type ReconsiderTrigger =
  | { kind: 'review-date-passed'; reviewOn: string }
  | {
      kind: MaterialEventKind;
      /** The source's date of the event (or the day Horisont first saw it). */
      date: string;
      title: string;
      url: string | null;
      /** The evidence item, or for a new generation the other candidate. */
      itemId?: string;
      candidateId?: string;
    };

export function reconsiderTriggerLabel(trigger: ReconsiderTrigger): string {
  return trigger.kind === 'review-date-passed'
    ? `${RECONSIDER_REASONS['review-date-passed']} (${trigger.reviewOn})`
    : `${MATERIAL_EVENT_LABELS[trigger.kind]}: ${trigger.title} (${trigger.date})`;
}

/** The review date has passed when today is after it. */
export function reviewDatePassed(state: Pick<CaseState, 'reviewOn' | 'status'>, today: string): boolean {
  return REVIEWABLE.includes(state.status) && state.reviewOn !== null && state.reviewOn < today;
}

/**
 * The process status of a candidate for triage, from all its cases (and the councils' lists):
 * `reconsider` when any decided case has a reason to be looked at again or is being reconsidered,
 * else `nominated` while a case is being prepared, else `handled` once a council has decided
 * (or lists the product), else `not-handled`.
 */
export type CandidateProcessStatus = 'not-handled' | 'nominated' | 'handled' | 'reconsider';

export function processStatusOf(
  cases: ReadonlyArray<{ status: CaseStatus; public: boolean; triggers: readonly ReconsiderTrigger[] }>,
): CandidateProcessStatus {
  if (cases.some((c) => c.status === 'reconsideration' || c.triggers.length > 0)) return 'reconsider';
  if (cases.some((c) => c.status === 'nominated' || c.status === 'taken-up')) return 'nominated';
  // A nomination closed before any decision (not taken up, withdrawn) was never handled.
  if (cases.some((c) => c.public)) return 'handled';
  return 'not-handled';
}

// --- what an event says, in Swedish --------------------------------------------------------

function labelsOf<T extends Record<string, string>>(labels: T, keys: unknown): string[] {
  return Array.isArray(keys)
    ? keys
        .filter((k): k is keyof T & string => typeof k === 'string' && Object.hasOwn(labels, k))
        .map((k) => labels[k]!)
    : [];
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * What one event records, as Swedish sentences for people (the workbench, the public page, the
 * feed and alerts). Only the event's own fields are used: never the internal comment.
 */
export function describeCaseEvent(
  action: CaseEventAction,
  payload: Record<string, unknown>,
  after: CaseState,
): string[] {
  switch (action) {
    case 'open':
      return [`Nominerad av ${str(payload.party) ?? 'okänd part'}.`];
    case 'add-party':
      return [`Även nominerad av ${str(payload.party) ?? 'okänd part'}.`];
    case 'import': {
      const published = str(payload.publishedOn);
      return [
        `Finns på ${str(payload.council) ?? 'rådets'} publicerade lista: ${str(payload.title) ?? ''}${published ? ` (publicerad ${published})` : ''}.`,
        ...(str(payload.summary) ? [str(payload.summary)!] : []),
      ];
    }
    case 'take-up':
      return [`Upptagen av beredningsgruppen för ${str(payload.council) ?? after.council ?? 'rådet'}.`];
    case 'decide': {
      const outcome = payload.outcome === 'omfattas' ? 'omfattas' : 'omfattas-inte';
      const lines = [`${CASE_STATUS_LABELS[outcome]} (beslut ${str(payload.decidedOn) ?? ''}).`];
      const criteria = labelsOf(COLLABORATION_CRITERIA, payload.criteria);
      if (criteria.length > 0) {
        lines.push(`Kriterier som talar för nationell samverkan: ${criteria.join('; ')}.`);
      }
      const reasons = labelsOf(NOT_INCLUDED_REASONS, payload.reasons);
      if (reasons.length > 0) lines.push(`Skäl: ${reasons.join('; ')}.`);
      if (outcome === 'omfattas-inte') {
        lines.push(
          'Beslutet är inte en avrådan från användning; rådet kommer inte att avge någon rekommendation.',
        );
      }
      return lines;
    }
    case 'order-assessment': {
      const body = ASSESSMENT_BODIES[payload.body as AssessmentBody] ?? 'okänd';
      const name = str(payload.bodyName);
      const expected = str(payload.expectedOn);
      const delivered = str(payload.deliveredOn);
      return [
        `Kunskapsunderlag beställt av ${body}${name ? ` (${name})` : ''} ${str(payload.orderedOn) ?? ''}${expected ? `, väntas ${expected}` : ''}${delivered ? `, levererat ${delivered}` : ''}.`,
      ];
    }
    case 'recommend': {
      const kind = RECOMMENDATION_KINDS[payload.kind as RecommendationKind] ?? 'Rekommendation';
      const review = str(payload.reviewOn);
      return [
        `Rekommendation: ${kind} (beslut ${str(payload.decidedOn) ?? ''}).`,
        str(payload.text) ?? '',
        ...(review ? [`Omprövas senast ${review}.`] : []),
      ].filter((line) => line !== '');
    }
    case 'set-follow-up':
      return [`Uppföljning planerad ${str(payload.followUpOn) ?? ''}.`];
    case 'reconsider':
      return [
        `Omprövning inledd: ${RECONSIDER_REASONS[payload.reason as ReconsiderReason] ?? 'annat skäl'}.`,
      ];
    case 'close':
      return [`Ärendet avslutat: ${CLOSE_REASONS[payload.reason as CloseReason] ?? 'annat skäl'}.`];
    case 'acknowledge-review': {
      const next = str(payload.reviewOn);
      return [`Omprövning inte aktuell nu${next ? `; nästa omprövning ${next}` : ''}.`];
    }
    case 'set-procurement': {
      const note = str(payload.note);
      return [
        `Nationell upphandlingssamverkan: ${payload.relevant === true ? 'relevant' : 'inte relevant'}${note ? ` – ${note}` : ''}.`,
      ];
    }
    case 'add-consequence-analysis':
      return [
        `Regional konsekvensanalys från ${str(payload.region) ?? 'en region'}${str(payload.title) ? `: ${str(payload.title)}` : ''}.`,
      ];
  }
}

// --- nominations from outside the scan -------------------------------------------------------

export const SUBMITTER_ORIGINS = ['region', 'npo', 'profession', 'company'] as const;
export type SubmitterOrigin = (typeof SUBMITTER_ORIGINS)[number];

export const SUBMITTER_LABELS: Record<SubmitterOrigin, string> = {
  region: 'Region',
  npo: 'Nationellt programområde (NPO)',
  profession: 'Profession (yrkesförening eller motsvarande)',
  company: 'Företag (registreras som signal, inte som nominering)',
};

export const SUBJECT_KINDS = {
  device: 'Medicinteknisk produkt',
  ivd: 'IVD (in vitro-diagnostik)',
  drug: 'Läkemedel',
  method: 'Metod',
} as const satisfies Record<string, string>;
export type SubjectKind = keyof typeof SUBJECT_KINDS;

/**
 * A nomination from a region, an NPO or a profession (the form's and the API's fields), or a
 * company's signal about its product. The contact is a person: it is kept only as the party's
 * subscription to the case, never in the case's public record.
 */
export const OutsideSubmission = z
  .object({
    origin: z.enum(SUBMITTER_ORIGINS),
    /** The nominating organisation; for a region, the region itself. */
    party: OptionalText(200),
    region: z.preprocess((v) => (v === '' ? undefined : v), z.enum(REGIONS).optional()),
    kind: z.enum(keysOf(SUBJECT_KINDS)),
    name: Text(300),
    maker: OptionalText(300),
    indication: Text(2000),
    reason: OptionalText(5000),
    contactName: OptionalText(200),
    contactEmail: OptionalText(254),
    clientRequestId: z.uuid(),
  })
  .superRefine((input, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (input.origin === 'region' && input.region === undefined) {
      issue('region', 'välj vilken region som nominerar');
    }
    if (
      input.origin === 'npo' &&
      (input.party === undefined || !NPO_PARTIES.includes(npoPartyName(input.party)))
    ) {
      issue('party', 'välj vilket programområde (NPO) som nominerar');
    }
    if ((input.origin === 'profession' || input.origin === 'company') && input.party === undefined) {
      issue('party', input.origin === 'company' ? 'ange företaget' : 'ange organisationen som nominerar');
    }
    if (input.origin !== 'company') {
      if (input.reason === undefined) issue('reason', 'ange varför produkten eller metoden nomineras');
      if (input.contactName === undefined) issue('contactName', 'ange en kontaktperson');
      if (input.contactEmail === undefined) issue('contactEmail', 'ange kontaktpersonens e-postadress');
    }
    if (input.kind !== 'method' && input.kind !== 'drug' && input.maker === undefined) {
      issue('maker', 'ange tillverkaren');
    }
  });
export type OutsideSubmission = z.infer<typeof OutsideSubmission>;

/** "Endokrina sjukdomar" or "NPO Endokrina sjukdomar" → "NPO Endokrina sjukdomar". */
export function npoPartyName(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('NPO ') ? trimmed : npoParty(trimmed);
}

/** The party as the case records it. */
export function partyOf(input: OutsideSubmission): string {
  if (input.origin === 'region') return input.region!;
  if (input.origin === 'npo') return npoPartyName(input.party!);
  return input.party!;
}
