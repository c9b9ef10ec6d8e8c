import { createHash } from 'node:crypto';
import type { Tx, Db } from './db.js';
import type { RawItem } from '../domain/item.js';
import type { EvidenceItem } from '../domain/candidate.js';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Canonical JSON (sorted keys) so the same item always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
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
  const result = await tx.query<{ id: string; inserted: boolean }>(
    `insert into source_items as s
       (source_id, item_key, kind, title, url, published_at, content_hash, source_version, data,
        first_snapshot_id, last_snapshot_id)
     select $1, t.item_key, t.kind, t.title, t.url, t.published_at, t.content_hash, t.source_version, t.data,
            $2, $2
     from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
       as t(item_key, kind, title, url, published_at, content_hash, source_version, data)
     on conflict (source_id, item_key) do update
       set kind = excluded.kind, title = excluded.title, url = excluded.url,
           published_at = excluded.published_at, content_hash = excluded.content_hash,
           source_version = excluded.source_version, data = excluded.data,
           last_snapshot_id = excluded.last_snapshot_id, last_seen_at = now(), changed_at = now()
       where s.content_hash is distinct from excluded.content_hash
     returning id, (xmax = 0) as inserted`,
    [
      sourceId,
      snapshotId,
      items.map((item) => item.itemKey),
      items.map((item) => item.kind),
      items.map((item) => item.title),
      items.map((item) => item.url),
      items.map((item) => item.publishedAt ?? null),
      items.map((item) => sha256(canonicalJson(item))),
      items.map((item) => item.sourceVersion ?? null),
      items.map((item) => JSON.stringify(item)),
    ],
  );
  return {
    newIds: result.rows.filter((row) => row.inserted).map((row) => Number(row.id)),
    changedIds: result.rows.filter((row) => !row.inserted).map((row) => Number(row.id)),
  };
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

/** Changes exactly when the candidate's evidence set or any evidence content changes. */
export async function evidenceFingerprint(db: Db | Tx, candidateId: string): Promise<string> {
  const result = await db.query<{ parts: string | null }>(
    `select string_agg(i.source_id || '/' || i.item_key || '.' || i.content_hash, ','
                       order by i.source_id, i.item_key) as parts
     from evidence e join source_items i on i.id = e.item_id where e.candidate_id = $1`,
    [candidateId],
  );
  return sha256(result.rows[0]?.parts ?? '').slice(0, 20);
}
