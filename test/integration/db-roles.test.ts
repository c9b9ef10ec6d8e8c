import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { buildWebApp } from '../../src/api/app.js';
import { createApiToken, createUser } from '../../src/store/users.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// Migration 0008's roles, used the way production uses them: the pipeline's pool switched to
// horisont_ingest scans every source, the workbench's pool switched to horisont_web records a
// decision, and then each role tries what its grants forbid.
const log = createLogger('silent');
let h: Harness;
let web: Db;
let ingest: Db;

/** A pool on the test's schema, switched to `role`, or the login's own without one. */
function pool(role?: string): Db {
  return createDb(
    { url: h.env.DATABASE_URL, schema: h.schema, applicationName: 'roles-test', max: 2, role },
    log,
  );
}

async function refusal(db: Db, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  try {
    await db.query(sql, params);
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error(`expected the database to refuse: ${sql}`);
}

beforeAll(async () => {
  h = await createHarness({ dbRole: 'horisont_ingest' });
  await h.app();
  web = pool('horisont_web');
  ingest = pool('horisont_ingest');
});

afterAll(async () => {
  await web?.end();
  await ingest?.end();
  await h?.close();
});

describe('database roles (migration 0008)', () => {
  it('creates the roles idempotently when several schemas migrate at the same moment', async () => {
    const owner = pool();
    const schemas = [1, 2, 3].map(() => `roles_${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    try {
      const dbs = schemas.map((schema) =>
        createDb({ url: h.env.DATABASE_URL, schema, applicationName: 'roles-test-migrate', max: 1 }, log),
      );
      await Promise.all(dbs.map((db, i) => migrate(db, schemas[i]!)));
      await Promise.all(dbs.map((db) => db.end()));
      const roles = await owner.query<{ rolname: string; rolcanlogin: boolean }>(
        `select rolname, rolcanlogin from pg_roles where rolname in ('horisont_web', 'horisont_ingest') order by 1`,
      );
      expect(roles.rows).toEqual([
        { rolname: 'horisont_ingest', rolcanlogin: false },
        { rolname: 'horisont_web', rolcanlogin: false },
      ]);
    } finally {
      for (const schema of schemas) await owner.query(`drop schema if exists ${schema} cascade`);
      await owner.end();
    }
  });

  it('the pipeline runs as horisont_ingest: a full scan writes items, candidates, reports', async () => {
    const summary = await h.scan();
    expect(summary.status).toBe('completed');
    expect(summary.failedJobs).toBe(0);
    const [who] = await (
      await h.app()
    ).db
      .query<{ role: string }>('select current_user as role')
      .then((r) => r.rows);
    expect(who).toEqual({ role: 'horisont_ingest' });
    const [counts] = await h.query<{ candidates: number; reports: number }>(
      'select (select count(*)::int from candidates) as candidates, (select count(*)::int from reports) as reports',
    );
    expect(counts!.candidates).toBeGreaterThan(0);
    expect(counts!.reports).toBeGreaterThan(0);
  });

  it('the workbench runs as horisont_web: a reviewer nominates, all audited', async () => {
    const ctx = await h.app();
    const owner = pool();
    let token: string;
    try {
      const reviewer = await createUser(owner, {
        username: 'greta',
        displayName: 'Greta Granskare',
        role: 'reviewer',
      });
      token = (await createApiToken(owner, reviewer.id)).token;
    } finally {
      await owner.end();
    }
    const app = await buildWebApp({ ...ctx, db: web });
    try {
      const [candidate] = await h.query<{ id: string }>(
        'select id from candidates order by created_at limit 1',
      );
      const response = await app.inject({
        method: 'POST',
        url: `/api/candidates/${candidate!.id}/decisions`,
        headers: { authorization: `Bearer ${token}` },
        payload: { action: 'nominate', version: 0, clientRequestId: randomUUID(), comment: 'Som webbrollen' },
      });
      expect(response.statusCode).toBe(201);
      const list = await app.inject({
        url: '/api/audit?action=decision.',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.json<{ total: number }>().total).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of decisions to horisont_web by grant, before any trigger', async () => {
    const [decision] = await h.query<{ id: string }>('select id from decisions limit 1');
    expect(decision).toBeDefined();
    for (const sql of [
      `update decisions set comment = 'ändrat i efterhand' where id = $1`,
      'delete from decisions where id = $1',
    ]) {
      const error = await refusal(web, sql, [decision!.id]);
      expect(error.code).toBe('42501');
      // The grant's message, not the append-only trigger's ("decisions is append-only: …").
      expect(error.message).toBe('permission denied for table decisions');
    }
    expect((await refusal(web, 'truncate decisions')).message).toBe('permission denied for table decisions');
    for (const table of ['candidate_notes', 'audit_log']) {
      expect((await refusal(web, `delete from ${table}`)).message).toBe(
        `permission denied for table ${table}`,
      );
    }
    const rights = await h.query<{ insert: boolean; select: boolean; update: boolean; delete: boolean }>(
      `select has_table_privilege('horisont_web', 'decisions', 'INSERT') as insert,
              has_table_privilege('horisont_web', 'decisions', 'SELECT') as select,
              has_table_privilege('horisont_web', 'decisions', 'UPDATE') as update,
              has_table_privilege('horisont_web', 'decisions', 'DELETE') as delete`,
    );
    expect(rights[0]).toEqual({ insert: true, select: true, update: false, delete: false });
  });

  it('refuses every write to decisions, notes, accounts and the audit log to horisont_ingest', async () => {
    expect((await ingest.query('select count(*)::int as n from decisions')).rows[0]).toEqual({ n: 1 });
    const [decision] = await h.query<{ id: string; candidate_id: string; actor_id: string }>(
      'select id, candidate_id, actor_id from decisions limit 1',
    );
    const attempts: Array<[string, string, unknown[]]> = [
      [
        'decisions',
        `insert into decisions (candidate_id, version, action, actor_id, actor_name, actor_role, client_request_id, before, after)
         values ($1, 99, 'watch', $2, 'x', 'reviewer', gen_random_uuid(), '{}', '{}')`,
        [decision!.candidate_id, decision!.actor_id],
      ],
      ['decisions', 'update decisions set comment = $1', ['x']],
      ['candidate_state', 'delete from candidate_state where candidate_id = $1', [decision!.candidate_id]],
      ['audit_log', `insert into audit_log (action) values ($1)`, ['forged']],
      ['users', `update users set role = 'admin' where id = $1`, [decision!.actor_id]],
    ];
    for (const [table, sql, params] of attempts) {
      const error = await refusal(ingest, sql, params);
      expect(error.code).toBe('42501');
      expect(error.message).toBe(`permission denied for table ${table}`);
    }
  });
});
