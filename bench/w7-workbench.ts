/**
 * W7: the workbench at scale. The same requests against a world of 10,000 candidates and one of
 * 1,000,000 (quick: 1,000 and 10,000; bench/lib/scale-world.ts), through the real HTTP server
 * (`horisont serve`'s `buildApp` + `startWebServer`, in a process of its own:
 * bench/lib/web-child.ts), 20 concurrent clients on keep-alive connections:
 *
 * - the ranked list: first page, filtered (a programme area and a band), sorted by name, a deep
 *   page (halfway down the list);
 * - search: a whole word (`pacemaker`), a compound as typed (`insulinpump`), a word's start
 *   (`hjärt`);
 * - the candidate page, over a fixed sample of candidates;
 * each as the HTML page a reviewer opens (signed in with a session cookie) and as its JSON API
 * form (bearer token): 16 targets.
 *
 * Baseline in the same run: the same target's p95 latency in the small world. Goal: p95 in the
 * large world ≤ 2× the small world's, for every target, and no errors (any status ≥ 400, a
 * failed connection, or no answer within the timeout, which then counts at the timeout as its
 * latency: a lower bound). p50/p95/p99 of every target in both worlds are printed.
 *
 * Each target runs for `budget` seconds or `requests` requests, whichever ends first, after one
 * unmeasured warm-up request. Statements the server still runs for requests the clients gave up
 * on are cancelled before the next target (they would otherwise load it).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import pg from 'pg';
import { createLogger } from '../src/log.js';
import { createDb } from '../src/store/db.js';
import type { Db } from '../src/store/db.js';
import { createApiToken, createSession, createUser } from '../src/store/users.js';
import { dropScaleWorld, useScaleWorld } from './lib/scale-world.js';
import type { ScaleWorld } from './lib/scale-world.js';
import { atMost, atMostRatio, emit, isQuick, log, machine, runId } from './lib/report.js';
import type { GoalCheck } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const REPO = fileURLToPath(new URL('../', import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// BENCH_W7_LARGE: another large size (an experiment, or a machine without the time for a million).
const LARGE = Number(process.env.BENCH_W7_LARGE ?? (quick ? 10_000 : 1_000_000));
const SIZES = quick ? ([1_000, LARGE] as const) : ([10_000, LARGE] as const);
const CLIENTS = 20;
const BUDGET_SECONDS = Number(process.env.BENCH_W7_BUDGET_SECONDS ?? (quick ? 1 : 15));
const MAX_REQUESTS = quick ? 40 : 200;
const TIMEOUT_MS = Number(process.env.BENCH_W7_TIMEOUT_MS ?? (quick ? 10_000 : 30_000));
const PAGE_SIZE = 25;
const CANDIDATE_SAMPLE = 200;

interface Target {
  id: string;
  what: string;
  /** The path for a request, given the request's number (the candidate page rotates ids). */
  path: (k: number) => string;
  api: boolean;
}

interface Latencies {
  requests: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Requests a second over the target's wall time. */
  rate: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Server {
  child: ChildProcess;
  origin: string;
  appName: string;
  /** The BullMQ prefix of the server's queues (it only reads them; their keys go afterwards). */
  prefix: string;
}

function startServer(schema: string, appName: string): Promise<Server> {
  const prefix = `bench-w7-${runId()}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/web-child.ts'], {
      cwd: REPO,
      env: {
        ...process.env,
        DATABASE_URL,
        HORISONT_DB_SCHEMA: schema,
        HORISONT_QUEUE_PREFIX: prefix,
        BENCH_APP_NAME: appName,
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The server logs a line per request (pino, at its configured level): read and dropped.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"event":"listening"')) {
        resolve({ child, origin: (JSON.parse(line) as { origin: string }).origin, appName, prefix });
      }
    });
    child.once('exit', (code) => reject(new Error(`W7: the server exited (${code}) before listening`)));
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  for await (const keys of redis.scanStream({ match: `${server.prefix}:*`, count: 500 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
  redis.disconnect();
}

/** Cancels what the server's connections still run (requests the clients gave up on). */
async function cancelLeftovers(admin: pg.Pool, appName: string): Promise<number> {
  const rows = await admin.query<{ cancelled: boolean }>(
    `select pg_cancel_backend(pid) as cancelled from pg_stat_activity
     where application_name = $1 and state = 'active' and pid <> pg_backend_pid()`,
    [appName],
  );
  return rows.rows.length;
}

/** 20 clients on one target until its budget is spent. */
async function measure(
  origin: string,
  target: Target,
  headers: { api: Record<string, string>; page: Record<string, string> },
  dispatcher: Agent,
): Promise<Latencies> {
  const send = async (k: number): Promise<{ ms: number; status: number | 'error' | 'timeout' }> => {
    const t = performance.now();
    try {
      const response = await request(`${origin}${target.path(k)}`, {
        dispatcher,
        headers: target.api ? headers.api : headers.page,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body.text();
      return { ms: performance.now() - t, status: response.statusCode };
    } catch (error) {
      const timedOut = performance.now() - t >= TIMEOUT_MS - 5;
      if (!timedOut) {
        log(`W7: ${target.id} request failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { ms: timedOut ? TIMEOUT_MS : performance.now() - t, status: timedOut ? 'timeout' : 'error' };
    }
  };
  await send(0); // warm-up, not counted
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 1;
  const t0 = performance.now();
  const deadline = t0 + BUDGET_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next <= MAX_REQUESTS && performance.now() < deadline) {
        const result = await send(next++);
        latencies.push(result.ms);
        statuses[String(result.status)] = (statuses[String(result.status)] ?? 0) + 1;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const errors = Object.entries(statuses)
    .filter(([status]) => !(Number(status) >= 200 && Number(status) < 400))
    .reduce((n, [, count]) => n + count, 0);
  return {
    requests: latencies.length,
    errors,
    timeouts: statuses.timeout ?? 0,
    statuses,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    rate: latencies.length / wall,
  };
}

interface Setup {
  apiToken: string;
  sessionCookie: string;
  candidateIds: string[];
  deepPage: number;
  live: number;
}

async function setUp(db: Db): Promise<Setup> {
  const username = `bench-w7-${runId()}`;
  const user = await createUser(db, { username, role: 'viewer', displayName: 'Bench Läsare' });
  const { token } = await createApiToken(db, user.id, 'bench W7');
  const session = await createSession(db, {
    userId: user.id,
    authMethod: 'password',
    lifetimeMs: 12 * 3600_000,
  });
  // A fixed sample of candidates spread over the world (by a hash of their ids).
  const ids = await db.query<{ id: string }>(
    `select id from candidates where merged_into is null order by md5(id::text) limit $1`,
    [CANDIDATE_SAMPLE],
  );
  const live = Number(
    (await db.query<{ n: string }>('select count(*) as n from candidates where merged_into is null')).rows[0]!
      .n,
  );
  return {
    apiToken: token,
    sessionCookie: `horisont-session=${session.id}`,
    candidateIds: ids.rows.map((row) => row.id),
    deepPage: Math.max(1, Math.ceil(live / PAGE_SIZE / 2)),
    live,
  };
}

/** The most common programme area among current scores: the filter a reviewer would use most. */
async function commonProgrammeArea(db: Db): Promise<string> {
  const row = (
    await db.query<{ name: string }>(
      'select npo as name from candidate_npo group by npo order by count(*) desc, npo limit 1',
    )
  ).rows[0];
  if (row === undefined) throw new Error('W7: no candidate has a programme area');
  return row.name;
}

function targets(setup: Setup, npo: string): Target[] {
  const query = (params: Record<string, string | number>) =>
    `?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  const lists: Array<[string, string, string]> = [
    ['W7a', 'ranked list, first page', ''],
    ['W7b', `ranked list filtered (${npo}, band hög)`, query({ npo, band: 'hög' })],
    ['W7c', 'ranked list sorted by name', query({ sort: 'name', order: 'asc' })],
    ['W7d', 'ranked list, a deep page (halfway)', query({ page: setup.deepPage })],
    ['W7e', 'search, whole word (pacemaker)', query({ q: 'pacemaker' })],
    ['W7f', 'search, compound (insulinpump)', query({ q: 'insulinpump' })],
    ['W7g', 'search, start of a word (hjärt)', query({ q: 'hjärt' })],
  ];
  const out: Target[] = [];
  for (const [id, what, q] of lists) {
    out.push({ id: `${id} page`, what: `${what}: page`, path: () => `/kandidater${q}`, api: false });
    out.push({ id: `${id} api`, what: `${what}: API`, path: () => `/api/candidates${q}`, api: true });
  }
  const candidate = (k: number) => setup.candidateIds[k % setup.candidateIds.length]!;
  out.push({
    id: 'W7h page',
    what: 'candidate page',
    path: (k) => `/kandidater/${candidate(k)}`,
    api: false,
  });
  out.push({
    id: 'W7h api',
    what: 'candidate: API',
    path: (k) => `/api/candidates/${candidate(k)}`,
    api: true,
  });
  return out;
}

interface SizeResult {
  candidates: number;
  world: ScaleWorld;
  setup: Omit<Setup, 'apiToken' | 'sessionCookie' | 'candidateIds'>;
  npo: string;
  cancelled: number;
  targets: Record<string, Latencies>;
}

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
const owned: string[] = [];
const results: SizeResult[] = [];
let npo: string | undefined;
try {
  for (const size of SIZES) {
    const { world, owned: mine } = await useScaleWorld(DATABASE_URL, size);
    if (mine) owned.push(world.schema);
    const db = createDb(
      { url: DATABASE_URL, schema: world.schema, applicationName: 'bench-w7', max: 1 },
      createLogger('silent'),
    );
    let server: Server | undefined;
    try {
      const setup = await setUp(db);
      npo ??= await commonProgrammeArea(db);
      const appName = `bench-w7-web-${runId()}`;
      server = await startServer(world.schema, appName);
      const dispatcher = new Agent({ connections: CLIENTS, keepAliveTimeout: 60_000 });
      const headers = {
        api: { authorization: `Bearer ${setup.apiToken}`, accept: 'application/json' },
        page: { cookie: setup.sessionCookie, accept: 'text/html' },
      };
      const measured: Record<string, Latencies> = {};
      let cancelled = 0;
      for (const target of targets(setup, npo)) {
        measured[target.id] = await measure(server.origin, target, headers, dispatcher);
        cancelled += await cancelLeftovers(admin, appName);
        const m = measured[target.id]!;
        log(
          `W7: ${size} ${target.id}: p50 ${m.p50.toFixed(0)} ms, p95 ${m.p95.toFixed(0)} ms, p99 ${m.p99.toFixed(0)} ms, ${m.requests} requests, ${m.errors} errors (${JSON.stringify(m.statuses)})`,
        );
      }
      await dispatcher.close();
      results.push({
        candidates: size,
        world,
        setup: { deepPage: setup.deepPage, live: setup.live },
        npo,
        cancelled,
        targets: measured,
      });
    } finally {
      if (server) await stopServer(server);
      await db.end();
    }
  }

  const [small, large] = results as [SizeResult, SizeResult];
  const goals: GoalCheck[] = [];
  for (const id of Object.keys(large.targets)) {
    const big = large.targets[id]!;
    const base = small.targets[id]!;
    goals.push(
      atMostRatio(
        id,
        `${id.startsWith('W7h') ? 'candidate page' : id} p95 at ${large.candidates.toLocaleString('en-US')}${big.timeouts > 0 ? ' (timeouts: a lower bound)' : ''}`,
        big.p95,
        'ms',
        base.p95,
        `p95 ms at ${small.candidates.toLocaleString('en-US')}`,
        2,
      ),
    );
  }
  const errors = results.reduce((n, r) => n + Object.values(r.targets).reduce((m, t) => m + t.errors, 0), 0);
  goals.push(atMost('W7i', 'errors (status ≥ 400, failed or unanswered requests)', errors, '', 0));
  const lines = Object.keys(large.targets).map((id) => {
    const s = small.targets[id]!;
    const l = large.targets[id]!;
    return `${id}: p50/p95/p99 ${s.p50.toFixed(0)}/${s.p95.toFixed(0)}/${s.p99.toFixed(0)} ms at ${small.candidates}, ${l.p50.toFixed(0)}/${l.p95.toFixed(0)}/${l.p99.toFixed(0)} ms at ${large.candidates} (${l.requests} requests, ${l.errors} errors)`;
  });
  for (const line of lines) log(`W7: ${line}`);
  emit({
    bench: 'horisont',
    workload: 'W7',
    title: 'the workbench at scale: list, search and candidate page over HTTP',
    quick,
    seconds: (performance.now() - started) / 1000,
    params: {
      sizes: SIZES,
      clients: CLIENTS,
      budgetSeconds: BUDGET_SECONDS,
      maxRequests: MAX_REQUESTS,
      timeoutMs: TIMEOUT_MS,
      pageSize: PAGE_SIZE,
      candidateSample: CANDIDATE_SAMPLE,
      npo,
    },
    baselines: Object.fromEntries(Object.entries(small.targets).map(([id, t]) => [`${id} p95 ms`, t.p95])),
    metrics: { small, large, errors },
    goals,
    notes: [
      `Latency in ms as the clients saw it, ${CLIENTS} at a time on one target; a request unanswered after ${TIMEOUT_MS / 1000} s counts as an error at ${TIMEOUT_MS / 1000} s.`,
      ...lines,
    ],
    machine: machine(),
  });
} finally {
  await admin.end();
  for (const schema of owned) await dropScaleWorld(DATABASE_URL, schema);
}
