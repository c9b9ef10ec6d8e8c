import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import { assertInvariants } from '../helpers/invariants.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { logged, prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * PostgreSQL out of connections (issue 21): on a server of the test's own with a low
 * `max_connections`, every free slot is taken while a worker child, idle and without a connection
 * of its own, is handed a run. Jobs that cannot connect wait (`db-unavailable`) instead of
 * spending attempts, a workbench process starting meanwhile reports itself unready with the
 * reason, and once the slots are free again the run completes with nothing lost or doubled.
 * A worker process that starts while no slot is free waits for one (a supervisor would otherwise
 * restart it in a loop) and then does the run handed to it meanwhile.
 */

const MAX_CONNECTIONS = 30;
let server: OwnPostgres;
const worlds: World[] = [];
const hogs: pg.Client[] = [];
const refills: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startOwnPostgres({ settings: { max_connections: String(MAX_CONNECTIONS) } });
});
// Each scenario's worker and pools give their slots back before the next one starts.
afterEach(async () => {
  await Promise.all(refills.splice(0).map((stop) => stop()));
  await Promise.all(hogs.splice(0).map((client) => client.end().catch(() => undefined)));
  await Promise.all(worlds.splice(0).map((world) => world.close()));
});
afterAll(async () => {
  await server?.destroy();
});

/** Opens connections until the server refuses one; returns the refusal. */
async function takeEverySlot(): Promise<Error & { code?: string }> {
  for (let i = 0; i < MAX_CONNECTIONS + 5; i++) {
    const client = new pg.Client({ connectionString: server.url, application_name: 'connection-hog' });
    client.on('error', () => {});
    try {
      await client.connect();
      hogs.push(client);
    } catch (error) {
      return error as Error & { code?: string };
    }
  }
  throw new Error('the server never refused a connection');
}

/**
 * Keeps every slot taken until the returned function is called: slots that this process's pools
 * give back when their idle connections close are taken again before anyone else gets them.
 */
function keepEverySlotTaken(): () => Promise<void> {
  let holding = true;
  const refilling = (async () => {
    while (holding) {
      await takeEverySlot();
      await sleep(100);
    }
  })();
  const stop = async () => {
    holding = false;
    await refilling;
  };
  refills.push(stop);
  return stop;
}

/**
 * Every slot taken and none held by the worker: a worker that reconnected (its scheduler, a
 * heartbeat) between the termination and the filling would otherwise run its jobs on that
 * connection, which happens when the machine is loaded.
 */
async function takeEverySlotFromTheWorker(ownPid: number): Promise<Error & { code?: string }> {
  let refusal = await takeEverySlot();
  for (let round = 0; round < 10; round++) {
    const held = await hogs[0]!.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where application_name = 'horisont' and pid <> $1`,
      [ownPid],
    );
    if (held.rows[0]!.n === 0) return refusal;
    await hogs[0]!.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'horisont'`,
    );
    refusal = await takeEverySlot();
  }
  throw new Error('the worker kept a connection');
}

describe('PostgreSQL max_connections reached', () => {
  it('jobs wait for a slot, readiness says why, and the run completes once slots are free', async () => {
    const prepared = await prepareWorld({ databaseUrl: server.url });
    const world = prepared.world;
    worlds.push(world);
    const app = await world.app();
    const worker = world.startWorker();
    const deadline = Date.now() + 60_000;
    while (logged(worker.logs, 'start: running').length === 0) {
      if (Date.now() > deadline) throw new Error('the worker did not start');
      await sleep(100);
    }
    // The worker, idle, loses its connections; this process keeps one to start the run with.
    await world.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'horisont'`,
    );
    const own = await app.db.query<{ pid: number }>('select pg_backend_pid() as pid');
    const refusal = await takeEverySlotFromTheWorker(own.rows[0]!.pid);
    expect(refusal.code).toBe('53300');
    const stopHolding = keepEverySlotTaken();
    const runId = await world.startRun();

    // A workbench process starting now cannot get a connection: unready, with the reason.
    const log = createLogger('silent');
    const db = createDb({ url: server.url, schema: world.schema, applicationName: 'horisont-web' }, log);
    const web = await buildWebApp({ ...app, db });
    try {
      const started = performance.now();
      const ready = await web.inject({ url: '/readyz' });
      expect(performance.now() - started).toBeLessThan(3000);
      expect(ready.statusCode).toBe(503);
      expect(ready.json<{ reasons: string[] }>().reasons).toContain('postgres: 53300');

      // Jobs that cannot connect wait for the database rather than failing.
      const refused = () =>
        logged(worker.logs, 'the database is out of reach').filter((entry) =>
          /too many clients/.test(String(entry.err)),
        );
      const waited = Date.now() + 60_000;
      while (refused().length === 0) {
        if (Date.now() > waited) throw new Error('no job met the full server');
        await sleep(200);
      }
      expect(
        logged(worker.logs, 'the database is out of reach').every((e) => e.error_kind === 'db-unavailable'),
      ).toBe(true);
      await sleep(2000);

      // Slots free again: the same worker finishes the run.
      await stopHolding();
      await Promise.all(hogs.splice(0).map((client) => client.end()));
      const summary = await world.waitForRun(runId, 120_000);
      expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
      expect(worker.exitCode()).toBeNull();
      expect((await web.inject({ url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await web.close();
      await db.end();
    }
    const failed = await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId]);
    expect(failed).toEqual([]);
    console.info(
      `connections: ${logged(worker.logs, 'the database is out of reach').length} job(s) waited for a slot`,
    );
    await assertInvariants(world, {
      oracle: prepared.oracle,
      decisionsBefore: prepared.decisionsBefore,
      app,
    });
  });
});

describe('a worker starting while every connection slot is taken', () => {
  it('waits for a slot without exiting, then starts and completes the run handed to it', async () => {
    const { world, oracle, decisionsBefore } = await prepareWorld({ databaseUrl: server.url });
    worlds.push(world);
    const app = await world.app();
    // The run is recorded and queued before the slots go: the worker is handed it as it starts.
    const runId = await world.startRun();
    const refusal = await takeEverySlot();
    expect(refusal.code).toBe('53300');
    const stopHolding = keepEverySlotTaken();

    const worker = world.startWorker();
    const waits = () => logged(worker.logs, 'start: waiting for a database connection');
    const deadline = Date.now() + 60_000;
    while (waits().length < 2) {
      if (Date.now() > deadline || worker.exitCode() !== null) {
        throw new Error(`the worker did not wait for a slot:\n${worker.stderr.join('').slice(-3000)}`);
      }
      await sleep(200);
    }
    expect(waits().every((entry) => entry.error_kind === 'db-unavailable' && entry.code === '53300')).toBe(
      true,
    );
    expect(logged(worker.logs, 'start: running')).toEqual([]);
    expect(worker.exitCode()).toBeNull();

    await stopHolding();
    await Promise.all(hogs.splice(0).map((client) => client.end()));
    const summary = await world.waitForRun(runId, 120_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    expect(logged(worker.logs, 'start: a database connection is free')).toHaveLength(1);
    expect(logged(worker.logs, 'start: running')).toHaveLength(1);
    expect(worker.exitCode()).toBeNull();
    expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
      [],
    );
    console.info(`connections: a starting worker waited ${waits().length} time(s) for a slot`);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
