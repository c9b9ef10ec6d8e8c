import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { createLogger } from '../../src/log.js';
import { createDb, PREPARED_PER_CONNECTION } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';

/**
 * The pool's connections prepare each parameterised statement text once (PostgreSQL parses and
 * plans it once per connection instead of on every call), within a per-connection cap, and leave
 * statements without parameters as simple queries.
 */

let h: Harness;
let db: Db;

beforeAll(async () => {
  h = await createHarness({ workers: false });
  db = createDb(
    { url: h.env.DATABASE_URL, schema: h.schema, applicationName: 'prepared-test', max: 1 },
    createLogger('silent'),
  );
});
afterAll(async () => {
  await db?.end();
  await h?.close();
});

async function preparedOnConnection(): Promise<string[]> {
  const rows = await db.query<{ statement: string }>(
    'select statement from pg_prepared_statements where $1::int = 1 order by prepare_time',
    [1],
  );
  return rows.rows.map((row) => row.statement);
}

describe('prepared statements', () => {
  it('prepares a parameterised text once and answers every call with its own values', async () => {
    const text = 'select $1::int + 1 as next';
    const answers = [];
    for (const value of [1, 2, 3, 4, 5, 6, 7]) {
      answers.push((await db.query<{ next: number }>(text, [value])).rows[0]!.next);
    }
    expect(answers).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const prepared = await preparedOnConnection();
    expect(prepared.filter((statement) => statement === text)).toHaveLength(1);
  });

  it('leaves statements without parameters as simple queries', async () => {
    await db.query('select 42 as answer');
    expect(await preparedOnConnection()).not.toContain('select 42 as answer');
  });

  it('a statement that fails stays usable, and the connection with it', async () => {
    const text = 'select $1::int as n';
    await expect(db.query(text, ['not a number'])).rejects.toThrow(/invalid input syntax/);
    expect((await db.query<{ n: number }>(text, ['12'])).rows[0]!.n).toBe(12);
  });

  it('keeps at most PREPARED_PER_CONNECTION texts and runs the rest unprepared', async () => {
    for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i += 1) {
      const row = (await db.query<{ n: number }>(`select $1::int + ${i} as n`, [1])).rows[0]!;
      expect(row.n).toBe(1 + i);
    }
    expect((await preparedOnConnection()).length).toBe(PREPARED_PER_CONNECTION);
  });
});
