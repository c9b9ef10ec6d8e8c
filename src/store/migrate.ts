import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './db.js';
import { withTransaction, lockKey } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(path.join(dir, file), 'utf8'),
    })),
  );
}

/** Applies pending migrations in order, each in its own transaction; safe to run concurrently. */
export async function migrate(db: Db, schema: string): Promise<number[]> {
  const migrations = await listMigrations();
  return withTransaction(db, async (tx) => {
    await lockKey(tx, `migrate:${schema}`);
    await tx.query(`create schema if not exists ${schema}`);
    await tx.query(
      `create table if not exists ${schema}.schema_migrations (
         version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const applied = new Set(
      (await tx.query<{ version: number }>(`select version from ${schema}.schema_migrations`)).rows.map(
        (row) => row.version,
      ),
    );
    const done: number[] = [];
    for (const migration of migrations.filter((m) => !applied.has(m.version))) {
      // Sequential on purpose: each migration builds on the one before.
      await tx.query(migration.sql); // eslint-disable-line no-await-in-loop
      // eslint-disable-next-line no-await-in-loop
      await tx.query(`insert into ${schema}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

/** Versions known to the code but not yet applied (empty when current). */
export async function pendingMigrations(db: Db, schema: string): Promise<number[]> {
  const migrations = await listMigrations();
  const exists = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [
    `${schema}.schema_migrations`,
  ]);
  if (!exists.rows[0]?.ok) return migrations.map((m) => m.version);
  const applied = new Set(
    (await db.query<{ version: number }>(`select version from ${schema}.schema_migrations`)).rows.map(
      (row) => row.version,
    ),
  );
  return migrations.filter((m) => !applied.has(m.version)).map((m) => m.version);
}
