import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInvariants } from '../helpers/invariants.js';
import { logged, prepareWorld, referenceState, stateOf } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * Q1, Q2 (and D7): a worker process killed with SIGKILL at a deterministic point of a job's
 * commit, held there by the test barrier. Another worker takes the job over once its lock
 * expires; the run ends exactly as a run without the fault.
 */

const worlds: World[] = [];
let reference: Awaited<ReturnType<typeof referenceState>>;

beforeAll(async () => {
  reference = await referenceState();
});
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
});

describe('Q1 SIGKILL mid-job, after the fetch and before the commit', () => {
  it('the job runs again after a stall and the run ends as without the fault', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld();
    worlds.push(world);
    const app = await world.app();
    const first = world.startWorker({ barrier: 'before-commit@fetch~sbu#1' });
    const runId = await world.startRun();
    const held = await world.waitForTrace((e) => e.event === 'hold');
    // The response is fetched and its snapshot written, in a transaction not yet committed.
    expect(held.jobId).toMatch(/^fetch-.*sbu-publications/);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const [uncommitted] = await world.query<{ n: number }>(
      `select count(*)::int as n from run_jobs where run_id = $1 and job_id = $2 and done`,
      [runId, held.jobId],
    );
    expect(uncommitted!.n).toBe(0);

    const second = world.startWorker();
    const summary = await world.waitForRun(runId);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    // Two executions of the killed job (the held one and the one after the stall), one commit.
    const runs = world.trace().filter((e) => e.jobId === held.jobId && e.point === 'before-commit');
    expect(runs.map((e) => e.event)).toEqual(['hold', 'pass']);
    expect(logged(second.logs, 'stalled').length).toBeGreaterThan(0);
    expect(await stateOf(world)).toEqual(reference);
    await assertInvariants(world, { oracle, decisionsBefore, app });
    expect(second.exitCode()).toBeNull();
  });
});

describe('Q2 SIGKILL after the commit, before the queue acknowledgement', () => {
  it('the second execution changes nothing: one report, one nomination, one queue entry', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld();
    worlds.push(world);
    const app = await world.app();
    // A candidate's report job: its commit writes the report and the nomination (the outbox row);
    // the push onto the nomination queue comes after the commit.
    const first = world.startWorker({ barrier: 'after-commit@report~^report-(?!run-)#1' });
    const runId = await world.startRun();
    const held = await world.waitForTrace((e) => e.event === 'hold');
    const candidateId = held.jobId.slice(-36);
    first.child.kill('SIGKILL');
    await first.exited;
    const [committed] = await world.query<{ reports: number; pending: number }>(
      `select (select count(*)::int from reports where candidate_id = $1) as reports,
              (select count(*)::int from nominations where candidate_id = $1 and enqueued_at is null) as pending`,
      [candidateId],
    );
    expect(committed).toEqual({ reports: 1, pending: 1 });

    world.startWorker();
    await world.waitForRun(runId);
    await world.quiescent();
    const executions = world.trace().filter((e) => e.jobId === held.jobId && e.point === 'after-commit');
    expect(executions.map((e) => e.event)).toEqual(['hold', 'pass']);
    const [effects] = await world.query<{ reports: number; nominations: number; pending: number }>(
      `select (select count(*)::int from reports where candidate_id = $1) as reports,
              (select count(*)::int from nominations where candidate_id = $1) as nominations,
              (select count(*)::int from nominations where enqueued_at is null) as pending`,
      [candidateId],
    );
    expect(effects).toEqual({ reports: 1, nominations: 1, pending: 0 });
    const queued = await app.pipeline.nominations.getJobs(['waiting', 'active', 'completed']);
    const [rows] = await world.query<{ n: number }>('select count(*)::int as n from nominations');
    expect(queued).toHaveLength(rows!.n);
    expect(queued.filter((job) => job.id?.includes(candidateId))).toHaveLength(1);
    expect(await stateOf(world)).toEqual(reference);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
