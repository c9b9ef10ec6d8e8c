import { RANKED_SECTIONS } from '../store/queries.js';
import type { RankedSection } from '../store/queries.js';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { ApiError, MESSAGES } from './errors.js';
import type { WebContext } from './context.js';
import { actorOf } from './context.js';
import { SORTS, STATUS_FILTERS } from '../store/workbench.js';
import type { CandidateFilter } from '../store/workbench.js';
import {
  DECISION_ACTIONS,
  DISMISS_REASONS,
  isDismissReason,
  recordDecision,
  addNote,
} from '../store/decisions.js';
import type { Decision, DecisionState, Note } from '../store/decisions.js';
import { createNomination, pushNominations } from '../app/nominate.js';
import { BEREDNING_PARTY, openCaseForNomination } from '../app/cases.js';
import type { User } from '../store/users.js';
import { appendAudit } from '../store/audit.js';
import { UnknownSourceError, startRunFromRequest } from '../app/scan-once.js';
import { calendarDay } from '../domain/dates.js';

const Uuid = z.uuid();

export const DATE_FORMAT_MESSAGE = 'Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-12.';

/** True for a real calendar date written `YYYY-MM-DD` (so 2024-02-30 is refused). */
export function isCalendarDate(value: string): boolean {
  // calendarDay returns a real day as written, and a date-time as another string.
  return calendarDay(value) === value;
}

/**
 * A date typed into a filter. The form uses a plain text field, not `type=date`, whose display
 * follows the browser's locale (`03/12/2024` in an English browser); the server alone decides
 * what is valid, in the Swedish ISO form.
 */
export const IsoDay = z
  .string()
  .trim()
  .refine(isCalendarDate, DATE_FORMAT_MESSAGE)
  .meta({ format: 'date', description: 'ÅÅÅÅ-MM-DD' });

/** `to` before `from` is a mistake worth saying, not an empty list. */
export function refineDateRange(
  range: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (range.from && range.to && range.to < range.from) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: 'Slutdatumet ligger före startdatumet.',
    });
  }
}

/** A form's empty field is an absent one. */
export const emptyToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

export const CandidateQuery = z
  .object({
    /** new | handled | other, or all (the API's default; the page opens on `new`). */
    scope: opt(z.enum([...RANKED_SECTIONS, 'all'])).meta({
      description:
        'Lista: new (nya och kommande), handled (hanteras redan av råden eller omprövas), other (etablerade, utanför uppdraget eller till TLV) eller all (standard)',
    }),
    q: opt(z.string().trim().max(200)).meta({
      description: 'Fritext (svensk fulltextsökning över namn, tillverkare, källtitlar; exakt identifierare)',
    }),
    npo: opt(z.string().max(200)),
    council: opt(z.string().max(50)),
    band: opt(z.string().max(20)),
    status: opt(z.enum(STATUS_FILTERS)),
    source: opt(z.string().max(100)),
    from: opt(IsoDay).meta({ description: 'Först sedd från, ÅÅÅÅ-MM-DD (kalenderdag i Europe/Stockholm)' }),
    to: opt(IsoDay).meta({ description: 'Först sedd till och med, ÅÅÅÅ-MM-DD; inte före from' }),
    sort: opt(z.enum(SORTS)).meta({ description: 'score utan q; relevance (bästa träff först) med q' }),
    order: opt(z.enum(['asc', 'desc'])),
    page: opt(z.coerce.number().int().min(1).max(100_000)),
    pageSize: opt(z.coerce.number().int().min(1).max(200)),
    cursor: opt(z.string().max(2000)).meta({
      description: 'nästa sida: föregående svars nextCursor (djupa sidor utan att räkna raderna före)',
    }),
  })
  .superRefine(refineDateRange);

export function validationError(error: z.ZodError): ApiError {
  return new ApiError(
    'validation_failed',
    'Ogiltiga uppgifter.',
    error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

function toCandidateFilter(
  q: z.infer<typeof CandidateQuery>,
  defaultScope: RankedSection | 'all' = 'all',
): CandidateFilter {
  const sort = q.sort ?? 'score';
  const scope = q.scope ?? defaultScope;
  return {
    scope: scope === 'all' ? undefined : scope,
    q: q.q,
    npo: q.npo,
    council: q.council,
    band: q.band,
    status: q.status,
    source: q.source,
    from: q.from,
    to: q.to,
    // A search lists its best matches first unless another order is asked for.
    sort: q.sort === undefined && q.q ? 'relevance' : sort,
    order: q.order ?? (sort === 'name' ? 'asc' : 'desc'),
    page: q.page ?? 1,
    pageSize: q.pageSize ?? 25,
    cursor: q.cursor,
  };
}

export function parseCandidateFilter(query: unknown): CandidateFilter {
  return toCandidateFilter(parseOrThrow(CandidateQuery, query ?? {}));
}

export type DateField = 'from' | 'to';

export interface DateFieldProblems {
  /** A Swedish message per date field that was refused. */
  errors: Partial<Record<DateField, string>>;
  /** What the person typed into a refused field, shown back so it can be corrected. */
  typed: Partial<Record<DateField, string>>;
}

/**
 * A page's filter query: a mistyped date is reported next to its field and left out, and the
 * rest of the filter applies, instead of replacing the page with an error. Other invalid
 * parameters come only from edited URLs and still fail as a whole.
 */
export function parseFilterForPage<T>(
  schema: z.ZodType<T>,
  query: unknown,
): DateFieldProblems & { value: T } {
  const raw = { ...((query ?? {}) as Record<string, unknown>) };
  const result = schema.safeParse(raw);
  if (result.success) return { value: result.data, errors: {}, typed: {} };
  const errors: DateFieldProblems['errors'] = {};
  const typed: DateFieldProblems['typed'] = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (field !== 'from' && field !== 'to') throw validationError(result.error);
    errors[field] ??= issue.message;
    typed[field] = typeof raw[field] === 'string' ? raw[field].slice(0, 100) : '';
    delete raw[field];
  }
  return { value: parseOrThrow(schema, raw), errors, typed };
}

export function parseCandidateFilterForPage(query: unknown): DateFieldProblems & { filter: CandidateFilter } {
  const { value, errors, typed } = parseFilterForPage(CandidateQuery, query);
  // The beredning opens the list on what is new and coming; the other lists are a tab away.
  return { filter: toCandidateFilter(value, 'new'), errors, typed };
}

/** The `:id` of a route: a candidate, a run or a nomination. */
export const IdParams = z.object({ id: Uuid });

export function parseCandidateId(value: unknown): string {
  const result = Uuid.safeParse(value);
  if (!result.success) throw new ApiError('not_found', MESSAGES.notFound);
  return result.data;
}

// --- audit log ---------------------------------------------------------------------------------

export const AuditQuery = z
  .object({
    action: z.string().max(100).optional(),
    actor: z.string().max(200).optional(),
    subject: z.string().max(100).optional(),
    from: IsoDay.optional().or(z.literal('')),
    to: IsoDay.optional().or(z.literal('')),
    page: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .superRefine(refineDateRange);

export function toAuditFilter(q: z.infer<typeof AuditQuery>) {
  return {
    action: q.action || undefined,
    actor: q.actor || undefined,
    subjectId: q.subject || undefined,
    from: q.from || undefined,
    to: q.to || undefined,
    page: q.page ?? 1,
    pageSize: 50,
  };
}

export function parseAuditFilter(query: unknown) {
  return toAuditFilter(parseOrThrow(AuditQuery, query ?? {}));
}

// --- decisions --------------------------------------------------------------------------------

export const DecisionBody = z
  .object({
    action: z.enum(DECISION_ACTIONS),
    version: z.coerce.number().int().min(0).meta({ description: 'Beslutsversionen klienten såg' }),
    clientRequestId: Uuid.meta({ description: 'Samma id två gånger registreras en gång' }),
    reasonCode: opt(z.string().max(100)).meta({ description: 'Krävs för dismiss' }),
    comment: opt(z.string().trim().max(10_000)),
    origin: opt(z.enum(['scan', 'region', 'npo', 'profession'])),
    onBehalfOf: opt(z.string().trim().max(200)).meta({
      description: 'Region, NPO eller profession; krävs när origin är region, npo eller profession',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.action === 'dismiss') {
      if (!isDismissReason(body.reasonCode)) {
        ctx.addIssue({
          code: 'custom',
          path: ['reasonCode'],
          message: `välj ett skäl: ${Object.keys(DISMISS_REASONS).join(', ')}`,
        });
      } else if (body.reasonCode === 'other' && !body.comment) {
        ctx.addIssue({ code: 'custom', path: ['comment'], message: 'skälet ”annat” kräver en kommentar' });
      }
    }
    if (
      body.action === 'nominate' &&
      (body.origin === 'region' || body.origin === 'npo' || body.origin === 'profession') &&
      !body.onBehalfOf
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['onBehalfOf'],
        message: 'ange vilken region, vilket NPO eller vilken profession som nominerar',
      });
    }
  });
export type DecisionBody = z.infer<typeof DecisionBody>;

/** Form field names (snake_case, as posted by the HTML forms) → the API's body. */
export function decisionBodyFromForm(form: Record<string, string | undefined>): unknown {
  return {
    action: form.action,
    version: form.version,
    clientRequestId: form.client_request_id,
    reasonCode: form.reason_code,
    comment: form.comment,
    origin: form.origin,
    onBehalfOf: form.on_behalf_of,
  };
}

export interface DecisionResponse {
  decision: Decision;
  state: DecisionState;
}

function requestMeta(web: WebContext, request: FastifyRequest): { requestId: string; ipHash: string } {
  return { requestId: request.id, ipHash: web.ipHash(request.ip) };
}

/**
 * Records a reviewer's decision. Returns the stored decision (the same one for a replayed
 * client request id, with `replayed`), or throws 404/409/422 in the API's error shape; a 409
 * carries the candidate's current state so the client can show what changed.
 */
export async function decide(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  candidateId: string,
  body: DecisionBody,
): Promise<DecisionResponse & { replayed: boolean }> {
  const actor = actorOf(user);
  const outcome = await recordDecision(
    web.app.db,
    actor,
    {
      candidateId,
      action: body.action,
      expectedVersion: body.version,
      clientRequestId: body.clientRequestId,
      reasonCode: body.reasonCode,
      comment: body.comment,
      origin: body.origin,
      onBehalfOf: body.onBehalfOf,
      ...requestMeta(web, request),
    },
    async (tx, input, who) => {
      if (input.action !== 'nominate') return {};
      const nomination = await createNomination(tx, {
        candidateId: input.candidateId,
        origin: input.origin ?? 'scan',
        nominatedBy: input.onBehalfOf ?? who.name,
        reason: input.comment,
        clientRequestId: `decision-${input.clientRequestId}`,
      });
      const origin = input.origin ?? 'scan';
      await openCaseForNomination(tx, {
        candidateId: input.candidateId,
        origin,
        party: origin === 'scan' ? BEREDNING_PARTY : (input.onBehalfOf ?? who.name),
        reason: input.comment,
        nominationId: nomination.nominationId,
        actor: who,
        requestId: input.requestId,
        now: web.now(),
        sourceProfiles: web.app.config.sourceProfiles,
      });
      return { nominationId: nomination.nominationId };
    },
  );
  switch (outcome.kind) {
    case 'not-found':
      throw new ApiError('not_found', MESSAGES.notFound);
    case 'request-id-reused':
      throw new ApiError('request_id_reused', MESSAGES.requestIdReused);
    case 'conflict':
      if (outcome.reason === 'merged') {
        throw new ApiError('version_conflict', MESSAGES.merged, {
          current: outcome.state,
          mergedInto: outcome.mergedInto,
        });
      }
      throw new ApiError(
        outcome.reason === 'stale-version' ? 'version_conflict' : 'invalid_transition',
        outcome.reason === 'stale-version' ? MESSAGES.conflict : MESSAGES.invalidTransition,
        { current: outcome.state },
      );
    case 'recorded':
      if (outcome.decision.action === 'nominate') {
        // After commit: the queue only ever sees nominations the database holds.
        await pushNominations(web.app);
      }
      web.log.info(
        {
          candidate_id: candidateId,
          decision_id: outcome.decision.id,
          action: outcome.decision.action,
          user_id: user.id,
          replayed: outcome.replayed,
        },
        'workbench: decision',
      );
      return { decision: outcome.decision, state: outcome.state, replayed: outcome.replayed };
  }
}

export const NoteBody = z.object({
  body: z.string().trim().min(1).max(10_000),
  clientRequestId: Uuid,
});

export async function note(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  candidateId: string,
  body: z.infer<typeof NoteBody>,
): Promise<{ note: Note; replayed: boolean }> {
  const outcome = await addNote(web.app.db, actorOf(user), {
    candidateId,
    body: body.body,
    clientRequestId: body.clientRequestId,
    ...requestMeta(web, request),
  });
  if (outcome.kind === 'not-found') throw new ApiError('not_found', MESSAGES.notFound);
  if (outcome.kind === 'request-id-reused') throw new ApiError('request_id_reused', MESSAGES.requestIdReused);
  return { note: outcome.note, replayed: outcome.replayed };
}

// --- "Skanna nu" --------------------------------------------------------------------------------

export const ScanBody = z.object({
  clientRequestId: Uuid.meta({ description: 'Samma id två gånger är samma körning' }),
  sources: z
    .array(z.string().regex(/^[a-z0-9-]{1,100}$/))
    .max(100)
    .default([])
    .meta({ description: 'Standard: alla påslagna' }),
});

/**
 * An admin starts a scan run now. The run is in PostgreSQL before this returns, whether or not
 * the queue answered (see `startRunFromRequest`); the same client request id is one run.
 */
export async function startScan(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  body: z.infer<typeof ScanBody>,
): Promise<{ runId: string; enqueued: boolean; replayed: boolean }> {
  let started: Awaited<ReturnType<typeof startRunFromRequest>>;
  try {
    started = await startRunFromRequest(web.app, {
      sourceIds: body.sources,
      clientRequestId: body.clientRequestId,
    });
  } catch (error) {
    if (error instanceof UnknownSourceError) {
      throw new ApiError('validation_failed', 'Okänd källa.', [{ path: 'sources', message: error.message }]);
    }
    throw error;
  }
  if (started.created) {
    await appendAudit(web.app.db, {
      actor: actorOf(user),
      action: 'run.start',
      subjectType: 'run',
      subjectId: started.runId,
      details: { sources: body.sources, enqueued: started.enqueued },
      ...requestMeta(web, request),
    });
  }
  web.log.info(
    { run_id: started.runId, user_id: user.id, enqueued: started.enqueued, replayed: !started.created },
    'workbench: scan started',
  );
  return { runId: started.runId, enqueued: started.enqueued, replayed: !started.created };
}
