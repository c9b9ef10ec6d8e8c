import type { CouncilListEntry } from '../domain/routing.js';
import type { Db, Tx } from './db.js';
import { likeLiteral, lockKey } from './db.js';
import { appendAudit } from './audit.js';
import type { Actor } from './audit.js';
import {
  CASE_COUNCILS,
  REVIEWABLE,
  applyCaseAction,
  councilForKind,
  formatCaseNumber,
  importedCaseState,
  initialCaseState,
  isNewerGeneration,
  isSameLine,
  isPublicEvent,
  materialEventOf,
  processStatusOf,
  reviewDatePassed,
  sameMakerName,
} from '../domain/cases.js';
import type {
  CandidateProcessStatus,
  CaseActionInput,
  CaseCouncil,
  CaseEventAction,
  CaseOrigin,
  CaseState,
  CaseStatus,
  NominatingOrigin,
  ReconsiderTrigger,
  SubjectKind,
} from '../domain/cases.js';
import { isNtCouncilDecision } from '../domain/candidate.js';

/** The SQL of a case's candidate as it lives now: merges followed, imports through their list item. */
const LIVE_CANDIDATE = `coalesce(
    (select coalesce(k.merged_into, k.id) from candidates k where k.id = c.candidate_id),
    (select coalesce(k.merged_into, k.id) from evidence e join candidates k on k.id = e.candidate_id
      where e.item_id = c.council_item_id order by e.linked_at, k.id limit 1))`;

const CASE_COLUMNS = `c.id, c.case_number, c.origin, c.candidate_id, ${LIVE_CANDIDATE} as live_candidate_id,
  c.council_item_id, c.title, c.manufacturer, c.subject_kind, c.indication, c.status, c.version, c.state,
  c.is_public, c.opened_at, c.updated_at,
  coalesce((select array_agg(p.party order by p.id) from case_parties p where p.case_id = c.id), '{}') as parties`;

interface CaseDbRow {
  id: string;
  case_number: string;
  origin: CaseOrigin;
  candidate_id: string | null;
  live_candidate_id: string | null;
  council_item_id: string | null;
  title: string;
  manufacturer: string | null;
  subject_kind: string;
  indication: string | null;
  status: CaseStatus;
  version: number;
  state: CaseState;
  is_public: boolean;
  opened_at: Date;
  updated_at: Date;
  parties: string[];
}

export interface CaseRecord {
  id: string;
  caseNumber: string;
  origin: CaseOrigin;
  /** The candidate now (after merges); null for an imported case whose list item links nowhere yet. */
  candidateId: string | null;
  title: string;
  manufacturer: string | null;
  subjectKind: string;
  indication: string | null;
  status: CaseStatus;
  version: number;
  state: CaseState;
  isPublic: boolean;
  openedAt: Date;
  updatedAt: Date;
  /** The nominating parties' names, first one first. */
  parties: string[];
}

function toRecord(row: CaseDbRow): CaseRecord {
  return {
    id: row.id,
    caseNumber: row.case_number,
    origin: row.origin,
    candidateId: row.live_candidate_id,
    title: row.title,
    manufacturer: row.manufacturer,
    subjectKind: row.subject_kind,
    indication: row.state.indication ?? row.indication,
    status: row.status,
    version: row.version,
    state: row.state,
    isPublic: row.is_public,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    parties: row.parties,
  };
}

export async function caseByNumber(db: Db | Tx, caseNumber: string): Promise<CaseRecord | undefined> {
  const row = (
    await db.query<CaseDbRow>(`select ${CASE_COLUMNS} from cases c where c.case_number = $1`, [caseNumber])
  ).rows[0];
  return row && toRecord(row);
}

export const CASE_LIST_VIEWS = ['open', 'reconsider', 'decided', 'closed', 'all'] as const;
export type CaseListView = (typeof CASE_LIST_VIEWS)[number];

export interface CaseFilter {
  /** open: not yet decided; decided: decided or handled and not closed; closed; all. */
  view: Exclude<CaseListView, 'reconsider'>;
  status?: CaseStatus | undefined;
  council?: CaseCouncil | undefined;
  q?: string | undefined;
  candidateId?: string | undefined;
  publicOnly?: boolean | undefined;
  limit: number;
  offset: number;
}

const VIEW_STATUSES: Record<CaseFilter['view'], readonly CaseStatus[] | undefined> = {
  open: ['nominated', 'taken-up'],
  decided: [
    'omfattas',
    'omfattas-inte',
    'assessment-ordered',
    'recommended',
    'follow-up',
    'reconsideration',
    'handled-by-council',
  ],
  closed: ['closed'],
  all: undefined,
};

export async function listCases(
  db: Db | Tx,
  filter: CaseFilter,
): Promise<{ items: CaseRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  const statuses = VIEW_STATUSES[filter.view];
  if (statuses) add('c.status = any(?::text[])', statuses);
  if (filter.status) add('c.status = ?', filter.status);
  if (filter.council) add("c.state ->> 'council' = ?", filter.council);
  if (filter.publicOnly) where.push('c.is_public');
  if (filter.q) {
    add(
      `(c.title ilike '%' || ? || '%' or c.manufacturer ilike '%' || ? || '%' or c.case_number ilike ? || '%'
        or c.state ->> 'indication' ilike '%' || ? || '%')`,
      likeLiteral(filter.q),
    );
  }
  if (filter.candidateId) add(`${LIVE_CANDIDATE} = ?::uuid`, filter.candidateId);
  const whereSql = where.length > 0 ? `where ${where.join(' and ')}` : '';
  const total = (await db.query<{ n: number }>(`select count(*)::int as n from cases c ${whereSql}`, params))
    .rows[0]!.n;
  params.push(filter.limit, filter.offset);
  const rows = await db.query<CaseDbRow>(
    `select ${CASE_COLUMNS} from cases c ${whereSql}
     order by c.updated_at desc, c.case_number desc limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return { items: rows.rows.map(toRecord), total };
}

// --- opening a case ---------------------------------------------------------------------------

async function nextCaseNumber(tx: Tx, year: number): Promise<string> {
  const row = (
    await tx.query<{ last: number }>(
      `insert into case_numbers (year, last) values ($1, 1)
       on conflict (year) do update set last = case_numbers.last + 1 returning last`,
      [year],
    )
  ).rows[0]!;
  return formatCaseNumber(year, row.last);
}

export interface OpenCaseInput {
  candidateId: string;
  origin: NominatingOrigin;
  /** "Region Halland", "NPO Endokrina sjukdomar", "Svensk förening för …", "Beredningsgruppen". */
  party: string;
  region?: string | undefined;
  /** The nomination's reason (internal: the public record says who nominated, not why in their words). */
  reason?: string | undefined;
  title: string;
  manufacturer: string | null;
  subjectKind: 'device' | 'ivd' | 'drug' | 'method';
  indication: string | null;
  council: CaseCouncil | null;
  nominationId?: string | undefined;
  itemId?: string | undefined;
  /** The party's contact, as a subscription to this case's changes. */
  subscriptionId?: string | undefined;
  clientRequestId?: string | undefined;
  actor: Actor;
  requestId?: string | undefined;
  /** The Stockholm date and the year it falls in. */
  today: string;
}

export interface OpenedCase {
  caseId: string;
  caseNumber: string;
  /** The event this nomination recorded (open, or add-party when it joined an open case). */
  eventId: string;
  joined: boolean;
}

function sameIndication(a: string | null, b: string | null): boolean {
  const norm = (s: string | null) => (s ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

/**
 * Opens a case for a nomination, or adds the nominating party to the candidate's case for the
 * same use that is not closed (two regions asking for one product are one case). Runs in the
 * caller's transaction, serialised per candidate.
 */
export async function openCase(tx: Tx, input: OpenCaseInput): Promise<OpenedCase> {
  await lockKey(tx, `cases of ${input.candidateId}`);
  const open = await tx.query<CaseDbRow>(
    `select ${CASE_COLUMNS} from cases c
     where c.status <> 'closed'
       and c.candidate_id in (select id from candidates where id = $1 or merged_into = $1)
     order by c.opened_at`,
    [input.candidateId],
  );
  const existing = open.rows.map(toRecord).find((c) => sameIndication(c.indication, input.indication));
  if (existing) {
    const eventId = await appendEvent(tx, existing, {
      action: 'add-party',
      payload: { origin: input.origin, party: input.party, region: input.region ?? null },
      after: { ...existing.state, version: existing.version + 1 },
      actor: input.actor,
      requestId: input.requestId,
    });
    await insertParty(tx, existing.id, input);
    return { caseId: existing.id, caseNumber: existing.caseNumber, eventId, joined: true };
  }
  const caseNumber = await nextCaseNumber(tx, Number(input.today.slice(0, 4)));
  const state = initialCaseState({ council: input.council, indication: input.indication });
  const caseId = (
    await tx.query<{ id: string }>(
      `insert into cases (case_number, origin, candidate_id, title, manufacturer, subject_kind, indication, status,
                          version, state)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
      [
        caseNumber,
        input.origin,
        input.candidateId,
        input.title.slice(0, 500),
        input.manufacturer?.slice(0, 500) ?? null,
        input.subjectKind,
        input.indication,
        state.status,
        state.version,
        JSON.stringify(state),
      ],
    )
  ).rows[0]!.id;
  const record = (await caseByNumber(tx, caseNumber))!;
  const eventId = await insertEvent(tx, record, {
    version: 1,
    action: 'open',
    payload: { origin: input.origin, party: input.party, region: input.region ?? null },
    before: null,
    after: state,
    actor: input.actor,
    requestId: input.requestId,
  });
  await insertParty(tx, caseId, input);
  return { caseId, caseNumber, eventId, joined: false };
}

async function insertParty(tx: Tx, caseId: string, input: OpenCaseInput): Promise<void> {
  await tx.query(
    `insert into case_parties (case_id, origin, party, region, reason, nomination_id, item_id, subscription_id,
                               client_request_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      caseId,
      input.origin,
      input.party,
      input.region ?? null,
      input.reason ?? null,
      input.nominationId ?? null,
      input.itemId ?? null,
      input.subscriptionId ?? null,
      input.clientRequestId ?? null,
    ],
  );
}

/** The party a nomination with this client request id recorded, if any (a retried request). */
export async function partyByClientRequestId(
  db: Db | Tx,
  clientRequestId: string,
): Promise<{ caseNumber: string; itemId: string | null; nominationId: string | null } | undefined> {
  const row = (
    await db.query<{ case_number: string; item_id: string | null; nomination_id: string | null }>(
      `select c.case_number, p.item_id, p.nomination_id from case_parties p join cases c on c.id = p.case_id
       where p.client_request_id = $1`,
      [clientRequestId],
    )
  ).rows[0];
  return row && { caseNumber: row.case_number, itemId: row.item_id, nominationId: row.nomination_id };
}

// --- events -----------------------------------------------------------------------------------

export interface CaseEvent {
  id: string;
  caseId: string;
  version: number;
  action: CaseEventAction;
  payload: Record<string, unknown>;
  comment: string | null;
  actorName: string;
  actorRole: string;
  clientRequestId: string | null;
  before: CaseState | null;
  after: CaseState;
  isPublic: boolean;
  createdAt: Date;
}

interface CaseEventRow {
  id: string;
  case_id: string;
  version: number;
  action: CaseEventAction;
  payload: Record<string, unknown>;
  comment: string | null;
  actor_name: string;
  actor_role: string;
  client_request_id: string | null;
  before: CaseState | null;
  after: CaseState;
  is_public: boolean;
  created_at: Date;
}

const EVENT_COLUMNS = `id, case_id, version, action, payload, comment, actor_name, actor_role, client_request_id,
  before, after, is_public, created_at`;

function toEvent(row: CaseEventRow): CaseEvent {
  return {
    id: row.id,
    caseId: row.case_id,
    version: row.version,
    action: row.action,
    payload: row.payload,
    comment: row.comment,
    actorName: row.actor_name,
    actorRole: row.actor_role,
    clientRequestId: row.client_request_id,
    before: row.before,
    after: row.after,
    isPublic: row.is_public,
    createdAt: row.created_at,
  };
}

export async function caseEvents(db: Db | Tx, caseId: string): Promise<CaseEvent[]> {
  return (
    await db.query<CaseEventRow>(
      `select ${EVENT_COLUMNS} from case_events where case_id = $1 order by version`,
      [caseId],
    )
  ).rows.map(toEvent);
}

interface NewEvent {
  version: number;
  action: CaseEventAction;
  payload: Record<string, unknown>;
  comment?: string | undefined;
  before: CaseState | null;
  after: CaseState;
  actor: Actor;
  clientRequestId?: string | undefined;
  requestId?: string | undefined;
}

/** Imports by the pipeline and `horisont nominate` from a shell have no account behind them. */
export const SYSTEM_ROLE = 'system';
const hasAccount = (actor: Actor): boolean => actor.role !== SYSTEM_ROLE;

async function insertEvent(tx: Tx, record: CaseRecord, event: NewEvent): Promise<string> {
  const isPublic = isPublicEvent(event.action, event.after);
  const id = (
    await tx.query<{ id: string }>(
      `insert into case_events (case_id, version, action, payload, comment, actor_id, actor_name, actor_role,
                                client_request_id, request_id, before, after, is_public)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`,
      [
        record.id,
        event.version,
        event.action,
        JSON.stringify(event.payload),
        event.comment ?? null,
        hasAccount(event.actor) ? event.actor.id : null,
        event.actor.name,
        event.actor.role,
        event.clientRequestId ?? null,
        event.requestId ?? null,
        event.before === null ? null : JSON.stringify(event.before),
        JSON.stringify(event.after),
        isPublic,
      ],
    )
  ).rows[0]!.id;
  // The pipeline's database role may not write the audit log (migration 0008): an import is
  // recorded by its event alone.
  if (event.action === 'import') return id;
  await appendAudit(tx, {
    actor: hasAccount(event.actor) ? event.actor : undefined,
    action: `case.${event.action}`,
    subjectType: 'case',
    subjectId: record.caseNumber,
    before: event.before ?? undefined,
    after: event.after,
    details: {
      caseEventId: id,
      version: event.version,
      payload: event.payload,
      comment: event.comment ?? null,
      clientRequestId: event.clientRequestId ?? null,
      ...(hasAccount(event.actor) ? {} : { by: event.actor.name }),
    },
    requestId: event.requestId,
  });
  return id;
}

/** Appends an event and moves the case's state with it (the caller holds the case's lock). */
async function appendEvent(
  tx: Tx,
  record: CaseRecord,
  event: Omit<NewEvent, 'version' | 'before'>,
): Promise<string> {
  const id = await insertEvent(tx, record, { ...event, version: record.version + 1, before: record.state });
  await tx.query(
    `update cases set status = $2, version = $3, state = $4, is_public = $5, indication = coalesce($6, indication),
            updated_at = now()
     where id = $1`,
    [
      record.id,
      event.after.status,
      event.after.version,
      JSON.stringify(event.after),
      event.after.public,
      event.after.indication,
    ],
  );
  return id;
}

export interface CaseChangeInput {
  caseNumber: string;
  /** The case version the reviewer saw; another current version is a conflict. */
  expectedVersion: number;
  /** The same id twice is one change (a double click or a retried request). */
  clientRequestId: string;
  change: CaseActionInput;
  comment?: string | undefined;
  requestId?: string | undefined;
  today: string;
}

export type CaseChangeOutcome =
  | { kind: 'recorded'; record: CaseRecord; event: CaseEvent; replayed: boolean }
  | { kind: 'not-found' }
  | { kind: 'conflict'; reason: 'stale-version' | 'not-allowed'; message: string; record: CaseRecord }
  | { kind: 'request-id-reused' };

/**
 * Records one change to a case in the caller's transaction, serialised per case: the event, the
 * state it leads to, and the audit entry. A stale version or a change the state does not allow
 * records nothing but an audit entry of the attempt.
 */
export async function changeCaseInTransaction(
  tx: Tx,
  actor: Actor,
  input: CaseChangeInput,
): Promise<CaseChangeOutcome> {
  const found = await tx.query<{ id: string }>('select id from cases where case_number = $1', [
    input.caseNumber,
  ]);
  const caseId = found.rows[0]?.id;
  if (caseId === undefined) return { kind: 'not-found' };
  await lockKey(tx, `case ${caseId}`);
  const replay = (
    await tx.query<CaseEventRow>(`select ${EVENT_COLUMNS} from case_events where client_request_id = $1`, [
      input.clientRequestId,
    ])
  ).rows[0];
  const record = (await caseByNumber(tx, input.caseNumber))!;
  if (replay) {
    if (replay.case_id !== caseId || replay.action !== input.change.action) {
      return { kind: 'request-id-reused' };
    }
    return { kind: 'recorded', record, event: toEvent(replay), replayed: true };
  }
  const transition =
    record.version === input.expectedVersion
      ? applyCaseAction(record.state, input.change, input.today)
      : ({ kind: 'refused', reason: 'Ärendet har ändrats sedan du öppnade det.' } as const);
  if (transition.kind === 'refused') {
    const reason = record.version === input.expectedVersion ? 'not-allowed' : 'stale-version';
    await appendAudit(tx, {
      actor,
      action: 'case.conflict',
      subjectType: 'case',
      subjectId: record.caseNumber,
      before: record.state,
      details: {
        attempted: input.change.action,
        expectedVersion: input.expectedVersion,
        reason,
        clientRequestId: input.clientRequestId,
      },
      requestId: input.requestId,
    });
    return { kind: 'conflict', reason, message: transition.reason, record };
  }
  const { action, ...payload } = input.change;
  await appendEvent(tx, record, {
    action,
    payload,
    comment: input.comment,
    after: transition.state,
    actor,
    clientRequestId: input.clientRequestId,
    requestId: input.requestId,
  });
  const event = (
    await tx.query<CaseEventRow>(
      `select ${EVENT_COLUMNS} from case_events where case_id = $1 and version = $2`,
      [caseId, transition.state.version],
    )
  ).rows[0]!;
  return {
    kind: 'recorded',
    record: (await caseByNumber(tx, input.caseNumber))!,
    event: toEvent(event),
    replayed: false,
  };
}

// --- parties ----------------------------------------------------------------------------------

export interface CaseParty {
  origin: NominatingOrigin;
  party: string;
  region: string | null;
  reason: string | null;
  nominationId: string | null;
  itemId: string | null;
  /** The contact person (internal), while their subscription to the case exists. */
  contactName: string | null;
  contactEmail: string | null;
  subscriptionId: string | null;
  createdAt: Date;
}

export async function caseParties(db: Db | Tx, caseId: string): Promise<CaseParty[]> {
  const rows = await db.query<{
    origin: NominatingOrigin;
    party: string;
    region: string | null;
    reason: string | null;
    nomination_id: string | null;
    item_id: string | null;
    owner_name: string | null;
    owner_email: string | null;
    subscription_id: string | null;
    created_at: Date;
  }>(
    `select p.origin, p.party, p.region, p.reason, p.nomination_id, p.item_id, s.owner_name, s.owner_email,
            p.subscription_id, p.created_at
     from case_parties p left join subscriptions s on s.id = p.subscription_id
     where p.case_id = $1 order by p.id`,
    [caseId],
  );
  return rows.rows.map((r) => ({
    origin: r.origin,
    party: r.party,
    region: r.region,
    reason: r.reason,
    nominationId: r.nomination_id,
    itemId: r.item_id,
    contactName: r.owner_name,
    contactEmail: r.owner_email,
    subscriptionId: r.subscription_id,
    createdAt: r.created_at,
  }));
}

// --- import of the councils' lists ------------------------------------------------------------

const IMPORT_ACTOR: Actor = { id: '', name: 'Horisont (import från rådens listor)', role: SYSTEM_ROLE };

/**
 * Every entry of the councils' published lists (source `council-lists`, items of kind
 * `council-decision`) becomes a case "handled by the council", once: a new deployment starts with
 * the councils' history, and each run adds the entries that are new on the lists. Entries are
 * not notified (they are history, not changes). Returns how many cases it opened.
 */
export async function importCouncilCases(tx: Tx, today: string): Promise<number> {
  await lockKey(tx, 'cases import council lists');
  const items = await tx.query<{
    id: string;
    source_id: string;
    title: string;
    url: string;
    published_at: string | null;
    publication_type: string | null;
    trade_name: string | null;
    summary: string | null;
  }>(
    `select i.id, i.source_id, i.title, i.url, i.published_at, i.data ->> 'publicationType' as publication_type,
            i.data -> 'product' ->> 'tradeName' as trade_name, i.data ->> 'summary' as summary
     from source_items i
     where i.kind = 'council-decision' and not exists (select 1 from cases c where c.council_item_id = i.id)
     order by coalesce(i.published_at, ''), i.id`,
  );
  for (const item of items.rows) {
    const nt = isNtCouncilDecision({
      kind: 'council-decision',
      ...(item.publication_type === null ? {} : { publicationType: item.publication_type }),
    });
    const council: CaseCouncil = nt ? 'NT-rådet' : 'MTP-rådet';
    const publishedOn = item.published_at?.slice(0, 10) ?? null;
    const state = importedCaseState({ council, publishedOn: publishedOn ?? today });
    const year = Number((publishedOn ?? today).slice(0, 4));
    // Sequential: each takes the next number of its year.
    // eslint-disable-next-line no-await-in-loop
    const caseNumber = await nextCaseNumber(tx, year);
    // eslint-disable-next-line no-await-in-loop
    await tx.query(
      `insert into cases (case_number, origin, council_item_id, title, subject_kind, status, version, state, is_public)
       values ($1, 'council-list', $2, $3, $4, $5, $6, $7, true)`,
      [
        caseNumber,
        item.id,
        (item.trade_name ?? item.title).slice(0, 500),
        nt ? 'drug' : 'device',
        state.status,
        state.version,
        JSON.stringify(state),
      ],
    );
    // eslint-disable-next-line no-await-in-loop
    const record = (await caseByNumber(tx, caseNumber))!;
    // eslint-disable-next-line no-await-in-loop
    await insertEvent(tx, record, {
      version: 1,
      action: 'import',
      payload: {
        council,
        title: item.title,
        url: item.url,
        publishedOn,
        summary: item.summary?.slice(0, 2000) ?? null,
      },
      before: null,
      after: state,
      actor: IMPORT_ACTOR,
    });
  }
  return items.rows.length;
}

// --- reasons to reconsider, and the process status triage reads -------------------------------

interface TriggerSubject {
  /** A case id, or for a council list entry without a case `item:<id>`. */
  key: string;
  candidateId: string;
  /** What the case calls the product: the name a later generation is compared with when the case has no candidate. */
  title: string;
  manufacturer: string | null;
  state: Pick<CaseState, 'status' | 'reviewOn' | 'judgedThrough'>;
}

/**
 * Why each decided case should be looked at again: its review date has passed, or its candidate
 * has gained, after what the case has judged, a new generation (another candidate of the same
 * maker with the same name and a higher generation), a new indication, a safety notice or a new
 * assessment (HTA report, health-economic assessment). Set-based: a fixed number of statements
 * whatever the number of cases.
 */
async function triggersOf(
  db: Db | Tx,
  subjects: readonly TriggerSubject[],
  today: string,
): Promise<Map<string, ReconsiderTrigger[]>> {
  const out = new Map<string, ReconsiderTrigger[]>();
  const reviewable = subjects.filter((s) => REVIEWABLE.includes(s.state.status));
  for (const s of reviewable) {
    out.set(
      s.key,
      reviewDatePassed(s.state, today) ? [{ kind: 'review-date-passed', reviewOn: s.state.reviewOn! }] : [],
    );
  }
  if (reviewable.length === 0) return out;
  const keys = reviewable.map((s) => s.key);
  const candidates = reviewable.map((s) => s.candidateId);
  const judged = reviewable.map((s) => s.state.judgedThrough ?? '0000-00-00');
  const [items, others] = await Promise.all([
    db.query<{
      key: string;
      id: string;
      kind: string;
      title: string;
      url: string;
      summary: string | null;
      day: string;
    }>(
      `select x.key, i.id, i.kind, i.title, i.url, i.data ->> 'summary' as summary, d.day
       from unnest($1::text[], $2::uuid[], $3::text[]) as x(key, candidate_id, judged)
       join evidence e on e.candidate_id = x.candidate_id
       join source_items i on i.id = e.item_id
       cross join lateral (select coalesce(left(i.published_at, 10),
                                           to_char(i.first_seen_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD')) as day) d
       where d.day > x.judged and i.source_id <> 'nominations' and i.kind <> 'council-decision'
       order by x.key, d.day, i.id`,
      [keys, candidates, judged],
    ),
    db.query<{
      key: string;
      base_name: string;
      base_maker: string | null;
      id: string;
      name: string;
      manufacturer: string | null;
      day: string;
    }>(
      // The case's own candidate names the product when it has one; a council list entry no
      // candidate was linked to (an older generation, say) is named by its title.
      `select x.key, coalesce(b.name, x.title) as base_name, coalesce(b.manufacturer, x.maker) as base_maker,
              k.id, k.name, k.manufacturer, to_char(k.created_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as day
       from unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[]) as x(key, candidate_id, judged, title, maker)
       left join candidates b on b.id = x.candidate_id
       join candidates k on k.created_at >= (x.judged::date + 1)::timestamp at time zone 'Europe/Stockholm'
                        and k.merged_into is null and k.id <> x.candidate_id
                        and lower(split_part(k.name, ' ', 1)) = lower(split_part(coalesce(b.name, x.title), ' ', 1))
       where x.judged <> '0000-00-00'
       order by x.key, k.created_at, k.id`,
      [keys, candidates, judged, reviewable.map((s) => s.title), reviewable.map((s) => s.manufacturer)],
    ),
  ]);
  for (const item of items.rows) {
    const kind = materialEventOf({ kind: item.kind, title: item.title, summary: item.summary ?? undefined });
    if (kind === undefined) continue;
    out.get(item.key)!.push({ kind, date: item.day, title: item.title, url: item.url, itemId: item.id });
  }
  for (const other of others.rows) {
    // The maker must agree where both are known (a council's list names none).
    const makers = other.base_maker !== null && other.manufacturer !== null;
    if (
      (makers && !sameMakerName(other.base_maker, other.manufacturer)) ||
      !isNewerGeneration(other.base_name, other.name)
    ) {
      continue;
    }
    out.get(other.key)!.push({
      kind: 'new-generation',
      date: other.day,
      title: other.name,
      url: null,
      candidateId: other.id,
    });
  }
  return out;
}

export interface CaseToReconsider {
  record: CaseRecord;
  triggers: ReconsiderTrigger[];
}

/** The reasons to reconsider each of these cases (decided ones; the rest get none). */
export async function reconsiderTriggersOf(
  db: Db | Tx,
  records: readonly CaseRecord[],
  today: string,
): Promise<Map<string, ReconsiderTrigger[]>> {
  return triggersOf(
    db,
    records.map((r) => ({
      key: r.id,
      candidateId: r.candidateId ?? NO_CANDIDATE,
      title: r.title,
      manufacturer: r.manufacturer,
      state: r.state,
    })),
    today,
  );
}

const NO_CANDIDATE = '00000000-0000-0000-0000-000000000000';

/** The workbench's "to reconsider" list: decided cases with a reason to look at them again. */
export async function casesToReconsider(db: Db | Tx, today: string): Promise<CaseToReconsider[]> {
  const rows = await db.query<CaseDbRow>(
    `select ${CASE_COLUMNS} from cases c where c.status = any($1::text[]) order by c.case_number`,
    [REVIEWABLE],
  );
  const records = rows.rows.map(toRecord);
  const triggers = await reconsiderTriggersOf(db, records, today);
  return records
    .map((record) => ({ record, triggers: triggers.get(record.id) ?? [] }))
    .filter((entry) => entry.triggers.length > 0);
}

/** One of a candidate's cases as triage sees it. */
export interface CandidateCase {
  /** Null for an entry on a council's list that has not been imported as a case yet. */
  caseNumber: string | null;
  status: CaseStatus;
  council: CaseCouncil | null;
  public: boolean;
  triggers: ReconsiderTrigger[];
}

export interface CandidateCaseState {
  candidateId: string;
  /** not-handled, nominated (being prepared), handled (by a council), reconsider. */
  status: CandidateProcessStatus;
  /** The councils that have handled or are handling it. */
  councils: CaseCouncil[];
  cases: CandidateCase[];
  /** What makes the status `reconsider` (empty otherwise, or when a reconsideration is under way). */
  reconsiderTriggers: ReconsiderTrigger[];
}

/**
 * The process status of each candidate for triage, from its cases and from the councils' own
 * lists (an entry linked to the candidate counts as handled even before it is imported as a
 * case). Every id asked for gets an entry (`not-handled` when nothing is known); ids of
 * candidates merged into another answer for the candidate they live on in. `today` is the
 * Stockholm calendar date the review dates are compared with.
 */
export async function caseStatesOfCandidates(
  db: Db | Tx,
  candidateIds: readonly string[],
  today: string,
): Promise<Map<string, CandidateCaseState>> {
  const ids = [...new Set(candidateIds)];
  const result = new Map<string, CandidateCaseState>();
  if (ids.length === 0) return result;
  const [cases, listed] = await Promise.all([
    db.query<{
      asked: string;
      live: string;
      id: string;
      case_number: string;
      title: string;
      status: CaseStatus;
      state: CaseState;
    }>(
      `select coalesce(k.merged_into, k.id) as live, k.id as asked, c.id, c.case_number, c.title, c.status, c.state
       from candidates k join cases c on c.candidate_id = k.id
       where k.id = any($1::uuid[]) or k.merged_into = any($1::uuid[])
       union all
       select e.candidate_id, e.candidate_id, c.id, c.case_number, c.title, c.status, c.state
       from evidence e join cases c on c.council_item_id = e.item_id
       where e.candidate_id = any($1::uuid[])`,
      [ids],
    ),
    db.query<{
      candidate_id: string;
      item_id: string;
      source_id: string;
      title: string;
      publication_type: string | null;
      day: string;
    }>(
      `select e.candidate_id, i.id as item_id, i.source_id, i.title, i.data ->> 'publicationType' as publication_type,
              coalesce(left(i.published_at, 10),
                       to_char(i.first_seen_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD')) as day
       from evidence e join source_items i on i.id = e.item_id
       where e.candidate_id = any($1::uuid[]) and i.kind = 'council-decision'
         and not exists (select 1 from cases c where c.council_item_id = i.id)`,
      [ids],
    ),
  ]);
  const requested = new Set(ids);
  type Entry = {
    candidateId: string;
    key: string;
    caseNumber: string | null;
    title: string;
    state: CaseState;
  };
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const row of cases.rows) {
    // A case on a merged candidate answers for the survivor when that was asked, or for the
    // absorbed id itself when only that was asked.
    const candidateId = requested.has(row.live) ? row.live : row.asked;
    const key = `${candidateId} ${row.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({
      candidateId,
      key: row.id,
      caseNumber: row.case_number,
      title: row.title,
      state: row.state,
    });
  }
  for (const row of listed.rows) {
    const council: CaseCouncil = isNtCouncilDecision({
      kind: 'council-decision',
      ...(row.publication_type === null ? {} : { publicationType: row.publication_type }),
    })
      ? 'NT-rådet'
      : 'MTP-rådet';
    entries.push({
      candidateId: row.candidate_id,
      key: `item:${row.item_id}`,
      caseNumber: null,
      title: row.title,
      state: importedCaseState({ council, publishedOn: row.day }),
    });
  }
  const triggers = await triggersOf(
    db,
    entries.map((e) => ({
      key: `${e.candidateId} ${e.key}`,
      candidateId: e.candidateId,
      title: e.title,
      manufacturer: null,
      state: e.state,
    })),
    today,
  );
  for (const id of ids) {
    const own = entries.filter((e) => e.candidateId === id);
    const list: CandidateCase[] = own.map((e) => ({
      caseNumber: e.caseNumber,
      status: e.state.status,
      council: e.state.council,
      public: e.state.public,
      triggers: triggers.get(`${e.candidateId} ${e.key}`) ?? [],
    }));
    const councils = CASE_COUNCILS.filter((council) =>
      list.some((c) => c.council === council && (c.public || c.status === 'taken-up')),
    );
    result.set(id, {
      candidateId: id,
      status: processStatusOf(list),
      councils,
      cases: list,
      reconsiderTriggers: list.flatMap((c) => c.triggers),
    });
  }
  return result;
}

// --- the public record ------------------------------------------------------------------------

export interface PublicEventRow {
  id: string;
  caseNumber: string;
  title: string;
  action: CaseEventAction;
  payload: Record<string, unknown>;
  after: CaseState;
  createdAt: Date;
}

/** Public events, newest first, for the public feed and each public case's history. */
export async function publicCaseEvents(
  db: Db | Tx,
  options: { caseIds?: string[]; limit: number },
): Promise<Array<PublicEventRow & { caseId: string }>> {
  const rows = await db.query<{
    id: string;
    case_id: string;
    case_number: string;
    title: string;
    action: CaseEventAction;
    payload: Record<string, unknown>;
    after: CaseState;
    created_at: Date;
  }>(
    `select e.id, e.case_id, c.case_number, c.title, e.action, e.payload, e.after, e.created_at
     from case_events e join cases c on c.id = e.case_id
     where e.is_public and c.is_public and ($1::uuid[] is null or e.case_id = any($1::uuid[]))
     order by e.id desc limit $2`,
    [options.caseIds ?? null, options.limit],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    caseNumber: r.case_number,
    title: r.title,
    action: r.action,
    payload: r.payload,
    after: r.after,
    createdAt: r.created_at,
  }));
}

/** The first nomination date of each case (public: when and by whom, not why). */
export async function nominatedOn(db: Db | Tx, caseIds: string[]): Promise<Map<string, Date>> {
  const rows = await db.query<{ case_id: string; at: Date }>(
    `select case_id, min(created_at) as at from case_parties where case_id = any($1::uuid[]) group by case_id`,
    [caseIds],
  );
  return new Map(rows.rows.map((r) => [r.case_id, r.at]));
}

/**
 * Scoring reads the councils' lists under this lock shared, and a job that changes them takes it
 * alone, so a candidate is either scored after the change or re-scored by the job that made it.
 */
export const COUNCIL_LISTS_LOCK = 'council lists';

/** Every entry of the councils' own lists, as triage compares candidate names with them. */
export async function councilListEntries(db: Db | Tx): Promise<CouncilListEntry[]> {
  const rows = await db.query<{
    title: string;
    summary: string | null;
    source_id: string;
    publication_type: string | null;
    day: string | null;
  }>(
    `select title, data ->> 'summary' as summary, source_id, data ->> 'publicationType' as publication_type,
            left(published_at, 10) as day
     from source_items where kind = 'council-decision' order by id`,
  );
  return rows.rows.map((row) => ({
    title: row.title,
    council: isNtCouncilDecision({
      kind: 'council-decision',
      ...(row.publication_type === null ? {} : { publicationType: row.publication_type }),
    })
      ? 'NT-rådet'
      : 'MTP-rådet',
    ...(row.day === null ? {} : { listedOn: row.day }),
    text: row.summary === null ? row.title : `${row.title}. ${row.summary}`,
  }));
}

/**
 * Candidates a council list entry speaks for whose current score does not know it yet: the listed
 * product line's models and its newer generations (by name; `isSameLine`, `isNewerGeneration`)
 * still judged not handled. They are scored again; once they are, a repeated job finds none.
 */
export async function candidatesNamedByListEntries(tx: Tx, itemIds: readonly number[]): Promise<string[]> {
  const rows = await tx.query<{ id: string; name: string; title: string }>(
    `select c.id, c.name, i.title
     from source_items i
     join candidates c on c.merged_into is null
       and starts_with(lower(c.name), lower(split_part(i.title, ' ', 1)))
     left join scores s on s.id = c.current_score_id
     where i.id = any($1::bigint[]) and i.kind = 'council-decision'
       and coalesce(s.process_status, 'ej-hanterad') = 'ej-hanterad'`,
    [itemIds],
  );
  return [
    ...new Set(
      rows.rows
        .filter((row) => isSameLine(row.title, row.name) || isNewerGeneration(row.title, row.name))
        .map((row) => row.id),
    ),
  ];
}

export interface CaseCandidateFacts {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: SubjectKind;
  council: CaseCouncil;
}

/** The candidate a case is about, as it lives now, and the council its score routes it to. */
export async function caseCandidateFacts(
  tx: Tx,
  candidateId: string,
): Promise<CaseCandidateFacts | undefined> {
  const row = (
    await tx.query<{
      id: string;
      name: string;
      manufacturer: string | null;
      kind: SubjectKind;
      council: string | null;
    }>(
      `select c.id, c.name, c.manufacturer, c.kind, s.council from candidates c
       left join scores s on s.id = c.current_score_id
       where c.id = (select coalesce(merged_into, id) from candidates where id = $1)`,
      [candidateId],
    )
  ).rows[0];
  if (!row) return undefined;
  const council =
    row.council === 'MTP-rådet' || row.council === 'NT-rådet' ? row.council : councilForKind(row.kind);
  return { ...row, council };
}

/** The party added last to a case is told of its changes through this subscription. */
export async function subscribeLatestParty(tx: Tx, caseId: string, subscriptionId: string): Promise<void> {
  await tx.query(
    `update case_parties set subscription_id = $1
     where id = (select max(id) from case_parties where case_id = $2)`,
    [subscriptionId, caseId],
  );
}
