import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { WebContext } from './context.js';
import { actorOf } from './context.js';
import { ApiError, MESSAGES } from './errors.js';
import { emptyToUndefined, parseOrThrow } from './service.js';
import { changeCase } from '../app/cases.js';
import { InvalidSubmissionError, submitFromOutside } from '../app/outside-nominations.js';
import type { SubmissionResult } from '../app/outside-nominations.js';
import { alertConfigFromEnv } from '../alerts/config.js';
import {
  CASE_COUNCILS,
  CASE_NUMBER,
  CASE_STATUSES,
  CaseActionInput,
  OutsideSubmission,
} from '../domain/cases.js';
import { stockholmDay } from '../domain/dates.js';
import type { CaseStatus } from '../domain/cases.js';
import { toPublicCase } from '../domain/public-cases.js';
import type { PublicCase } from '../domain/public-cases.js';
import { caseByNumber, listCases, nominatedOn, publicCaseEvents } from '../store/cases.js';
import type { CaseEvent, CaseFilter, CaseRecord } from '../store/cases.js';
import type { User } from '../store/users.js';

export function parseCaseNumber(value: unknown): string {
  const text = typeof value === 'string' ? value.toUpperCase() : '';
  if (!CASE_NUMBER.test(text)) throw new ApiError('not_found', 'Ärendet finns inte.');
  return text;
}

export const CaseChangeBody = z.object({
  /** The case version the reviewer saw. */
  version: z.coerce.number().int().min(1),
  clientRequestId: z.uuid(),
  /** Internal: the beredning's own note on the change; never public, never in alerts. */
  comment: z.preprocess(emptyToUndefined, z.string().trim().max(10_000).optional()),
  change: CaseActionInput,
});
export type CaseChangeBody = z.infer<typeof CaseChangeBody>;

type Form = Record<string, string | string[] | undefined>;

const one = (form: Form, key: string): string | undefined => {
  const value = form[key];
  return typeof value === 'string' ? value : undefined;
};
const many = (form: Form, key: string): string[] => {
  const value = form[`${key}[]`];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
};

/** The case page's forms (snake_case fields) → the API's body. */
export function caseChangeBodyFromForm(form: Form): unknown {
  const change: Record<string, unknown> = { action: one(form, 'action') };
  const fields: Record<string, string> = {
    council: 'council',
    indication: 'indication',
    outcome: 'outcome',
    decided_on: 'decidedOn',
    body: 'body',
    body_name: 'bodyName',
    ordered_on: 'orderedOn',
    expected_on: 'expectedOn',
    delivered_on: 'deliveredOn',
    kind: 'kind',
    text: 'text',
    review_on: 'reviewOn',
    follow_up_on: 'followUpOn',
    reason: 'reason',
    relevant: 'relevant',
    note: 'note',
    region: 'region',
    url: 'url',
    title: 'title',
  };
  for (const [formKey, key] of Object.entries(fields)) {
    const value = one(form, formKey);
    if (value !== undefined) change[key] = value;
  }
  if (change.action === 'decide') {
    change.criteria = many(form, 'criteria');
    change.reasons = many(form, 'reasons');
  }
  return {
    version: one(form, 'version'),
    clientRequestId: one(form, 'client_request_id'),
    comment: one(form, 'comment'),
    change,
  };
}

/**
 * Records a reviewer's change to a case, or throws 404/409/422 in the API's error shape; a 409
 * carries the case's current version and state so the client can show what changed.
 */
export async function applyCaseChange(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  caseNumber: string,
  body: CaseChangeBody,
): Promise<{ record: CaseRecord; event: CaseEvent; replayed: boolean }> {
  const outcome = await changeCase(
    web.app.db,
    actorOf(user),
    {
      caseNumber,
      expectedVersion: body.version,
      clientRequestId: body.clientRequestId,
      change: body.change,
      comment: body.comment,
      requestId: request.id,
      today: stockholmDay(web.now()),
    },
    web.app.config.sourceProfiles,
  );
  switch (outcome.kind) {
    case 'not-found':
      throw new ApiError('not_found', 'Ärendet finns inte.');
    case 'request-id-reused':
      throw new ApiError('request_id_reused', MESSAGES.requestIdReused);
    case 'conflict':
      throw new ApiError(
        outcome.reason === 'stale-version' ? 'version_conflict' : 'invalid_transition',
        outcome.reason === 'stale-version'
          ? 'Ärendet har ändrats sedan du öppnade sidan. Ändringen sparades inte; se det aktuella läget och försök igen.'
          : `Ändringen går inte att göra: ${outcome.message}.`,
        { version: outcome.record.version, status: outcome.record.status },
      );
    case 'recorded':
      web.log.info(
        {
          case_number: caseNumber,
          case_event_id: outcome.event.id,
          action: outcome.event.action,
          user_id: user.id,
          replayed: outcome.replayed,
        },
        'workbench: case changed',
      );
      return { record: outcome.record, event: outcome.event, replayed: outcome.replayed };
  }
}

/** The nomination form's fields (snake_case) → the API's body. */
export function submissionFromForm(form: Form): Record<string, unknown> {
  return {
    origin: one(form, 'origin'),
    party: one(form, 'party'),
    region: one(form, 'region'),
    kind: one(form, 'kind'),
    name: one(form, 'name'),
    maker: one(form, 'maker'),
    indication: one(form, 'indication'),
    reason: one(form, 'reason'),
    contactName: one(form, 'contact_name'),
    contactEmail: one(form, 'contact_email'),
    clientRequestId: one(form, 'client_request_id'),
  };
}

export function parseSubmission(value: unknown): OutsideSubmission {
  return parseOrThrow(OutsideSubmission, value);
}

export function publicOriginOf(web: WebContext): string {
  return web.options.publicOrigin ?? alertConfigFromEnv().publicOrigin;
}

/** A nomination or a company's signal from the form or the API. */
export async function submit(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  body: OutsideSubmission,
): Promise<SubmissionResult> {
  if (!web.app.config) {
    throw new ApiError('unavailable', 'Nomineringar kräver att Horisont körs med sin konfiguration.');
  }
  let result: SubmissionResult;
  try {
    result = await submitFromOutside(web.app, actorOf(user), body, {
      publicOrigin: publicOriginOf(web),
      now: web.now(),
      requestId: request.id,
    });
  } catch (error) {
    if (error instanceof InvalidSubmissionError) {
      throw new ApiError('validation_failed', 'Ogiltiga uppgifter.', [
        { path: error.field, message: error.message },
      ]);
    }
    throw error;
  }
  web.log.info(
    { user_id: user.id, kind: result.kind, replayed: result.replayed },
    'workbench: outside submission',
  );
  return result;
}

// --- the public list --------------------------------------------------------------------------

const PUBLIC_STATUSES = CASE_STATUSES.filter((s) => s !== 'nominated' && s !== 'taken-up');

export const PublicCaseQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
  rad: z.preprocess(emptyToUndefined, z.enum(CASE_COUNCILS).optional()),
  status: z.preprocess(emptyToUndefined, z.enum(PUBLIC_STATUSES as [CaseStatus, ...CaseStatus[]]).optional()),
  sida: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(10_000).optional()),
});
export type PublicCaseQuery = z.infer<typeof PublicCaseQuery>;

export const PUBLIC_PAGE_SIZE = 50;

async function toPublic(web: WebContext, records: CaseRecord[]): Promise<PublicCase[]> {
  if (records.length === 0) return [];
  const ids = records.map((r) => r.id);
  const [events, dates] = await Promise.all([
    publicCaseEvents(web.app.db, { caseIds: ids, limit: 100 * ids.length }),
    nominatedOn(web.app.db, ids),
  ]);
  return records.map((record) =>
    toPublicCase({
      caseNumber: record.caseNumber,
      title: record.title,
      manufacturer: record.manufacturer,
      subjectKind: record.subjectKind,
      origin: record.origin,
      parties: record.parties,
      nominatedOn: dates.get(record.id) ?? null,
      state: record.state,
      updatedAt: record.updatedAt,
      events: events.filter((e) => e.caseId === record.id).reverse(),
    }),
  );
}

export async function publicCaseList(
  web: WebContext,
  query: PublicCaseQuery,
): Promise<{ items: PublicCase[]; total: number; page: number; pageSize: number }> {
  const page = query.sida ?? 1;
  const filter: CaseFilter = {
    view: 'all',
    status: query.status,
    council: query.rad,
    q: query.q,
    publicOnly: true,
    limit: PUBLIC_PAGE_SIZE,
    offset: (page - 1) * PUBLIC_PAGE_SIZE,
  };
  const list = await listCases(web.app.db, filter);
  return { items: await toPublic(web, list.items), total: list.total, page, pageSize: PUBLIC_PAGE_SIZE };
}

export async function publicCase(web: WebContext, caseNumber: string): Promise<PublicCase | undefined> {
  const record = await caseByNumber(web.app.db, caseNumber);
  if (!record?.isPublic) return undefined;
  return (await toPublic(web, [record]))[0];
}
