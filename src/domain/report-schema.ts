import { z } from 'zod';
import { IsoDate, ItemKind } from './item.js';
import { LIFECYCLE_STAGES } from './lifecycle.js';
import { COUNCIL_VALUES, PROCESS_STATUSES } from './routing.js';

/**
 * The early assessment report's JSON: versioned, and validated before it is stored. Everything
 * the report says is either a statement that cites at least one source, or a gap written as
 * "Uppgift saknas: …"; nothing is guessed. Scraped text is stored as it is and escaped by each
 * renderer.
 */

export const REPORT_SCHEMA_VERSION = 2;

export const GAP_PREFIX = 'Uppgift saknas: ';

const SourceRefId = z.string().regex(/^E\d+$/);

/** One source behind the report; statements cite it by `ref` (E1, E2, …). */
export const ReportSource = z.strictObject({
  ref: SourceRefId,
  itemId: z.string().min(1),
  sourceId: z.string().min(1),
  kind: ItemKind,
  /** Swedish name of the kind. */
  kindLabel: z.string(),
  title: z.string(),
  /** The source's link; null when it is not an http(s) URL (it is then never linked). */
  url: z.string().nullable(),
  publishedAt: IsoDate.optional(),
  updatedAt: IsoDate.optional(),
  region: z.string().optional(),
  publicationType: z.string().optional(),
});
export type ReportSource = z.infer<typeof ReportSource>;

/** A statement with its sources, or a gap. */
export const ReportFact = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('known'),
    label: z.string().min(1),
    text: z.string().min(1),
    sources: z.array(SourceRefId).min(1),
  }),
  z.strictObject({
    status: z.literal('gap'),
    label: z.string().min(1),
    text: z.string().startsWith(GAP_PREFIX),
  }),
]);
export type ReportFact = z.infer<typeof ReportFact>;

const FactSection = z.strictObject({ heading: z.string().min(1), facts: z.array(ReportFact).min(1) });

const ReportSignal = z.strictObject({
  signalId: z.string(),
  label: z.string(),
  explanation: z.string(),
  points: z.number().int(),
  sources: z.array(SourceRefId),
  /** The words in each source that triggered the signal. */
  quotes: z.array(z.strictObject({ source: SourceRefId, text: z.string().min(1) })),
});

const ReportCriterion = z.strictObject({
  criterionId: z.string(),
  label: z.string(),
  weight: z.number(),
  points: z.number(),
  maxPoints: z.number().int().positive(),
  /** False when the evidence cannot tell (no condition recognised): left out of the importance. */
  known: z.boolean(),
  /** This criterion's weighted share of the known criteria (0–100 scale). */
  contribution: z.number(),
  signals: z.array(ReportSignal),
});

export const ProgrammeAreaEvidenceSchema = z.strictObject({
  source: SourceRefId,
  field: z.enum(['title', 'summary', 'tradeName', 'emdn']),
  /** The configured word (`diabetes*`) or EMDN prefix (`C`) that matched. */
  term: z.string().min(1),
  /** The words around the match, or the EMDN code. */
  text: z.string().min(1),
});

const Band = z.enum(['hög', 'medel', 'låg']);
const Council = z.enum(COUNCIL_VALUES);
const Stage = z.enum(LIFECYCLE_STAGES);
const Status = z.enum(PROCESS_STATUSES);

export const EarlyAssessmentReport = z
  .strictObject({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    /** Version of this candidate's report (1, 2, …). */
    reportVersion: z.number().int().min(1),
    generatedAt: IsoDate,
    language: z.literal('sv'),
    title: z.string().min(1),
    candidate: z.strictObject({
      id: z.string().min(1),
      name: z.string().min(1),
      manufacturer: z.string().nullable(),
      kind: z.enum(['device', 'ivd', 'drug', 'method']),
      kindLabel: z.string(),
      identifiers: z.array(
        z.strictObject({ scheme: z.enum(['udi-di', 'basic-udi-di', 'srn']), value: z.string().min(1) }),
      ),
    }),
    score: z.strictObject({
      criteriaVersion: z.string().min(1),
      /** The day judged. */
      asOf: IsoDate,
      /** Priority = importance × timing. */
      total: z.number().int().min(0).max(100),
      importance: z.number().min(0).max(100),
      timing: z.number().min(0).max(1),
      band: Band,
      insufficientEvidence: z.boolean(),
      stage: Stage,
      processStatus: Status,
      council: Council,
      routingReason: z.string(),
      nominate: z.boolean(),
      /** The reasons that decide the rank, most decisive first. */
      decisive: z.array(z.string().min(1)),
    }),
    sections: z.strictObject({
      product: FactSection,
      description: FactSection,
      intendedUse: FactSection,
      regulatory: FactSection,
      currentCare: FactSection,
      evidence: z.strictObject({ heading: z.string(), sources: z.array(ReportSource) }),
      criteria: z.strictObject({
        heading: z.string(),
        total: z.number().int().min(0).max(100),
        band: Band,
        criteria: z.array(ReportCriterion),
      }),
      timing: z.strictObject({
        heading: z.string(),
        stage: Stage,
        /** When the product can be expected in Swedish care, as far as the evidence says. */
        expected: z.string().min(1),
        processStatus: Status,
        statusReason: z.string().min(1),
        facts: z.array(ReportFact).min(1),
      }),
      resourceImpact: FactSection,
      programme: z.strictObject({
        heading: z.string(),
        council: Council,
        routingReason: z.string(),
        programmeAreas: z.array(
          z.strictObject({
            name: z.string(),
            sources: z.array(SourceRefId).min(1),
            /**
             * What matched in which source: a word in a title, summary or trade name (with the
             * words around it) or an EMDN code. Absent in reports written before programme areas
             * were configured.
             */
            evidence: z.array(ProgrammeAreaEvidenceSchema).optional(),
          }),
        ),
        facts: z.array(ReportFact).min(1),
      }),
      openQuestions: z.strictObject({ heading: z.string(), questions: z.array(z.string().min(1)) }),
    }),
  })
  .superRefine((report, ctx) => {
    const refs = new Set(report.sections.evidence.sources.map((s) => s.ref));
    const check = (ref: string, path: (string | number)[]): void => {
      if (!refs.has(ref)) ctx.addIssue({ code: 'custom', path, message: `unknown source ${ref}` });
    };
    for (const key of [
      'product',
      'description',
      'intendedUse',
      'regulatory',
      'currentCare',
      'resourceImpact',
    ] as const) {
      report.sections[key].facts.forEach((fact, i) => {
        if (fact.status === 'known') {
          fact.sources.forEach((r, j) => check(r, ['sections', key, 'facts', i, 'sources', j]));
        }
      });
    }
    report.sections.timing.facts.forEach((fact, i) => {
      if (fact.status === 'known') {
        fact.sources.forEach((r, j) => check(r, ['sections', 'timing', 'facts', i, 'sources', j]));
      }
    });
    report.sections.programme.facts.forEach((fact, i) => {
      if (fact.status === 'known') {
        fact.sources.forEach((r, j) => check(r, ['sections', 'programme', 'facts', i, 'sources', j]));
      }
    });
    report.sections.programme.programmeAreas.forEach((area, i) => {
      area.sources.forEach((r, j) => check(r, ['sections', 'programme', 'programmeAreas', i, 'sources', j]));
      area.evidence?.forEach((e, j) =>
        check(e.source, ['sections', 'programme', 'programmeAreas', i, 'evidence', j, 'source']),
      );
    });
    report.sections.criteria.criteria.forEach((c, i) =>
      c.signals.forEach((s, j) =>
        s.quotes.forEach((q, k) =>
          check(q.source, ['sections', 'criteria', 'criteria', i, 'signals', j, 'quotes', k, 'source']),
        ),
      ),
    );
    report.sections.criteria.criteria.forEach((c, i) =>
      c.signals.forEach((s, j) =>
        s.sources.forEach((r, k) =>
          check(r, ['sections', 'criteria', 'criteria', i, 'signals', j, 'sources', k]),
        ),
      ),
    );
  });
export type EarlyAssessmentReport = z.infer<typeof EarlyAssessmentReport>;

export const SECTION_HEADINGS = {
  product: 'Produkt och tillverkare',
  description: 'Vad produkten är och gör',
  intendedUse: 'Avsedd användning och patientgrupp',
  regulatory: 'Regulatorisk status',
  currentCare: 'Nuvarande vård som påverkas',
  evidence: 'Funnen evidens',
  criteria: 'Bedömning mot kriterierna',
  timing: 'Livscykel, tidpunkt och rådens hantering',
  resourceImpact: 'Förväntad resurspåverkan',
  programme: 'Föreslaget programområde och råd',
  openQuestions: 'Öppna frågor',
} as const;
