import { stockholmDay } from '../domain/dates.js';
/**
 * A reviewer's merge and split of candidates: the one path the CLI (`horisont merge`/`split`) and
 * the workbench share. Each runs in one transaction that checks the role, records the change in
 * the resolution log (remembered, so automatic resolution never undoes it), the audit log and
 * both candidates' histories, and re-scores the candidates it changed. The same client request
 * id twice records once.
 */
import type { AppContext } from './context.js';
import { canonicalManufacturer } from '../domain/manufacturers.js';
import type { Actor } from '../store/audit.js';
import { appendAudit } from '../store/audit.js';
import type { Tx } from '../store/db.js';
import { withTransaction } from '../store/db.js';
import { lockCandidateVersion } from '../store/candidates.js';
import {
  curationOfRequest,
  mergeCandidates,
  ResolutionRefusedError,
  splitCandidate,
} from '../store/resolution.js';
import { roleAtLeast } from '../store/users.js';
import type { Role } from '../store/users.js';
import { scoreAndStore } from '../workers/score.js';

export { ResolutionRefusedError };

export class CurationForbiddenError extends Error {
  constructor(role: string) {
    super(`the role ${role} may not merge or split candidates (reviewer or admin needed)`);
    this.name = 'CurationForbiddenError';
  }
}

export class CurationRequestReusedError extends Error {
  constructor(readonly clientRequestId: string) {
    super(`client request id ${clientRequestId} was already used for another merge or split`);
    this.name = 'CurationRequestReusedError';
  }
}

/** The candidate changed after the page the reviewer acted on was read. */
export class CurationStaleError extends Error {
  constructor(readonly currentVersion: string) {
    super(`the candidate changed since version ${currentVersion} was read`);
    this.name = 'CurationStaleError';
  }
}

export interface MergeInput {
  /** The candidate that lives on (its id, decisions and page stay). */
  survivorId: string;
  absorbedId: string;
  actor: Actor;
  reason: string;
  clientRequestId: string;
  /** The survivor's version (`updated_at`) the reviewer saw; checked under the row lock. */
  expectedVersion?: string;
}

export interface SplitInput {
  candidateId: string;
  /** Evidence items that move to the new candidate. */
  itemIds: number[];
  actor: Actor;
  reason: string;
  clientRequestId: string;
  /** The candidate's version (`updated_at`) the reviewer saw; checked under the row lock. */
  expectedVersion?: string;
}

export interface CurationResult {
  action: 'merge' | 'split';
  candidateId: string;
  otherCandidateId: string;
  /** False when the same client request id had already been recorded. */
  created: boolean;
}

type CurationContext = Pick<AppContext, 'db' | 'config'>;

function checkRole(actor: Actor): void {
  if (!roleAtLeast(actor.role as Role, 'reviewer')) throw new CurationForbiddenError(actor.role);
}

async function recorded(
  tx: Tx,
  clientRequestId: string,
  expected: { action: 'merge' | 'split'; candidateId: string; otherCandidateId?: string },
): Promise<CurationResult | undefined> {
  const row = await curationOfRequest(tx, clientRequestId);
  if (row === undefined) return undefined;
  const same =
    row.action === expected.action &&
    row.candidateId === expected.candidateId &&
    (expected.otherCandidateId === undefined || row.otherCandidateId === expected.otherCandidateId);
  if (!same) throw new CurationRequestReusedError(clientRequestId);
  return { ...row, created: false };
}

/** Locks the candidate's row and refuses when it changed after the reviewer's page was read. */
async function checkVersion(tx: Tx, candidateId: string, expected: string | undefined): Promise<void> {
  if (expected === undefined) return;
  const version = await lockCandidateVersion(tx, candidateId);
  if (version !== undefined && version !== expected) throw new CurationStaleError(version);
}

function reasonOf(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') throw new ResolutionRefusedError('ett skäl behövs');
  return trimmed.slice(0, 2000);
}

export async function mergeAs(ctx: CurationContext, input: MergeInput): Promise<CurationResult> {
  checkRole(input.actor);
  const reason = reasonOf(input.reason);
  return withTransaction(ctx.db, async (tx) => {
    const again = await recorded(tx, input.clientRequestId, {
      action: 'merge',
      candidateId: input.survivorId,
      otherCandidateId: input.absorbedId,
    });
    if (again) return again;
    await checkVersion(tx, input.survivorId, input.expectedVersion);
    await mergeCandidates(tx, input.survivorId, input.absorbedId, {
      automatic: false,
      actor: input.actor.name,
      reason,
      clientRequestId: input.clientRequestId,
    });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'candidate.merge',
      subjectType: 'candidate',
      subjectId: input.survivorId,
      before: { candidates: [input.survivorId, input.absorbedId] },
      after: { candidate: input.survivorId, mergedIntoIt: input.absorbedId },
      details: { reason },
      requestId: input.clientRequestId,
    });
    await scoreAndStore(tx, input.survivorId, ctx.config, stockholmDay(new Date()));
    return {
      action: 'merge',
      candidateId: input.survivorId,
      otherCandidateId: input.absorbedId,
      created: true,
    };
  });
}

export async function splitAs(ctx: CurationContext, input: SplitInput): Promise<CurationResult> {
  checkRole(input.actor);
  const reason = reasonOf(input.reason);
  return withTransaction(ctx.db, async (tx) => {
    const again = await recorded(tx, input.clientRequestId, {
      action: 'split',
      candidateId: input.candidateId,
    });
    if (again) return again;
    await checkVersion(tx, input.candidateId, input.expectedVersion);
    const newId = await splitCandidate(tx, input.candidateId, input.itemIds, {
      automatic: false,
      actor: input.actor.name,
      reason,
      clientRequestId: input.clientRequestId,
      settings: ctx.config.resolution,
      manufacturerKey: (name) => canonicalManufacturer(name, ctx.config.manufacturers),
    });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'candidate.split',
      subjectType: 'candidate',
      subjectId: input.candidateId,
      before: { candidate: input.candidateId },
      after: { candidates: [input.candidateId, newId], moved: input.itemIds },
      details: { reason },
      requestId: input.clientRequestId,
    });
    const today = stockholmDay(new Date());
    await scoreAndStore(tx, input.candidateId, ctx.config, today);
    await scoreAndStore(tx, newId, ctx.config, today);
    return { action: 'split', candidateId: input.candidateId, otherCandidateId: newId, created: true };
  });
}
