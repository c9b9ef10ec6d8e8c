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
import type { User } from '../store/users.js';

const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const Uuid = z.uuid();

const emptyToUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

export const CandidateQuery = z.object({
  q: opt(z.string().trim().max(200)),
  npo: opt(z.string().max(200)),
  council: opt(z.string().max(50)),
  band: opt(z.string().max(20)),
  status: opt(z.enum(STATUS_FILTERS)),
  source: opt(z.string().max(100)),
  from: opt(IsoDay),
  to: opt(IsoDay),
  sort: opt(z.enum(SORTS)),
  order: opt(z.enum(['asc', 'desc'])),
  page: opt(z.coerce.number().int().min(1).max(100_000)),
  pageSize: opt(z.coerce.number().int().min(1).max(200)),
});

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

export function parseCandidateFilter(query: unknown): CandidateFilter {
  const q = parseOrThrow(CandidateQuery, query ?? {});
  const sort = q.sort ?? 'score';
  return {
    q: q.q,
    npo: q.npo,
    council: q.council,
    band: q.band,
    status: q.status,
    source: q.source,
    from: q.from,
    to: q.to,
    sort,
    order: q.order ?? (sort === 'name' ? 'asc' : 'desc'),
    page: q.page ?? 1,
    pageSize: q.pageSize ?? 25,
  };
}

export function parseCandidateId(value: unknown): string {
  const result = Uuid.safeParse(value);
  if (!result.success) throw new ApiError('not_found', MESSAGES.notFound);
  return result.data;
}

// --- decisions --------------------------------------------------------------------------------

export const DecisionBody = z
  .object({
    action: z.enum(DECISION_ACTIONS),
    version: z.coerce.number().int().min(0),
    clientRequestId: Uuid,
    reasonCode: opt(z.string().max(100)),
    comment: opt(z.string().trim().max(10_000)),
    origin: opt(z.enum(['scan', 'region', 'npo'])),
    onBehalfOf: opt(z.string().trim().max(200)),
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
      (body.origin === 'region' || body.origin === 'npo') &&
      !body.onBehalfOf
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['onBehalfOf'],
        message: 'ange vilken region eller vilket NPO som nominerar',
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
      return { nominationId: nomination.nominationId };
    },
  );
  switch (outcome.kind) {
    case 'not-found':
      throw new ApiError('not_found', MESSAGES.notFound);
    case 'request-id-reused':
      throw new ApiError('request_id_reused', MESSAGES.requestIdReused);
    case 'conflict':
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
