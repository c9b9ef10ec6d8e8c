import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/api/app.js';
import { startWorkers } from '../../src/app/build.js';
import { STAGES } from '../../src/queue/names.js';
import { assertInvariants } from '../helpers/invariants.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { logged, prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * Pool starvation (issue 21): a process's own connection pool, not the server, runs out. In one
 * process running every stage and the workbench (as `horisont start` does), every connection
 * of the pool is checked out and held while a run's jobs arrive. The jobs wait for a connection
 * past three lock durations without a lock lost (each job runs exactly once), /readyz says the
 * pool is exhausted while /healthz stays up, and once the connections come back the run
 * completes with nothing lost or doubled. On a PostgreSQL server of the test's own.
 */

const POOL_MAX = 10;
let server: OwnPostgres;
let world: World;
let restoreBarrier: (() => void) | undefined;

beforeAll(async () => {
  server = await startOwnPostgres();
});
afterAll(async () => {
  restoreBarrier?.();
  await world?.close();
  await server?.destroy();
});

describe('pool starvation', () => {
  it('jobs wait for a pooled connection without losing their locks; readiness says the pool is exhausted', async () => {
    const prepared = await prepareWorld({ databaseUrl: server.url });
    world = prepared.world;
    const app = await world.app();
    const web = await buildWebApp(app);
    // Every job execution is traced at its transaction's begin: a job run twice shows twice.
    restoreBarrier = world.barrierInProcess('trace');
    const held: pg.PoolClient[] = [];
    try {
      const runId = await world.startRun();
      // Every connection the pool may open, idle or new, is taken (the app may hold some itself).
      while (app.db.totalCount < POOL_MAX || app.db.idleCount > 0) held.push(await app.db.connect());
      console.info(`pool starvation: ${held.length} of ${POOL_MAX} connections taken by the test`);
      // The baseline's workers were closed: this process's stages start again, pool empty.
      startWorkers(app);

      const deadline = Date.now() + 30_000;
      while (app.db.waitingCount < 3) {
        if (Date.now() > deadline) throw new Error('no job waited for a connection');
        await sleep(100);
      }
      const started = performance.now();
      const ready = await web.inject({ url: '/readyz' });
      expect(performance.now() - started).toBeLessThan(3000);
      expect(ready.statusCode).toBe(503);
      expect(ready.json<{ reasons: string[] }>().reasons).toEqual([
        expect.stringMatching(/^postgres: pool exhausted: 10 in use, \d+ waiting$/),
      ]);
      expect((await web.inject({ url: '/healthz' })).statusCode).toBe(200);

      // Three times the 2 s lock: BullMQ renews the locks of jobs that wait for a connection.
      await sleep(6000);
      const active = await Promise.all(
        STAGES.map((stage) => app.pipeline.queues[stage].getJobCounts('active', 'failed')),
      );
      const waiting = app.db.waitingCount;
      expect(waiting).toBeGreaterThan(0);
      expect(active.reduce((sum, counts) => sum + (counts.active ?? 0), 0)).toBeGreaterThan(0);
      expect(active.reduce((sum, counts) => sum + (counts.failed ?? 0), 0)).toBe(0);
      expect(world.trace().filter((entry) => entry.point === 'begin')).toEqual([]);
      const [during] = await world.query<{ status: string }>('select status from runs where id = $1', [
        runId,
      ]);
      expect(during!.status).not.toBe('completed');

      for (const client of held.splice(0)) client.release();
      const summary = await world.waitForRun(runId, 120_000);
      expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
      expect((await web.inject({ url: '/readyz' })).statusCode).toBe(200);
      await world.quiescent();

      const begins = world.trace().filter((entry) => entry.point === 'begin' && entry.event === 'pass');
      const perJob = new Map<string, number>();
      for (const entry of begins) perJob.set(entry.jobId, (perJob.get(entry.jobId) ?? 0) + 1);
      expect([...perJob].filter(([, runs]) => runs > 1)).toEqual([]);
      expect(logged(world.logs, 'stalled')).toEqual([]);
      expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
        [],
      );
      console.info(
        `pool starvation: ${waiting} checkouts waited 6 s on a pool of ${POOL_MAX}; ${perJob.size} jobs, each run once`,
      );
    } finally {
      for (const client of held.splice(0)) client.release();
      await web.close();
    }
    await assertInvariants(world, {
      oracle: prepared.oracle,
      decisionsBefore: prepared.decisionsBefore,
      app,
    });
  });
});
