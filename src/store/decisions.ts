import type { Db, Tx } from './db.js';
import { lockKey, withTransaction } from './db.js';
import { appendAudit } from './audit.js';
import type { Actor } from './audit.js';

export const DECISION_ACTIONS = ['nominate', 'dismiss', 'watch', 'unwatch', 'reopen'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export type DecisionStatus = 'open' | 'nominated' | 'dismissed';

/**
 * Why a candidate is dismissed: the council's reasons against national collaboration, plus the
 * practical ones. Swedish labels are what reviewers see.
 */
export const DISMISS_REASONS = {
  'already-established': 'Redan etablerad på marknaden eller i vården',
  'handled-by-tlv': 'Hanteras genom TLV:s förmånsbeslut',
  'small-budget-impact': 'Liten budgetpåverkan',
  'equal-use-ensured': 'Jämlik användning säkras redan av andra processer',
  'little-expected-use': 'Liten förväntad användning',
  'not-medical-device': 'Inte en medicinteknisk produkt eller ett läkemedel (ej CE-märkt enligt MDR/IVDR)',
  'already-handled': 'Redan hanterad av rådet',
  duplicate: 'Dubblett av en annan kandidat',
  'insufficient-information': 'För lite information för bedömning',
  other: 'Annat skäl (se kommentar)',
} as const satisfies Record<string, string>;
export type DismissReason = keyof typeof DISMISS_REASONS;

export function isDismissReason(value: unknown): value is DismissReason {
  return typeof value === 'string' && Object.hasOwn(DISMISS_REASONS, value);
}

export interface DecisionState {
  status: DecisionStatus;
  watched: boolean;
  /** Increments with every decision; the client sends the one it saw. */
  version: number;
  reasonCode: string | null;
  lastDecisionId: string | null;
  updatedAt: string | null;
}

export const INITIAL_STATE: DecisionState = {
  status: 'open',
  watched: false,
  version: 0,
  reasonCode: null,
  lastDecisionId: null,
  updatedAt: null,
};

export async function currentState(db: Db | Tx, candidateId: string): Promise<DecisionState> {
  const row = (
    await db.query<{
      status: DecisionStatus;
      watched: boolean;
      version: number;
      reason_code: string | null;
      last_decision_id: string;
      updated_at: Date;
    }>(
      'select status, watched, version, reason_code, last_decision_id, updated_at from candidate_state where candidate_id = $1',
      [candidateId],
    )
  ).rows[0];
  if (!row) return INITIAL_STATE;
  return {
    status: row.status,
    watched: row.watched,
    version: row.version,
    reasonCode: row.reason_code,
    lastDecisionId: row.last_decision_id,
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface Decision {
  id: string;
  candidateId: string;
  version: number;
  action: DecisionAction;
  reasonCode: string | null;
  comment: string | null;
  origin: string | null;
  onBehalfOf: string | null;
  actorId: string;
  actorName: string;
  actorRole: string;
  clientRequestId: string;
  nominationId: string | null;
  before: DecisionState;
  after: DecisionState;
  createdAt: string;
}

interface DecisionRow {
  id: string;
  candidate_id: string;
  version: number;
  action: DecisionAction;
  reason_code: string | null;
  comment: string | null;
  origin: string | null;
  on_behalf_of: string | null;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  client_request_id: string;
  nomination_id: string | null;
  before: DecisionState;
  after: DecisionState;
  created_at: Date;
}

function toDecision(row: DecisionRow): Decision {
  return {
    id: row.id,
    candidateId: row.candidate_id,
    version: row.version,
    action: row.action,
    reasonCode: row.reason_code,
    comment: row.comment,
    origin: row.origin,
    onBehalfOf: row.on_behalf_of,
    actorId: row.actor_id,
    actorName: row.actor_name,
    actorRole: row.actor_role,
    clientRequestId: row.client_request_id,
    nominationId: row.nomination_id,
    before: row.before,
    after: row.after,
    createdAt: row.created_at.toISOString(),
  };
}

const DECISION_COLUMNS = `id, candidate_id, version, action, reason_code, comment, origin, on_behalf_of, actor_id,
  actor_name, actor_role, client_request_id, nomination_id, before, after, created_at`;

export async function listDecisions(db: Db | Tx, candidateId: string): Promise<Decision[]> {
  return (
    await db.query<DecisionRow>(
      `select ${DECISION_COLUMNS} from decisions where candidate_id = $1 order by version`,
      [candidateId],
    )
  ).rows.map(toDecision);
}

export interface DecisionInput {
  candidateId: string;
  action: DecisionAction;
  /** The decision version the reviewer saw; a different current version is a conflict. */
  expectedVersion: number;
  /** The same id twice is one decision (a double click or a retried request). */
  clientRequestId: string;
  reasonCode?: string | undefined;
  comment?: string | undefined;
  /** Nominations: who the nomination is on behalf of. */
  origin?: 'scan' | 'region' | 'npo' | 'profession' | undefined;
  onBehalfOf?: string | undefined;
  requestId?: string | undefined;
  ipHash?: string | undefined;
}

export type DecisionOutcome =
  | { kind: 'recorded'; decision: Decision; state: DecisionState; replayed: boolean }
  | {
      kind: 'conflict';
      state: DecisionState;
      reason: 'stale-version' | 'not-allowed' | 'merged';
      /** For `merged`: the candidate the decision belongs on now. */
      mergedInto?: string;
    }
  | { kind: 'not-found' }
  /** The client request id was already used for a different action. */
  | { kind: 'request-id-reused'; decision: Decision };

/** The state an action leads to, or undefined when it makes no sense from `state`. */
export function transition(
  state: DecisionState,
  input: DecisionInput,
): Omit<DecisionState, 'lastDecisionId' | 'updatedAt'> | undefined {
  const next = {
    status: state.status,
    watched: state.watched,
    version: state.version + 1,
    reasonCode: state.reasonCode,
  };
  switch (input.action) {
    case 'nominate':
      return state.status === 'nominated' ? undefined : { ...next, status: 'nominated', reasonCode: null };
    case 'dismiss':
      return state.status === 'dismissed'
        ? undefined
        : { ...next, status: 'dismissed', reasonCode: input.reasonCode ?? null };
    case 'reopen':
      return state.status === 'open' ? undefined : { ...next, status: 'open', reasonCode: null };
    case 'watch':
      return state.watched ? undefined : { ...next, watched: true };
    case 'unwatch':
      return state.watched ? { ...next, watched: false } : undefined;
  }
}

/** Work done in the decision's transaction before its row is written (e.g. the nomination row). */
export type DecisionEffect = (
  tx: Tx,
  input: DecisionInput,
  actor: Actor,
) => Promise<{ nominationId?: string }>;

function sameRequest(decision: Decision, input: DecisionInput): boolean {
  return decision.candidateId === input.candidateId && decision.action === input.action;
}

/**
 * Appends one decision and moves the candidate's state, in one transaction, serialised per
 * candidate. Replays of the same client request id return the stored decision unchanged; a
 * stale `expectedVersion` records nothing but an audit entry and returns the current state.
 */
export async function recordDecision(
  db: Db,
  actor: Actor,
  input: DecisionInput,
  effect?: DecisionEffect,
): Promise<DecisionOutcome> {
  try {
    return await withTransaction(db, (tx) => recordDecisionInTransaction(tx, actor, input, effect));
  } catch (error) {
    // Two requests with one id for different candidates are not serialised by the per-candidate
    // lock; the UNIQUE constraint catches the second.
    if ((error as { code?: string; constraint?: string }).constraint === 'decisions_client_request_id_key') {
      const existing = await findByClientRequestId(db, input.clientRequestId);
      if (existing) {
        return sameRequest(existing, input)
          ? { kind: 'recorded', decision: existing, state: existing.after, replayed: true }
          : { kind: 'request-id-reused', decision: existing };
      }
    }
    throw error;
  }
}

async function findByClientRequestId(db: Db | Tx, clientRequestId: string): Promise<Decision | undefined> {
  const row = (
    await db.query<DecisionRow>(`select ${DECISION_COLUMNS} from decisions where client_request_id = $1`, [
      clientRequestId,
    ])
  ).rows[0];
  return row ? toDecision(row) : undefined;
}

/** {@link recordDecision} in the caller's transaction (a nomination made with other records). */
export async function recordDecisionInTransaction(
  tx: Tx,
  actor: Actor,
  input: DecisionInput,
  effect: DecisionEffect | undefined,
): Promise<DecisionOutcome> {
  await lockKey(tx, `decision ${input.candidateId}`);
  const replay = await findByClientRequestId(tx, input.clientRequestId);
  if (replay) {
    return sameRequest(replay, input)
      ? { kind: 'recorded', decision: replay, state: replay.after, replayed: true }
      : { kind: 'request-id-reused', decision: replay };
  }
  const exists = await tx.query<{ merged_into: string | null }>(
    'select merged_into from candidates where id = $1',
    [input.candidateId],
  );
  if (exists.rows.length === 0) return { kind: 'not-found' };

  const before = await currentState(tx, input.candidateId);
  // A page read before a merge must not record a decision on the candidate that no list shows.
  const mergedInto = exists.rows[0]!.merged_into;
  if (mergedInto !== null) return { kind: 'conflict', state: before, reason: 'merged', mergedInto };
  const next = before.version === input.expectedVersion ? transition(before, input) : undefined;
  if (!next) {
    const reason = before.version === input.expectedVersion ? 'not-allowed' : 'stale-version';
    // Refused attempts are part of the record too (who tried what on which version).
    await appendAudit(tx, {
      actor,
      action: 'decision.conflict',
      subjectType: 'candidate',
      subjectId: input.candidateId,
      before,
      details: {
        attempted: input.action,
        expectedVersion: input.expectedVersion,
        reason,
        clientRequestId: input.clientRequestId,
      },
      requestId: input.requestId,
      ipHash: input.ipHash,
    });
    return { kind: 'conflict', state: before, reason };
  }

  const produced = effect ? await effect(tx, input, actor) : {};
  // The id is taken first because `after` names the decision that produced it, and the row can
  // never be updated once written.
  const allocated = (
    await tx.query<{ id: string; now: Date }>(
      `select nextval(pg_get_serial_sequence('decisions', 'id'))::text as id, now() as now`,
    )
  ).rows[0]!;
  const after: DecisionState = {
    ...next,
    lastDecisionId: allocated.id,
    updatedAt: allocated.now.toISOString(),
  };
  const inserted = (
    await tx.query<DecisionRow>(
      `insert into decisions (id, candidate_id, version, action, reason_code, comment, origin, on_behalf_of, actor_id,
                              actor_name, actor_role, client_request_id, request_id, before, after, nomination_id,
                              prev_decision_id, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       returning ${DECISION_COLUMNS}`,
      [
        allocated.id,
        input.candidateId,
        next.version,
        input.action,
        input.action === 'dismiss' ? (input.reasonCode ?? null) : null,
        input.comment ?? null,
        input.action === 'nominate' ? (input.origin ?? 'scan') : null,
        input.action === 'nominate' ? (input.onBehalfOf ?? null) : null,
        actor.id,
        actor.name,
        actor.role,
        input.clientRequestId,
        input.requestId ?? null,
        JSON.stringify(before),
        JSON.stringify(after),
        produced.nominationId ?? null,
        before.lastDecisionId,
        allocated.now,
      ],
    )
  ).rows[0]!;
  await tx.query(
    `insert into candidate_state (candidate_id, status, watched, version, reason_code, last_decision_id, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (candidate_id) do update
       set status = excluded.status, watched = excluded.watched, version = excluded.version,
           reason_code = excluded.reason_code, last_decision_id = excluded.last_decision_id,
           updated_at = excluded.updated_at`,
    [
      input.candidateId,
      after.status,
      after.watched,
      after.version,
      after.reasonCode,
      allocated.id,
      allocated.now,
    ],
  );
  const decision = toDecision(inserted);
  await appendAudit(tx, {
    actor,
    action: `decision.${input.action}`,
    subjectType: 'candidate',
    subjectId: input.candidateId,
    before,
    after,
    details: {
      decisionId: decision.id,
      version: decision.version,
      reasonCode: decision.reasonCode,
      comment: decision.comment,
      origin: decision.origin,
      onBehalfOf: decision.onBehalfOf,
      nominationId: decision.nominationId,
      clientRequestId: decision.clientRequestId,
    },
    requestId: input.requestId,
    ipHash: input.ipHash,
  });
  // The stored copy, so a replay (read back from the row) answers byte for byte the same.
  return { kind: 'recorded', decision, state: decision.after, replayed: false };
}

// --- notes ----------------------------------------------------------------------------------

export interface Note {
  id: string;
  candidateId: string;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string;
}

interface NoteRow {
  id: string;
  candidate_id: string;
  author_id: string;
  author_name: string;
  body: string;
  created_at: Date;
}

function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    candidateId: row.candidate_id,
    authorId: row.author_id,
    authorName: row.author_name,
    body: row.body,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listNotes(db: Db | Tx, candidateId: string): Promise<Note[]> {
  return (
    await db.query<NoteRow>(
      'select id, candidate_id, author_id, author_name, body, created_at from candidate_notes where candidate_id = $1 order by id',
      [candidateId],
    )
  ).rows.map(toNote);
}

export type NoteOutcome =
  { kind: 'recorded'; note: Note; replayed: boolean } | { kind: 'not-found' } | { kind: 'request-id-reused' };

/** Notes do not change the decision state, so they need no version; they are append-only too. */
export async function addNote(
  db: Db,
  actor: Actor,
  input: { candidateId: string; body: string; clientRequestId: string; requestId?: string; ipHash?: string },
): Promise<NoteOutcome> {
  return withTransaction(db, async (tx) => {
    const exists = await tx.query('select 1 from candidates where id = $1', [input.candidateId]);
    if (exists.rows.length === 0) return { kind: 'not-found' };
    const inserted = (
      await tx.query<NoteRow>(
        `insert into candidate_notes (candidate_id, author_id, author_name, body, client_request_id)
         values ($1, $2, $3, $4, $5) on conflict (client_request_id) do nothing
         returning id, candidate_id, author_id, author_name, body, created_at`,
        [input.candidateId, actor.id, actor.name, input.body, input.clientRequestId],
      )
    ).rows[0];
    if (!inserted) {
      const existing = (
        await tx.query<NoteRow>(
          'select id, candidate_id, author_id, author_name, body, created_at from candidate_notes where client_request_id = $1',
          [input.clientRequestId],
        )
      ).rows[0];
      if (!existing || existing.candidate_id !== input.candidateId || existing.body !== input.body) {
        return { kind: 'request-id-reused' };
      }
      return { kind: 'recorded', note: toNote(existing), replayed: true };
    }
    const note = toNote(inserted);
    await appendAudit(tx, {
      actor,
      action: 'note.add',
      subjectType: 'candidate',
      subjectId: input.candidateId,
      after: { noteId: note.id, body: note.body },
      requestId: input.requestId,
      ipHash: input.ipHash,
    });
    return { kind: 'recorded', note, replayed: false };
  });
}
