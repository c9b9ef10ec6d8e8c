import { hash as digest } from 'node:crypto';
import type { Tx, Db } from './db.js';
import type { RawItem } from '../domain/item.js';
import type { EvidenceItem } from '../domain/candidate.js';

export function sha256(data: string | Buffer): string {
  // The one-shot form: about twice as fast as createHash for the short inputs hashed per item.
  return digest('sha256', data, 'hex');
}

/**
 * Canonical JSON (sorted keys) so the same item always hashes the same. Written as loops rather
 * than entries/sort/map/join: it runs on every stored item (W4 measured it as a third of
 * `upsertItems`' own time).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array.prototype.join renders an element that has no JSON form.
      out += (canonicalJson(value[i]) as string | undefined) ?? '';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort orders by UTF-16 code units, as `<` does.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

export interface UpsertedItems {
  newIds: number[];
  changedIds: number[];
}

/**
 * Inserts new items and updates changed ones in place. Unchanged rows are not touched at all
 * (no dead tuples); a row whose content hash is unchanged returns nothing.
 */
export async function upsertItems(
  tx: Tx,
  sourceId: string,
  snapshotId: number,
  items: RawItem[],
): Promise<UpsertedItems> {
  if (items.length === 0) return { newIds: [], changedIds: [] };
  const keys: string[] = [];
  const kinds: string[] = [];
  const titles: string[] = [];
  const urls: string[] = [];
  const published: (string | null)[] = [];
  const hashes: string[] = [];
  const versions: (string | null)[] = [];
  const data: string[] = [];
  for (const item of items) {
    // One serialisation serves as the hash input and as the stored document (jsonb does not
    // keep key order, so the canonical form stores the same value).
    const json = canonicalJson(item);
    const hash = sha256(json);
    keys.push(item.itemKey);
    kinds.push(item.kind);
    titles.push(item.title);
    urls.push(item.url);
    published.push(item.publishedAt ?? null);
    hashes.push(hash);
    versions.push(item.sourceVersion ?? null);
    data.push(json);
  }
  const result = await tx.query<{ id: string; inserted: boolean }>(
    `insert into source_items as s
       (source_id, item_key, kind, title, url, published_at, content_hash, source_version, data,
        first_snapshot_id, last_snapshot_id)
     select $1, t.item_key, t.kind, t.title, t.url, t.published_at, t.content_hash, t.source_version,
            $10::jsonb -> (t.n::int - 1), $2, $2
     from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       with ordinality as t(item_key, kind, title, url, published_at, content_hash, source_version, n)
     on conflict (source_id, item_key) do update
       set kind = excluded.kind, title = excluded.title, url = excluded.url,
           published_at = excluded.published_at, content_hash = excluded.content_hash,
           source_version = excluded.source_version, data = excluded.data,
           last_snapshot_id = excluded.last_snapshot_id, last_seen_at = now(), changed_at = now()
       where s.content_hash is distinct from excluded.content_hash
     returning id, (xmax = 0) as inserted`,
    // The documents go as one JSON array rather than a jsonb[] literal, which the driver would
    // escape character by character (≈ 10 µs per row, as much as hashing and serialising).
    [sourceId, snapshotId, keys, kinds, titles, urls, published, hashes, versions, `[${data.join(',')}]`],
  );
  return {
    newIds: result.rows.filter((row) => row.inserted).map((row) => Number(row.id)),
    changedIds: result.rows.filter((row) => !row.inserted).map((row) => Number(row.id)),
  };
}

/** Which of these item keys the source has stored. */
export async function storedItemKeys(db: Db | Tx, sourceId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const result = await db.query<{ item_key: string }>(
    'select item_key from source_items where source_id = $1 and item_key = any($2::text[])',
    [sourceId, keys],
  );
  return new Set(result.rows.map((row) => row.item_key));
}

export interface StoredItem {
  id: number;
  sourceId: string;
  item: RawItem;
}

export async function loadItems(db: Db | Tx, ids: number[]): Promise<StoredItem[]> {
  const result = await db.query<{ id: string; source_id: string; data: RawItem }>(
    'select id, source_id, data from source_items where id = any($1::bigint[]) order by id',
    [ids],
  );
  return result.rows.map((row) => ({ id: Number(row.id), sourceId: row.source_id, item: row.data }));
}

export function toEvidence(stored: StoredItem): EvidenceItem {
  const { item } = stored;
  return {
    itemId: String(stored.id),
    sourceId: stored.sourceId,
    kind: item.kind,
    title: item.title,
    url: item.url,
    ...(item.publishedAt === undefined ? {} : { publishedAt: item.publishedAt }),
    ...(item.updatedAt === undefined ? {} : { updatedAt: item.updatedAt }),
    ...(item.summary === undefined ? {} : { summary: item.summary }),
    ...(item.region === undefined ? {} : { region: item.region }),
    ...(item.publicationType === undefined ? {} : { publicationType: item.publicationType }),
    ...(item.product === undefined ? {} : { product: item.product }),
    ...(item.certificate === undefined ? {} : { certificate: item.certificate }),
    ...(item.drug === undefined ? {} : { drug: item.drug }),
  };
}

/** All evidence of a candidate, oldest item first. */
export async function loadEvidence(db: Db | Tx, candidateId: string): Promise<EvidenceItem[]> {
  const result = await db.query<{ id: string; source_id: string; data: RawItem }>(
    `select i.id, i.source_id, i.data from evidence e join source_items i on i.id = e.item_id
     where e.candidate_id = $1 order by i.id`,
    [candidateId],
  );
  return result.rows.map((row) =>
    toEvidence({ id: Number(row.id), sourceId: row.source_id, item: row.data }),
  );
}

/** Each candidate's evidence (item id order) in one statement; a candidate without any is absent. */
export async function evidenceOfCandidates(
  db: Db | Tx,
  candidateIds: readonly string[],
): Promise<Map<string, EvidenceItem[]>> {
  const items = await db.query<{ candidate_id: string; id: string; source_id: string; data: RawItem }>(
    `select e.candidate_id, i.id, i.source_id, i.data from evidence e join source_items i on i.id = e.item_id
     where e.candidate_id = any($1::uuid[]) order by e.candidate_id, i.id`,
    [candidateIds],
  );
  const evidence = new Map<string, EvidenceItem[]>();
  for (const row of items.rows) {
    const list = evidence.get(row.candidate_id) ?? [];
    list.push(toEvidence({ id: Number(row.id), sourceId: row.source_id, item: row.data }));
    evidence.set(row.candidate_id, list);
  }
  return evidence;
}

/** Changes exactly when the candidate's evidence set or any evidence content changes. */
export async function evidenceFingerprint(db: Db | Tx, candidateId: string): Promise<string> {
  return (await evidenceFingerprints(db, [candidateId])).get(candidateId)!;
}

/** {@link evidenceFingerprint} of many candidates in one statement. */
export async function evidenceFingerprints(
  db: Db | Tx,
  candidateIds: string[],
): Promise<Map<string, string>> {
  const result = await db.query<{ id: string; parts: string | null }>(
    `select c.id, (select string_agg(i.source_id || '/' || i.item_key || '.' || i.content_hash, ','
                                     order by i.source_id, i.item_key)
                   from evidence e join source_items i on i.id = e.item_id
                   where e.candidate_id = c.id) as parts
     from unnest($1::uuid[]) as c(id)`,
    [candidateIds],
  );
  return new Map(result.rows.map((row) => [row.id, sha256(row.parts ?? '').slice(0, 20)]));
}

/**
 * Stores one item that did not come from a fetched page (a nomination from outside the scan, a
 * company's signal): once per key, never changed afterwards. Returns its id and whether it is new.
 */
export async function insertManualItem(
  tx: Tx,
  sourceId: string,
  item: RawItem,
): Promise<{ id: number; created: boolean }> {
  const json = canonicalJson(item);
  const inserted = await tx.query<{ id: string }>(
    `insert into source_items (source_id, item_key, kind, title, url, published_at, content_hash, data)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (source_id, item_key) do nothing returning id`,
    [sourceId, item.itemKey, item.kind, item.title, item.url, item.publishedAt ?? null, sha256(json), json],
  );
  if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), created: true };
  const existing = await tx.query<{ id: string }>(
    'select id from source_items where source_id = $1 and item_key = $2',
    [sourceId, item.itemKey],
  );
  return { id: Number(existing.rows[0]!.id), created: false };
}

/** The candidate an item was linked to (the first, when its text named several). */
export async function candidateOfItem(db: Db | Tx, itemId: number): Promise<string | undefined> {
  return (
    await db.query<{ id: string }>(
      `select coalesce(k.merged_into, k.id) as id from evidence e join candidates k on k.id = e.candidate_id
       where e.item_id = $1 order by e.linked_at, k.id limit 1`,
      [itemId],
    )
  ).rows[0]?.id;
}

/**
 * The candidate an outside submission's item (of one of `sourceIds`, its key ending in the
 * submission's client request id) was linked to.
 */
export async function candidateOfSubmission(
  db: Db,
  sourceIds: readonly string[],
  clientRequestId: string,
): Promise<string | undefined> {
  return (
    await db.query<{ candidate_id: string }>(
      `select coalesce(k.merged_into, k.id) as candidate_id from source_items i
       join evidence e on e.item_id = i.id join candidates k on k.id = e.candidate_id
       where i.source_id = any($1::text[]) and i.item_key like '% ' || $2 limit 1`,
      [sourceIds, clientRequestId],
    )
  ).rows[0]?.candidate_id;
}

export async function countItems(db: Db): Promise<number> {
  return (await db.query<{ n: number }>('select count(*)::int as n from source_items')).rows[0]!.n;
}

/** The next `limit` stored items' ids after `after`, in id order. */
export async function itemIdsAfter(db: Db, after: number, limit: number): Promise<number[]> {
  const ids = await db.query<{ id: string }>(
    'select id from source_items where id > $1 order by id limit $2',
    [after, limit],
  );
  return ids.rows.map((row) => Number(row.id));
}
