/**
 * W3's resolving process: the production resolve job (src/workers/resolve.ts `resolveJob`) over
 * stored items, page by page as the parse stage plans them (RESOLVE_BATCH items, in id order),
 * RESOLVE_CONCURRENCY pages at a time on the production connection pool (prepared statements),
 * each in its own transaction. Its own process, so that its peak RSS is the resolver's and not
 * the generated world's. Prints one JSON line per phase.
 *
 * argv: <schema> <phase>:<firstId>-<lastId> …
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';
import { createDb, withTransaction } from '../../src/store/db.js';
import { openRun } from '../../src/store/runs.js';
import { RESOLVE_BATCH } from '../../src/workers/resolve.js';
import { RESOLVE_CONCURRENCY, resolveJob } from '../../src/workers/resolve.js';
import { createLogger } from '../../src/log.js';

const [schema, ...phases] = process.argv.slice(2);
// Experiments only: the production concurrency unless W3_CONCURRENCY says otherwise.
const concurrency = Number(process.env.W3_CONCURRENCY ?? RESOLVE_CONCURRENCY);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const config = await loadConfig(DEFAULT_CONFIG_DIR);
const db = createDb(
  { url: DATABASE_URL, schema: schema!, applicationName: 'bench-w3-resolve', max: concurrency + 1 },
  createLogger('silent'),
);

function cpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** user + system CPU seconds of the PostgreSQL backends serving this process (same machine). */
async function backendsCpu(): Promise<number> {
  const pids = await db.query<{ pid: number }>(
    `select pid from pg_stat_activity where application_name = 'bench-w3-resolve' and pid <> pg_backend_pid()`,
  );
  let total = 0;
  for (const { pid } of pids.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // A backend that ended in between has no CPU to add.
    }
  }
  return total;
}

/** A deadlock between two pages aborts one transaction; the queue would retry the job, so do we. */
async function withRetryOnDeadlock<T>(work: () => Promise<T>, retried: { n: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= 10) throw error;
      retried.n++;
    }
  }
}

/**
 * What autovacuum does for a deployment's resolver tables while a backfill fills them (the
 * machine's PostgreSQL runs with autovacuum off): their statistics are refreshed as they grow,
 * which also re-plans the foreign-key checks every insert makes and the read model's refreshes
 * (src/store/migrations/0090_candidate_rows.sql) its triggers run, and a table that only grows
 * is vacuumed, which marks its pages all-visible so that the lookup reads names from the block
 * indexes alone (migration 0141). Without it, the plans made while the tables were empty scan
 * them whole (at 30,000 records: 1.3 ms per inserted key, name, evidence and history row instead
 * of 25–50 µs, 189 s instead of 34 s). Autovacuum acts every 10–20 % of growth; doubling is enough
 * for the plans and keeps the work's own cost (it runs on this process's connections, inside the
 * timed wall) small.
 */
const RESOLVER_TABLES = [
  'candidates',
  'candidate_keys',
  'candidate_names',
  'evidence',
  'candidate_history',
  'candidate_rows',
  'candidate_search',
  'candidate_npo',
];
const VACUUM = `vacuum (analyze) ${RESOLVER_TABLES.join(', ')}`;
let analyzedAt = 0;
let analyzing: Promise<unknown> | undefined;
function vacuumAsAutovacuumWould(created: number): void {
  if (analyzing !== undefined || created < 50 + analyzedAt * 2) return;
  analyzedAt = created;
  analyzing = db.query(VACUUM).finally(() => (analyzing = undefined));
}

const runId = await withTransaction(
  db,
  async (tx) => (await openRun(tx, `w3 ${schema!}`, 'bench', [])).runId,
);
let createdInEarlierPhases = 0;
for (const phase of phases) {
  const [name, range] = phase.split(':') as [string, string];
  const [first, last] = range.split('-').map(Number) as [number, number];
  const pages: number[][] = [];
  for (let start = first; start <= last; start += RESOLVE_BATCH) {
    pages.push(Array.from({ length: Math.min(RESOLVE_BATCH, last - start + 1) }, (_, i) => start + i));
  }
  const createdBefore = createdInEarlierPhases;
  const totals = { comparisons: 0, merged: 0, flagged: 0, fullBlocks: 0, created: 0, scoreJobs: 0 };
  const retried = { n: 0 };
  let next = 0;
  if (process.env.W3_STATEMENTS !== undefined) await db.query('select public.pg_stat_statements_reset()');
  const startedBackends = await backendsCpu();
  const startedCpu = cpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const page = pages[next++];
        if (page === undefined) return;
        // Sequential per slot, as one BullMQ worker slot runs one job at a time.
        const { planned, outcome } = await withRetryOnDeadlock(
          () => withTransaction(db, (tx) => resolveJob(tx, page, config, runId)),
          retried,
        );
        totals.comparisons += outcome.comparisons;
        totals.merged += outcome.merged;
        totals.flagged += outcome.flagged;
        totals.fullBlocks += outcome.fullBlocks;
        totals.created += outcome.created.length;
        totals.scoreJobs += planned.length;
        vacuumAsAutovacuumWould(createdBefore + totals.created);
      }
    }),
  );
  await analyzing;
  createdInEarlierPhases += totals.created;
  const cpuSeconds = cpu() - startedCpu;
  const wallSeconds = (performance.now() - started) / 1000;
  const postgresCpuSeconds = (await backendsCpu()) - startedBackends;
  // W3_STATEMENTS: the phase's costliest statements, on a server with pg_stat_statements (in public).
  if (process.env.W3_STATEMENTS !== undefined) {
    const top = await db.query(
      `select calls, round(total_exec_time::numeric, 0) as ms, round((total_exec_time / calls)::numeric, 2) as ms_call,
              shared_blks_hit / calls as hit_call, shared_blks_read / calls as read_call,
              round(blk_read_time::numeric, 0) as read_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as q
       from public.pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
       order by total_exec_time desc limit 14`,
    );
    process.stderr.write(`${name} statements:\n`);
    for (const r of top.rows) process.stderr.write(`${JSON.stringify(r)}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({
      phase: name,
      records: last - first + 1,
      pages: pages.length,
      wallSeconds,
      cpuSeconds,
      postgresCpuSeconds,
      deadlocksRetried: retried.n,
      ...totals,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    })}\n`,
  );
  // Between a backfill and the next night autovacuum has caught up with what the backfill wrote
  // (not timed: a night passes).
  if (phase !== phases.at(-1)) await db.query(VACUUM);
}
await db.end();
