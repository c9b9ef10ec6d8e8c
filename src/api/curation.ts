import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { WebContext } from './context.js';
import { actorOf } from './context.js';
import { ApiError, MESSAGES } from './errors.js';
import {
  CurationForbiddenError,
  CurationRequestReusedError,
  CurationStaleError,
  ResolutionRefusedError,
  mergeAs,
  splitAs,
} from '../app/curation.js';
import type { CurationResult } from '../app/curation.js';
import type { User } from '../store/users.js';
import { candidateVersion } from '../store/candidates.js';
import { curationOfRequest } from '../store/resolution.js';

/**
 * Merge and split from the workbench, through the same code as `horisont merge`/`split`
 * (src/app/curation.ts): it checks the role, records the change so automatic resolution keeps
 * it, audits it and re-scores. What this layer adds is the reviewer's view of the candidate:
 * `version` is the candidate's last change as the page showed it, and acting on an older one is
 * refused with 409 and the current version, as decisions are.
 */

const Uuid = z.uuid();

export const MergeBody = z.object({
  otherId: Uuid,
  reason: z.string().trim().min(1, 'ange ett skäl').max(2000),
  version: z.string().min(1).max(40),
  clientRequestId: Uuid,
});

export const SplitBody = z.object({
  itemIds: z.array(z.coerce.number().int().positive()).min(1, 'välj minst en evidenspost').max(1000),
  reason: z.string().trim().min(1, 'ange ett skäl').max(2000),
  version: z.string().min(1).max(40),
  clientRequestId: Uuid,
});

export const CURATION_MESSAGES = {
  stale:
    'Kandidaten har ändrats sedan du öppnade sidan (ny evidens, en omräkning eller en annan granskares ändring). Inget ändrades; se det aktuella läget och försök igen.',
} as const;

/** The candidate's curation version: when it last changed, as the page shows it. */
export async function curationVersion(
  web: WebContext,
  candidateId: string,
): Promise<{ version: string; mergedInto: string | null } | undefined> {
  return candidateVersion(web.app.db, candidateId);
}

/** A repeated request is answered from the record, whatever has changed since. */
async function alreadyRecorded(web: WebContext, clientRequestId: string): Promise<boolean> {
  return (await curationOfRequest(web.app.db, clientRequestId)) !== undefined;
}

async function checkVersion(web: WebContext, candidateId: string, seen: string): Promise<void> {
  const current = await curationVersion(web, candidateId);
  if (!current) throw new ApiError('not_found', MESSAGES.notFound);
  if (current.version !== seen) {
    throw new ApiError('version_conflict', CURATION_MESSAGES.stale, { current });
  }
}

async function run(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  candidateId: string,
  clientRequestId: string,
  seen: string,
  work: () => Promise<CurationResult>,
): Promise<CurationResult> {
  if (!(await alreadyRecorded(web, clientRequestId))) await checkVersion(web, candidateId, seen);
  let result: CurationResult;
  try {
    result = await work();
  } catch (error) {
    if (error instanceof CurationStaleError) {
      throw new ApiError('version_conflict', CURATION_MESSAGES.stale, {
        current: await curationVersion(web, candidateId),
      });
    }
    if (error instanceof CurationRequestReusedError) {
      throw new ApiError('request_id_reused', MESSAGES.requestIdReused);
    }
    if (error instanceof ResolutionRefusedError) {
      throw new ApiError('invalid_transition', `Åtgärden går inte att utföra: ${error.message}.`, {
        current: await curationVersion(web, candidateId),
      });
    }
    if (error instanceof CurationForbiddenError) throw new ApiError('forbidden', MESSAGES.forbidden);
    throw error;
  }
  web.log.info(
    {
      candidate_id: result.candidateId,
      other_candidate_id: result.otherCandidateId,
      action: result.action,
      user_id: user.id,
      replayed: !result.created,
      request_id: request.id,
    },
    'workbench: curation',
  );
  return result;
}

export function merge(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  candidateId: string,
  body: z.infer<typeof MergeBody>,
): Promise<CurationResult> {
  return run(web, request, user, candidateId, body.clientRequestId, body.version, () =>
    mergeAs(web.app, {
      survivorId: candidateId,
      absorbedId: body.otherId,
      actor: actorOf(user),
      reason: body.reason,
      clientRequestId: body.clientRequestId,
      expectedVersion: body.version,
    }),
  );
}

export function split(
  web: WebContext,
  request: FastifyRequest,
  user: User,
  candidateId: string,
  body: z.infer<typeof SplitBody>,
): Promise<CurationResult> {
  return run(web, request, user, candidateId, body.clientRequestId, body.version, () =>
    splitAs(web.app, {
      candidateId,
      itemIds: body.itemIds,
      actor: actorOf(user),
      reason: body.reason,
      clientRequestId: body.clientRequestId,
      expectedVersion: body.version,
    }),
  );
}

/** Form fields (snake_case, `item_ids[]` checkboxes) → the API's bodies. */
export function mergeBodyFromForm(form: Record<string, string | string[] | undefined>): unknown {
  const typed = typeof form.other_id_typed === 'string' ? form.other_id_typed.trim() : '';
  return {
    otherId: typed || form.other_id,
    reason: form.reason,
    version: form.version,
    clientRequestId: form.client_request_id,
  };
}

export function splitBodyFromForm(form: Record<string, string | string[] | undefined>): unknown {
  const items = form['item_ids[]'];
  return {
    itemIds: Array.isArray(items) ? items : [],
    reason: form.reason,
    version: form.version,
    clientRequestId: form.client_request_id,
  };
}
