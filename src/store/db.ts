import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../domain/errors.js';

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

export interface DbOptions {
  url: string;
  /** Schema holding Horisont's tables; tests give every run its own. */
  schema: string;
  applicationName: string;
  max?: number;
  /**
   * A database role every connection of this pool switches to (`SET ROLE` at connection start,
   * so `RESET ROLE` returns to it, not to the login): `horisont_web` or `horisont_ingest`
   * (migration 0008). Undefined: the login's own privileges.
   */
  role?: string | undefined;
  /** The server cancels a statement running longer (PostgreSQL's statement_timeout); 0 or unset: never. */
  statementTimeoutMs?: number | undefined;
  /** Statements slower than this are logged (`db: slow statement`); unset: none. */
  slowMs?: number | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Distinct statement texts a connection keeps prepared; texts beyond it are parsed every time. */
export const PREPARED_PER_CONNECTION = 256;

/**
 * A connection that prepares each parameterised statement text once and reuses it: PostgreSQL
 * then parses the text once per connection, and after five executions may keep a generic plan,
 * instead of parsing and planning it on every call. The pipeline's statements are short and run
 * tens of thousands of times a night, so parsing and planning were a large share of their cost
 * (docs/benchmarks.md, W5). The names are per connection, in order of first use; the cap bounds
 * what a connection holds when texts are built from filters (the workbench's searches).
 * Statements without parameters (`begin`, migrations with several statements) stay simple queries.
 */
class PreparingClient extends pg.Client {
  private readonly statementNames = new Map<string, string>();
  /** Set by {@link createDb} for a pool that logs slow statements. */
  slow: { ms: number; log: Logger } | undefined;

  // The base method is a set of overloads; only the (text, values) form is changed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // The pool's own `query` passes a callback as the third argument.
    const [text, values, callback] = args as [unknown, unknown, unknown];
    const plain = args.length === 2 || (args.length === 3 && typeof callback === 'function');
    if (plain && typeof text === 'string' && Array.isArray(values)) {
      const name = this.statementName(text);
      if (name !== undefined) {
        const config = { name, text, values };
        return args.length === 3
          ? super.query(config, callback as (error: Error, result: pg.QueryResult) => void)
          : this.timed(text, super.query(config) as Promise<pg.QueryResult>);
      }
    }
    const result = super.query(...(args as [string]));
    return typeof text === 'string' && args.length === 1
      ? this.timed(text, result as Promise<pg.QueryResult>)
      : result;
  }

  /** Logs a statement slower than the pool's threshold, by its name (see {@link statementName}). */
  private timed(text: string, result: Promise<pg.QueryResult>): Promise<pg.QueryResult> {
    const slow = this.slow;
    if (slow === undefined) return result;
    const started = performance.now();
    const done = () => {
      const ms = performance.now() - started;
      if (ms >= slow.ms) {
        slow.log.warn(
          {
            statement: statementName(text),
            duration_ms: Math.round(ms),
          },
          'db: slow statement',
        );
      }
    };
    result.then(done, done);
    return result;
  }

  private statementName(text: string): string | undefined {
    let name = this.statementNames.get(text);
    if (name === undefined && this.statementNames.size < PREPARED_PER_CONNECTION) {
      name = `horisont_${this.statementNames.size}`;
      this.statementNames.set(text, name);
    }
    return name;
  }
}

/**
 * A statement's name in logs: its first words (what it does to which table) and a hash of its
 * whole text, stable across processes, so one statement's slow runs can be counted together.
 */
export function statementName(text: string): string {
  const words = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  return `${words}… #${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** Schema and role names go into connection options unquoted, so only plain identifiers pass. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema or role name: ${schema}`);
  return schema;
}

export function createDb(options: DbOptions, log: Logger): Db {
  const schema = assertSchemaName(options.schema);
  const role = options.role === undefined ? '' : ` -c role=${assertSchemaName(options.role)}`;
  const timeout = options.statementTimeoutMs
    ? ` -c statement_timeout=${Math.round(options.statementTimeoutMs)}`
    : '';
  // Every client of this pool logs its slow statements.
  const slow = options.slowMs === undefined ? undefined : { ms: options.slowMs, log };
  const Client =
    slow === undefined
      ? PreparingClient
      : class extends PreparingClient {
          override slow = slow;
        };
  const pool = new pg.Pool({
    Client,
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName,
    options: `-c search_path=${schema}${role}${timeout}`,
  });
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on('error', (error) =>
    log.warn({ err: error.message, error_kind: 'network' }, 'db: idle client error'),
  );
  return pool;
}

export async function withTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await db.connect();
  // The pool listens for errors only on idle clients. A checked-out client whose connection is
  // lost (a server restart, a terminated backend) emits `error` itself, and with no listener that
  // crashes the process; the transaction's own queries fail anyway, so note it and go on.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  // (Test doubles of the pool hand out plain objects, not event emitters.)
  const events = client as Partial<Pick<Tx, 'on' | 'off'>>;
  events.on?.('error', onError);
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    if (!lost) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    events.off?.('error', onError);
    // A client whose connection was lost is discarded, never handed out again.
    client.release(lost);
  }
}

/**
 * Text for a LIKE pattern, matched as written: `%`, `_` and the escape character itself would
 * otherwise be wildcards, so a search for "%" listed every row.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/**
 * Opens and closes one connection to the PostgreSQL at `url`, outside any pool (a probe before a
 * pool exists, or of another server): undefined when it connected (and answered `select 1`,
 * with `query`), else the error (a server's refusal carries its SQLSTATE as `code`).
 */
export async function connectOnce(
  url: string,
  timeoutMs: number,
  options: { query?: boolean } = {},
): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    if (options.query) await client.query('select 1');
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A setting of the database session (PostgreSQL's `current_setting`). */
export async function currentSetting(db: Db, name: string): Promise<string> {
  return (await db.query<{ value: string }>('select current_setting($1) as value', [name])).rows[0]!.value;
}

/** Drops a world's schema and everything in it (a replay's or the demo's, before it starts again). */
export async function dropSchema(db: Db, schema: string): Promise<void> {
  await db.query(`drop schema if exists ${assertSchemaName(schema)} cascade`);
}

/**
 * The advisory lock number of a key (an SQL text expression), within this connection's schema:
 * advisory locks belong to the whole database, and two worlds in one database (a staging and a
 * production schema, parallel test files, a benchmark beside a test run) must not wait for each
 * other's resolvers or re-scores.
 */
export function advisoryLockOf(keyExpression: string): string {
  return `hashtextextended(current_schema() || ' ' || ${keyExpression}, 0)`;
}

/** Serialises work on one key for the rest of the transaction (released at commit/rollback). */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(${advisoryLockOf('$1')})`, [key]);
}

/** {@link lockKey} shared: many readers at once, each waiting for a writer holding it alone. */
export async function lockKeyShared(tx: Tx, key: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock_shared(${advisoryLockOf('$1')})`, [key]);
}

/**
 * True when an error says the database connection failed or was lost (a restart, a terminated
 * backend, a refused connection, no connection slot left), as opposed to a query that the
 * database refused. One definition with the error kinds (`db-unavailable`).
 */
export const isConnectionError = isDatabaseUnavailable;
