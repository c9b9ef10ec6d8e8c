import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import type { Db } from '../../src/store/db.js';
import { FACET_LIMIT, candidateDetail, filterOptions, listCandidates } from '../../src/store/workbench.js';
import type { CandidateFilter } from '../../src/store/workbench.js';
import { createScaleWorld, dropScaleWorld } from '../../bench/lib/scale-world.js';

/**
 * Issue 24: every statement of the workbench's list, search and candidate page reads through
 * indexes at scale. A world of 50,000 candidates (bench/lib/scale-world.ts, the shape the
 * pipeline writes) is read with the workbench's own read models through a connection that asks
 * PostgreSQL for the plan of each statement it sends (EXPLAIN, in the statement's own
 * transaction and settings); no plan may read candidates, scores, evidence, source items or the
 * programme areas whole, and `candidate_rows` only as far as a LIMIT lets it (the first rows of
 * a count that stops at its cap); nor may it walk any of them or `candidate_search` by an index
 * without a condition to join them (a merge join of two tables in key order stops only where
 * the rarer side ends).
 */
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CANDIDATES = 50_000;
const WHOLE_TABLES = [
  'candidates',
  'scores',
  'evidence',
  'source_items',
  'candidate_npo',
  'candidate_history',
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

interface Explained {
  label: string;
  text: string;
  plan: PlanNode;
}

const JOINS = ['Merge Join', 'Hash Join'];
const INDEX_SCANS = ['Index Scan', 'Index Only Scan'];

/**
 * Statements that read `table` in full: a sequential scan not directly under a LIMIT, or an
 * index scan with no index condition below a merge or hash join — a walk of a whole index in
 * its order, filtering rows or matching them to the other side's (the planner expects a LIMIT
 * above to stop it early, and it reads all when the matches are rare or the cap is not reached).
 */
function wholeReads(node: PlanNode, parent?: PlanNode, underJoin = false): string[] {
  const relation = node['Relation Name'];
  const watched =
    relation !== undefined &&
    (WHOLE_TABLES.includes(relation) || relation === 'candidate_rows' || relation === 'candidate_search');
  const seqScan =
    node['Node Type'] === 'Seq Scan' &&
    relation !== undefined &&
    (WHOLE_TABLES.includes(relation) || (relation === 'candidate_rows' && parent?.['Node Type'] !== 'Limit'));
  const indexWalk =
    watched && underJoin && INDEX_SCANS.includes(node['Node Type']) && node['Index Cond'] === undefined;
  const here = seqScan ? [relation] : indexWalk ? [`${relation} (${node['Index Name']})`] : [];
  const below = underJoin || JOINS.includes(node['Node Type']);
  return [...here, ...(node.Plans ?? []).flatMap((child) => wholeReads(child, node, below))];
}

let schema: string;
let db: Db;
const explained: Explained[] = [];

/** A Db (and its connections) that records the plan of every read it sends, then runs it. */
function explaining(inner: Db, label: string): Db {
  const explain =
    (run: (text: string, params?: unknown[]) => Promise<pg.QueryResult>) =>
    async (text: string, params?: unknown[]) => {
      // Reads only: transaction control and settings run as they are.
      if (/^\s*(select|with)\b/i.test(text)) {
        const plan = await run(`explain (format json) ${text}`, params);
        const json = (plan.rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'];
        explained.push({ label, text, plan: json[0]!.Plan });
      }
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

/** A world made earlier (e.g. by `bench/lib/scale-world-child.ts create 50000`) to read instead. */
const GIVEN = process.env.WORKBENCH_PLANS_SCHEMA;

beforeAll(async () => {
  schema = GIVEN ?? (await createScaleWorld(DATABASE_URL, CANDIDATES)).schema;
  db = createDb({ url: DATABASE_URL, schema, applicationName: 'test-plans', max: 2 }, createLogger('silent'));
}, 900_000);

afterAll(async () => {
  await db?.end();
  if (schema && GIVEN === undefined) await dropScaleWorld(DATABASE_URL, schema);
});

describe(`the workbench's plans at ${CANDIDATES.toLocaleString('en-US')} candidates`, () => {
  it('read every list, search and candidate page through indexes', async () => {
    const base: CandidateFilter = { sort: 'score', order: 'desc', page: 1, pageSize: 25 };
    const npo = (
      await db.query<{ npo: string }>(
        'select npo from candidate_npo group by npo order by count(*) desc limit 1',
      )
    ).rows[0]!.npo;
    const lists: Array<[string, CandidateFilter]> = [
      ['first page', base],
      ['new and coming', { ...base, scope: 'new' }],
      ['filtered', { ...base, npo, band: 'hög' }],
      ['by council and status', { ...base, council: 'MTP-rådet', status: 'dismissed' }],
      ['watched', { ...base, status: 'watched' }],
      ['by source and date', { ...base, source: 'eudamed-devices', from: '2025-01-01', to: '2025-12-31' }],
      ['by name', { ...base, sort: 'name', order: 'asc' }],
      ['by first seen', { ...base, sort: 'first-seen', order: 'desc' }],
      ['deep page', { ...base, page: 1000 }],
      ['glukos', { ...base, q: 'glukos', sort: 'relevance' }],
      ['robot', { ...base, q: 'robot', sort: 'relevance' }],
      ['pump', { ...base, q: 'pump', sort: 'relevance' }],
      ['pacemaker', { ...base, q: 'pacemaker', sort: 'relevance' }],
      ['insulinpump', { ...base, q: 'insulinpump', sort: 'relevance' }],
      ['hjärt', { ...base, q: 'hjärt', sort: 'relevance' }],
      ['a misspelling', { ...base, q: 'pacemakre', sort: 'relevance' }],
      ['a search by name', { ...base, q: 'pump', sort: 'name', order: 'asc' }],
    ];
    for (const [label, filter] of lists) {
      const list = await listCandidates(explaining(db, label), filter);
      if (list.nextCursor !== null) {
        await listCandidates(explaining(db, `${label}, next page`), { ...filter, cursor: list.nextCursor });
      }
      if (['glukos', 'robot', 'pump'].includes(label)) expect(list.items.length, label).toBeGreaterThan(0);
      // Beyond the exact count, a list's bands and statuses are counted up to their cap, and a
      // search's or a list filtered by programme area, source or dates among the matches it
      // counted: lower bounds either way, and said so.
      if (list.totalApproximate) {
        const sampled = [filter.q, filter.npo, filter.source, filter.from, filter.to].some(Boolean);
        expect(list.counts.atLeast, label).toBe(true);
        expect(list.counts.exactBelow, label).toBe(sampled ? 0 : FACET_LIMIT);
      }
    }
    await filterOptions(explaining(db, 'filter options'));
    const ids = await db.query<{ id: string }>('select id from candidates order by md5(id::text) limit 5');
    for (const { id } of ids.rows) await candidateDetail(explaining(db, 'candidate page'), id);

    expect(explained.length).toBeGreaterThan(40);
    const whole = explained
      .map((e) => ({
        label: e.label,
        text: e.text.replace(/\s+/g, ' ').slice(0, 200),
        tables: wholeReads(e.plan),
      }))
      .filter((e) => e.tables.length > 0);
    expect(whole).toEqual([]);
  });
});
