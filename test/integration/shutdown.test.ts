import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { endState } from '../helpers/state.js';
import { startRun, waitForRun } from '../../src/app/scan-once.js';

const worlds: Harness[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(worlds.map((world) => world.close()));
});

function startWorker(h: Harness, extra: string[] = []): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'src/cli/main.ts'),
      'start',
      '--no-scheduler',
      '--no-web',
      ...extra,
    ],
    { cwd: REPO_ROOT, env: h.childEnv(), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  return child;
}

describe('graceful shutdown', () => {
  it('SIGTERM in the middle of a run loses nothing and duplicates nothing', async () => {
    const reference = await createHarness();
    worlds.push(reference);
    await reference.scan();

    const world = await createHarness({ workers: false });
    worlds.push(world);
    const app = await world.app();
    const first = startWorker(world, ['--shutdown-deadline', '5']);
    const runId = await startRun(app, [], 'test');
    // Stop the worker once it is busy with the run, whatever job it is in.
    for (let waited = 0; waited < 60_000; waited += 50) {
      const [row] = await world.query<{ done: number }>(
        'select count(*) filter (where done)::int as done from run_jobs where run_id = $1',
        [runId],
      );
      if (row!.done >= 3) break;
      await sleep(50);
    }
    first.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => first.once('exit', resolve));
    expect(code).toBe(0);
    const [progress] = await world.query<{ status: string }>('select status from runs where id = $1', [
      runId,
    ]);
    expect(progress!.status).not.toBe('completed');

    startWorker(world);
    await waitForRun(app, runId, 120_000);
    expect(await endState(world)).toEqual(await endState(reference));
    const [dupes] = await world.query<{ n: number }>(
      'select count(*)::int as n from (select report_id from nominations group by report_id having count(*) > 1) d',
    );
    expect(dupes!.n).toBe(0);
  });
});
