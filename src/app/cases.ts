import { randomBytes } from 'node:crypto';
import { recordCaseChangeEvent } from '../store/alert-events.js';
import { SubscriptionFilter } from '../domain/alert-filter.js';
import { councilForKind } from '../domain/cases.js';
import { stockholmDay } from '../domain/dates.js';
import type { SourceProfiles } from '../domain/source-profile.js';
import type { NominatingOrigin, SubjectKind } from '../domain/cases.js';
import type { Db, Tx } from '../store/db.js';
import { withTransaction } from '../store/db.js';
import type { Actor } from '../store/audit.js';
import { insertSubscription } from '../store/alerts.js';
import {
  SYSTEM_ROLE,
  caseByNumber,
  caseCandidateFacts,
  changeCaseInTransaction,
  openCase,
  subscribeLatestParty,
} from '../store/cases.js';
import type { CaseChangeInput, CaseChangeOutcome, OpenedCase } from '../store/cases.js';

/** The party of a case the beredning opened from the scan's candidates (a role, not a person). */
export const BEREDNING_PARTY = 'Beredningsgruppen';

/** Who acts when no account does: `horisont nominate` from a shell. */
export const CLI_ACTOR: Actor = {
  id: '',
  name: 'horisont nominate (CLI)',
  role: SYSTEM_ROLE,
};

export interface CaseNominationInput {
  candidateId: string;
  origin: NominatingOrigin;
  party: string;
  region?: string | undefined;
  reason?: string | undefined;
  indication?: string | undefined;
  /** Shown instead of the candidate's name (what the party called it). */
  title?: string | undefined;
  manufacturer?: string | undefined;
  kind?: SubjectKind | undefined;
  nominationId?: string | undefined;
  itemId?: string | undefined;
  /** The party's contact person: they are told of every change to the case by e-mail. */
  contact?: { name: string; email: string } | undefined;
  /** The configured sources' profiles, which the followers' alerts describe the candidate with. */
  sourceProfiles: SourceProfiles;
  clientRequestId?: string | undefined;
  actor: Actor;
  requestId?: string | undefined;
  now: Date;
}

/**
 * Opens the case of a nomination (or adds the party to the candidate's open case for the same
 * use), subscribes the party's contact to its changes and records the change for every follower,
 * all in the caller's transaction. The one way a case is opened: the workbench's nominate
 * decision, `horisont nominate` and nominations from outside the scan all come here.
 */
export async function openCaseForNomination(tx: Tx, input: CaseNominationInput): Promise<OpenedCase> {
  const facts = await caseCandidateFacts(tx, input.candidateId);
  if (!facts) throw new Error(`cases: no candidate ${input.candidateId}`);
  const today = stockholmDay(input.now);
  const opened = await openCase(tx, {
    candidateId: facts.id,
    origin: input.origin,
    party: input.party,
    region: input.region,
    reason: input.reason,
    title: input.title ?? facts.name,
    manufacturer: input.manufacturer ?? facts.manufacturer,
    subjectKind: input.kind ?? facts.kind,
    indication: input.indication ?? null,
    council: input.kind === undefined ? facts.council : councilForKind(input.kind),
    nominationId: input.nominationId,
    itemId: input.itemId,
    clientRequestId: input.clientRequestId,
    actor: input.actor,
    requestId: input.requestId,
    today,
  });
  if (input.contact) {
    const subscription = await insertSubscription(tx, {
      name: `Ärende ${opened.caseNumber}: ${input.party}`,
      ownerName: input.contact.name,
      ownerEmail: input.contact.email,
      filter: SubscriptionFilter.parse({ events: ['case-changed'], cases: [opened.caseNumber] }),
      channel: 'email',
      webhookUrl: null,
      webhookSecret: null,
      feedTokenHash: null,
      unsubscribeToken: randomBytes(24).toString('base64url'),
    });
    await subscribeLatestParty(tx, opened.caseId, subscription.id);
  }
  const record = (await caseByNumber(tx, opened.caseNumber))!;
  await recordCaseChangeEvent(
    tx,
    {
      caseNumber: record.caseNumber,
      title: record.title,
      candidateId: record.candidateId,
      eventId: opened.eventId,
      action: opened.joined ? 'add-party' : 'open',
      payload: { origin: input.origin, party: input.party },
      after: record.state,
    },
    input.sourceProfiles,
  );
  return opened;
}

/**
 * One change to a case: the event, the state it leads to, the audit entry and the alerts of the
 * change's followers commit together.
 */
export async function changeCase(
  db: Db,
  actor: Actor,
  input: CaseChangeInput,
  sourceProfiles: SourceProfiles,
): Promise<CaseChangeOutcome> {
  return withTransaction(db, async (tx) => {
    const outcome = await changeCaseInTransaction(tx, actor, input);
    if (outcome.kind === 'recorded' && !outcome.replayed) {
      await recordCaseChangeEvent(
        tx,
        {
          caseNumber: outcome.record.caseNumber,
          title: outcome.record.title,
          candidateId: outcome.record.candidateId,
          eventId: outcome.event.id,
          action: outcome.event.action,
          payload: outcome.event.payload,
          after: outcome.event.after,
        },
        sourceProfiles,
      );
    }
    return outcome;
  });
}
