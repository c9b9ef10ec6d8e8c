import type { AppContext } from './context.js';
import { appendAudit } from '../store/audit.js';
import type { Actor } from '../store/audit.js';
import { withTransaction } from '../store/db.js';
import { claimHold, discardHeldItems, releaseHeldItems } from '../store/holds.js';
import type { ItemHold } from '../store/holds.js';
import { openRun, settleRun } from '../store/runs.js';
import { registerJobs } from '../store/run-jobs.js';
import type { PlannedJob } from '../store/run-jobs.js';
import { roleAtLeast } from '../store/users.js';
import { resolveJobs } from '../workers/resolve.js';
import type { Role } from '../store/users.js';

export class HoldDecisionError extends Error {}

export interface HoldDecision {
  holdId: number;
  action: 'release' | 'discard';
  actor: Actor;
  reason: string;
}

/**
 * A reviewer's decision on items the re-key guard held. `release` stores them and resolves them
 * in a run of their own (trigger `release`), so evidence, reports, nominations and alerts follow
 * as for any scan; `discard` drops them, and what was known stays as it was. Audited; a hold is
 * decided once.
 */
export async function decideHold(
  ctx: Pick<AppContext, 'db' | 'pipeline'>,
  decision: HoldDecision,
): Promise<{ hold: ItemHold; runId?: string }> {
  if (!roleAtLeast(decision.actor.role as Role, 'reviewer')) {
    throw new HoldDecisionError(`rollen ${decision.actor.role} får inte besluta om hållna poster`);
  }
  const reason = decision.reason.trim().slice(0, 2000);
  if (reason === '') throw new HoldDecisionError('ett skäl behövs');
  const outcome = await withTransaction(ctx.db, async (tx) => {
    const hold = await claimHold(tx, decision.holdId);
    if (!hold) throw new HoldDecisionError(`ingen öppen hållning ${decision.holdId}`);
    let runId: string | undefined;
    let jobs: PlannedJob[] = [];
    if (decision.action === 'release') {
      runId = (await openRun(tx, `release ${hold.id}`, 'release', [])).runId;
      const stored = await releaseHeldItems(tx, hold, {
        by: decision.actor.name,
        reason,
        releaseRunId: runId,
      });
      jobs = resolveJobs(runId, `released-${hold.id}`, stored);
      await registerJobs(tx, runId, jobs);
    } else {
      await discardHeldItems(tx, hold, { by: decision.actor.name, reason });
    }
    await appendAudit(tx, {
      actor: decision.actor,
      action: `hold.${decision.action}`,
      subjectType: 'source',
      subjectId: hold.sourceId,
      before: { status: 'held', items: hold.fresh },
      after: {
        status: decision.action === 'release' ? 'released' : 'discarded',
        ...(runId ? { runId } : {}),
      },
      details: { holdId: hold.id, heldInRun: hold.runId, reason },
    });
    return { hold, runId, jobs };
  });
  if (outcome.runId) {
    // A release whose items were all known by now plans nothing; the run still has to end.
    const settled = outcome.jobs.length === 0 ? (await settleRun(ctx.db, outcome.runId)).next : [];
    await ctx.pipeline.enqueue([...outcome.jobs, ...settled]);
  }
  return { hold: outcome.hold, ...(outcome.runId ? { runId: outcome.runId } : {}) };
}
