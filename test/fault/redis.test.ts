import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/api/app.js';
import { pushNominations } from '../../src/app/nominate.js';
import { selfCheck, SelfCheckError } from '../../src/app/self-check.js';
import { startWorkers } from '../../src/app/build.js';
import { unfinishedJobs } from '../../src/store/run-jobs.js';
import { createApiToken, createUser } from '../../src/store/users.js';
import { assertInvariants } from '../helpers/invariants.js';
import { logged, prepareWorld, referenceState, stateOf } from './support/scenario.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import type { OwnRedis } from '../helpers/own-redis.js';
import { createWorld } from './support/world.js';
import type { World } from './support/world.js';

/**
 * Q5–Q9: Redis restarted, emptied, down, frozen and full, each on a redis-server of the test's
 * own (AOF on, noeviction, as in production). Except for Q6, where a restart is the remedy, the
 * workers run in the test process: what is under test is how their connections live through
 * Redis faults, not process death (that is queue-kill.test.ts).
 */

const worlds: World[] = [];
const servers: OwnRedis[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
  await Promise.all(servers.map((server) => server.destroy()));
});

async function ownRedis(settings: Parameters<typeof startOwnRedis>[0] = {}): Promise<OwnRedis> {
  const server = await startOwnRedis(settings);
  servers.push(server);
  return server;
}

async function jobsDone(world: World, runId: string): Promise<number> {
  const [row] = await world.query<{ n: number }>(
    'select count(*)::int as n from run_jobs where run_id = $1 and done',
    [runId],
  );
  return row!.n;
}

async function untilJobsDone(world: World, runId: string, count: number): Promise<void> {
  for (let waited = 0; (await jobsDone(world, runId)) < count; waited += 25) {
    if (waited > 60_000) throw new Error(`fewer than ${count} jobs done`);
    await sleep(25);
  }
}

describe('Q5 Redis restarts in the middle of a run', () => {
  it('the same workers resume without a redeploy; the run and new work complete', async () => {
    const redis = await ownRedis();
    const { world, decisionsBefore, oracle } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    startWorkers(app);
    const runId = await world.startRun();
    await untilJobsDone(world, runId, 3);
    await redis.shutdown();
    await sleep(3000);
    await redis.start();

    const summary = await world.waitForRun(runId, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    // New work after the restart is taken by the same workers.
    const after = await world.waitForRun(await world.startRun(['tlv']), 60_000);
    expect(after.sources.map((s) => s.status)).toEqual(['unchanged']);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('Q6 Redis loses its data (FLUSHALL) in the middle of a run', () => {
  it('a restarted horisont start re-creates the schedulers and re-enqueues from PostgreSQL; the run ends as without the fault', async () => {
    const reference = await referenceState();
    const redis = await ownRedis();
    const { world, decisionsBefore, oracle } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const worker = world.startWorker();
    const runId = await world.startRun();
    await untilJobsDone(world, runId, 3);
    await redis.client().flushall();
    // Whatever was queued is gone; the worker finishes what it holds, and the run cannot end.
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const [open] = await world.query<{ n: number }>(
      'select count(*)::int as n from run_jobs where run_id = $1 and not done',
      [runId],
    );
    expect(open!.n).toBeGreaterThan(0);

    const restarted = world.startWorker({ scheduler: true });
    const summary = await world.waitForRun(runId, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    expect(logged(restarted.logs, 're-enqueued unfinished work')).toHaveLength(1);
    const schedulers = await app.pipeline.queues.scan.getJobSchedulers();
    expect(schedulers).toHaveLength(app.config.sources.filter((s) => s.enabled).length);
    expect(await stateOf(world)).toEqual(reference);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('Q7 Redis down while a reviewer nominates in the workbench', () => {
  it('answers at once: the decision and nomination are recorded, the push waits for Redis', async () => {
    const redis = await ownRedis();
    const { world } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const web = await buildWebApp(app, {});
    try {
      const user = await createUser(app.db, { username: `q7-${world.id}`, role: 'reviewer' });
      const { token } = await createApiToken(app.db, user.id, 'q7');
      const [candidate] = await world.query<{ id: string }>(
        `select c.id from candidates c where not exists (select 1 from decisions d where d.candidate_id = c.id)
         order by c.name limit 1`,
      );
      await redis.shutdown();

      const started = performance.now();
      const response = await web.inject({
        method: 'POST',
        url: `/api/candidates/${candidate!.id}/decisions`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { action: 'nominate', version: 0, clientRequestId: randomUUID() },
      });
      const tookMs = performance.now() - started;
      expect(response.statusCode).toBe(201);
      expect(tookMs).toBeLessThan(3_000);
      const [nomination] = await world.query<{ enqueued_at: Date | null }>(
        'select enqueued_at from nominations where candidate_id = $1',
        [candidate!.id],
      );
      expect(nomination).toEqual({ enqueued_at: null });
      // Reading the workbench needs no Redis at all.
      const list = await web.inject({
        method: 'GET',
        url: '/api/candidates',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.statusCode).toBe(200);

      await redis.start();
      expect(await pushNominations(app)).toBe(true);
      const pending = await world.query('select id from nominations where enqueued_at is null');
      expect(pending).toEqual([]);
      expect(await app.pipeline.nominations.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await web.close();
    }
  });
});

describe('Q7 Redis down while an admin presses "Skanna nu"', () => {
  it('answers at once with the run recorded in PostgreSQL; it runs when Redis is back', async () => {
    const redis = await ownRedis();
    const { world, decisionsBefore, oracle } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const web = await buildWebApp(app, {});
    try {
      const user = await createUser(app.db, { username: `q7s-${world.id}`, role: 'admin' });
      const { token } = await createApiToken(app.db, user.id, 'q7');
      await redis.shutdown();

      const press = () =>
        web.inject({
          method: 'POST',
          url: '/api/runs',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: { clientRequestId },
        });
      const clientRequestId = randomUUID();
      const started = performance.now();
      const response = await press();
      const tookMs = performance.now() - started;
      expect(response.statusCode).toBe(202);
      expect(tookMs).toBeLessThan(3_000);
      const { runId, enqueued } = response.json<{ runId: string; enqueued: boolean }>();
      expect(enqueued).toBe(false);
      const [recorded] = await world.query<{ jobs: number }>(
        'select count(*)::int as jobs from run_jobs where run_id = $1',
        [runId],
      );
      expect(recorded!.jobs).toBeGreaterThan(0);
      // The admin, seeing no progress, presses again while Redis is still down: the same run.
      const again = await press();
      expect(again.statusCode).toBe(202);
      expect(again.json()).toMatchObject({ runId });

      // The add that was waiting for Redis completes by itself once Redis is back: every job of
      // the run is on the queue, once, before any worker runs.
      await redis.start();
      for (let waited = 0; ; waited += 100) {
        const queued = await app.pipeline.queues.fetch.getJobs(['waiting', 'prioritized', 'delayed']);
        const ofRun = queued.filter((job) => job.data.runId === runId);
        if (ofRun.length >= recorded!.jobs) {
          expect(ofRun).toHaveLength(recorded!.jobs);
          expect(new Set(ofRun.map((job) => job.id)).size).toBe(recorded!.jobs);
          break;
        }
        if (waited > 30_000) throw new Error('the run was never queued after Redis came back');
        await sleep(100);
      }
      expect(
        await world.query('select id from runs where id <> $1 and trigger <> $2', [runId, 'test']),
      ).toEqual([]);
      startWorkers(app);
      const summary = await world.waitForRun(runId, 90_000);
      expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
      await assertInvariants(world, { oracle, decisionsBefore, app });
    } finally {
      await web.close();
    }
  });
});

describe('Q8 Redis frozen longer than the job lock', () => {
  it('at worst a job runs twice, never with a second effect; the run completes afterwards', async () => {
    const redis = await ownRedis();
    const { world, decisionsBefore, oracle } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const stopTracing = world.barrierInProcess('trace');
    try {
      startWorkers(app);
      const runId = await world.startRun();
      await untilJobsDone(world, runId, 3);
      // SIGSTOP: every client hangs and the 2 s locks lapse while the server is frozen.
      process.kill(redis.pid()!, 'SIGSTOP');
      await sleep(5000);
      process.kill(redis.pid()!, 'SIGCONT');
      const summary = await world.waitForRun(runId, 90_000);
      expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
      await world.quiescent();
    } finally {
      stopTracing();
    }
    // Jobs that committed twice (a second execution after the lapsed lock) changed nothing twice.
    const commits = new Map<string, number>();
    for (const entry of world.trace().filter((e) => e.point === 'after-commit')) {
      commits.set(entry.jobId, (commits.get(entry.jobId) ?? 0) + 1);
    }
    console.info(`Q8: ${[...commits.values()].filter((n) => n > 1).length} job(s) executed twice`);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('Q9 Redis full (noeviction) and Redis that may evict', () => {
  it('enqueueing fails with a clear error and nothing is lost: the reconcile at start finishes the run', async () => {
    const redis = await ownRedis({ maxmemory: '8mb' });
    const { world, decisionsBefore, oracle } = await prepareWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const filler = redis.client();
    // Large blocks first, then ever smaller ones: a refused command's own arguments count
    // towards used memory only while it is refused.
    let key = 0;
    for (const size of [256 * 1024, 16 * 1024, 1024, 64]) {
      for (;;) {
        try {
          await filler.set(`filler:${key++}`, 'x'.repeat(size));
        } catch (error) {
          expect((error as Error).message).toMatch(/OOM/);
          break;
        }
        if (key > 100_000) throw new Error('maxmemory never reached');
      }
    }
    // Filled to the byte, Redis can dip just below its limit again (a refused command's buffers
    // are freed) and let the next write through; with the limit moved a megabyte below what is
    // used, every write is refused however the usage moves (the suite under load saw one pass).
    const used = Number(/used_memory:(\d+)/.exec(await filler.info('memory'))![1]);
    await filler.config('SET', 'maxmemory', String(used - 1024 * 1024));
    await expect(world.startRun()).rejects.toThrow(/OOM command not allowed/);
    // The run and its first jobs are in PostgreSQL; Redis simply has not got them yet.
    const unfinished = await unfinishedJobs(app.db);
    expect(unfinished.length).toBeGreaterThan(0);

    await filler.flushdb();
    // What `horisont start` does at start-up: enqueue what PostgreSQL records as unfinished.
    await app.pipeline.enqueue(unfinished);
    startWorkers(app);
    const [run] = await world.query<{ id: string }>(`select id from runs where status <> 'completed'`);
    const summary = await world.waitForRun(run!.id, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });

  it('the start-up self-check refuses a Redis whose maxmemory-policy may evict queue keys', async () => {
    const redis = await ownRedis({ policy: 'allkeys-lru' });
    const world = await createWorld({ redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const refused = await selfCheck(app, world.env, { allowEviction: false }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SelfCheckError);
    expect((refused as SelfCheckError).message).toMatch(/maxmemory-policy is "allkeys-lru"/);
    await expect(selfCheck(app, world.env, { allowEviction: true })).resolves.toBeUndefined();
  });
});
