import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
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

function startWorkerProcess(h: Harness): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'start', '--no-scheduler', '--no-web'],
    {
      cwd: REPO_ROOT,
      env: h.childEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(child);
  return child;
}

describe('two worker processes', () => {
  it('reach the same final state as one in-process worker set', async () => {
    const single = await createHarness();
    worlds.push(single);
    await single.scan();

    // The second world's test process only enqueues; two separate processes do all the work.
    const parallel = await createHarness({ workers: false });
    worlds.push(parallel);
    const app = await parallel.app();
    startWorkerProcess(parallel);
    startWorkerProcess(parallel);
    const summary = await waitForRun(app, await startRun(app, [], 'test'), 120_000);
    expect(summary.sources.every((s) => s.status === 'ok')).toBe(true);

    const expected = await endState(single);
    expect(expected.candidates.length).toBeGreaterThan(5);
    expect(await endState(parallel)).toEqual(expected);
  });
});
