import type { Db, Tx } from './db.js';
import type { RawItem } from '../domain/item.js';
import { pageLooksRekeyed, rekeyProblem } from '../domain/rekey.js';
import type { KeyShift, RekeySettings } from '../domain/rekey.js';
import { addSourceNote } from './health.js';
import { upsertItems } from './items.js';
import type { UpsertedItems } from './items.js';

/**
 * The re-key guard's bookkeeping (src/domain/rekey.ts decides): a page that looks re-keyed
 * defers its new items to the end of its source's scan; the scan's verdict then lets them through
 * or holds them for a person (`horisont holds`). Deferred and held items wait in `held_items`,
 * not in `source_items`, so what was known stays exactly as it was.
 */

export interface PageIngest extends UpsertedItems {
  /** New items of the page that wait for the source's whole scan. */
  deferred: number;
}

/** The keys the request listed the last time it was read and accepted, or undefined without one. */
async function previousKeys(
  tx: Tx,
  runId: string,
  sourceId: string,
  requestKey: string,
): Promise<string[] | undefined> {
  const row = await tx.query<{ item_keys: string[] }>(
    `select item_keys from snapshots
     where source_id = $1 and request_key = $2 and run_id <> $3 and parsed_at is not null
       and item_keys is not null and not held
     order by fetched_at desc, id desc limit 1`,
    [sourceId, requestKey, runId],
  );
  return row.rows[0]?.item_keys;
}

/**
 * Stores a parsed page's items. When the same request listed other keys the last time, more of
 * them gone than the guard allows and about as many new keys in their place, the new items wait
 * (deferred) and only the known ones are stored now. Items in `keepStored` (stored items a detail
 * document completes) count as listed but are not overwritten by the listing's shorter form.
 */
export async function ingestPage(
  tx: Tx,
  input: {
    runId: string;
    sourceId: string;
    snapshotId: number;
    requestKey: string;
    items: RawItem[];
    settings: RekeySettings;
    keepStored?: ReadonlySet<string>;
  },
): Promise<PageIngest> {
  const { runId, sourceId, snapshotId, items } = input;
  const keep = input.keepStored;
  const upsert = (list: RawItem[]): Promise<UpsertedItems> =>
    upsertItems(tx, sourceId, snapshotId, keep ? list.filter((item) => !keep.has(item.itemKey)) : list);
  const store = async (): Promise<PageIngest> => ({ ...(await upsert(items)), deferred: 0 });
  const before = await previousKeys(tx, runId, sourceId, input.requestKey);
  if (!before || before.length === 0) return store();
  const now = new Set(items.map((item) => item.itemKey));
  const gone = before.filter((key) => !now.has(key)).length;
  // Most pages keep most of their keys: no need to ask which of the others are new.
  if (gone / before.length <= input.settings.share) return store();
  const known = new Set(
    (
      await tx.query<{ item_key: string }>(
        'select item_key from source_items where source_id = $1 and item_key = any($2::text[])',
        [sourceId, [...now]],
      )
    ).rows.map((row) => row.item_key),
  );
  const fresh = items.filter((item) => !known.has(item.itemKey));
  if (!pageLooksRekeyed({ known: before.length, gone, fresh: fresh.length }, input.settings)) return store();
  const stored = await upsert(items.filter((item) => known.has(item.itemKey)));
  await tx.query(
    `insert into held_items (run_id, source_id, item_key, snapshot_id, data)
     select $1, $2, t.item_key, $3, $5::jsonb -> (t.n::int - 1)
     from unnest($4::text[]) with ordinality as t(item_key, n)
     on conflict do nothing`,
    [runId, sourceId, snapshotId, fresh.map((item) => item.itemKey), JSON.stringify(fresh)],
  );
  return { ...stored, deferred: fresh.length };
}

/** What the source's requests listed before and now, over every request this run read. */
async function keyShift(tx: Tx, runId: string, sourceId: string, fresh: number): Promise<KeyShift> {
  const row = await tx.query<{ known: number; gone: number }>(
    `with now_read as (
       select request_key, item_keys from snapshots
       where run_id = $1 and source_id = $2 and item_keys is not null),
     before as (
       select distinct on (s.request_key) s.item_keys from snapshots s
       where s.source_id = $2 and s.run_id <> $1 and s.parsed_at is not null and s.item_keys is not null
         and not s.held and s.request_key in (select request_key from now_read)
       order by s.request_key, s.fetched_at desc, s.id desc),
     known as (select distinct unnest(item_keys) as k from before),
     listed as (select distinct unnest(item_keys) as k from now_read)
     select (select count(*)::int from known) as known,
            (select count(*)::int from (select k from known except select k from listed) g) as gone`,
    [runId, sourceId],
  );
  return { known: row.rows[0]!.known, gone: row.rows[0]!.gone, fresh };
}

/** Moves waiting items into source_items; returns the ids of those new or changed. */
async function letThrough(
  tx: Tx,
  where: { runId: string; sourceId: string; holdId: number | null },
): Promise<UpsertedItems> {
  const rows = await tx.query<{ snapshot_id: string; data: RawItem }>(
    `delete from held_items where run_id = $1 and source_id = $2 and hold_id is not distinct from $3
     returning snapshot_id, data`,
    [where.runId, where.sourceId, where.holdId],
  );
  const bySnapshot = new Map<number, RawItem[]>();
  for (const row of rows.rows) {
    const id = Number(row.snapshot_id);
    bySnapshot.set(id, [...(bySnapshot.get(id) ?? []), row.data]);
  }
  const result: UpsertedItems = { newIds: [], changedIds: [] };
  for (const [snapshotId, items] of [...bySnapshot].sort(([a], [b]) => a - b)) {
    // Sequential: one transaction's client runs one statement at a time anyway.
    const stored = await upsertItems(tx, where.sourceId, snapshotId, items); // eslint-disable-line no-await-in-loop
    result.newIds.push(...stored.newIds);
    result.changedIds.push(...stored.changedIds);
  }
  return result;
}

/** Only the latest accepted observation of each request is compared against; older keys go. */
async function forgetOlderObservations(tx: Tx, runId: string, sourceId: string): Promise<void> {
  await tx.query(
    `update snapshots s set item_keys = null
     where s.source_id = $2 and s.run_id <> $1 and s.item_keys is not null and not s.held
       and s.request_key in (select request_key from snapshots
                             where run_id = $1 and source_id = $2 and item_keys is not null)`,
    [runId, sourceId],
  );
}

export interface DeferredVerdict {
  /** The items let through that are new or changed: they go on to resolution. */
  stored: UpsertedItems;
  /** Items let through that were new to the source. */
  released: number;
  /** Items held for review (0 when none). */
  held: number;
  note?: string;
}

/**
 * At the end of a source's scan in a run (once, under the run-source lock): the deferred items
 * go on to resolution, or, when the scan as a whole looks re-keyed, are held for review with a
 * note on the source. An accepted scan becomes the observation the next one is compared with.
 */
export async function settleDeferred(
  tx: Tx,
  runId: string,
  sourceId: string,
  settings: RekeySettings,
): Promise<DeferredVerdict> {
  const waiting = await tx.query<{ n: number }>(
    'select count(*)::int as n from held_items where run_id = $1 and source_id = $2 and hold_id is null',
    [runId, sourceId],
  );
  const deferred = waiting.rows[0]!.n;
  if (deferred > 0) {
    const shift = await keyShift(tx, runId, sourceId, deferred);
    const problem = rekeyProblem(shift, settings);
    if (problem) {
      const hold = await tx.query<{ id: string }>(
        `insert into item_holds (run_id, source_id, known, gone, fresh, reason)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (run_id, source_id) do update set fresh = excluded.fresh
         returning id`,
        [runId, sourceId, shift.known, shift.gone, shift.fresh, problem],
      );
      const holdId = Number(hold.rows[0]!.id);
      await tx.query(
        'update held_items set hold_id = $3 where run_id = $1 and source_id = $2 and hold_id is null',
        [runId, sourceId, holdId],
      );
      await tx.query('update snapshots set held = true where run_id = $1 and source_id = $2', [
        runId,
        sourceId,
      ]);
      const note = `${deferred} nya poster hålls för granskning (horisont holds show ${holdId}): ${problem}`;
      await addSourceNote(tx, sourceId, runId, 'rekey-hold', note);
      return { stored: { newIds: [], changedIds: [] }, released: 0, held: deferred, note };
    }
  }
  const stored = deferred > 0 ? await letThrough(tx, { runId, sourceId, holdId: null }) : undefined;
  await forgetOlderObservations(tx, runId, sourceId);
  return {
    stored: stored ?? { newIds: [], changedIds: [] },
    released: stored?.newIds.length ?? 0,
    held: 0,
  };
}

export interface ItemHold {
  id: number;
  runId: string;
  sourceId: string;
  known: number;
  gone: number;
  fresh: number;
  reason: string;
  status: 'held' | 'released' | 'discarded';
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  releaseRunId: string | null;
  createdAt: Date;
  /** Keys and titles of a few held items, for the reviewer. */
  sample: Array<{ itemKey: string; title: string }>;
}

export async function listHolds(db: Db | Tx, holdId?: number): Promise<ItemHold[]> {
  const rows = await db.query<{
    id: string;
    run_id: string;
    source_id: string;
    known: number;
    gone: number;
    fresh: number;
    reason: string;
    status: ItemHold['status'];
    decided_by: string | null;
    decided_at: Date | null;
    decision_reason: string | null;
    release_run_id: string | null;
    created_at: Date;
    sample: Array<{ itemKey: string; title: string }> | null;
  }>(
    `select h.*, (select json_agg(json_build_object('itemKey', s.item_key, 'title', s.data->>'title'))
                  from (select item_key, data from held_items where hold_id = h.id
                        order by item_key limit 10) s) as sample
     from item_holds h where $1::bigint is null or h.id = $1 order by h.id desc`,
    [holdId ?? null],
  );
  return rows.rows.map((row) => ({
    id: Number(row.id),
    runId: row.run_id,
    sourceId: row.source_id,
    known: row.known,
    gone: row.gone,
    fresh: row.fresh,
    reason: row.reason,
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    releaseRunId: row.release_run_id,
    createdAt: row.created_at,
    sample: row.sample ?? [],
  }));
}

/** Locks an open hold for a decision; undefined when it does not exist or was decided already. */
export async function claimHold(tx: Tx, holdId: number): Promise<ItemHold | undefined> {
  const row = await tx.query<{ id: string }>(
    `select id from item_holds where id = $1 and status = 'held' for update`,
    [holdId],
  );
  if (row.rows.length === 0) return undefined;
  return (await listHolds(tx, holdId))[0];
}

/**
 * A person let the held items through: they are stored and resolved in `releaseRunId`, and the
 * held scan becomes an accepted observation after all. Returns the items to resolve.
 */
export async function releaseHeldItems(
  tx: Tx,
  hold: ItemHold,
  decision: { by: string; reason: string; releaseRunId: string },
): Promise<UpsertedItems> {
  const stored = await letThrough(tx, { runId: hold.runId, sourceId: hold.sourceId, holdId: hold.id });
  await tx.query(
    `update item_holds set status = 'released', decided_by = $2, decided_at = now(), decision_reason = $3,
            release_run_id = $4 where id = $1`,
    [hold.id, decision.by, decision.reason, decision.releaseRunId],
  );
  await tx.query('update snapshots set held = false where run_id = $1 and source_id = $2', [
    hold.runId,
    hold.sourceId,
  ]);
  await forgetOlderObservations(tx, hold.runId, hold.sourceId);
  return stored;
}

/** A person judged the held items wrong (a broken source): they are dropped; nothing was stored. */
export async function discardHeldItems(
  tx: Tx,
  hold: ItemHold,
  decision: { by: string; reason: string },
): Promise<void> {
  await tx.query('delete from held_items where hold_id = $1', [hold.id]);
  await tx.query(
    `update item_holds set status = 'discarded', decided_by = $2, decided_at = now(), decision_reason = $3
     where id = $1`,
    [hold.id, decision.by, decision.reason],
  );
}
