import { afterAll, describe, expect, it } from 'vitest';
import { assertInvariants } from '../helpers/invariants.js';
import { logged, prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * Q3: SIGTERM while a job runs longer than the shutdown deadline (a source that accepts the
 * connection and never answers, with production timeouts). The process must still leave within
 * the deadline, exit 0, and hand the job back: another worker recovers it as stalled.
 * The graceful case (the running job finishes, exit 0) is test/integration/shutdown.test.ts.
 */

const worlds: World[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
});

describe('Q3 SIGTERM with a job slower than the shutdown deadline', () => {
  it('exits 0 within the deadline, and the job is recovered by another worker', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld({
      // Production's timeouts: the hanging request would hold a worker for a minute.
      http: { deadlineMs: 60_000, headersTimeoutMs: 15_000, bodyTimeoutMs: 30_000 },
    });
    worlds.push(world);
    const app = await world.app();
    world.source.on('/www.tlv.se/om-tlv/nyheter', { kind: 'hang' }, 1);
    const first = world.startWorker({ args: ['--shutdown-deadline', '2'] });
    const runId = await world.startRun();
    for (let waited = 0; !world.source.hits.some((hit) => hit.scripted); waited += 50) {
      if (waited > 60_000) throw new Error('the hanging request was never made');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const signalled = performance.now();
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const tookMs = performance.now() - signalled;
    expect(code).toBe(0);
    // The deadline plus closing connections; far below the request's own 15 s timeout.
    expect(tookMs).toBeLessThan(6_000);

    const second = world.startWorker();
    const summary = await world.waitForRun(runId);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    // The abandoned request was aborted when the process closed its connections; the job failed
    // with a classified kind, was retried by the other worker and read the page.
    expect(logged(first.logs, 'handed back')).toHaveLength(1);
    const failed = logged(first.logs, 'fetch: job failed');
    expect(failed.map((entry) => entry.final)).toEqual([false]);
    expect(world.source.hitsOn('/www.tlv.se/om-tlv/nyheter')).toBe(2);
    expect(second.exitCode()).toBeNull();
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
