import type { Db, Tx } from './db.js';
import type { IdentityKey } from '../domain/identity.js';

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
