import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInvariants, fixtureOracle } from '../helpers/invariants.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { logged, prepareWorld } from './support/scenario.js';
import { createWorld } from './support/world.js';
import type { World } from './support/world.js';

/**
 * D2, D4, D5 (and D7): PostgreSQL faults while a job's transaction is open, held there by the
 * test barrier. D4 and D5 run on a PostgreSQL server of the test's own, which is crash-stopped
 * and restarted; the machine's cluster is never touched.
 */

const worlds: World[] = [];
let pg: OwnPostgres;

beforeAll(async () => {
  pg = await startOwnPostgres();
});
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
  await pg?.destroy();
});

async function openTransactions(world: World): Promise<number> {
  const [row] = await world.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
     where application_name = 'horisont' and state = 'idle in transaction'`,
  );
  return row!.n;
}

describe('D4 PostgreSQL crash-restarts while a job holds an open transaction', () => {
  it('the worker process survives, the transaction is rolled back, the job is retried, nothing is partial', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld({ databaseUrl: pg.url });
    worlds.push(world);
    const app = await world.app();
    const worker = world.startWorker({ barrier: 'before-commit@resolve#1' });
    const pid = worker.child.pid;
    const runId = await world.startRun();
    const held = await world.waitForTrace((e) => e.event === 'hold');
    expect(await openTransactions(world)).toBeGreaterThanOrEqual(1);

    // Down for longer than a job's whole retry budget in tests (4 attempts within 1.4 s): jobs
    // failing for good meanwhile cannot record it and must not be dropped.
    await pg.stopImmediate();
    await sleep(4000);
    await pg.start();
    world.release();

    const summary = await world.waitForRun(runId, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    // Same process throughout (pool.on('error') kept it alive); the held job committed later.
    expect(worker.exitCode()).toBeNull();
    expect(worker.child.pid).toBe(pid);
    const passes = world.trace().filter((e) => e.jobId === held.jobId && e.point === 'after-commit');
    expect(passes).toHaveLength(1);
    console.info(
      `D4: ${logged(worker.logs, 'could not record').length} job(s) ran again later instead of failing unrecorded`,
    );
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('D5 the worker’s connection is terminated in the middle of a transaction', () => {
  it('as D4: the process survives, the job is retried, nothing is partial', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld({ databaseUrl: pg.url });
    worlds.push(world);
    const app = await world.app();
    const worker = world.startWorker({ barrier: 'before-commit@resolve#1' });
    const runId = await world.startRun();
    const held = await world.waitForTrace((e) => e.event === 'hold');
    const terminated = await world.query<{ ok: boolean }>(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
       where application_name = 'horisont' and state = 'idle in transaction'`,
    );
    // The held transaction, and any other job that happened to be between two statements.
    expect(terminated.length).toBeGreaterThanOrEqual(1);
    expect(terminated.every((row) => row.ok)).toBe(true);
    world.release();

    const summary = await world.waitForRun(runId, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    expect(worker.exitCode()).toBeNull();
    const commits = world.trace().filter((e) => e.jobId === held.jobId && e.point === 'before-commit');
    expect(commits.map((e) => e.event)).toEqual(['hold', 'released', 'pass']);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('D2 the same items ingested by two jobs at the same moment', () => {
  it('one row per item, and neither job fails on a unique violation', async () => {
    const world = await createWorld();
    worlds.push(world);
    const app = await world.app({ workers: true });
    const stop = world.barrierInProcess('begin@parse');
    try {
      const runId = await world.startRun(['eudamed-devices']);
      const first = await world.waitForTrace((e) => e.event === 'hold');
      // BullMQ delivering the same parse twice (a lapsed lock): a second job with the same message.
      const [job] = await world.query<{ data: unknown }>('select data from run_jobs where job_id = $1', [
        first.jobId,
      ]);
      await app.pipeline.queues.parse.add('parse', job!.data as never, { jobId: `again-${first.jobId}` });
      await world.waitForTrace((e) => e.event === 'hold' && e.jobId === `again-${first.jobId}`);
      world.release();
      const summary = await world.waitForRun(runId, 60_000);
      expect(summary.sources.map((s) => s.status)).toEqual(['ok']);
      await world.quiescent();
    } finally {
      stop();
    }
    const both = world.trace().filter((e) => e.point === 'after-commit' && e.jobId.endsWith(first(world)));
    expect(both).toHaveLength(2);
    expect(await app.pipeline.queues.parse.getFailedCount()).toBe(0);
    const oracle = await fixtureOracle(world.configDir, world.source.origin, world.fixtures.origin, [
      'eudamed-devices',
    ]);
    await assertInvariants(world, { oracle, app });
  });
});

/** The job id of the first parse job held in the world's trace. */
function first(world: World): string {
  return world.trace().find((e) => e.event === 'hold')!.jobId;
}
