import type { ScoreResult } from '../domain/score.js';
import type { RankedSection } from './queries.js';
import type { ProgrammeAreaMatch } from '../domain/programme-areas.js';
import type { Db } from './db.js';
import { withTransaction } from './db.js';
import type { DecisionState } from './decisions.js';
import { INITIAL_STATE } from './decisions.js';
import type { HistoryKind } from '../domain/history.js';
import { HISTORY_LABELS } from '../domain/history.js';
import { SEARCH_JOIN, candidateSearch, exactMatches } from './search.js';

/**
 * Read models of the workbench: the filtered, ranked candidate list, one candidate with all it
 * rests on, and source/run health. Ingestion tables are only read here.
 */

/** `relevance` ranks a search's matches by how well they match (the order without a search is by score). */
export const SORTS = ['score', 'name', 'first-seen', 'updated', 'relevance'] as const;
export type Sort = (typeof SORTS)[number];

export const STATUS_FILTERS = ['open', 'nominated', 'dismissed', 'watched'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface CandidateFilter {
  /** Which of the three lists (new and coming, handled by the councils, the rest); all when absent. */
  scope?: RankedSection | undefined;
  q?: string | undefined;
  npo?: string | undefined;
  council?: string | undefined;
  band?: string | undefined;
  status?: StatusFilter | undefined;
  source?: string | undefined;
  /** First seen on or after this Stockholm calendar date (YYYY-MM-DD). */
  from?: string | undefined;
  /** First seen on or before this date. */
  to?: string | undefined;
  sort: Sort;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
  /** Where the page starts: the `nextCursor` of the page before (deep pages read no skipped rows). */
  cursor?: string | undefined;
}

export interface CandidateListItem {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  score: number | null;
  band: string | null;
  insufficientEvidence: boolean;
  stage: string | null;
  processStatus: string | null;
  council: string | null;
  npo: string[];
  status: DecisionState['status'];
  watched: boolean;
  version: number;
  sources: string[];
  evidenceCount: number;
  latestReportVersion: number | null;
  firstSeenAt: string;
  updatedAt: string;
}

export interface CandidateList {
  items: CandidateListItem[];
  /** Exact up to {@link COUNT_LIMIT}; beyond it PostgreSQL's estimate, and `totalApproximate`. */
  total: number;
  totalApproximate: boolean;
  page: number;
  pageSize: number;
  pages: number;
  /** Set when the page was placed by the score distribution, not by counting the rows before it. */
  pageApproximate: boolean;
  /** The next page's `cursor`; null on the last page. */
  nextCursor: string | null;
  counts: {
    byBand: Record<string, number>;
    byStatus: Record<string, number>;
    watched: number;
    /** Set when the counts are lower bounds ("at least"): each one from `exactBelow` up. */
    atLeast: boolean;
    /**
     * With `atLeast`, a count below this is exact: {@link FACET_LIMIT} when each band and status
     * is counted up to it, 0 for a search (or a list filtered by programme area, source or
     * dates) beyond {@link COUNT_LIMIT}, whose counts come from the matches it counted.
     */
    exactBelow: number;
  };
}

/** Up to this many matches a list counts exactly; beyond, the total is estimated. */
export const COUNT_LIMIT = 2000;
/** Beyond {@link COUNT_LIMIT}, each band and status is counted up to this many. */
export const FACET_LIMIT = 1000;
/** Pages up to this many rows deep are found by counting rows; deeper ones by the distribution. */
const EXACT_OFFSET_LIMIT = 2000;

const BANDS = ['hög', 'medel', 'låg'] as const;
const STATUSES = ['open', 'nominated', 'dismissed'] as const;

interface Where {
  /** Conditions on the rows `r` (candidate_rows). */
  conditions: string[];
  params: unknown[];
  p: (value: unknown) => string;
}

function buildWhere(filter: CandidateFilter): Where {
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (filter.scope) conditions.push(`r.section = ${p(filter.scope)}`);
  if (filter.band) conditions.push(`r.band = ${p(filter.band)}`);
  if (filter.council) conditions.push(`r.council = ${p(filter.council)}`);
  if (filter.npo) {
    conditions.push(
      `exists (select 1 from candidate_npo n where n.candidate_id = r.candidate_id and n.npo = ${p(filter.npo)})`,
    );
  }
  if (filter.status === 'watched') conditions.push('r.watched');
  else if (filter.status) conditions.push(`r.status = ${p(filter.status)}`);
  if (filter.source) conditions.push(`r.sources @> array[${p(filter.source)}::text]`);
  if (filter.from) {
    conditions.push(`r.created_at >= (${p(filter.from)}::date::timestamp at time zone 'Europe/Stockholm')`);
  }
  if (filter.to) {
    conditions.push(
      `r.created_at < ((${p(filter.to)}::date + 1)::timestamp at time zone 'Europe/Stockholm')`,
    );
  }
  return { conditions, params, p };
}

const and = (conditions: readonly string[]): string =>
  conditions.length === 0 ? 'true' : conditions.join(' and ');

/**
 * An order as the index that serves it (migration 0090): its columns, the row's position in it
 * and the condition for the rows after a position. The score order breaks ties by name, then id.
 */
interface Order {
  by: string;
  /** The row's position as JSON (timestamps keep their microseconds). */
  key: string;
  after: (key: unknown[], p: (value: unknown) => string) => string;
}

function orderOf(sort: Exclude<Sort, 'relevance'>, direction: 'asc' | 'desc'): Order {
  const desc = direction === 'desc';
  switch (sort) {
    case 'score':
      return {
        by: desc
          ? 'r.rank_total desc, r.sort_name, r.candidate_id'
          : 'r.rank_total, r.sort_name desc, r.candidate_id desc',
        key: 'json_build_array(r.rank_total, r.sort_name, r.candidate_id)',
        after: ([total, name, id], p) => {
          const [t, n, i] = [p(total), p(name), p(id)];
          return desc
            ? `(r.rank_total < ${t}::int or (r.rank_total = ${t}::int and (r.sort_name, r.candidate_id) > (${n}::text, ${i}::uuid)))`
            : `(r.rank_total > ${t}::int or (r.rank_total = ${t}::int and (r.sort_name, r.candidate_id) < (${n}::text, ${i}::uuid)))`;
        },
      };
    case 'name': {
      // Swedish alphabetical order: å, ä, ö after z.
      const name = `r.sort_name collate "sv-SE-x-icu"`;
      return {
        by: `${name} ${direction}, r.candidate_id ${direction}`,
        key: 'json_build_array(r.sort_name, r.candidate_id)',
        after: ([n, i], p) =>
          `(${name}, r.candidate_id) ${desc ? '<' : '>'} (${p(n)}::text collate "sv-SE-x-icu", ${p(i)}::uuid)`,
      };
    }
    case 'first-seen':
    case 'updated': {
      const column = sort === 'first-seen' ? 'r.created_at' : 'r.updated_at';
      return {
        by: `${column} ${direction}, r.candidate_id ${direction}`,
        key: `json_build_array(${column}, r.candidate_id)`,
        after: ([t, i], p) =>
          `(${column}, r.candidate_id) ${desc ? '<' : '>'} (${p(t)}::timestamptz, ${p(i)}::uuid)`,
      };
    }
  }
}

interface Cursor {
  sort: Sort;
  order: 'asc' | 'desc';
  q: string;
  /** The last row's position in its order. */
  key: unknown[];
  /** A search's rows before the next page (its tiers are paged by count). */
  offset?: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor when it belongs to this filter's order; anything else starts at `page`. */
function decodeCursor(text: string | undefined, filter: CandidateFilter): Cursor | undefined {
  if (text === undefined) return undefined;
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    const same =
      cursor.sort === filter.sort && cursor.order === filter.order && cursor.q === (filter.q ?? '');
    return same && Array.isArray(cursor.key) ? cursor : undefined;
  } catch {
    return undefined;
  }
}

interface ListRow {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  total: number | null;
  band: string | null;
  insufficient: boolean;
  stage: string | null;
  process_status: string | null;
  council: string | null;
  npo: string[];
  status: DecisionState['status'];
  watched: boolean;
  version: number | null;
  sources: string[];
  evidence_count: number;
  report_version: number | null;
  created_at: Date;
  updated_at: Date;
  cursor_key: unknown[];
}

const ROW_COLUMNS = `r.candidate_id as id, r.name, r.manufacturer, r.kind, r.total, r.band, r.insufficient, r.stage,
  r.process_status, r.council, r.npo, r.status, r.watched, r.sources, r.evidence_count, r.report_version,
  r.created_at, r.updated_at, cs.version`;

function listItem(r: ListRow): CandidateListItem {
  return {
    id: r.id,
    name: r.name,
    manufacturer: r.manufacturer,
    kind: r.kind,
    score: r.total,
    band: r.band,
    insufficientEvidence: r.insufficient,
    stage: r.stage,
    processStatus: r.process_status,
    council: r.council,
    npo: r.npo,
    status: r.status,
    watched: r.watched,
    version: r.version ?? 0,
    sources: r.sources,
    evidenceCount: r.evidence_count,
    latestReportVersion: r.report_version,
    firstSeenAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

type Search = ReturnType<typeof candidateSearch>;

/** A statement's filter conditions, and a search's conditions numbered with the same parameters. */
type Matching = Where & { search?: Search };

/**
 * What a search matches on its text `x`: `match` all of it, `tiers` the same matches in the
 * order the relevance order lists them (each tier by score).
 */
interface SearchShape {
  match: (search: Search) => string;
  tiers: ReadonlyArray<(search: Search) => string>;
}

/**
 * The first `cap` rows `f` (columns `columns` of `r`) of the filter's rows whose search text
 * matches `condition`: the ids the search's indexes find (bitmap scans of candidate_search's
 * full-text and trigram indexes), then each one's row by key, read only as far as the cap.
 * Written as a CTE of ids, not as a join the planner may turn around: with the filters' and the
 * search's selectivities misestimated it walked both tables whole in key order (a merge join,
 * 0.2 s at 50,000 candidates, 2 s under load at 200,000).
 */
function searchRows(
  where: Where,
  condition: string,
  columns: string,
  cap: number | 'all',
  extra = '',
): string {
  return `m as materialized (select x.candidate_id${extra} from candidate_search x where ${condition}),
     f as materialized (select ${columns} from m join candidate_rows r on r.candidate_id = m.candidate_id
                        where ${and(where.conditions)} limit ${cap})`;
}

/**
 * How many rows match, counted up to {@link COUNT_LIMIT} (with the bands and statuses among
 * them, and for a search how many of them are in its first tier); beyond it PostgreSQL's
 * estimate of the total, and each band and status counted up to {@link FACET_LIMIT}. No count
 * reads more than a bounded number of index entries.
 */
async function countMatches(
  db: Db,
  filter: CandidateFilter,
  matching: () => Matching,
  shape: SearchShape | undefined,
  page?: { order: Order; limit: number; offset: number },
): Promise<{
  total: number;
  approximate: boolean;
  counts: CandidateList['counts'];
  /** A search's matches counted in each tier (lower bounds when approximate). */
  tiers: number[];
  /** With `page`, the ids of a search's page by relevance when all its matches were counted. */
  pageIds?: string[];
}> {
  const where = matching();
  const rows = where.search
    ? searchRows(
        where,
        shape!.match(where.search),
        `${page ? `${ORDER_COLUMNS}, ` : ''}r.band, r.status, r.watched, m.first`,
        COUNT_LIMIT + 1,
        `, ${shape!.tiers[0]!(where.search)} as first`,
      )
    : `f as (select r.band, r.status, r.watched, false as first from candidate_rows r
             where ${and(where.conditions)} limit ${COUNT_LIMIT + 1})`;
  // A search's page among the matches counted, its first tier first: the page when they are all.
  const ids =
    page && where.search
      ? `, array(select r.candidate_id from f r order by r.first desc, ${page.order.by}
                 limit ${page.limit} offset ${page.offset}) as page_ids`
      : '';
  const exact = (
    await db.query<{
      total: number;
      by_band: Record<string, number> | null;
      by_status: Record<string, number> | null;
      watched: number;
      first: number;
      page_ids?: string[];
    }>(
      `with ${rows}
       select (select count(*)::int from f) as total,
              (select jsonb_object_agg(coalesce(band, 'ingen'), n) from (select band, count(*)::int n from f group by band) b) as by_band,
              (select jsonb_object_agg(status, n) from (select status, count(*)::int n from f group by status) t) as by_status,
              (select count(*)::int from f where watched) as watched,
              (select count(*)::int from f where first) as first${ids}`,
      where.params,
    )
  ).rows[0]!;
  const tiers =
    shape === undefined
      ? []
      : shape.tiers.length === 1
        ? [exact.total]
        : [exact.first, exact.total - exact.first];
  if (exact.total <= COUNT_LIMIT) {
    return {
      total: exact.total,
      approximate: false,
      counts: {
        byBand: exact.by_band ?? {},
        byStatus: exact.by_status ?? {},
        watched: exact.watched,
        atLeast: false,
        exactBelow: 0,
      },
      tiers,
      ...(exact.page_ids ? { pageIds: exact.page_ids } : {}),
    };
  }
  const estimate = async (): Promise<number> => {
    const where = matching();
    const match = where.search ? [...where.conditions, shape!.match(where.search)] : where.conditions;
    const plan = (
      await db.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
        `explain (format json) select 1 from candidate_rows r ${where.search ? SEARCH_JOIN : ''} where ${and(match)}`,
        where.params,
      )
    ).rows[0]!['QUERY PLAN'];
    return Math.max(COUNT_LIMIT + 1, Math.round(plan[0]?.Plan['Plan Rows'] ?? 0));
  };
  // A search matching many, or a filter on a programme area, a source or dates: a band's or
  // status's capped count would read the matches of the search or of that filter once more per
  // band and status (a programme area's candidates hashed five times: 25-70 ms at 200,000). The
  // counts among the matches counted above are lower bounds, and cost nothing more.
  if (shape !== undefined || filter.npo || filter.source || filter.from || filter.to) {
    return {
      total: await estimate(),
      approximate: true,
      counts: {
        byBand: exact.by_band ?? {},
        byStatus: exact.by_status ?? {},
        watched: exact.watched,
        atLeast: true,
        exactBelow: 0,
      },
      tiers,
    };
  }
  // A band or status other than the one filtered on has none: not counted (its capped count
  // would walk all rows of its own index, finding none of the filter's).
  const facetWhere = matching();
  const capped = (condition: string) =>
    `(select count(*)::int from (select 1 from candidate_rows r where ${and([...facetWhere.conditions, condition])} limit ${FACET_LIMIT}) capped)`;
  const bands = BANDS.filter((band) => filter.band === undefined || filter.band === band);
  const statuses = STATUSES.filter(
    (status) => filter.status === undefined || filter.status === 'watched' || filter.status === status,
  );
  const facets = (
    await db.query<Record<string, number>>(
      `select ${[
        ...bands.map((band) => `${capped(`r.band = '${band}'`)} as "b:${band}"`),
        ...statuses.map((status) => `${capped(`r.status = '${status}'`)} as "s:${status}"`),
        `${capped('r.watched')} as watched`,
      ].join(', ')}`,
      facetWhere.params,
    )
  ).rows[0]!;
  return {
    total: await estimate(),
    approximate: true,
    counts: {
      byBand: Object.fromEntries(BANDS.map((band) => [band, facets[`b:${band}`] ?? 0])),
      byStatus: Object.fromEntries(STATUSES.map((status) => [status, facets[`s:${status}`] ?? 0])),
      watched: facets.watched!,
      atLeast: true,
      exactBelow: FACET_LIMIT,
    },
    tiers,
  };
}

/**
 * Where a deep page of the score order starts, by PostgreSQL's statistics of `rank_total` (the
 * share of rows at each score): `fraction` of the rows down is about there. Undefined without
 * statistics (a table never analysed): the page is then found by counting.
 */
async function approximateScoreStart(db: Db, fraction: number): Promise<number | undefined> {
  const stats = (
    await db.query<{ vals: string | null; freqs: number[] | null }>(
      `select most_common_vals::text as vals, most_common_freqs as freqs from pg_stats
       where schemaname = current_schema() and tablename = 'candidate_rows' and attname = 'rank_total'`,
    )
  ).rows[0];
  if (!stats?.vals || !stats.freqs) return undefined;
  const freqs = stats.freqs;
  const shares = stats.vals
    .replace(/[{}]/g, '')
    .split(',')
    .map((value, i) => ({ value: Number(value), share: freqs[i] ?? 0 }))
    .sort((a, b) => b.value - a.value);
  const known = shares.reduce((sum, s) => sum + s.share, 0);
  let seen = 0;
  for (const { value, share } of shares) {
    seen += share / known;
    if (seen > fraction) return value;
  }
  return shares[shares.length - 1]?.value;
}

const FROM_ROWS = 'candidate_rows r left join candidate_state cs on cs.candidate_id = r.candidate_id';

/** The columns of `r` the orders ({@link orderOf}) sort on. */
const ORDER_COLUMNS = 'r.candidate_id, r.rank_total, r.sort_name, r.created_at, r.updated_at';

/**
 * A search's rows matching `condition` (and the filter's `where`) sorted in `order` from the
 * matches themselves: `limit` rows after `offset`. With a `cap`, undefined when there are more
 * matches than the cap (another way to the page is then cheaper). Adds no parameters to `where`:
 * it may be run again another way.
 */
async function sortedMatches(
  db: Db,
  where: Where,
  condition: string,
  order: Order,
  limit: number,
  offset: number,
  cap?: number,
): Promise<ListRow[] | undefined> {
  const found = await db.query<ListRow & { found: number }>(
    // The matches are sorted by what the orders sort on; their whole rows are read for the page.
    `with ${searchRows(where, condition, ORDER_COLUMNS, cap === undefined ? 'all' : cap + 1)}
     select n.found, page.* from (select count(*)::int as found from f) n
     left join lateral (
       select ${ROW_COLUMNS}, ${order.key} as cursor_key
       from (select candidate_id from f r order by ${order.by} limit ${limit} offset ${offset}) p
       join candidate_rows r on r.candidate_id = p.candidate_id
       left join candidate_state cs on cs.candidate_id = r.candidate_id
       order by ${order.by}) page on true`,
    where.params,
  );
  if (cap !== undefined && (found.rows[0]?.found ?? 0) > cap) return undefined;
  return found.rows.filter((row) => row.id !== null);
}

/**
 * The first `limit` rows matching `condition` among the first `walk` rows of the filter's rows
 * in `order` (each checked by its search text's key): a page of a common word's matches, found
 * without reading them all. Fewer than `limit` when they are rarer than that at the top of the
 * order (a word that goes with low scores).
 */
async function walkedMatches(
  db: Db,
  where: Where,
  condition: string,
  order: Order,
  limit: number,
  walk: number,
): Promise<ListRow[]> {
  const found = await db.query<ListRow>(
    `select ${ROW_COLUMNS}, ${order.key} as cursor_key
     from (select r.* from candidate_rows r where ${and(where.conditions)} order by ${order.by} limit ${walk}) r
     ${SEARCH_JOIN} left join candidate_state cs on cs.candidate_id = r.candidate_id
     where ${condition}
     order by ${order.by} limit ${limit}`,
    where.params,
  );
  return found.rows;
}

/** A page of the list in `order`: after the cursor, else at `page` (deep pages approximately). */
async function fetchPage(
  db: Db,
  where: Matching,
  condition: string | undefined,
  sortMatches: boolean,
  order: Order,
  filter: CandidateFilter,
  cursor: Cursor | undefined,
  total: number,
): Promise<{ rows: ListRow[]; approximate: boolean }> {
  let offset = 0;
  let approximate = false;
  if (cursor) {
    where.conditions.push(order.after(cursor.key, where.p));
  } else {
    offset = (filter.page - 1) * filter.pageSize;
    if (offset > EXACT_OFFSET_LIMIT && filter.sort === 'score' && filter.order === 'desc') {
      const start = await approximateScoreStart(db, Math.min(1, offset / Math.max(total, 1)));
      if (start !== undefined) {
        where.conditions.push(`r.rank_total <= ${where.p(start)}::int`);
        offset = 0;
        approximate = true;
      }
    }
  }
  if (condition !== undefined && sortMatches) {
    const rows = await sortedMatches(db, where, condition, order, filter.pageSize + 1, offset, COUNT_LIMIT);
    if (rows) return { rows, approximate };
  }
  const rows = await db.query<ListRow>(
    `select ${ROW_COLUMNS}, ${order.key} as cursor_key
     from ${FROM_ROWS} ${condition === undefined ? '' : SEARCH_JOIN}
     where ${and(condition === undefined ? where.conditions : [...where.conditions, condition])}
     order by ${order.by}
     limit ${where.p(filter.pageSize + 1)} offset ${where.p(offset)}`,
    where.params,
  );
  return { rows: rows.rows, approximate };
}

/** The rows of `ids`, in that order. */
async function rowsByIds(db: Db, ids: readonly string[], order: Order): Promise<ListRow[]> {
  const found = await db.query<ListRow>(
    `select ${ROW_COLUMNS}, ${order.key} as cursor_key from ${FROM_ROWS} where r.candidate_id = any($1::uuid[])`,
    [ids],
  );
  const byId = new Map(found.rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The fewest rows of the order a search walks for each match its page needs. */
const WALK_PER_ROW = 40;
/**
 * Rows of the order walked (each checked by its search text's key) that cost about what sorting
 * one match does (its search text and its row read by key): measured at 200,000 candidates,
 * 10 µs a row walked, 16 µs a match sorted.
 */
const WALK_PER_MATCH = 1.6;

/**
 * A search's page: its tiers in turn (`best` matches first, then `good`, or the `near` ones),
 * each in `order`; paged by count within the tiers. Each tier's page is found the cheapest way
 * its size allows (estimated from its share of the matches `counted` and their `total`): a tier
 * of at most {@link COUNT_LIMIT} matches sorted from them; a larger one by walking the order's
 * index, checking each row's text, for at most what sorting {@link COUNT_LIMIT} matches would
 * cost (it has more), and sorted from all its matches when they are rarer than that at the top
 * of the order (a word that goes with low scores, such as `pacemaker` in the scale world).
 */
async function fetchSearchPage(
  db: Db,
  matching: () => Matching,
  tiers: SearchShape['tiers'],
  counted: { total: number; tiers: readonly number[] },
  order: Order,
  offset: number,
  pageSize: number,
): Promise<ListRow[]> {
  const seen = counted.tiers.reduce((sum, n) => sum + n, 0);
  const rows: ListRow[] = [];
  let skip = offset;
  for (const [k, tier] of tiers.entries()) {
    const limit = skip + pageSize + 1 - rows.length;
    const size = Math.round(((counted.tiers[k] ?? 0) / Math.max(seen, 1)) * counted.total);
    const where = matching();
    const condition = tier(where.search!);
    /* eslint-disable no-await-in-loop */
    let found =
      size <= COUNT_LIMIT
        ? await sortedMatches(db, where, condition, order, limit, 0, COUNT_LIMIT)
        : undefined;
    if (found === undefined) {
      const walk = Math.max(WALK_PER_ROW * limit, Math.round(WALK_PER_MATCH * (COUNT_LIMIT + 1)));
      found = await walkedMatches(db, where, condition, order, limit, walk);
      if (found.length < limit) found = (await sortedMatches(db, where, condition, order, limit, 0))!;
    }
    /* eslint-enable no-await-in-loop */
    rows.push(...found.slice(skip));
    skip = Math.max(0, skip - found.length);
    if (rows.length > pageSize) break;
  }
  return rows;
}

/**
 * The filtered, ranked list: one page, with its (bounded) counts. Its statements run in one
 * read-only transaction that tells PostgreSQL to prefer indexes and not to join by walking two
 * tables side by side in key order (a merge join, which reads both whole when the matches are
 * rarer than it expects): every condition here has an index. The planner, taking a search's
 * several text conditions as independent, expects a third of the table to match a common word
 * and would otherwise read the whole table to count them, or walk candidate_rows whole into a
 * hash to join a search's matches to; a search joins them by key.
 */
export async function listCandidates(db: Db, filter: CandidateFilter): Promise<CandidateList> {
  return withTransaction(db, async (tx) => {
    // (The penalty a disabled plan adds to a plan's cost would also make it worth compiling.)
    await tx.query(
      `set transaction read only; set local enable_seqscan = off; set local enable_mergejoin = off;
       ${filter.q ? 'set local enable_hashjoin = off;' : ''} set local jit = off`,
    );
    return listInTransaction(tx as unknown as Db, filter);
  });
}

async function listInTransaction(db: Db, filter: CandidateFilter): Promise<CandidateList> {
  const cursor = decodeCursor(filter.cursor, filter);
  // Without a search there is nothing to be relevant to: the list's own order, by score.
  const relevance = filter.sort === 'relevance';
  const order = filter.sort === 'relevance' ? orderOf('score', 'desc') : orderOf(filter.sort, filter.order);
  // Each statement numbers its own parameters: `matching` gives the filter's conditions and the
  // search's, numbered after them.
  const exactIds = filter.q ? await exactMatches(db, filter.q) : [];
  const matching = (): Matching => {
    const where = buildWhere(filter);
    return filter.q ? { ...where, search: candidateSearch(filter.q, exactIds, where.p) } : where;
  };
  // Misspellings only when nothing is found as written: every common word is near thousands of others.
  const nearShape: SearchShape = { match: (s) => s.near!(), tiers: [(s) => s.near!()] };
  let shape: SearchShape | undefined = filter.q
    ? {
        match: (s) => `(${s.best()} or ${s.good()})`,
        tiers: [(s) => s.best(), (s) => `${s.good()} and not ${s.best()}`],
      }
    : undefined;
  const offset = cursor?.offset ?? (filter.page - 1) * filter.pageSize;
  const page = relevance ? { order, limit: filter.pageSize + 1, offset } : undefined;
  let counted = await countMatches(db, filter, matching, shape, page);
  if (shape && counted.total === 0 && matching().search?.near) {
    shape = nearShape;
    counted = await countMatches(db, filter, matching, shape, page);
  }
  let rows: ListRow[];
  let pageApproximate = false;
  let nextOffset: number | undefined;
  if (shape && relevance) {
    rows = counted.pageIds
      ? await rowsByIds(db, counted.pageIds, order)
      : await fetchSearchPage(db, matching, shape.tiers, counted, order, offset, filter.pageSize);
    nextOffset = offset + filter.pageSize;
  } else {
    const where = matching();
    const page = await fetchPage(
      db,
      where,
      shape && where.search ? shape.match(where.search) : undefined,
      !counted.approximate,
      order,
      filter,
      cursor,
      counted.total,
    );
    rows = page.rows;
    pageApproximate = page.approximate;
  }
  const shown = rows.slice(0, filter.pageSize);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(listItem),
    total: counted.total,
    totalApproximate: counted.approximate,
    page: filter.page,
    pageSize: filter.pageSize,
    pages: Math.max(1, Math.ceil(counted.total / filter.pageSize)),
    pageApproximate,
    nextCursor:
      rows.length > filter.pageSize && last
        ? encodeCursor({
            sort: filter.sort,
            order: filter.order,
            q: filter.q ?? '',
            key: last.cursor_key,
            ...(nextOffset === undefined ? {} : { offset: nextOffset }),
          })
        : null,
    counts: counted.counts,
  };
}

/**
 * Values present in the data, for the filter menus: each read by skipping from one distinct value
 * to the next in an index (a handful of index probes, however many candidates there are).
 */
export async function filterOptions(
  db: Db,
): Promise<{ sources: string[]; councils: string[]; npo: string[] }> {
  const row = (
    await db.query<{ sources: string[] | null; councils: string[] | null; npo: string[] | null }>(
      `with recursive councils as (
         (select council from candidate_rows where council is not null order by council limit 1)
         union all
         select (select r.council from candidate_rows r where r.council > c.council order by r.council limit 1)
         from councils c where c.council is not null),
       npo as (
         (select n.npo from candidate_npo n order by n.npo limit 1)
         union all
         select (select m.npo from candidate_npo m where m.npo > n.npo order by m.npo limit 1)
         from npo n where n.npo is not null)
       select (select array_agg(id order by id) from sources) as sources,
              (select array_agg(council order by council) from councils where council is not null) as councils,
              (select array_agg(npo order by npo) from npo where npo is not null) as npo`,
    )
  ).rows[0]!;
  return { sources: row.sources ?? [], councils: row.councils ?? [], npo: row.npo ?? [] };
}

// --- one candidate ----------------------------------------------------------------------------

export interface TimelineEntry {
  itemId: string;
  sourceId: string;
  kind: string;
  title: string;
  url: string;
  /** The source's own date (published, else updated), when it states one. */
  date: string | null;
  firstSeenAt: string;
  reason: string;
  publicationType: string | null;
  region: string | null;
  summary: string | null;
}

export interface RegulatoryFact {
  itemId: string;
  sourceId: string;
  url: string;
  tradeName: string;
  manufacturer: string | null;
  manufacturerSrn: string | null;
  udiDi: string | null;
  basicUdiDi: string | null;
  riskClass: string | null;
  legislation: string | null;
  marketStatus: string | null;
  implantable: boolean | null;
  emdnCodes: string[];
}

export interface PossibleDuplicate {
  id: string;
  name: string;
  manufacturer: string | null;
  reason: string;
}

export interface CandidateDetail {
  id: string;
  name: string;
  manufacturer: string | null;
  kind: string;
  identifiers: Array<{ scheme: string; value: string }>;
  firstSeenAt: string;
  updatedAt: string;
  score: ScoreDetail | null;
  npo: string[];
  /** The same areas with what matched in which evidence item. */
  programmeAreas: ProgrammeAreaMatch[];
  /** The reviewers' decision state (its version guards concurrent decisions). */
  state: DecisionState;
  /** What people see: the decision, or `nominated` when on the queue without one (as in the list). */
  status: DecisionState['status'];
  regulatory: RegulatoryFact[];
  timeline: TimelineEntry[];
  duplicates: PossibleDuplicate[];
  /** What happened to the product, newest first (src/domain/history.ts). */
  history: HistoryEntry[];
  /** Set when this candidate was merged into another: that one is the product's page now. */
  mergedInto: string | null;
  /** Candidates merged into this one. */
  mergedFrom: Array<{ id: string; name: string }>;
  report: { id: string; version: number; band: string; createdAt: string } | null;
  nominations: Array<{
    id: string;
    origin: string;
    nominatedBy: string | null;
    reason: string | null;
    reportVersion: number | null;
    enqueuedAt: string | null;
    createdAt: string;
  }>;
}

export interface HistoryEntry {
  kind: HistoryKind;
  label: string;
  occurredOn: string | null;
  recordedAt: string;
  sourceId: string | null;
  itemId: string | null;
  details: Record<string, unknown>;
}

export interface ScoreDetail {
  id: string;
  computedAt: string;
  criteriaVersion: string;
  total: number;
  band: string;
  insufficientEvidence: boolean;
  stage: string | null;
  /** When the product can be expected in Swedish care (Swedish). */
  expected: string | null;
  processStatus: string | null;
  statusReason: string | null;
  /** The reasons that decide the rank (Swedish), most decisive first. */
  decisive: string[];
  council: string;
  routingReason: string;
  nominate: boolean;
  criteria: Array<{
    criterionId: string;
    label: string;
    weight: number;
    points: number;
    maxPoints: number;
    signals: Array<{
      signalId: string;
      label: string;
      explanation: string;
      points: number;
      evidence: Array<{ itemId: string; sourceId: string; url: string; snippet: string }>;
    }>;
  }>;
}

interface ItemData {
  publishedAt?: string;
  updatedAt?: string;
  summary?: string;
  region?: string;
  publicationType?: string;
  product?: {
    tradeName: string;
    manufacturer?: string;
    manufacturerSrn?: string;
    udiDi?: string;
    basicUdiDi?: string;
    riskClass?: string;
    legislation?: string;
    emdnCodes?: string[];
    marketStatus?: string;
    implantable?: boolean;
  };
}

export async function candidateDetail(db: Db, id: string): Promise<CandidateDetail | undefined> {
  const candidate = (
    await db.query<{
      id: string;
      name: string;
      manufacturer: string | null;
      kind: string;
      identifiers: Array<{ scheme: string; value: string }>;
      created_at: Date;
      updated_at: Date;
      merged_into: string | null;
      score_id: string | null;
      computed_at: Date | null;
      result: ScoreResult | null;
      npo: string[];
      programme_areas: ProgrammeAreaMatch[] | null;
      status: DecisionState['status'] | null;
      watched: boolean | null;
      version: number | null;
      reason_code: string | null;
      last_decision_id: string | null;
      state_updated_at: Date | null;
    }>(
      `select c.id, c.name, c.manufacturer, c.kind, c.identifiers, c.created_at, c.updated_at, c.merged_into,
              s.id as score_id, s.computed_at, s.result, coalesce(cr.npo, '{}') as npo,
              s.result->'programmeAreas' as programme_areas,
              cs.status, cs.watched, cs.version, cs.reason_code, cs.last_decision_id, cs.updated_at as state_updated_at
       from candidates c left join scores s on s.id = c.current_score_id
       left join candidate_rows cr on cr.candidate_id = c.id
       left join candidate_state cs on cs.candidate_id = c.id
       where c.id = $1`,
      [id],
    )
  ).rows[0];
  if (!candidate) return undefined;

  const [items, duplicates, report, nominations, history, mergedFrom] = await Promise.all([
    db.query<{
      id: string;
      source_id: string;
      kind: string;
      title: string;
      url: string;
      published_at: string | null;
      first_seen_at: Date;
      reason: string;
      data: ItemData;
    }>(
      `select i.id, i.source_id, i.kind, i.title, i.url, i.published_at, i.first_seen_at, e.reason, i.data
       from evidence e join source_items i on i.id = e.item_id where e.candidate_id = $1`,
      [id],
    ),
    possibleDuplicates(db, candidate),
    db.query<{ id: string; version: number; band: string; created_at: Date }>(
      'select id, version, band, created_at from reports where candidate_id = $1 order by version desc limit 1',
      [id],
    ),
    db.query<{
      id: string;
      origin: string;
      nominated_by: string | null;
      reason: string | null;
      report_version: number | null;
      enqueued_at: Date | null;
      created_at: Date;
    }>(
      `select n.id, n.origin, n.nominated_by, n.reason, r.version as report_version, n.enqueued_at, n.created_at
       from nominations n left join reports r on r.id = n.report_id where n.candidate_id = $1 order by n.id`,
      [id],
    ),
    db.query<{
      kind: HistoryKind;
      occurred_on: string | null;
      created_at: Date;
      source_id: string | null;
      item_id: string | null;
      details: Record<string, unknown>;
    }>(
      `select kind, occurred_on, created_at, source_id, item_id::text, details from candidate_history
       where candidate_id = $1 order by coalesce(occurred_on, created_at::date::text) desc, id desc`,
      [id],
    ),
    db.query<{ id: string; name: string }>(
      'select id, name from candidates where merged_into = $1 order by name, id',
      [id],
    ),
  ]);

  const timeline: TimelineEntry[] = items.rows
    .map((row) => ({
      itemId: row.id,
      sourceId: row.source_id,
      kind: row.kind,
      title: row.title,
      url: row.url,
      date: row.published_at ?? row.data.updatedAt ?? null,
      firstSeenAt: row.first_seen_at.toISOString(),
      reason: row.reason,
      publicationType: row.data.publicationType ?? null,
      region: row.data.region ?? null,
      summary: row.data.summary ?? null,
    }))
    // Newest first; undated items by when we first saw them.
    .sort(
      (a, b) =>
        (b.date ?? b.firstSeenAt).localeCompare(a.date ?? a.firstSeenAt) ||
        Number(b.itemId) - Number(a.itemId),
    );

  const regulatory: RegulatoryFact[] = items.rows
    .filter((row) => row.data.product !== undefined)
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => {
      const product = row.data.product!;
      return {
        itemId: row.id,
        sourceId: row.source_id,
        url: row.url,
        tradeName: product.tradeName,
        manufacturer: product.manufacturer ?? null,
        manufacturerSrn: product.manufacturerSrn ?? null,
        udiDi: product.udiDi ?? null,
        basicUdiDi: product.basicUdiDi ?? null,
        riskClass: product.riskClass ?? null,
        legislation: product.legislation ?? null,
        marketStatus: product.marketStatus ?? null,
        implantable: product.implantable ?? null,
        emdnCodes: product.emdnCodes ?? [],
      };
    });

  const state: DecisionState = candidate.status
    ? {
        status: candidate.status,
        watched: candidate.watched ?? false,
        version: candidate.version ?? 0,
        reasonCode: candidate.reason_code,
        lastDecisionId: candidate.last_decision_id,
        updatedAt: candidate.state_updated_at?.toISOString() ?? null,
      }
    : INITIAL_STATE;

  const latest = report.rows[0];
  return {
    id: candidate.id,
    name: candidate.name,
    manufacturer: candidate.manufacturer,
    kind: candidate.kind,
    identifiers: candidate.identifiers,
    firstSeenAt: candidate.created_at.toISOString(),
    updatedAt: candidate.updated_at.toISOString(),
    score:
      candidate.result && candidate.score_id && candidate.computed_at
        ? {
            id: candidate.score_id,
            computedAt: candidate.computed_at.toISOString(),
            criteriaVersion: candidate.result.criteriaVersion,
            total: candidate.result.total,
            band: candidate.result.band,
            insufficientEvidence: candidate.result.insufficientEvidence ?? false,
            stage: candidate.result.stage ?? null,
            expected: candidate.result.lifecycle?.expected ?? null,
            processStatus: candidate.result.processStatus ?? null,
            statusReason: candidate.result.statusReason ?? null,
            decisive: candidate.result.decisive ?? [],
            council: candidate.result.council,
            routingReason: candidate.result.routingReason,
            nominate: candidate.result.nominate,
            criteria: candidate.result.criteria ?? [],
          }
        : null,
    npo: candidate.npo,
    programmeAreas: candidate.programme_areas ?? [],
    state,
    status:
      state.status !== 'open'
        ? state.status
        : nominations.rows.some(
              (n) => state.updatedAt === null || n.created_at.toISOString() > state.updatedAt,
            )
          ? 'nominated'
          : 'open',
    regulatory,
    timeline,
    duplicates,
    history: history.rows.map((row) => ({
      kind: row.kind,
      label: HISTORY_LABELS[row.kind],
      occurredOn: row.occurred_on,
      recordedAt: row.created_at.toISOString(),
      sourceId: row.source_id,
      itemId: row.item_id,
      details: row.details,
    })),
    mergedInto: candidate.merged_into,
    mergedFrom: mergedFrom.rows,
    report: latest
      ? {
          id: latest.id,
          version: latest.version,
          band: latest.band,
          createdAt: latest.created_at.toISOString(),
        }
      : null,
    nominations: nominations.rows.map((n) => ({
      id: n.id,
      origin: n.origin,
      nominatedBy: n.nominated_by,
      reason: n.reason,
      reportVersion: n.report_version,
      enqueuedAt: n.enqueued_at?.toISOString() ?? null,
      createdAt: n.created_at.toISOString(),
    })),
  };
}

/**
 * Other candidates that may be the same product: they share a source item or an identifier, or
 * they have the same manufacturer and the same first word in their name. A reviewer decides;
 * nothing is merged here. Each reason is found through an index (identifiers by containment,
 * maker and first word by their expression index, migration 0090), and the candidates found are
 * read by their ids (the planner, expecting each identifier to be shared by 1 % of all
 * candidates, otherwise walked all candidates in key order to join them, and compiled that plan:
 * 65–125 ms at 200,000 candidates).
 */
export async function possibleDuplicates(
  db: Db,
  candidate: Pick<CandidateDetail, 'id' | 'name' | 'manufacturer' | 'identifiers'>,
): Promise<PossibleDuplicate[]> {
  // A manufacturer's SRN is on all its products.
  const shared = candidate.identifiers.filter((identifier) => identifier.scheme !== 'srn');
  return (
    await db.query<PossibleDuplicate>(
      `with found as (
         select case when p.candidate_a = $1 then p.candidate_b else p.candidate_a end as id,
                'Liknande namn (' || p.reason || ', likhet ' || to_char(p.score, 'FM0.00') || ')' as reason
         from possible_duplicates p where p.candidate_a = $1 or p.candidate_b = $1
         union all
         select distinct e2.candidate_id, 'Delar källpost med denna kandidat'
         from evidence e1 join evidence e2 on e2.item_id = e1.item_id and e2.candidate_id <> e1.candidate_id
         where e1.candidate_id = $1
         union all
         select distinct c.id, 'Har samma identifierare (' || mi.scheme || ' ' || mi.value || ')'
         from unnest($2::text[], $3::text[]) mi(scheme, value)
         join candidates c on c.identifiers @> jsonb_build_array(jsonb_build_object('scheme', mi.scheme, 'value', mi.value))
         where c.id <> $1
         union all
         select c.id, 'Samma tillverkare och liknande namn'
         from candidates c
         where c.manufacturer is not null and lower(c.manufacturer) = lower($4::text)
           and split_part(lower(c.name), ' ', 1) = split_part(lower($5::text), ' ', 1) and c.id <> $1)
       , reasons as (select id, string_agg(distinct reason, '; ') as reason from found group by id)
       select c.id, c.name, c.manufacturer, d.reason
       from candidates c join reasons d on d.id = c.id
       where c.id = any(array(select id from reasons)) and c.merged_into is null
       order by lower(c.name), c.id
       limit 20`,
      [
        candidate.id,
        shared.map((i) => i.scheme),
        shared.map((i) => i.value),
        candidate.manufacturer,
        candidate.name,
      ],
    )
  ).rows;
}

// --- sources and runs -------------------------------------------------------------------------

export interface RunListItem {
  id: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  sources: Array<{ sourceId: string; status: string; errorKind: string | null }>;
  candidatesNew: number;
}

export async function listRuns(db: Db, limit: number): Promise<RunListItem[]> {
  const rows = await db.query<{
    id: string;
    trigger: string;
    status: string;
    started_at: Date;
    finished_at: Date | null;
    sources: Array<{ sourceId: string; status: string; errorKind: string | null }> | null;
    candidates_new: number;
  }>(
    `select r.id, r.trigger, r.status, r.started_at, r.finished_at,
            (select json_agg(json_build_object('sourceId', rs.source_id, 'status', rs.status, 'errorKind', rs.error_kind)
                             order by rs.source_id) from run_sources rs where rs.run_id = r.id) as sources,
            (select count(*)::int from candidates c where c.first_run_id = r.id) as candidates_new
     from runs r order by r.started_at desc limit $1`,
    [limit],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    sources: r.sources ?? [],
    candidatesNew: r.candidates_new,
  }));
}
