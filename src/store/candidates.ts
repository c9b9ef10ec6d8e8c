import type { Db, Tx } from './db.js';
import { lockKey } from './db.js';
import type { IdentityKey, ItemIdentity } from '../domain/identity.js';

/** Stronger keys win when an item's keys point at different candidates. */
const KEY_STRENGTH: Record<IdentityKey['scheme'], number> = {
  'udi-di': 0,
  'basic-udi-di': 1,
  product: 2,
  item: 3,
};

export function keyString(key: IdentityKey): string {
  return `${key.scheme}:${key.value}`;
}

/** Takes the advisory locks for a set of identity keys, in one global order (no deadlocks). */
export async function lockIdentityKeys(tx: Tx, keys: IdentityKey[]): Promise<void> {
  const unique = [...new Set(keys.map(keyString))].sort();
  for (const key of unique) {
    // Sequential by design: locks must be taken in a fixed order.
    await lockKey(tx, `identity ${key}`); // eslint-disable-line no-await-in-loop
  }
}

export interface LinkResult {
  /** Absent when the identity may not create a candidate and none exists yet. */
  candidateId: string | undefined;
  created: boolean;
  /** Other candidates the same keys point at: possible duplicates for a reviewer. */
  conflicts: string[];
}

/**
 * Finds or creates the candidate for one identity and links the item to it. Must run with the
 * identity's keys locked, so two workers resolving one product create one candidate.
 */
export async function linkIdentity(
  tx: Tx,
  identity: ItemIdentity,
  itemId: number,
  runId: string,
  options: { mayCreate: boolean } = { mayCreate: true },
): Promise<LinkResult> {
  const existing = await tx.query<{ scheme: IdentityKey['scheme']; candidate_id: string }>(
    `select k.scheme, k.candidate_id from candidate_keys k
     join unnest($1::text[], $2::text[]) as t(scheme, value) on t.scheme = k.scheme and t.value = k.value`,
    [identity.keys.map((k) => k.scheme), identity.keys.map((k) => k.value)],
  );
  const ranked = existing.rows
    .slice()
    .sort(
      (a, b) =>
        KEY_STRENGTH[a.scheme] - KEY_STRENGTH[b.scheme] || a.candidate_id.localeCompare(b.candidate_id),
    );
  let candidateId = ranked[0]?.candidate_id;
  const created = candidateId === undefined && options.mayCreate;
  if (candidateId === undefined && !options.mayCreate) {
    await tx.query(
      `insert into deferred_links (scheme, value, item_id, reason)
       select unnest($1::text[]), unnest($2::text[]), $3, $4 on conflict do nothing`,
      [identity.keys.map((k) => k.scheme), identity.keys.map((k) => k.value), itemId, identity.reason],
    );
    return { candidateId: undefined, created: false, conflicts: [] };
  }
  if (candidateId === undefined) {
    candidateId = (
      await tx.query<{ id: string }>(
        'insert into candidates (kind, name, first_run_id) values ($1, $2, $3) returning id',
        [identity.candidateKind, identity.displayName, runId],
      )
    ).rows[0]!.id;
  }
  await tx.query(
    `insert into candidate_keys (scheme, value, candidate_id)
     select unnest($1::text[]), unnest($2::text[]), $3 on conflict do nothing`,
    [identity.keys.map((k) => k.scheme), identity.keys.map((k) => k.value), candidateId],
  );
  await tx.query(
    `insert into evidence (candidate_id, item_id, reason) values ($1, $2, $3) on conflict do nothing`,
    [candidateId, itemId, identity.reason],
  );
  // Items that waited for a candidate with one of these keys attach now.
  await tx.query(
    `insert into evidence (candidate_id, item_id, reason)
     select distinct $3::uuid, d.item_id, d.reason from deferred_links d
     join unnest($1::text[], $2::text[]) as t(scheme, value) on t.scheme = d.scheme and t.value = d.value
     on conflict do nothing`,
    [identity.keys.map((k) => k.scheme), identity.keys.map((k) => k.value), candidateId],
  );
  const conflicts = [...new Set(ranked.map((row) => row.candidate_id))].filter((id) => id !== candidateId);
  return { candidateId, created, conflicts };
}

export interface CandidateRow {
  id: string;
  kind: string;
  name: string;
  manufacturer: string | null;
  identifiers: Array<{ scheme: string; value: string }>;
  current_score_id: string | null;
}

export async function loadCandidate(db: Db | Tx, candidateId: string): Promise<CandidateRow | undefined> {
  return (
    await db.query<CandidateRow>(
      'select id, kind, name, manufacturer, identifiers, current_score_id from candidates where id = $1',
      [candidateId],
    )
  ).rows[0];
}
