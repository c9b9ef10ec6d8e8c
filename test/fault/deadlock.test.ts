import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageEntries, pageLocks } from '../../src/domain/resolver.js';
import { lockKey, withTransaction } from '../../src/store/db.js';
import { stockholmDay } from '../../src/domain/dates.js';
import { loadItems } from '../../src/store/items.js';
import { completeRun, openRun } from '../../src/store/runs.js';
import { resolveJob, resolverContext } from '../../src/workers/resolve.js';
import { scoreAndStore } from '../../src/workers/score.js';
import { assertInvariants } from '../helpers/invariants.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { logged, prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * A deadlock between two resolve transactions (issue 21). Resolvers take their locks in one
 * global order, so the test makes the second one out of order on purpose: it takes the last lock
 * of a held resolve job's page first, lets the job run into it, then resolves the same page
 * itself, as `horisont resolve --all` would (in a run of its own, scoring what it touched after
 * its commit), which needs the job's first lock. PostgreSQL breaks the cycle by aborting the job
 * (its deadlock check fires first); the job is retried as `db-conflict` and links to what the
 * winner created: one candidate per product, nothing lost, decisions intact. On a PostgreSQL of
 * the test's own, since advisory locks are shared by every schema of a database.
 *
 * The winner's run is its own: a resolver claims the candidates it plans to score in its run
 * (`run_scored`), and a claim in the job's run without the score jobs it planned would keep the
 * retried job from planning them — a state no production path makes (a job's plans commit with
 * its claims, through the pipeline's outbox).
 */

let server: OwnPostgres;
let world: World;

beforeAll(async () => {
  server = await startOwnPostgres();
});
afterAll(async () => {
  await world?.close();
  await server?.destroy();
});

describe('deadlock between two resolve transactions', () => {
  it('PostgreSQL aborts one, the job is retried, one winner and nothing doubled', async () => {
    const prepared = await prepareWorld({ databaseUrl: server.url });
    world = prepared.world;
    const app = await world.app();
    const worker = world.startWorker({ barrier: 'begin@resolve#1' });
    const runId = await world.startRun();
    const held = await world.waitForTrace((e) => e.event === 'hold');
    const [job] = await world.query<{ data: { itemIds: number[] } }>(
      'select data from run_jobs where run_id = $1 and job_id = $2',
      [runId, held.jobId],
    );
    const itemIds = job!.data.itemIds;
    const locks = pageLocks(pageEntries(await loadItems(app.db, itemIds), resolverContext(app.config)));
    expect(locks.length).toBeGreaterThanOrEqual(2);

    const winnerRun = await withTransaction(
      app.db,
      async (tx) => (await openRun(tx, `resolve ${randomUUID()}`, 'resolve', [])).runId,
    );
    const winner = withTransaction(app.db, async (tx) => {
      // The job's deadlock check must fire first, so that the job is the one aborted.
      await tx.query(`set local deadlock_timeout = '60s'`);
      await lockKey(tx, locks.at(-1)!);
      world.release();
      // The job has taken every lock of its page but the last, and waits for it.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [waiting] = await world.query<{ n: number }>(
          `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where l.locktype = 'advisory' and not l.granted and a.application_name = 'horisont'`,
        );
        if (waiting!.n > 0) break;
        if (Date.now() > deadline) throw new Error('the job never waited for the last lock');
        await sleep(50);
      }
      // Now the same page, from its first lock: the cycle closes.
      return resolveJob(tx, itemIds, app.config, winnerRun);
    });
    const { outcome } = await winner;
    expect(outcome.touched.length).toBeGreaterThan(0);
    for (const candidateId of outcome.touched) {
      await withTransaction(app.db, (tx) =>
        scoreAndStore(tx, candidateId, app.config, stockholmDay(new Date())),
      );
    }
    await completeRun(app.db, winnerRun);

    const summary = await world.waitForRun(runId, 90_000);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    const aborted = logged(worker.logs, 'resolve: job failed').filter((entry) => entry.job_id === held.jobId);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatchObject({ error_kind: 'db-conflict', final: false });
    expect(String(aborted[0]!.err)).toMatch(/deadlock detected/);
    // Two runs of the job, one commit.
    const passes = world.trace().filter((e) => e.jobId === held.jobId);
    expect(passes.filter((e) => e.point === 'begin')).toHaveLength(3); // hold, released, the retry's pass
    expect(passes.filter((e) => e.point === 'after-commit')).toHaveLength(1);
    expect(await world.query('select job_id from run_jobs where run_id = $1 and failed', [runId])).toEqual(
      [],
    );
    await assertInvariants(world, {
      oracle: prepared.oracle,
      decisionsBefore: prepared.decisionsBefore,
      app,
    });
  });
});
