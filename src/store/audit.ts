import type { Db, Tx } from './db.js';
import { likeLiteral } from './db.js';

/** Who acted: a stable user id plus the name and role they had at the time. */
export interface Actor {
  id: string;
  name: string;
  role: string;
}

export interface AuditEntry {
  actor?: Actor | undefined;
  /** Dotted event name: `decision.nominate`, `auth.login`, `auth.login_failed`, `access.denied`, … */
  action: string;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  /** A keyed hash of the client address: enough to correlate, not to identify. */
  ipHash?: string | undefined;
}

/** Appends one row; the database chains its hash to the previous row's. */
export async function appendAudit(db: Db | Tx, entry: AuditEntry): Promise<string> {
  const row = (
    await db.query<{ id: string }>(
      `insert into audit_log (actor_id, actor_name, actor_role, action, subject_type, subject_id, before, after,
                              details, request_id, ip_hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
      [
        entry.actor?.id ?? null,
        entry.actor?.name ?? null,
        entry.actor?.role ?? null,
        entry.action,
        entry.subjectType ?? null,
        entry.subjectId ?? null,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.details === undefined ? null : JSON.stringify(entry.details),
        entry.requestId ?? null,
        entry.ipHash ?? null,
      ],
    )
  ).rows[0]!;
  return row.id;
}

export interface AuditRow {
  id: string;
  seq: string;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  subjectLabel: string | null;
  before: unknown;
  after: unknown;
  details: Record<string, unknown> | null;
  requestId: string | null;
  rowHash: string;
}

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  subjectId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
}

export async function listAudit(db: Db, filter: AuditFilter): Promise<{ items: AuditRow[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.action) add("a.action like ? || '%'", likeLiteral(filter.action));
  if (filter.actor) add("a.actor_name ilike '%' || ? || '%'", likeLiteral(filter.actor));
  if (filter.subjectId) add('a.subject_id = ?', filter.subjectId);
  if (filter.from) add("a.at >= (?::date::timestamp at time zone 'Europe/Stockholm')", filter.from);
  if (filter.to) add("a.at < ((?::date + 1)::timestamp at time zone 'Europe/Stockholm')", filter.to);
  const whereSql = where.length ? `where ${where.join(' and ')}` : '';
  const total = (
    await db.query<{ n: number }>(`select count(*)::int as n from audit_log a ${whereSql}`, params)
  ).rows[0]!.n;
  params.push(filter.pageSize, (filter.page - 1) * filter.pageSize);
  const rows = await db.query<{
    id: string;
    seq: string;
    at: Date;
    actor_id: string | null;
    actor_name: string | null;
    actor_role: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    subject_label: string | null;
    before: unknown;
    after: unknown;
    details: Record<string, unknown> | null;
    request_id: string | null;
    row_hash: string;
  }>(
    `select a.id, a.seq, a.at, a.actor_id, a.actor_name, a.actor_role, a.action, a.subject_type, a.subject_id,
            case when a.subject_type = 'candidate' then
              (select c.name from candidates c where c.id::text = a.subject_id) end as subject_label,
            a.before, a.after, a.details, a.request_id, a.row_hash
     from audit_log a ${whereSql}
     order by a.seq desc
     limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  return {
    total,
    items: rows.rows.map((r) => ({
      id: r.id,
      seq: r.seq,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      actorRole: r.actor_role,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      subjectLabel: r.subject_label,
      before: r.before,
      after: r.after,
      details: r.details,
      requestId: r.request_id,
      rowHash: r.row_hash,
    })),
  };
}

/** Rows whose hash or link to the previous row does not match; empty when the log is intact. */
export async function auditChainProblems(db: Db): Promise<Array<{ seq: string; problem: string }>> {
  return (
    await db.query<{ seq: string; problem: string }>('select seq, problem from horisont_audit_broken_links()')
  ).rows;
}
