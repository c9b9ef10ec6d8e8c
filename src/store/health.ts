import type { Db, Tx } from './db.js';
import type { ErrorKind } from '../domain/errors.js';
import type { SourceHealthRow } from './queries.js';

/**
 * Source health: what the morning's run report and `horisont sources` say about each source.
 * A source is `failing` when it could not be fetched (transport faults that may pass), `broken`
 * when what came back can no longer be read (a block page, a redesign, missing fields, or no
 * items where there usually are many); `ok` after a run that settled normally. Warnings that
 * are not failures (an API's build version changed) are kept as notes.
 */

/** A run with no items is broken when the previous successful runs' median is at least this. */
export const EMPTY_YIELD_MIN_USUAL = 5;
/** How many previous successful runs make up a source's usual yield. */
export const YIELD_WINDOW = 10;

export interface SourceFailure {
  kind: ErrorKind;
  message: string;
}

/** The outcome of one failure, in the same transaction that records the run's source status. */
export async function recordSourceFailure(
  tx: Tx,
  sourceId: string,
  runId: string,
  status: 'failed' | 'broken',
  failure: SourceFailure,
): Promise<void> {
  await tx.query(
    `update sources set health = case when $3 = 'broken' then 'broken' else 'failing' end,
            consecutive_failures = consecutive_failures + 1,
            last_error_kind = $4, last_error_message = $5, last_error_at = now(),
            last_run_id = $2, last_outcome = $3, updated_at = now()
     where id = $1`,
    [sourceId, runId, status, failure.kind, failure.message],
  );
}

export async function recordSourceSuccess(
  tx: Tx,
  sourceId: string,
  runId: string,
  status: 'ok' | 'unchanged',
): Promise<void> {
  await tx.query(
    `update sources set health = 'ok', consecutive_failures = 0, last_success_at = now(),
            last_run_id = $2, last_outcome = $3, updated_at = now()
     where id = $1`,
    [sourceId, runId, status],
  );
}

/**
 * The source's usual yield: the median number of items seen over its last successful runs
 * (since the baseline was last reset), or null without history.
 */
export async function usualYield(tx: Tx | Db, sourceId: string, runId: string): Promise<number | null> {
  const row = (
    await tx.query<{ usual: number | null }>(
      `select round(percentile_cont(0.5) within group (order by h.items_seen))::int as usual
       from (select r.items_seen from run_sources r join sources s on s.id = r.source_id
             where r.source_id = $1 and r.run_id <> $2 and r.finished_at is not null
               and r.status in ('ok', 'unchanged')
               and (s.yield_baseline_from is null or r.finished_at >= s.yield_baseline_from)
             order by r.finished_at desc limit $3) h`,
      [sourceId, runId, YIELD_WINDOW],
    )
  ).rows[0];
  return row?.usual ?? null;
}

/**
 * "No items where there usually are many": the run as a whole found nothing, or one of its
 * planned requests did (one of a source's lists emptied by a redesign while the others still
 * read). Compared per request key against the same request's previous parsed snapshots.
 */
export async function emptyYieldFailure(
  tx: Tx,
  runId: string,
  sourceId: string,
  itemsSeen: number,
  usual: number | null,
): Promise<SourceFailure | undefined> {
  if (itemsSeen === 0 && usual !== null && usual >= EMPTY_YIELD_MIN_USUAL) {
    return { kind: 'layout-changed', message: `inga poster där det brukar finnas ${usual}` };
  }
  const empty = await tx.query<{ request_key: string; usual: number }>(
    `with empty as (
       select request_key from snapshots
       where run_id = $1 and source_id = $2 and parsed_at is not null and items_seen = 0),
     history as (
       select s.request_key, s.items_seen,
              row_number() over (partition by s.request_key order by s.fetched_at desc) as n
       from snapshots s
       join run_sources r on r.run_id = s.run_id and r.source_id = s.source_id
       join sources src on src.id = s.source_id
       where s.source_id = $2 and s.run_id <> $1 and s.parsed_at is not null
         and s.request_key in (select request_key from empty)
         and r.status in ('ok', 'unchanged')
         and (src.yield_baseline_from is null or r.finished_at >= src.yield_baseline_from))
     select request_key, round(percentile_cont(0.5) within group (order by items_seen))::int as usual
     from history where n <= $3 group by request_key order by request_key`,
    [runId, sourceId, YIELD_WINDOW],
  );
  const worst = empty.rows.filter((row) => row.usual >= EMPTY_YIELD_MIN_USUAL)[0];
  if (!worst) return undefined;
  return {
    kind: 'layout-changed',
    message: `inga poster i ${worst.request_key} där det brukar finnas ${worst.usual}`,
  };
}

/** How many of a source's latest structured pages make up its usual share of lacking records. */
export const DRIFT_WINDOW = 50;

/**
 * The usual share of records lacking the fields a structured source's adapter needs, over its
 * latest accepted pages (before this run), or undefined without history (src/sources/drift.ts).
 */
export async function usualLackingShare(
  db: Db | Tx,
  sourceId: string,
  runId: string,
): Promise<number | undefined> {
  const row = (
    await db.query<{ share: number | null }>(
      `select sum(records_lacking)::float8 / nullif(sum(records_total), 0) as share
       from (select records_total, records_lacking from snapshots
             where source_id = $1 and run_id <> $2 and records_total > 0 and not held
             order by fetched_at desc limit $3) h`,
      [sourceId, runId, DRIFT_WINDOW],
    )
  ).rows[0];
  return row?.share ?? undefined;
}

/** Canary names and values an adapter may report; kept short, they end up in messages. */
const CANARY_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const CANARY_VALUE_MAX = 200;

export function invalidCanary(canaries: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(canaries)) {
    if (!CANARY_NAME.test(name)) return `canary name ${JSON.stringify(name.slice(0, 70))}`;
    if (typeof value !== 'string' || value.length === 0 || value.length > CANARY_VALUE_MAX) {
      return `canary ${name}: expected a string of 1–${CANARY_VALUE_MAX} characters`;
    }
  }
  return undefined;
}

/**
 * Stores the canary values of a parsed document and notes every change against the stored
 * value: a warning for the operator (the API may have changed), not a failure. The first value
 * seen is stored without a note.
 */
export async function recordCanaries(
  tx: Tx,
  sourceId: string,
  runId: string,
  canaries: Record<string, string>,
): Promise<string[]> {
  const notes: string[] = [];
  for (const [name, value] of Object.entries(canaries).sort(([a], [b]) => a.localeCompare(b))) {
    // Sequential: one transaction's client runs its queries one at a time anyway.
    // eslint-disable-next-line no-await-in-loop
    const previous = await tx.query<{ value: string }>(
      'select value from source_canaries where source_id = $1 and name = $2 for update',
      [sourceId, name],
    );
    const before = previous.rows[0]?.value;
    if (before === value) continue;
    // eslint-disable-next-line no-await-in-loop
    await tx.query(
      `insert into source_canaries (source_id, name, value, run_id) values ($1, $2, $3, $4)
       on conflict (source_id, name) do update
         set value = excluded.value, run_id = excluded.run_id, updated_at = now()`,
      [sourceId, name, value, runId],
    );
    if (before === undefined) continue;
    const message = `${name} ändrades från ${before} till ${value}: kontrollera att källans API läses som förut`;
    // eslint-disable-next-line no-await-in-loop
    await addSourceNote(tx, sourceId, runId, `canary:${name}`, message);
    notes.push(message);
  }
  return notes;
}

export async function addSourceNote(
  tx: Tx | Db,
  sourceId: string,
  runId: string | null,
  code: string,
  message: string,
): Promise<void> {
  await tx.query(
    `insert into source_notes (source_id, run_id, code, message) values ($1, $2, $3, $4)
     on conflict (source_id, run_id, code) do nothing`,
    [sourceId, runId, code, message],
  );
}

/** Starts a source's usual yield afresh (its list has legitimately shrunk). */
export async function resetYieldBaseline(db: Db, sourceId: string): Promise<boolean> {
  const updated = await db.query(
    `update sources set yield_baseline_from = now(), updated_at = now() where id = $1`,
    [sourceId],
  );
  return (updated.rowCount ?? 0) > 0;
}

export interface SourceHealthDetail extends SourceHealthRow {
  /** Items seen by the last settled runs, newest first (the yield history). */
  recent_yields: number[];
  /** The median of the previous successful runs, as the latest run was measured against. */
  usual_items: number | null;
  /** The newest note of the last 30 days. */
  note: string | null;
  note_at: Date | null;
  canaries: Record<string, string>;
}

/** Health, yield history and the latest note of every known source, for `horisont sources`. */
export async function sourceHealthDetails(db: Db): Promise<SourceHealthDetail[]> {
  return (
    await db.query<SourceHealthDetail>(
      `select s.id, s.adapter, s.enabled, s.health, s.consecutive_failures, s.last_error_kind,
              s.last_error_message, s.last_error_at, s.last_success_at, s.last_outcome,
              (select count(*)::int from source_items i where i.source_id = s.id) as items,
              array(select r.items_seen from run_sources r
                    where r.source_id = s.id and r.finished_at is not null
                    order by r.finished_at desc limit $1) as recent_yields,
              (select r.usual_items from run_sources r
                where r.source_id = s.id and r.finished_at is not null
                order by r.finished_at desc limit 1) as usual_items,
              n.message as note, n.created_at as note_at,
              coalesce((select json_object_agg(c.name, c.value) from source_canaries c
                        where c.source_id = s.id), '{}'::json) as canaries
       from sources s
       left join lateral (select message, created_at from source_notes sn
                          where sn.source_id = s.id and sn.created_at > now() - interval '30 days'
                          order by sn.created_at desc, sn.id desc limit 1) n on true
       order by s.id`,
      [YIELD_WINDOW],
    )
  ).rows;
}

/** Mirrors the configured sources into `sources`, where their health is kept. */
export async function upsertSources(
  db: Db,
  sources: ReadonlyArray<{ id: string; adapterId: string; enabled: boolean }>,
): Promise<void> {
  await db.query(
    `insert into sources (id, adapter, enabled) select unnest($1::text[]), unnest($2::text[]), unnest($3::boolean[])
     on conflict (id) do update set adapter = excluded.adapter, enabled = excluded.enabled`,
    [sources.map((s) => s.id), sources.map((s) => s.adapterId), sources.map((s) => s.enabled)],
  );
}

export interface SourceFreshness {
  id: string;
  enabled: boolean;
  health: string;
  consecutive_failures: number;
  /** When the source last settled ok or unchanged (Unix seconds), and how long ago. */
  last_success: number | null;
  age: number | null;
}

/** Every source's health and the time since it last read well (the metrics' gauges). */
export async function sourceFreshness(db: Db): Promise<SourceFreshness[]> {
  return (
    await db.query<SourceFreshness>(
      `select id, enabled, health, consecutive_failures,
              extract(epoch from last_success_at)::float8 as last_success,
              extract(epoch from (now() - last_success_at))::float8 as age
       from sources order by id`,
    )
  ).rows;
}
