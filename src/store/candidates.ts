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
