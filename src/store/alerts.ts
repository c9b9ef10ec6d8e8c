import type { Notification } from 'pg';
import type { Db, Tx } from './db.js';
import { SubscriptionFilter } from '../domain/alert-filter.js';
import type { Channel, EventKind } from '../domain/alert-filter.js';

export interface SubscriptionRow {
  id: string;
  name: string;
  owner_name: string;
  owner_email: string | null;
  filter: SubscriptionFilter;
  channel: Channel;
  webhook_url: string | null;
  webhook_secret: string | null;
  unsubscribe_token: string;
  created_at: Date;
  /** The workbench account that made it; null for subscriptions made with the CLI. */
  owner_user_id: string | null;
  /** A paused subscription matches no new events. */
  paused_at: Date | null;
  updated_at: Date;
}

const SUBSCRIPTION_COLUMNS = `id, name, owner_name, owner_email, filter, channel, webhook_url, webhook_secret,
  unsubscribe_token, created_at, owner_user_id, paused_at, updated_at`;

/** Stored filters are re-read through the schema, so defaults added later apply to old rows. */
function withFilter(row: SubscriptionRow): SubscriptionRow {
  return { ...row, filter: SubscriptionFilter.parse(row.filter) };
}

export interface NewSubscription {
  name: string;
  ownerName: string;
  ownerEmail: string | null;
  filter: SubscriptionFilter;
  channel: Channel;
  webhookUrl: string | null;
  webhookSecret: string | null;
  feedTokenHash: string | null;
  unsubscribeToken: string;
  ownerUserId?: string | null | undefined;
}

export async function insertSubscription(db: Db | Tx, s: NewSubscription): Promise<SubscriptionRow> {
  const result = await db.query<SubscriptionRow>(
    `insert into subscriptions (name, owner_name, owner_email, filter, channel, webhook_url, webhook_secret,
                                feed_token_hash, unsubscribe_token, owner_user_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning ${SUBSCRIPTION_COLUMNS}`,
    [
      s.name,
      s.ownerName,
      s.ownerEmail,
      JSON.stringify(s.filter),
      s.channel,
      s.webhookUrl,
      s.webhookSecret,
      s.feedTokenHash,
      s.unsubscribeToken,
      s.ownerUserId ?? null,
    ],
  );
  return withFilter(result.rows[0]!);
}

/** Every subscription, or only those of one workbench account. */
export async function listSubscriptions(db: Db | Tx, ownerUserId?: string): Promise<SubscriptionRow[]> {
  const result =
    ownerUserId === undefined
      ? await db.query<SubscriptionRow>(
          `select ${SUBSCRIPTION_COLUMNS} from subscriptions order by created_at, id`,
        )
      : await db.query<SubscriptionRow>(
          `select ${SUBSCRIPTION_COLUMNS} from subscriptions where owner_user_id = $1 order by created_at, id`,
          [ownerUserId],
        );
  return result.rows.map(withFilter);
}

export interface SubscriptionChange {
  name: string;
  ownerEmail: string | null;
  filter: SubscriptionFilter;
  paused: boolean;
}

/** Changes what a subscription asks for; its channel, feed token and webhook stay as they are. */
export async function updateSubscription(
  db: Db | Tx,
  id: string,
  change: SubscriptionChange,
): Promise<SubscriptionRow | undefined> {
  const row = (
    await db.query<SubscriptionRow>(
      `update subscriptions set name = $2, owner_email = $3, filter = $4,
              paused_at = case when $5 then coalesce(paused_at, now()) end, updated_at = now()
       where id = $1 returning ${SUBSCRIPTION_COLUMNS}`,
      [id, change.name, change.ownerEmail, JSON.stringify(change.filter), change.paused],
    )
  ).rows[0];
  return row && withFilter(row);
}

export async function getSubscription(db: Db | Tx, id: string): Promise<SubscriptionRow | undefined> {
  const row = (
    await db.query<SubscriptionRow>(`select ${SUBSCRIPTION_COLUMNS} from subscriptions where id = $1`, [id])
  ).rows[0];
  return row && withFilter(row);
}

export async function subscriptionByFeedTokenHash(
  db: Db | Tx,
  hash: string,
): Promise<SubscriptionRow | undefined> {
  const row = (
    await db.query<SubscriptionRow>(
      `select ${SUBSCRIPTION_COLUMNS} from subscriptions where feed_token_hash = $1 and channel = 'atom'`,
      [hash],
    )
  ).rows[0];
  return row && withFilter(row);
}

export async function subscriptionByUnsubscribeToken(
  db: Db | Tx,
  token: string,
): Promise<SubscriptionRow | undefined> {
  const row = (
    await db.query<SubscriptionRow>(
      `select ${SUBSCRIPTION_COLUMNS} from subscriptions where unsubscribe_token = $1`,
      [token],
    )
  ).rows[0];
  return row && withFilter(row);
}

/**
 * Removes a subscription with everything that holds its personal data: its outbox rows and its
 * deliveries, sent or pending (an unsubscribe is also an erasure request). Events stay: they
 * describe candidates and runs, not people.
 */
export async function deleteSubscription(db: Db | Tx, id: string): Promise<boolean> {
  const result = await db.query('delete from subscriptions where id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

export interface MatchableSubscription {
  id: string;
  channel: Channel;
  filter: SubscriptionFilter;
}

/** Subscriptions an event may match: those that existed when it happened and are not paused. */
export async function matchableSubscriptions(
  tx: Tx,
  createdBefore: Date | null = null,
): Promise<MatchableSubscription[]> {
  const result = await tx.query<MatchableSubscription>(
    `select id, channel, filter from subscriptions
     where created_at <= coalesce($1, now()) and paused_at is null order by id`,
    [createdBefore],
  );
  return result.rows.map((row) => ({ ...row, filter: SubscriptionFilter.parse(row.filter) }));
}

export interface NewEvent {
  key: string;
  kind: EventKind;
  candidateId: string | null;
  runId: string | null;
  sourceId?: string | null;
  scoreId?: string | null;
  fingerprint?: string | null;
  state?: string[] | null;
  details: unknown;
}

/** Inserts an event once per natural key; returns its id only when this call created it. */
export async function insertEvent(tx: Tx, event: NewEvent): Promise<string | undefined> {
  return (await insertEvents(tx, [event])).get(event.key);
}

/**
 * Inserts events once per natural key, in the given order (their ids follow it), with one
 * statement; returns the ids of those this call created, by key.
 */
export async function insertEvents(tx: Tx, events: readonly NewEvent[]): Promise<Map<string, string>> {
  if (events.length === 0) return new Map();
  // An evidence state is an array of its own per event: unnest would flatten a text[][], so each
  // travels as a JSON array.
  const result = await tx.query<{ id: string; event_key: string }>(
    `insert into candidate_events (event_key, kind, candidate_id, run_id, source_id, score_id,
                                   evidence_fingerprint, evidence_state, details)
     select e.key, e.kind, e.candidate_id, e.run_id, e.source_id, e.score_id, e.fingerprint,
            case when e.state is null then null else array(select jsonb_array_elements_text(e.state)) end,
            e.details
     from unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::bigint[], $7::text[],
                 $8::jsonb[], $9::jsonb[])
          with ordinality as e(key, kind, candidate_id, run_id, source_id, score_id, fingerprint, state, details, n)
     order by e.n
     on conflict (event_key) do nothing returning id, event_key`,
    [
      events.map((e) => e.key),
      events.map((e) => e.kind),
      events.map((e) => e.candidateId),
      events.map((e) => e.runId),
      events.map((e) => e.sourceId ?? null),
      events.map((e) => e.scoreId ?? null),
      events.map((e) => e.fingerprint ?? null),
      events.map((e) => (e.state === undefined || e.state === null ? null : JSON.stringify(e.state))),
      events.map((e) => JSON.stringify(e.details)),
    ],
  );
  return new Map(result.rows.map((row) => [row.event_key, row.id]));
}

export interface OutboxInsert {
  subscriptionId: string;
  eventId: string;
  channel: Channel;
  candidateId: string | null;
  runId: string | null;
}

/** At most one row per (subscription, event): a job that runs twice adds nothing. */
export async function insertOutbox(tx: Tx, rows: OutboxInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into alert_outbox (subscription_id, event_id, candidate_id, run_id, status)
     select unnest($1::uuid[]), unnest($2::bigint[]), unnest($3::uuid[]), unnest($4::uuid[]), unnest($5::text[])
     on conflict (subscription_id, event_id) do nothing`,
    [
      rows.map((r) => r.subscriptionId),
      rows.map((r) => r.eventId),
      rows.map((r) => r.candidateId),
      rows.map((r) => r.runId),
      rows.map((r) => (r.channel === 'atom' ? 'feed' : 'pending')),
    ],
  );
}

export interface LastEvidence {
  fingerprint: string;
  state: string[];
}

/** The evidence as each candidate's most recent event recorded it, for those with one. */
export async function lastEvidenceOf(
  tx: Tx,
  candidateIds: readonly string[],
): Promise<Map<string, LastEvidence>> {
  const result = await tx.query<{
    candidate_id: string;
    evidence_fingerprint: string;
    evidence_state: string[] | null;
  }>(
    `select c.id as candidate_id, last.evidence_fingerprint, last.evidence_state
     from unnest($1::uuid[]) as c(id)
     cross join lateral (
       select evidence_fingerprint, evidence_state from candidate_events
       where candidate_id = c.id and evidence_fingerprint is not null order by id desc limit 1) last`,
    [candidateIds],
  );
  return new Map(
    result.rows.map((row) => [
      row.candidate_id,
      { fingerprint: row.evidence_fingerprint, state: row.evidence_state ?? [] },
    ]),
  );
}

/**
 * `item_id:content_hash` of each evidence item of each candidate, sorted; changes whenever
 * evidence does. A candidate without evidence has an empty state.
 */
export async function evidenceStates(
  tx: Tx,
  candidateIds: readonly string[],
): Promise<Map<string, string[]>> {
  const result = await tx.query<{ candidate_id: string; state: string[] }>(
    `select c.id as candidate_id,
            array(select e.item_id::text || ':' || i.content_hash as part
                  from evidence e join source_items i on i.id = e.item_id
                  where e.candidate_id = c.id order by 1) as state
     from unnest($1::uuid[]) as c(id)`,
    [candidateIds],
  );
  return new Map(result.rows.map((row) => [row.candidate_id, row.state]));
}

// --- relay ------------------------------------------------------------------------------------

/** The channel the outbox's and the runs' triggers notify on (migration 0005), with the schema. */
const NOTIFY_CHANNEL = 'horisont_alerts';

export interface AlertListener {
  /** Stops listening and hands the connection back. */
  close(): Promise<void>;
}

/**
 * LISTENs, on a connection of its own, for commits in this pool's schema that may have made
 * alerts due (an outbox row, a completed run). `onLost` hears of a lost connection; the caller
 * listens again.
 */
export async function listenForAlerts(
  db: Db,
  handlers: { onNotify: () => void; onLost: (error: Error) => void },
): Promise<AlertListener> {
  const client = await db.connect();
  const schema = (await client.query<{ s: string }>('select current_schema() as s')).rows[0]?.s ?? '';
  client.on('notification', (n: Notification) => {
    if (n.channel === NOTIFY_CHANNEL && n.payload === schema) handlers.onNotify();
  });
  client.on('error', (error: Error) => {
    client.release(error);
    handlers.onLost(error);
  });
  await client.query(`listen ${NOTIFY_CHANNEL}`);
  return {
    close: async () => {
      await client.query(`unlisten ${NOTIFY_CHANNEL}`).catch(() => undefined);
      client.release();
    },
  };
}

export interface ReadyRow {
  id: string;
  subscription_id: string;
  channel: Channel;
  candidate_id: string | null;
  run_id: string | null;
}

/**
 * Pending rows whose cause has settled: rows of a run wait until the run completes (so a storm
 * can be told from a trickle), but never longer than `holdMs`. Locked for the caller's
 * transaction; rows another relay holds are skipped.
 */
export async function lockReadyRows(
  tx: Tx,
  options: {
    channels: readonly Channel[];
    holdMs: number;
    /** Per channel: only rows created before this (the start of the digest period). */
    createdBefore?: Partial<Record<Channel, Date>>;
    limit: number;
  },
): Promise<ReadyRow[]> {
  const before = options.createdBefore ?? {};
  const result = await tx.query<ReadyRow>(
    `select o.id, o.subscription_id, s.channel, o.candidate_id, o.run_id
     from alert_outbox o
     join subscriptions s on s.id = o.subscription_id
     left join runs r on r.id = o.run_id
     where o.status = 'pending' and s.channel = any($1::text[])
       and (o.run_id is null or r.status = 'completed' or o.created_at < now() - make_interval(secs => $2))
       and o.created_at < coalesce(($3::jsonb ->> s.channel)::timestamptz, 'infinity')
     order by o.subscription_id, o.id
     limit $4
     for update of o skip locked`,
    [
      options.channels,
      options.holdMs / 1000,
      JSON.stringify(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.toISOString()]))),
      options.limit,
    ],
  );
  return result.rows;
}

/** Creates a delivery for rows (once per key) and assigns them to it; false if the key existed. */
export async function createDelivery(
  tx: Tx,
  subscriptionId: string,
  key: string,
  kind: 'single' | 'storm' | 'digest',
  rowIds: string[],
): Promise<string | undefined> {
  const created = await tx.query<{ id: string }>(
    `insert into alert_deliveries (subscription_id, delivery_key, kind) values ($1, $2, $3)
     on conflict (subscription_id, delivery_key) do nothing returning id`,
    [subscriptionId, key, kind],
  );
  const id = created.rows[0]?.id;
  if (id === undefined) return undefined;
  await tx.query(
    `update alert_outbox set status = 'assigned', delivery_id = $1 where id = any($2::bigint[])`,
    [id, rowIds],
  );
  return id;
}

export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  delivery_key: string;
  kind: 'single' | 'storm' | 'digest';
  attempts: number;
}

/** Claims due deliveries for `leaseMs` (FOR UPDATE SKIP LOCKED: relays never share one). */
export async function claimDeliveries(
  db: Db,
  options: { channels: readonly Channel[]; leaseMs: number; limit: number },
): Promise<ClaimedDelivery[]> {
  const result = await db.query<ClaimedDelivery>(
    `update alert_deliveries d
        set claimed_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
      where d.id in (
        select x.id from alert_deliveries x join subscriptions s on s.id = x.subscription_id
        where x.status = 'pending' and x.next_attempt_at <= now()
          and (x.claimed_until is null or x.claimed_until < now())
          and s.channel = any($1::text[])
        order by x.id limit $3
        for update of x skip locked)
      returning d.id, d.subscription_id, d.delivery_key, d.kind, d.attempts`,
    [options.channels, options.leaseMs / 1000, options.limit],
  );
  return result.rows;
}

export interface EventRow {
  outbox_id: string;
  event_id: string;
  kind: EventKind;
  candidate_id: string | null;
  run_id: string | null;
  source_id: string | null;
  details: unknown;
  created_at: Date;
}

export async function deliveryEvents(db: Db | Tx, deliveryId: string): Promise<EventRow[]> {
  const result = await db.query<EventRow>(
    `select o.id as outbox_id, e.id as event_id, e.kind, e.candidate_id, e.run_id, e.source_id, e.details,
            e.created_at
     from alert_outbox o join candidate_events e on e.id = o.event_id
     where o.delivery_id = $1 order by e.id`,
    [deliveryId],
  );
  return result.rows;
}

export async function markDelivered(db: Db, deliveryId: string): Promise<void> {
  await db.query(
    `update alert_deliveries set status = 'sent', sent_at = now(), claimed_until = null, last_error = null
     where id = $1 and status = 'pending'`,
    [deliveryId],
  );
}

/**
 * Records a failed attempt, unless the claim it belongs to is no longer current: a relay that
 * outlived its lease must not reopen a delivery another relay has since sent or claimed again.
 */
export async function markAttemptFailed(
  db: Db,
  deliveryId: string,
  options: { error: string; retryInMs: number; maxAttempts: number; attempt: number },
): Promise<'retry' | 'failed' | 'stale'> {
  const result = await db.query<{ status: 'pending' | 'failed' }>(
    `update alert_deliveries
        set claimed_until = null, last_error = $2,
            next_attempt_at = now() + make_interval(secs => $3),
            status = case when attempts >= $4 then 'failed' else 'pending' end
      where id = $1 and status = 'pending' and attempts = $5 returning status`,
    [deliveryId, options.error.slice(0, 200), options.retryInMs / 1000, options.maxAttempts, options.attempt],
  );
  const status = result.rows[0]?.status;
  return status === undefined ? 'stale' : status === 'failed' ? 'failed' : 'retry';
}

/** Milliseconds until the next pending delivery falls due (for a delayed wake-up), if any. */
export async function nextDueAt(db: Db, channels: readonly Channel[]): Promise<number | undefined> {
  const row = (
    await db.query<{ ms: number | null }>(
      `select (extract(epoch from min(greatest(d.next_attempt_at, coalesce(d.claimed_until, d.next_attempt_at)))
                                  - now()) * 1000)::float8 as ms
       from alert_deliveries d join subscriptions s on s.id = d.subscription_id
       where d.status = 'pending' and s.channel = any($1::text[])`,
      [channels],
    )
  ).rows[0];
  return row?.ms ?? undefined;
}

export interface FeedEntryRow extends EventRow {
  subscription_id: string;
}

/** The newest events of an Atom subscription. */
export async function feedEvents(db: Db | Tx, subscriptionId: string, limit: number): Promise<EventRow[]> {
  const result = await db.query<EventRow>(
    `select o.id as outbox_id, e.id as event_id, e.kind, e.candidate_id, e.run_id, e.source_id, e.details,
            e.created_at
     from alert_outbox o join candidate_events e on e.id = o.event_id
     where o.subscription_id = $1 and o.status = 'feed' order by o.id desc limit $2`,
    [subscriptionId, limit],
  );
  return result.rows;
}

export interface DeliveryStatusRow {
  id: string;
  subscription_id: string;
  subscription_name: string;
  channel: Channel;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  events: number;
  created_at: Date;
  sent_at: Date | null;
}

/** What each subscription has been sent (for `subscriptions list --deliveries` and the demo). */
export async function deliveryLog(db: Db | Tx, subscriptionId?: string): Promise<DeliveryStatusRow[]> {
  const result = await db.query<DeliveryStatusRow>(
    `select d.id, d.subscription_id, s.name as subscription_name, s.channel, d.kind, d.status, d.attempts,
            d.last_error, (select count(*)::int from alert_outbox o where o.delivery_id = d.id) as events,
            d.created_at, d.sent_at
     from alert_deliveries d join subscriptions s on s.id = d.subscription_id
     where $1::uuid is null or d.subscription_id = $1
     order by d.id`,
    [subscriptionId ?? null],
  );
  return result.rows;
}
