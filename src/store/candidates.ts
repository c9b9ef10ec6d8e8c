import type { Db, Tx } from './db.js';
import type { EvidenceItem } from '../domain/candidate.js';
import type { IdentityKey } from '../domain/identity.js';
import { evidenceOfCandidates } from './items.js';

export function keyString(key: IdentityKey): string {
  return `${key.scheme}:${key.value}`;
}

export interface CandidateRow {
  id: string;
  kind: string;
  name: string;
  /** The name resolution settled on, order-independent; what naming falls back on. */
  resolved_name: string;
  manufacturer: string | null;
  identifiers: Array<{ scheme: string; value: string }>;
  current_score_id: string | null;
}

/** The live candidates among the ids, in id order, with all their evidence: two statements. */
export async function loadCandidatesWithEvidence(
  db: Db | Tx,
  candidateIds: readonly string[],
): Promise<Array<CandidateRow & { evidence: EvidenceItem[] }>> {
  const rows = await db.query<CandidateRow>(
    `select id, kind, name, coalesce(resolved_name, name) as resolved_name, manufacturer, identifiers,
            current_score_id
     from candidates where id = any($1::uuid[]) and merged_into is null order by id`,
    [candidateIds],
  );
  if (rows.rows.length === 0) return [];
  const evidence = await evidenceOfCandidates(
    db,
    rows.rows.map((row) => row.id),
  );
  return rows.rows.map((row) => ({ ...row, evidence: evidence.get(row.id) ?? [] }));
}

export async function loadCandidate(db: Db | Tx, candidateId: string): Promise<CandidateRow | undefined> {
  return (
    await db.query<CandidateRow>(
      `select id, kind, name, coalesce(resolved_name, name) as resolved_name, manufacturer, identifiers,
              current_score_id
       from candidates where id = $1 and merged_into is null`,
      [candidateId],
    )
  ).rows[0];
}

/** The candidate a (possibly merged) candidate id lives on in now, or undefined. */
export async function loadLiveCandidate(db: Db | Tx, candidateId: string): Promise<CandidateRow | undefined> {
  return (
    await db.query<CandidateRow>(
      `select id, kind, name, coalesce(resolved_name, name) as resolved_name, manufacturer, identifiers,
              current_score_id
       from candidates where id = (select coalesce(merged_into, id) from candidates where id = $1)`,
      [candidateId],
    )
  ).rows[0];
}

/**
 * The candidate's curation version (when it last changed, as the workbench's page shows it) and
 * whom it was merged into, if anyone.
 */
export async function candidateVersion(
  db: Db | Tx,
  candidateId: string,
): Promise<{ version: string; mergedInto: string | null } | undefined> {
  const row = (
    await db.query<{ updated_at: Date; merged_into: string | null }>(
      'select updated_at, merged_into from candidates where id = $1',
      [candidateId],
    )
  ).rows[0];
  return row ? { version: row.updated_at.toISOString(), mergedInto: row.merged_into } : undefined;
}

/** Locks the candidate's row for the rest of the transaction; its curation version, if it exists. */
export async function lockCandidateVersion(tx: Tx, candidateId: string): Promise<string | undefined> {
  const row = (
    await tx.query<{ updated_at: Date }>('select updated_at from candidates where id = $1 for update', [
      candidateId,
    ])
  ).rows[0];
  return row?.updated_at.toISOString();
}

export async function candidateExists(db: Db | Tx, candidateId: string): Promise<boolean> {
  return ((await db.query('select 1 from candidates where id = $1', [candidateId])).rowCount ?? 0) > 0;
}

export async function candidateName(db: Db | Tx, candidateId: string): Promise<string | undefined> {
  return (await db.query<{ name: string }>('select name from candidates where id = $1', [candidateId]))
    .rows[0]?.name;
}
