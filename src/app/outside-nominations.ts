import type { AppContext } from './context.js';
import { createNomination, pushNominations } from './nominate.js';
import { openCaseForNomination } from './cases.js';
import { recordScoreEvents } from '../store/alert-events.js';
import { isValidEmail } from '../alerts/subscriptions.js';
import { CASE_ORIGIN_LABELS, SUBMITTER_LABELS, partyOf } from '../domain/cases.js';
import { stockholmDay } from '../domain/dates.js';
import type { OutsideSubmission } from '../domain/cases.js';
import { RawItem } from '../domain/item.js';
import { withTransaction } from '../store/db.js';
import type { Actor } from '../store/audit.js';
import { SYSTEM_ROLE, caseByNumber, partyByClientRequestId } from '../store/cases.js';
import { currentState, recordDecisionInTransaction } from '../store/decisions.js';
import { candidateOfItem, insertManualItem, loadItems } from '../store/items.js';
import { completeRun, openRun } from '../store/runs.js';
import { resolveItems } from '../workers/resolve.js';
import { asOfOfRun, scoreAndStore } from '../workers/score.js';

/** A submission the domain schema accepted but that cannot be recorded as given. */
export class InvalidSubmissionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSubmissionError';
  }
}

/** The source ids of items that did not come from a scan (rows of `sources`, never scheduled). */
export const NOMINATION_SOURCE = 'nominations';
export const COMPANY_SIGNAL_SOURCE = 'company-signals';

export type SubmissionResult =
  | {
      kind: 'nomination';
      caseNumber: string;
      candidateId: string;
      /** The nomination found no candidate and made one. */
      candidateCreated: boolean;
      /** It joined an open case of the same candidate and use. */
      joined: boolean;
      nominationId: string | null;
      replayed: boolean;
      enqueued: boolean;
    }
  | { kind: 'signal'; candidateId: string | null; itemId: string; replayed: boolean };

/** Where an outside submission's item points: a workbench address that finds its case or candidate. */
export function submissionUrl(publicOrigin: string, clientRequestId: string): string {
  return `${new URL(publicOrigin).origin}/nomineringar/${clientRequestId}`;
}

function submissionItem(input: OutsideSubmission, publicOrigin: string, today: string): RawItem {
  const party = partyOf(input);
  const label = input.origin === 'company' ? 'Signal från företaget' : `${CASE_ORIGIN_LABELS[input.origin]}:`;
  const summary = [
    `${label} ${party}.`,
    input.region && input.origin !== 'region' ? `Region: ${input.region}.` : '',
    `Indikation/användning: ${input.indication}.`,
    input.reason ?? '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return RawItem.parse({
    itemKey: `${input.origin} ${input.clientRequestId}`,
    kind: input.kind,
    title: input.name,
    url: submissionUrl(publicOrigin, input.clientRequestId),
    publishedAt: today,
    summary: summary.slice(0, 20_000),
    language: 'sv',
    publicationType:
      input.origin === 'company' ? 'Signal från företag' : `Nominering: ${SUBMITTER_LABELS[input.origin]}`,
    ...(input.region ? { region: input.region } : {}),
    ...(input.kind === 'method'
      ? {}
      : { product: { tradeName: input.name, ...(input.maker ? { manufacturer: input.maker } : {}) } }),
  });
}

/**
 * A nomination from a region, an NPO or a profession, or a company's signal, from the workbench
 * form, the API or the CLI. It is stored as a source item of its own and goes through identity
 * resolution like a scanned item: it attaches to the candidate that resolution finds, or makes
 * one, and a later scan item of the same product links to that candidate. The candidate is then
 * scored. A nomination also gets a nomination row (onto the nomination queue), the candidate's
 * nominate decision, and a case; a company's signal stays evidence (seed 004: companies cannot
 * apply). One transaction; the same client request id again returns what it recorded.
 */
export async function submitFromOutside(
  ctx: Pick<AppContext, 'db' | 'config' | 'log' | 'pipeline'>,
  actor: Actor,
  input: OutsideSubmission,
  options: { publicOrigin: string; now: Date; requestId?: string | undefined },
): Promise<SubmissionResult> {
  if (input.contactEmail !== undefined && !isValidEmail(input.contactEmail)) {
    throw new InvalidSubmissionError('contactEmail', 'ogiltig e-postadress');
  }
  const today = stockholmDay(options.now);
  const result = await withTransaction(ctx.db, async (tx): Promise<SubmissionResult> => {
    if (input.origin !== 'company') {
      const earlier = await partyByClientRequestId(tx, input.clientRequestId);
      if (earlier) {
        const record = (await caseByNumber(tx, earlier.caseNumber))!;
        return {
          kind: 'nomination',
          caseNumber: earlier.caseNumber,
          candidateId: record.candidateId!,
          candidateCreated: false,
          joined: false,
          nominationId: earlier.nominationId,
          replayed: true,
          enqueued: false,
        };
      }
    }
    const source = input.origin === 'company' ? COMPANY_SIGNAL_SOURCE : NOMINATION_SOURCE;
    const stored = await insertManualItem(tx, source, submissionItem(input, options.publicOrigin, today));
    if (input.origin === 'company' && !stored.created) {
      return {
        kind: 'signal',
        candidateId: (await candidateOfItem(tx, stored.id)) ?? null,
        itemId: String(stored.id),
        replayed: true,
      };
    }
    // Resolution records the run that first saw a candidate; a submission is a run of its own.
    const { runId } = await openRun(tx, `${source} ${input.clientRequestId}`, 'nomination', []);
    const resolved = await resolveItems(tx, await loadItems(tx, [stored.id]), ctx.config, runId, ctx.log);
    const candidateId = await candidateOfItem(tx, stored.id);
    for (const touched of resolved.touched) {
      // Sequential: each score takes its candidate's lock in this transaction.
      // eslint-disable-next-line no-await-in-loop
      const score = await scoreAndStore(tx, touched, ctx.config, await asOfOfRun(tx, runId));
      // eslint-disable-next-line no-await-in-loop
      if (score) await recordScoreEvents(tx, { runId, stored: score });
    }
    await completeRun(tx, runId);
    if (input.origin === 'company') {
      return { kind: 'signal', candidateId: candidateId ?? null, itemId: String(stored.id), replayed: false };
    }
    if (candidateId === undefined) {
      throw new Error(`cases: nomination item ${stored.id} resolved to no candidate`);
    }
    const party = partyOf(input);
    const nomination = await createNomination(
      tx,
      {
        candidateId,
        origin: input.origin,
        nominatedBy: party,
        reason: input.reason,
        clientRequestId: `outside-${input.clientRequestId}`,
      },
      options.now,
    );
    // The candidate shows as nominated in the workbench, on behalf of the party (unless it is already).
    const state = await currentState(tx, candidateId);
    // A decision needs an account (`horisont nominate` without --user records the case only).
    if (state.status !== 'nominated' && actor.role !== SYSTEM_ROLE) {
      await recordDecisionInTransaction(
        tx,
        actor,
        {
          candidateId,
          action: 'nominate',
          expectedVersion: state.version,
          clientRequestId: input.clientRequestId,
          comment: input.reason,
          origin: input.origin,
          onBehalfOf: party,
          requestId: options.requestId,
        },
        () => Promise.resolve({ nominationId: nomination.nominationId }),
      );
    }
    const opened = await openCaseForNomination(tx, {
      candidateId,
      origin: input.origin,
      party,
      region: input.region,
      reason: input.reason,
      indication: input.indication,
      title: input.name,
      manufacturer: input.maker,
      kind: input.kind,
      nominationId: nomination.nominationId,
      itemId: String(stored.id),
      contact: { name: input.contactName!, email: input.contactEmail! },
      clientRequestId: input.clientRequestId,
      actor,
      requestId: options.requestId,
      now: options.now,
      sourceProfiles: ctx.config.sourceProfiles,
    });
    return {
      kind: 'nomination',
      caseNumber: opened.caseNumber,
      candidateId,
      candidateCreated: resolved.created.includes(candidateId),
      joined: opened.joined,
      nominationId: nomination.nominationId,
      replayed: false,
      enqueued: false,
    };
  });
  if (result.kind === 'nomination' && !result.replayed) {
    // After commit: the queue only ever sees nominations the database holds.
    const enqueued = await pushNominations(ctx);
    ctx.log.info(
      {
        candidate_id: result.candidateId,
        case_number: result.caseNumber,
        nomination_id: result.nominationId,
        origin: input.origin,
        candidate_created: result.candidateCreated,
        joined: result.joined,
        enqueued,
      },
      'cases: outside nomination recorded',
    );
    return { ...result, enqueued };
  }
  ctx.log.info(
    { candidate_id: result.candidateId, origin: input.origin, replayed: result.replayed, kind: result.kind },
    'cases: outside submission recorded',
  );
  return result;
}
