/**
 * Evidence for W7's figures: the statements behind W7's targets, each run once under
 * `EXPLAIN (ANALYZE, BUFFERS)` on a scale world, with their time and the top of their plans.
 *
 *   node --import tsx bench/explain-workbench.ts <schema> [> plans.txt]
 *
 * The workbench's own read models are called (`listCandidates`, `filterOptions`,
 * `candidateDetail`, src/store/workbench.ts) through a connection that explains every statement
 * they send instead of only running it, so the plans are those of the code W7 measures.
 */
import pg from 'pg';
import { createLogger } from '../src/log.js';
import { createDb } from '../src/store/db.js';
import type { Db } from '../src/store/db.js';
import { candidateDetail, filterOptions, listCandidates } from '../src/store/workbench.js';
import type { CandidateFilter } from '../src/store/workbench.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = process.argv[2];
if (schema === undefined) throw new Error('usage: explain-workbench.ts <schema>');
const db = createDb(
  { url: DATABASE_URL, schema, applicationName: 'bench-explain', max: 1 },
  createLogger('silent'),
);

/**
 * A Db whose statements print their plan and timing, then run for their rows; its connections
 * (a list's transaction) do the same, so settings made in the transaction apply to the plans.
 */
function explaining(inner: Db, label: string): Db {
  const explain =
    (run: (text: string, params?: unknown[]) => Promise<pg.QueryResult>) =>
    async (text: string, params?: unknown[]) => {
      // Reads only: transaction control, settings and the list's own estimate run as they are.
      if (params === undefined || params.length === 0 || text.startsWith('explain')) {
        if (/^\s*(begin|commit|rollback|set|explain)/i.test(text) || params === undefined) {
          return run(text, params);
        }
      }
      const plan = await run(`explain (analyze, buffers) ${text}`, params);
      const lines = plan.rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']);
      const total = lines.find((line) => line.startsWith('Execution Time'));
      process.stdout.write(
        `\n### ${label}: ${total ?? ''}\n${text.replace(/\s+/g, ' ').slice(0, 300)}\n${lines.slice(0, 40).join('\n')}\n`,
      );
      return run(text, params);
    };
  const connect = async () => {
    const client = await inner.connect();
    return Object.assign(Object.create(client) as pg.PoolClient, {
      query: explain((text, params) => client.query(text, params)),
      release: (error?: Error) => client.release(error),
    });
  };
  return { query: explain((text, params) => inner.query(text, params)), connect } as unknown as Db;
}

const base: CandidateFilter = { sort: 'score', order: 'desc', page: 1, pageSize: 25 };
try {
  const live = Number(
    (await db.query<{ n: string }>('select count(*) as n from candidates where merged_into is null')).rows[0]!
      .n,
  );
  const npo = process.env.BENCH_NPO ?? 'Endokrina sjukdomar';
  const cases: Array<[string, CandidateFilter]> = [
    ['first page', base],
    ['filtered', { ...base, npo, band: 'hög' }],
    ['sorted by name', { ...base, sort: 'name', order: 'asc' }],
    ['deep page', { ...base, page: Math.ceil(live / 25 / 2) }],
    // As the API and the page ask for a search: by relevance, the page within "new and coming".
    ...['glukos', 'robot', 'pump', 'pacemaker', 'insulinpump', 'hjärt'].map(
      (q): [string, CandidateFilter] => [`search ${q}`, { ...base, q, sort: 'relevance' }],
    ),
    ...['pacemaker', 'insulinpump', 'hjärt'].map((q): [string, CandidateFilter] => [
      `search ${q} (the page: new and coming)`,
      { ...base, q, sort: 'relevance', scope: 'new' },
    ]),
    ['search pump by name', { ...base, q: 'pump', sort: 'name', order: 'asc' }],
  ];
  for (const [label, filter] of cases) await listCandidates(explaining(db, `list, ${label}`), filter);
  await filterOptions(explaining(db, 'filter options (the HTML list page)'));
  const id = (await db.query<{ id: string }>('select id from candidates order by md5(id::text) limit 1'))
    .rows[0]!.id;
  await candidateDetail(explaining(db, 'candidate page'), id);
} finally {
  await db.end();
  await new pg.Pool().end();
}
