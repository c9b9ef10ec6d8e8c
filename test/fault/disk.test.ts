import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/domain/report-html.js';
import { reportFiles } from '../../src/workers/report.js';
import { assertInvariants } from '../helpers/invariants.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { logged, prepareWorld } from './support/scenario.js';
import { startSmallDisks } from './support/small-disk.js';
import type { SmallDisks } from './support/small-disk.js';
import type { World, WorkerProcess } from './support/world.js';

/**
 * Disk full (issue 21), on tmpfs mounts of the test's own in a private mount namespace
 * (support/small-disk.ts): PostgreSQL's data directory (where the fetched snapshots are kept too)
 * and the report directory fill up to the last byte in the middle of a run. Nothing is written
 * halfway, every job that meets the full disk waits as `disk-full` instead of spending attempts,
 * and once the space is back the same run finishes: nothing lost or doubled, decisions intact,
 * every report file whole.
 */

let disks: SmallDisks;
let root: string;
let server: OwnPostgres | undefined;
let walServer: OwnPostgres | undefined;
const worlds: World[] = [];

beforeAll(async () => {
  disks = await startSmallDisks();
  root = mkdtempSync(path.join(tmpdir(), 'horisont-disk-'));
  // The server runs as `postgres`, which must reach its mount below.
  chmodSync(root, 0o755);
});
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
  await server?.destroy();
  await walServer?.destroy();
  disks?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Log lines of jobs that met a full disk and wait for space. */
function waitsForSpace(worker: WorkerProcess): Array<Record<string, unknown>> {
  return logged(worker.logs, 'no space left on a disk');
}

async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await sleep(200);
  }
}

describe('PostgreSQL’s disk full', () => {
  it('writes fail whole and wait; the run resumes and completes when space returns', async () => {
    const dir = path.join(root, 'pg');
    mkdirSync(dir);
    disks.mount(dir, 160, postgresAccount());
    // Small WAL segments, so the cluster fits a small disk with room to fill.
    server = await startOwnPostgres({
      root: dir,
      launcher: disks.launcher,
      initdbArgs: ['--wal-segsize=1'],
      settings: { min_wal_size: '2MB', max_wal_size: '8MB' },
    });
    const { world, oracle, decisionsBefore } = await prepareWorld({ databaseUrl: server.url });
    worlds.push(world);
    const app = await world.app();
    const worker = world.startWorker({ barrier: 'begin@parse#1' });
    const runId = await world.startRun();
    await world.waitForTrace((e) => e.event === 'hold');
    expect(disks.fill(dir)).toBeGreaterThan(50 * 1024 * 1024);
    world.release();

    await until('a job meeting the full disk', () => waitsForSpace(worker).length >= 3);
    const waits = waitsForSpace(worker);
    expect(waits.every((entry) => entry.error_kind === 'disk-full')).toBe(true);
    expect(String(waits[0]!.err)).toMatch(/No space left on device/);
    const [during] = await world.query<{ status: string }>('select status from runs where id = $1', [runId]);
    expect(during!.status).not.toBe('completed');

    disks.free(dir);
    const summary = await world.waitForRun(runId, 120_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    expect(worker.exitCode()).toBeNull();
    // The server itself stayed up: only statements failed.
    expect(server.pid()).toBeDefined();
    expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
      [],
    );
    console.info(`disk full (PostgreSQL): ${waitsForSpace(worker).length} job runs waited for space`);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('PostgreSQL’s WAL disk full', () => {
  it('the server PANICs, jobs wait as db-unavailable; with space back it recovers and the run completes', async () => {
    // The cluster on the ordinary disk, its WAL (initdb --waldir) alone on a small tmpfs. No
    // checkpoint and no recycling while the test runs, so every new segment needs new space.
    const dir = path.join(root, 'walcase');
    const walMount = path.join(root, 'wal');
    mkdirSync(dir);
    mkdirSync(walMount);
    const account = postgresAccount();
    chownSync(dir, account.uid, account.gid);
    disks.mount(walMount, 128, account);
    const waldir = path.join(walMount, 'pg_wal');
    const server = await startOwnPostgres({
      root: dir,
      launcher: disks.launcher,
      initdbArgs: ['--wal-segsize=1', `--waldir=${waldir}`],
      settings: {
        min_wal_size: '2MB',
        max_wal_size: '1GB',
        checkpoint_timeout: '1h',
        wal_recycle: 'off',
        logging_collector: 'on',
        log_directory: 'log',
      },
    });
    walServer = server;
    const { world, oracle, decisionsBefore } = await prepareWorld({ databaseUrl: server.url });
    worlds.push(world);
    const app = await world.app();
    // Old segments go, so the ballast below is all that fills the disk.
    await world.query('checkpoint');
    const worker = world.startWorker({ barrier: 'begin@parse#1' });
    const runId = await world.startRun();
    await world.waitForTrace((e) => e.event === 'hold');
    const ballast = disks.fill(walMount);

    const serverLog = () =>
      readdirSync(path.join(dir, 'data', 'log'))
        .map((file) => readFileSync(path.join(dir, 'data', 'log', file), 'utf8'))
        .join('');
    // A run of the fixture world writes less than one 1 MB segment of WAL, so the test writes a
    // row and asks for the segment switch a busier database reaches by volume, until the next
    // segment cannot be created. The held job keeps the run unfinished meanwhile.
    await world.query('create table if not exists public.wal_probe (at timestamptz)');
    await until('PostgreSQL PANICs for want of WAL space', async () => {
      if (/PANIC: .*No space left on device/.test(serverLog())) return true;
      await world.query('insert into public.wal_probe values (now())').catch(() => undefined);
      await world.query('select pg_switch_wal()').catch(() => undefined);
      return false;
    });
    world.release();
    const panic = /PANIC: .*No space left on device/.exec(serverLog())![0];
    const outOfReach = () => logged(worker.logs, 'the database is out of reach');
    await until('a job meeting the server down', () => outOfReach().length >= 1, 120_000);
    // Let the server try to come back on the full disk for a while.
    await sleep(5000);
    const waited = [...outOfReach(), ...waitsForSpace(worker)];
    expect(waited.every((entry) => ['db-unavailable', 'disk-full'].includes(String(entry.error_kind)))).toBe(
      true,
    );
    expect(logged(worker.logs, 'job failed').filter((entry) => entry.final === true)).toEqual([]);
    expect(worker.exitCode()).toBeNull();
    const stayedDown = server.pid() === undefined;

    disks.free(walMount);
    // A postmaster whose crash recovery could not write gave up; it is started again, as a
    // service manager would. One that kept restarting recovers by itself.
    if (stayedDown) await server.start();
    const summary = await world.waitForRun(runId, 150_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    expect(worker.exitCode()).toBeNull();
    expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
      [],
    );
    const crashes = (serverLog().match(/PANIC: /g) ?? []).length;
    // What the crash recovery that followed said when it failed (the startup process's error
    // and the postmaster's verdict), for the record.
    const recovery = /\[(\d+)\] LOG: {2}database system was interrupted/.exec(serverLog())?.[1];
    const gaveUp = serverLog()
      .split('\n')
      .filter(
        (line) =>
          (recovery !== undefined && line.includes(`[${recovery}] `) && /FATAL|PANIC|ERROR/.test(line)) ||
          /aborting startup|startup process \(PID/.test(line),
      )
      .map((line) => line.replace(/^.*?(LOG|FATAL|PANIC|ERROR): +/, '$1: '))
      .join(' / ');
    console.info(
      `disk full (WAL): ballast ${Math.round(ballast / 1048576)} MB; "${panic}"; ${crashes} PANIC(s); server ${stayedDown ? `stayed down until restarted ("${gaveUp}")` : 'restarted itself'}; ${outOfReach().length} job runs waited as db-unavailable, ${waitsForSpace(worker).length} as disk-full`,
    );
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('the report directory’s disk full', () => {
  it('reports are committed, their files wait; when space returns every file is written whole', async () => {
    const dir = path.join(root, 'reports');
    mkdirSync(dir);
    disks.mount(dir, 4);
    const { world, oracle, decisionsBefore } = await prepareWorld();
    worlds.push(world);
    const app = await world.app();
    disks.fill(dir);
    const worker = world.startWorker({ launcher: disks.launcher, env: { HORISONT_REPORT_DIR: dir } });
    const runId = await world.startRun();

    await until('a report meeting the full disk', () => waitsForSpace(worker).length >= 2);
    const waits = waitsForSpace(worker);
    expect(waits.every((entry) => entry.error_kind === 'disk-full' && entry.queue === 'report')).toBe(true);
    expect(String(waits[0]!.err)).toMatch(/ENOSPC/);

    disks.free(dir);
    const summary = await world.waitForRun(runId, 120_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    // Every candidate's latest report, as PostgreSQL holds it, is on disk whole.
    const latest = await world.query<{
      candidate_id: string;
      version: number;
      markdown: string;
      json: unknown;
    }>(
      `select distinct on (candidate_id) candidate_id, version, markdown, json from reports
       order by candidate_id, version desc`,
    );
    expect(latest.length).toBeGreaterThan(0);
    await until('every report file written', () =>
      latest.every((report) => {
        const files = reportFiles(dir, report.candidate_id, report.version);
        return [files.md, files.json, files.html].every((file) => existsSync(disks.inside(file)));
      }),
    );
    for (const report of latest) {
      const files = reportFiles(dir, report.candidate_id, report.version);
      expect(readFileSync(disks.inside(files.md), 'utf8')).toBe(report.markdown);
      expect(JSON.parse(readFileSync(disks.inside(files.json), 'utf8'))).toEqual(report.json);
      expect(readFileSync(disks.inside(files.html), 'utf8')).toBe(
        renderReportHtml(report.json, { sourceLabels: (await world.app()).config.sourceLabels }),
      );
    }
    const partial = readdirSync(disks.inside(dir), { recursive: true }).filter((name) =>
      String(name).endsWith('.partial'),
    );
    expect(partial).toEqual([]);
    await world.quiescent();
    expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
      [],
    );
    console.info(`disk full (reports): ${waitsForSpace(worker).length} report job runs waited for space`);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

/** The `postgres` account, which owns the data directory's mount. */
function postgresAccount(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('no postgres account to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
