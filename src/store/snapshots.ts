import type { Db, Tx } from './db.js';
import { assertSchemaName } from './db.js';
import type { FetchedDocument, FetchRequest } from '../sources/types.js';

export interface FetchState {
  etag: string | null;
  last_modified: string | null;
  body_hash: string | null;
}

export async function loadFetchState(
  db: Db,
  sourceId: string,
  requestKey: string,
): Promise<FetchState | undefined> {
  return (
    await db.query<FetchState>(
      'select etag, last_modified, body_hash from fetch_state where source_id = $1 and request_key = $2',
      [sourceId, requestKey],
    )
  ).rows[0];
}

/** The snapshot this run already stored for a request, if any (one per run, source and request). */
export async function storedSnapshotId(
  db: Db,
  runId: string,
  sourceId: string,
  requestKey: string,
): Promise<number | undefined> {
  const row = (
    await db.query<{ id: string }>(
      'select id from snapshots where run_id = $1 and source_id = $2 and request_key = $3',
      [runId, sourceId, requestKey],
    )
  ).rows[0];
  return row ? Number(row.id) : undefined;
}

/**
 * Which of these requests the source has read and accepted in any run: a detail request names
 * its record's version, so one read need not be read again.
 */
export async function readRequestKeys(db: Db | Tx, sourceId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const result = await db.query<{ request_key: string }>(
    `select distinct request_key from snapshots
     where source_id = $1 and request_key = any($2::text[]) and parsed_at is not null and not held`,
    [sourceId, keys],
  );
  return new Set(result.rows.map((row) => row.request_key));
}

export interface SnapshotInput {
  runId: string;
  sourceId: string;
  request: FetchRequest;
  url: string;
  status: number;
  headers: Record<string, string>;
  bodyHash: string;
  /** Only for a body not stored before. */
  body?: Buffer;
  unchanged: boolean;
  etag?: string;
  lastModified?: string;
}

/** Stores the body once by hash, the conditional-GET state, and one snapshot per run and request. */
export async function saveSnapshot(tx: Tx, input: SnapshotInput): Promise<number> {
  if (input.body) {
    await tx.query(
      'insert into bodies (hash, body, size) values ($1, $2, $3) on conflict (hash) do nothing',
      [input.bodyHash, input.body, input.body.length],
    );
  }
  await tx.query(
    `insert into fetch_state (source_id, request_key, url, etag, last_modified, body_hash)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (source_id, request_key) do update
       set url = excluded.url, etag = coalesce(excluded.etag, fetch_state.etag),
           last_modified = coalesce(excluded.last_modified, fetch_state.last_modified),
           body_hash = excluded.body_hash, updated_at = now()`,
    [
      input.sourceId,
      input.request.key,
      input.request.url,
      input.etag ?? null,
      input.lastModified ?? null,
      input.bodyHash,
    ],
  );
  // A repeated fetch job within a run keeps the run's first observation: a re-run must not turn
  // the page it stored itself into "unchanged" (or a 304).
  const inserted = await tx.query<{ id: string }>(
    `insert into snapshots (run_id, source_id, request_key, url, status, headers, body_hash, unchanged)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (run_id, source_id, request_key) do nothing
     returning id`,
    [
      input.runId,
      input.sourceId,
      input.request.key,
      input.url,
      input.status,
      JSON.stringify(input.headers),
      input.bodyHash,
      input.unchanged,
    ],
  );
  const result =
    inserted.rows.length > 0
      ? inserted
      : await tx.query<{ id: string }>(
          'select id from snapshots where run_id = $1 and source_id = $2 and request_key = $3',
          [input.runId, input.sourceId, input.request.key],
        );
  return Number(result.rows[0]!.id);
}

export interface StoredSnapshot {
  id: number;
  runId: string;
  sourceId: string;
  unchanged: boolean;
  parsed: { newIds: number[]; changedIds: number[] } | undefined;
  document: FetchedDocument;
}

export async function loadSnapshot(db: Db, snapshotId: number): Promise<StoredSnapshot | undefined> {
  const row = (
    await db.query<{
      id: string;
      run_id: string;
      source_id: string;
      request_key: string;
      url: string;
      status: number;
      headers: Record<string, string>;
      body: Buffer;
      unchanged: boolean;
      fetched_at: Date;
      parsed_at: Date | null;
      new_item_ids: string[] | null;
      changed_item_ids: string[] | null;
    }>(
      `select s.id, s.run_id, s.source_id, s.request_key, s.url, s.status, s.headers, b.body, s.unchanged, s.fetched_at,
              s.parsed_at, s.new_item_ids, s.changed_item_ids
       from snapshots s join bodies b on b.hash = s.body_hash where s.id = $1`,
      [snapshotId],
    )
  ).rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    runId: row.run_id,
    sourceId: row.source_id,
    unchanged: row.unchanged,
    parsed: row.parsed_at
      ? { newIds: (row.new_item_ids ?? []).map(Number), changedIds: (row.changed_item_ids ?? []).map(Number) }
      : undefined,
    document: {
      request: { key: row.request_key, url: row.url },
      url: row.url,
      status: row.status,
      headers: row.headers,
      body: row.body,
      fetchedAt: row.fetched_at.toISOString(),
    },
  };
}

export interface ParsedPage {
  itemsSeen: number;
  newIds: number[];
  changedIds: number[];
  /** The keys of the page's items: what the re-key guard compares the next reading with. */
  itemKeys: string[];
  /** Structured sources: the page's records and how many lacked needed fields (drift baseline). */
  census?: { records: number; lacking: number } | undefined;
}

export async function markSnapshotParsed(tx: Tx, snapshotId: number, page: ParsedPage): Promise<void> {
  await tx.query(
    `update snapshots set parsed_at = now(), items_seen = $2, new_item_ids = $3, changed_item_ids = $4,
                          item_keys = $5, records_total = $6, records_lacking = $7
     where id = $1 and parsed_at is null`,
    [
      snapshotId,
      page.itemsSeen,
      page.newIds,
      page.changedIds,
      page.itemKeys,
      page.census?.records ?? null,
      page.census?.lacking ?? null,
    ],
  );
}

/** A stored snapshot's id and source. */
export interface SnapshotOfSource {
  id: string;
  sourceId: string;
}

/** The latest stored snapshot with a body of each request of the sources (fetched since `since`). */
export async function latestSnapshots(
  tx: Tx,
  sourceIds: readonly string[],
  since: Date | undefined,
): Promise<SnapshotOfSource[]> {
  const latest = await tx.query<{ source_id: string; id: string }>(
    `select distinct on (source_id, request_key) source_id, request_key, id from snapshots
     where source_id = any($1::text[]) and body_hash is not null
       and ($2::timestamptz is null or fetched_at >= $2)
     order by source_id, request_key, fetched_at desc, id desc`,
    [sourceIds, since ?? null],
  );
  return latest.rows.map((row) => ({ id: row.id, sourceId: row.source_id }));
}

/** Copies snapshots into a run (as not yet parsed), to be parsed again: a replay. */
export async function copySnapshots(
  tx: Tx,
  runId: string,
  ids: readonly string[],
): Promise<SnapshotOfSource[]> {
  const copies = await tx.query<{ id: string; source_id: string }>(
    `insert into snapshots (run_id, source_id, request_key, url, status, headers, body_hash, unchanged)
     select $1, source_id, request_key, url, status, headers, body_hash, false
     from snapshots where id = any($2::bigint[])
     returning id, source_id`,
    [runId, ids],
  );
  return copies.rows.map((row) => ({ id: row.id, sourceId: row.source_id }));
}

/**
 * In another world's schema `from`: the snapshot of each request of the sources that was current
 * on `asOf` (the latest fetched by then, a run judging an earlier day counting as of that day).
 */
export async function snapshotsAsOf(
  tx: Tx,
  from: string,
  asOf: string,
  sourceIds: readonly string[],
): Promise<SnapshotOfSource[]> {
  const schema = assertSchemaName(from);
  const current = await tx.query<{ id: string; source_id: string }>(
    `select distinct on (s.source_id, s.request_key) s.id, s.source_id
     from ${schema}.snapshots s join ${schema}.runs r on r.id = s.run_id
     where s.body_hash is not null and s.source_id = any($2::text[])
       and coalesce(r.as_of, (s.fetched_at at time zone 'Europe/Stockholm')::date) <= $1::date
     order by s.source_id, s.request_key, s.fetched_at desc, s.id desc`,
    [asOf, sourceIds],
  );
  return current.rows.map((row) => ({ id: row.id, sourceId: row.source_id }));
}

/** Copies snapshots and their bodies from another world's schema `from` into a run of this one. */
export async function copySnapshotsFrom(
  tx: Tx,
  from: string,
  runId: string,
  ids: readonly string[],
): Promise<SnapshotOfSource[]> {
  const schema = assertSchemaName(from);
  await tx.query(
    `insert into bodies (hash, body, size, created_at)
     select b.hash, b.body, b.size, b.created_at from ${schema}.bodies b
     where b.hash in (select body_hash from ${schema}.snapshots where id = any($1::bigint[]))
     on conflict do nothing`,
    [ids],
  );
  const copies = await tx.query<{ id: string; source_id: string }>(
    `insert into snapshots (run_id, source_id, request_key, url, status, headers, body_hash, unchanged, fetched_at)
     select $1, source_id, request_key, url, status, headers, body_hash, false, fetched_at
     from ${schema}.snapshots where id = any($2::bigint[])
     order by source_id, request_key
     returning id, source_id`,
    [runId, ids],
  );
  return copies.rows.map((row) => ({ id: row.id, sourceId: row.source_id }));
}
