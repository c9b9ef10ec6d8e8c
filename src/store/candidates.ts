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

/** Candidates not merged into another. */
export async function countLiveCandidates(db: Db): Promise<number> {
  return (
    await db.query<{ n: number }>('select count(*)::int as n from candidates where merged_into is null')
  ).rows[0]!.n;
}

/**
 * Candidates whose judgement is due to change on the run's day with the same evidence (their
 * lifecycle's review date has come), with that date.
 */
export async function candidatesToRejudge(
  tx: Tx,
  runId: string,
): Promise<Array<{ id: string; rejudgeOn: string }>> {
  const due = await tx.query<{ id: string; rejudge_on: string }>(
    `select c.id, to_char(c.rejudge_on, 'YYYY-MM-DD') as rejudge_on from candidates c join runs r on r.id = $1
     where c.merged_into is null and c.rejudge_on <= r.as_of
     order by c.id`,
    [runId],
  );
  return due.rows.map((row) => ({ id: row.id, rejudgeOn: row.rejudge_on }));
}
