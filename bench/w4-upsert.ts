/**
 * W4: upsert of device rows into the real `source_items` table (migrations applied with
 * src/store/migrate.ts into a bench schema) through `upsertItems`, then a second pass with 90 %
 * unchanged, 8 % changed and 2 % new rows.
 *
 * Baselines in the same run, on the same rows:
 * - COPY (text) into an unindexed table with the same columns;
 * - a raw `INSERT … SELECT FROM unnest(…) ON CONFLICT … DO UPDATE` into an indexed copy of
 *   `source_items` (`LIKE … INCLUDING ALL`: the same unique and full-text indexes), with the
 *   content hashes and JSON already computed, and the documents sent the way `upsertItems`
 *   sends them (one JSON array, `$10::jsonb -> n`): a `jsonb[]` parameter would cost the
 *   baseline ≈ 10 µs a row of driver escaping that `upsertItems` avoids.
 *
 * Rows are generated per batch outside the clock; each batch is timed from the call to its
 * commit. Batches of 1000 rows, one transaction each (the parse stage commits per page).
 *
 * Rates are rows per CPU second: this process's CPU during the timed calls plus the CPU of the
 * PostgreSQL backend serving them (/proc/<pid>/stat). On a machine shared with other work, wall
 * time measured minutes apart moved the ratios by ±50 %; CPU time does not wait for the other
 * work. Wall-clock rates are in the JSON line alongside.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RawItem } from '../src/domain/item.js';
import { createLogger } from '../src/log.js';
import { createDb, withTransaction } from '../src/store/db.js';
import { canonicalJson, sha256, upsertItems } from '../src/store/items.js';
import { migrate } from '../src/store/migrate.js';
import { capitalise, gtinCheckDigit, int, mulberry32, pick, pseudoWord } from './lib/prng.js';
import { atLeastRatio, atMost, emit, isQuick, log, machine, runId } from './lib/report.js';

const quick = isQuick();
const started = performance.now();
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rows = quick ? 50_000 : 1_000_000;
const BATCH = 1000;
const COPY_BATCH = 10_000;
const schema = `bench_w4_${runId()}`;
const SOURCE = 'eudamed-devices';

/** Device row `i` at a version: the same input always gives the same item. */
function deviceItem(i: number, version = 0): RawItem {
  const rng = mulberry32((i * 2_654_435_761) >>> 0);
  const body = `0${String(3_000_000 + (i % 900_000)).padStart(7, '0')}${String(Math.floor(i / 900_000)).padStart(5, '0')}`;
  const udiDi = `${body}${gtinCheckDigit(body)}`;
  const tradeName = `${capitalise(pseudoWord(rng, 3))} ${pick(rng, ['Stent', 'Catheter', 'Sensor', 'Valve', 'Pump'])} ${pick(rng, ['X', 'G', 'S'])}${int(rng, 1, 999)}`;
  return {
    itemKey: udiDi,
    kind: 'device',
    title: version > 0 ? `${tradeName} (rev ${version})` : tradeName,
    url: `https://ec.europa.eu/tools/eudamed/#/screen/search-device/${pseudoWord(rng, 4)}-${i}`,
    updatedAt: `2026-${String(int(rng, 1, 11)).padStart(2, '0')}-${String(int(rng, 1, 28)).padStart(2, '0')}`,
    sourceVersion: String(1 + version),
    product: {
      tradeName,
      manufacturer: `${capitalise(pseudoWord(rng, 2))} Medical AB`,
      manufacturerSrn: `SE-MF-${String(int(rng, 1, 999_999)).padStart(9, '0')}`,
      udiDi,
      basicUdiDi: `${udiDi.slice(1, 8)}B${i}`,
      riskClass: `refdata.risk-class.${pick(rng, ['class-i', 'class-iia', 'class-iib', 'class-iii'])}`,
      legislation: 'mdr',
      emdnCodes: [`P${int(rng, 100000, 999999)}`],
      marketStatus: 'on-the-market',
    },
  };
}

interface Prepared {
  keys: string[];
  kinds: string[];
  titles: string[];
  urls: string[];
  published: (string | null)[];
  hashes: string[];
  versions: (string | null)[];
  data: string[];
  /** The documents as one JSON array: the encoding `upsertItems` sends (one text parameter). */
  dataArray: string;
}

function prepare(items: RawItem[]): Prepared {
  const data = items.map((item) => JSON.stringify(item));
  return {
    keys: items.map((item) => item.itemKey),
    kinds: items.map((item) => item.kind),
    titles: items.map((item) => item.title),
    urls: items.map((item) => item.url),
    published: items.map((item) => item.publishedAt ?? null),
    hashes: items.map((item) => sha256(canonicalJson(item))),
    versions: items.map((item) => item.sourceVersion ?? null),
    data,
    dataArray: `[${data.join(',')}]`,
  };
}

function copyText(p: Prepared, snapshotId: number): string {
  const esc = (v: string | null) =>
    v === null
      ? '\\N'
      : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  let out = '';
  for (let k = 0; k < p.keys.length; k++) {
    out += `${SOURCE}\t${esc(p.keys[k]!)}\t${p.kinds[k]!}\t${esc(p.titles[k]!)}\t${esc(p.urls[k]!)}\t${esc(p.published[k]!)}\t${p.hashes[k]!}\t${esc(p.versions[k]!)}\t${esc(p.data[k]!)}\t${snapshotId}\t${snapshotId}\n`;
  }
  return out;
}

const RAW_UPSERT = (table: string) => `insert into ${table} as s
       (source_id, item_key, kind, title, url, published_at, content_hash, source_version, data,
        first_snapshot_id, last_snapshot_id)
     select $1, t.item_key, t.kind, t.title, t.url, t.published_at, t.content_hash, t.source_version,
            $10::jsonb -> (t.n::int - 1), $2, $2
     from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       with ordinality as t(item_key, kind, title, url, published_at, content_hash, source_version, n)
     on conflict (source_id, item_key) do update
       set kind = excluded.kind, title = excluded.title, url = excluded.url,
           published_at = excluded.published_at, content_hash = excluded.content_hash,
           source_version = excluded.source_version, data = excluded.data,
           last_snapshot_id = excluded.last_snapshot_id, last_seen_at = now(), changed_at = now()`;

interface PassResult {
  rows: number;
  /** Wall seconds of the timed calls. */
  seconds: number;
  wallRowsPerS: number;
  /** CPU seconds: this process during the timed calls + the serving PostgreSQL backend. */
  cpuSeconds: number;
  nodeCpuSeconds: number;
  pgCpuSeconds: number;
  /** Rows per CPU second; what the goals compare. */
  rowsPerS: number;
}

/** Wall and CPU time of the timed sections of one phase. */
class Clock {
  seconds = 0;
  nodeCpu = 0;
  private pgStart = 0;
  constructor(private readonly pid: number) {
    this.pgStart = backendCpu(pid);
  }
  async time<T>(work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const out = await work();
    const used = process.cpuUsage(cpu);
    this.nodeCpu += (used.user + used.system) / 1e6;
    this.seconds += (performance.now() - t) / 1000;
    return out;
  }
  result(count: number): PassResult {
    const pgCpu = backendCpu(this.pid) - this.pgStart;
    const cpu = this.nodeCpu + pgCpu;
    return {
      rows: count,
      seconds: this.seconds,
      wallRowsPerS: count / this.seconds,
      cpuSeconds: cpu,
      nodeCpuSeconds: this.nodeCpu,
      pgCpuSeconds: pgCpu,
      rowsPerS: count / cpu,
    };
  }
}

/** user + system CPU seconds of a PostgreSQL backend on this machine. */
function backendCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function backendPid(db: { query: pg.Pool['query'] }): Promise<number> {
  return (await db.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
}

/** Items of the second pass: 90 % unchanged, 8 % changed (a new version), 2 % new. */
function secondPassItem(k: number): RawItem {
  const bucket = k % 50;
  if (bucket === 0) return deviceItem(rows + Math.floor(k / 50)); // 2 % new
  if (bucket <= 4) return deviceItem(k, 1); // 8 % changed
  return deviceItem(k);
}

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
const silent = createLogger('silent');

async function stat(): Promise<{ upd: number; dead: number; hot: number; ins: number }> {
  await admin.query('select pg_stat_clear_snapshot()');
  const r = await admin.query<{ upd: string; dead: string; hot: string; ins: string }>(
    `select n_tup_upd as upd, n_dead_tup as dead, n_tup_hot_upd as hot, n_tup_ins as ins
     from pg_stat_user_tables where schemaname = $1 and relname = 'source_items'`,
    [schema],
  );
  const row = r.rows[0]!;
  return { upd: Number(row.upd), dead: Number(row.dead), hot: Number(row.hot), ins: Number(row.ins) };
}

try {
  await admin.query(`drop schema if exists ${schema} cascade`);
  const setup = createDb({ url: DATABASE_URL, schema, applicationName: 'bench-w4', max: 1 }, silent);
  await migrate(setup, schema);
  await setup.query(`insert into sources (id, adapter, enabled) values ($1, $1, true)`, [SOURCE]);
  const runIdValue = randomUUID();
  await setup.query(`insert into runs (id, run_key, trigger) values ($1, $2, 'bench')`, [
    runIdValue,
    `bench ${runIdValue}`,
  ]);
  const snapshot = async (key: string) =>
    Number(
      (
        await setup.query<{ id: string }>(
          `insert into snapshots (run_id, source_id, request_key, url, status, headers, unchanged)
           values ($1, $2, $3, 'https://ec.europa.eu/tools/eudamed/api/devices/udiDiData', 200, '{}', false) returning id`,
          [runIdValue, SOURCE, key],
        )
      ).rows[0]!.id,
    );
  const snap1 = await snapshot('pass-1');
  const snap2 = await snapshot('pass-2');
  await setup.query(`create unlogged table copy_items (like source_items including defaults)`);
  await setup.query(`alter table copy_items alter column id drop not null`);
  // LIKE copies indexes but never foreign keys; the real table checks three per row.
  await setup.query(`create table raw_items (like source_items including all)`);
  await setup.query(
    `alter table raw_items add foreign key (source_id) references sources (id),
       add foreign key (first_snapshot_id) references snapshots (id),
       add foreign key (last_snapshot_id) references snapshots (id)`,
  );
  await setup.end();

  // Baseline 1: COPY into an unindexed table.
  log(`W4: COPY baseline, ${rows} rows`);
  const db = createDb({ url: DATABASE_URL, schema, applicationName: 'bench-w4', max: 1 }, silent);
  const pid = await backendPid(db);
  const copyClock = new Clock(pid);
  {
    const client = await db.connect();
    try {
      for (let from = 0; from < rows; from += COPY_BATCH) {
        const items: RawItem[] = [];
        for (let i = from; i < Math.min(rows, from + COPY_BATCH); i++) items.push(deviceItem(i));
        const text = copyText(prepare(items), snap1);
        await copyClock.time(async () => {
          const stream = client.query(
            copyFrom(
              `copy copy_items (source_id, item_key, kind, title, url, published_at, content_hash, source_version, data, first_snapshot_id, last_snapshot_id) from stdin`,
            ),
          );
          await streamPipeline(Readable.from([text]), stream);
        });
      }
    } finally {
      client.release();
    }
  }
  const copy = copyClock.result(rows);
  log(`W4: COPY ${copy.rowsPerS.toFixed(0)} rows/CPU-s (${copy.wallRowsPerS.toFixed(0)} rows/s wall)`);

  // Baseline 2, raw INSERT … UNNEST … ON CONFLICT into the indexed copy, and the pipeline's
  // upsertItems (one transaction per batch), batch by batch in turn, each on a connection (and so
  // a PostgreSQL backend) of its own: drift of a shared machine falls on both alike, and each
  // backend's CPU is its side's alone. Which goes first alternates by batch.
  log(`W4: raw UNNEST upsert baseline and upsertItems first load, interleaved`);
  const dbFirst = createDb({ url: DATABASE_URL, schema, applicationName: 'bench-w4', max: 1 }, silent);
  const pidFirst = await backendPid(dbFirst);
  const rawClock = new Clock(pid);
  const firstClock = new Clock(pidFirst);
  let prepareSeconds = 0;
  let firstNew = 0;
  for (let from = 0, batch = 0; from < rows; from += BATCH, batch++) {
    const items: RawItem[] = [];
    for (let i = from; i < Math.min(rows, from + BATCH); i++) items.push(deviceItem(i));
    const tp = process.cpuUsage();
    const p = prepare(items);
    const used = process.cpuUsage(tp);
    prepareSeconds += (used.user + used.system) / 1e6;
    const rawBatch = () =>
      rawClock.time(() =>
        db.query(RAW_UPSERT('raw_items'), [
          SOURCE,
          snap1,
          p.keys,
          p.kinds,
          p.titles,
          p.urls,
          p.published,
          p.hashes,
          p.versions,
          p.dataArray,
        ]),
      );
    const firstBatch = async () => {
      const changed = await firstClock.time(() =>
        withTransaction(dbFirst, (tx) => upsertItems(tx, SOURCE, snap1, items)),
      );
      firstNew += changed.newIds.length;
    };
    if (batch % 2 === 0) {
      await rawBatch();
      await firstBatch();
    } else {
      await firstBatch();
      await rawBatch();
    }
  }
  const raw = rawClock.result(rows);
  const first = firstClock.result(rows);
  if ((await backendPid(db)) !== pid || (await backendPid(dbFirst)) !== pidFirst) {
    throw new Error('W4: a PostgreSQL backend changed mid-run');
  }
  log(`W4: raw upsert ${raw.rowsPerS.toFixed(0)} rows/CPU-s (${raw.wallRowsPerS.toFixed(0)} rows/s wall)`);
  log(
    `W4: first load ${first.rowsPerS.toFixed(0)} rows/CPU-s (${first.wallRowsPerS.toFixed(0)} rows/s wall; ${firstNew} new)`,
  );
  await dbFirst.end();
  await db.end(); // backends exit, so their table statistics are flushed
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const before = await stat();

  log(`W4: upsertItems second pass (90 % unchanged, 8 % changed, 2 % new)`);
  const db2 = createDb({ url: DATABASE_URL, schema, applicationName: 'bench-w4', max: 1 }, silent);
  const pid2 = await backendPid(db2);
  const secondClock = new Clock(pid2);
  let secondNew = 0;
  let secondChanged = 0;
  let expectedChanged = 0;
  let expectedNew = 0;
  for (let from = 0; from < rows; from += BATCH) {
    const items: RawItem[] = [];
    for (let k = from; k < Math.min(rows, from + BATCH); k++) {
      const bucket = k % 50;
      if (bucket === 0) expectedNew++;
      else if (bucket <= 4) expectedChanged++;
      items.push(secondPassItem(k));
    }
    const changed = await secondClock.time(() =>
      withTransaction(db2, (tx) => upsertItems(tx, SOURCE, snap2, items)),
    );
    secondNew += changed.newIds.length;
    secondChanged += changed.changedIds.length;
  }
  const second = secondClock.result(rows);
  if ((await backendPid(db2)) !== pid2) throw new Error('W4: the PostgreSQL backend changed mid-run');
  log(
    `W4: second pass ${second.rowsPerS.toFixed(0)} rows/CPU-s (${second.wallRowsPerS.toFixed(0)} rows/s wall; ${secondNew} new, ${secondChanged} changed)`,
  );
  await db2.end();
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const after = await stat();
  const updates = after.upd - before.upd;
  const deadTuples = after.dead - before.dead;
  // Every update beyond the changed rows, and every dead tuple beyond them, came from an
  // unchanged row.
  const unchangedTouched = Math.max(0, updates - expectedChanged, deadTuples - expectedChanged);

  emit({
    bench: 'horisont',
    workload: 'W4',
    title: 'PostgreSQL upsert of device rows',
    quick,
    seconds: (performance.now() - started) / 1000,
    params: { rows, batch: BATCH, copyBatch: COPY_BATCH, schema },
    baselines: { copyRowsPerS: copy.rowsPerS, rawUpsertRowsPerS: raw.rowsPerS },
    metrics: {
      copy,
      raw,
      first,
      second,
      firstNew,
      secondNew,
      secondChanged,
      expectedNew,
      expectedChanged,
      statsBefore: before,
      statsAfter: after,
      updates,
      deadTuples,
      firstVsCopy: first.rowsPerS / copy.rowsPerS,
      prepareSeconds,
    },
    goals: [
      atLeastRatio(
        'W4a',
        'first load (upsertItems)',
        first.rowsPerS,
        'rows/CPU-s',
        raw.rowsPerS,
        'raw UNNEST upsert rows/CPU-s',
        0.8,
      ),
      atLeastRatio(
        'W4b',
        'second pass (90/8/2)',
        second.rowsPerS,
        'rows/CPU-s',
        first.rowsPerS,
        'first load rows/CPU-s',
        1.3,
      ),
      atMost('W4c', 'rows updated or dead tuples from unchanged rows', unchangedTouched, 'rows', 0),
    ],
    notes: [
      `First load is ${(first.rowsPerS / copy.rowsPerS).toFixed(2)}× COPY into an unindexed table.`,
      `Content hash (sha256 of canonicalJson) and JSON.stringify of the rows alone took ${prepareSeconds.toFixed(2)} s of CPU (the raw baseline gets them precomputed); the first load used ${first.nodeCpuSeconds.toFixed(2)} s of Node CPU and ${first.pgCpuSeconds.toFixed(2)} s of PostgreSQL backend CPU, the raw upsert ${raw.nodeCpuSeconds.toFixed(2)} s and ${raw.pgCpuSeconds.toFixed(2)} s.`,
      `Wall-clock rates (noisy on a shared machine): raw upsert ${raw.wallRowsPerS.toFixed(0)}, first load ${first.wallRowsPerS.toFixed(0)} (${(first.wallRowsPerS / raw.wallRowsPerS).toFixed(2)}×), second pass ${second.wallRowsPerS.toFixed(0)} rows/s (${(second.wallRowsPerS / first.wallRowsPerS).toFixed(2)}× the first).`,
      `Second pass: n_tup_upd +${updates}, n_dead_tup +${deadTuples} for ${expectedChanged} changed rows; ${secondNew} of ${expectedNew} new rows reported new, ${secondChanged} changed.`,
    ],
    machine: machine(),
  });
} finally {
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
}
