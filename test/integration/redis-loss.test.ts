import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import type { OwnRedis } from '../helpers/own-redis.js';
import { endState } from '../helpers/state.js';
import { startRun, waitForRun } from '../../src/app/scan-once.js';

const worlds: Harness[] = [];
const children: ChildProcess[] = [];
let redis: OwnRedis | undefined;

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(worlds.map((world) => world.close()));
  await redis?.destroy();
});

describe('Redis holds no truth', () => {
  it('after FLUSHALL mid-run, horisont start re-enqueues from PostgreSQL and reaches the same end state', async () => {
    const reference = await createHarness();
    worlds.push(reference);
    await reference.scan();

    // This world's queues live on a redis-server of the test's own, so it can be flushed.
    redis = await startOwnRedis();
    const world = await createHarness({ workers: false, redisUrl: redis.url });
    worlds.push(world);
    const app = await world.app();
    const runId = await startRun(app, [], 'test');
    expect(await app.pipeline.queues.fetch.count()).toBeGreaterThan(0);
    await redis.client().flushall();
    expect(await app.pipeline.queues.fetch.count()).toBe(0);

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'start', '--no-web'],
      {
        cwd: REPO_ROOT,
        env: world.childEnv(),
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
    const summary = await waitForRun(app, runId, 120_000);
    expect(summary.sources.every((s) => s.status === 'ok')).toBe(true);
    expect(await endState(world)).toEqual(await endState(reference));

    // The schedulers are back too: one per enabled source.
    const schedulers = await app.pipeline.queues.scan.getJobSchedulers();
    expect(schedulers.length).toBe(app.config.sources.filter((s) => s.enabled).length);
  });
});
