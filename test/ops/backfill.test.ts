import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { pageHits, writeEudamedPages } from './helpers/eudamed-pages.js';
import { BackfillError, resumeBackfill, startBackfill } from '../../src/app/backfill.js';
import { waitForRun } from '../../src/app/scan-once.js';
import type { RunSummary } from '../../src/store/runs.js';

// Backfill against the fixture server's EUDAMED device pages (a copy with more pages than a
// scheduled scan reads), on real Redis and PostgreSQL; the crash test kills a real child process.
const PAGES = 60; // the demo configuration's scheduled scan stops at maxPages 50
const PAGE_SIZE = 5;

const worlds: Harness[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(worlds.map((world) => world.close()));
});

async function world(options: { workers: boolean }): Promise<Harness> {
  const h = await createHarness(options);
  worlds.push(h);
  writeEudamedPages(h.fixturesDir, PAGES, PAGE_SIZE);
  return h;
}

function cli(
  h: Harness,
  args: string[],
): { child: ChildProcess; stdout: () => string; exit: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
    {
      cwd: REPO_ROOT,
      // Short BullMQ locks (test-only), so the job the killed process held is taken over in seconds.
      env: { ...h.childEnv(), HORISONT_JOB_LOCK_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  void exit.then((code) => {
    if (code !== 0 && code !== null) console.error(`horisont ${args.join(' ')} exited ${code}:\n${err}`);
  });
  return { child, stdout: () => out, exit };
}

describe('horisont backfill', () => {
  it('follows --max-pages from the run, not the configuration, and refuses a second backfill of the source', async () => {
    const h = await world({ workers: true });
    const app = await h.app();
    const runId = await startBackfill(app, { sourceId: 'eudamed-devices', maxPages: 7 });
    await expect(startBackfill(app, { sourceId: 'eudamed-devices' })).rejects.toThrow(BackfillError);
    await expect(startBackfill(app, { sourceId: 'eudamed-build-info' })).rejects.toThrow(/bläddrar inte/);
    const summary = await waitForRun(app, runId, 120_000);
    expect(summary.trigger).toBe('backfill');
    expect(summary.sources).toEqual([
      expect.objectContaining({
        source_id: 'eudamed-devices',
        status: 'ok',
        pages: 7,
        items_new: 7 * PAGE_SIZE,
      }),
    ]);
    expect([...pageHits(h.server.hits).keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const [stored] = await h.query<{ options: unknown }>(
      'select options from run_sources where run_id = $1',
      [runId],
    );
    expect(stored!.options).toEqual({ maxPages: 7 });
    // The configuration is untouched: a scheduled scan still stops at its own limit.
    expect(
      (app.config.sources.find((s) => s.id === 'eudamed-devices')!.options as { maxPages: number }).maxPages,
    ).toBe(50);
    // Completed: resuming it is a no-op.
    expect(await resumeBackfill(app, runId)).toMatchObject({ completed: true, requeued: 0 });
  }, 120_000);

  it('killed mid-way, --resume finishes the whole registry without fetching any finished page again', async () => {
    const h = await world({ workers: false });
    const first = cli(h, ['backfill', '--source', 'eudamed-devices']);

    // Kill the worker process (SIGKILL: no cleanup at all) once a dozen pages are stored.
    let runId: string | undefined;
    for (let waited = 0; ; waited += 20) {
      if (waited > 90_000) throw new Error('the backfill did not get going');
      if (first.child.exitCode !== null) {
        throw new Error(`the backfill exited early (${first.child.exitCode})`);
      }
      // The child creates the schema first; until then there is nothing to read.
      runId ??= (
        await h.query<{ id: string }>(`select id from runs where trigger = 'backfill'`).catch(() => [])
      )[0]?.id;
      if (runId) {
        const [row] = await h.query<{ n: number }>(
          'select count(*)::int as n from snapshots where run_id = $1',
          [runId],
        );
        if (row!.n >= 12) break;
      }
      await sleep(20);
    }
    first.child.kill('SIGKILL');
    await first.exit;

    // What was finished before the crash: the pages whose snapshot (and done fetch job) is stored.
    const finished = (
      await h.query<{ request_key: string }>('select request_key from snapshots where run_id = $1', [runId])
    ).map((row) => Number(/page-(\d+)$/.exec(row.request_key)![1]));
    expect(finished.length).toBeGreaterThanOrEqual(12);
    expect(finished.length).toBeLessThan(PAGES);
    const [before] = await h.query<{ status: string }>('select status from runs where id = $1', [runId]);
    expect(before!.status).toBe('running');

    const resumed = cli(h, ['backfill', '--resume', runId, '--json']);
    expect(await resumed.exit).toBe(0);
    const summary = JSON.parse(resumed.stdout()) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.sources).toEqual([
      expect.objectContaining({
        source_id: 'eudamed-devices',
        status: 'ok',
        pages: PAGES,
        items_new: PAGES * PAGE_SIZE,
        error_kind: null,
      }),
    ]);

    const hits = pageHits(h.server.hits);
    // Every page of the registry was read, beyond the configuration's maxPages of 50 …
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: PAGES }, (_u, i) => i));
    // … no finished page was fetched again …
    for (const page of finished) expect({ page, hits: hits.get(page) }).toEqual({ page, hits: 1 });
    // … and at most the one page in flight when the process died was fetched twice.
    const repeated = [...hits.entries()].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(1);
    expect(repeated.every(([page, n]) => n === 2 && !finished.includes(page))).toBe(true);

    const [items] = await h.query<{ n: number }>(
      `select count(*)::int as n from source_items where source_id = 'eudamed-devices'`,
    );
    expect(items!.n).toBe(PAGES * PAGE_SIZE);
    const [jobs] = await h.query<{ open: number; failed: number }>(
      `select count(*) filter (where not done)::int as open, count(*) filter (where failed)::int as failed
       from run_jobs where run_id = $1`,
      [runId],
    );
    expect(jobs).toEqual({ open: 0, failed: 0 });
  }, 300_000);

  it('is continued by horisont start as well (unfinished jobs are re-enqueued at start)', async () => {
    const h = await world({ workers: false });
    const app = await h.app();
    // Opened and enqueued, then Redis loses the queued work (as if the process died before any
    // worker ran): only PostgreSQL knows about the run.
    const runId = await startBackfill(app, { sourceId: 'eudamed-devices', maxPages: 5 });
    await app.pipeline.queues.fetch.obliterate({ force: true });
    const start = cli(h, ['start', '--no-web']);
    const summary = await waitForRun(app, runId, 120_000);
    start.child.kill('SIGTERM');
    await start.exit;
    expect(summary.sources[0]).toMatchObject({ status: 'ok', pages: 5 });
    expect(pageHits(h.server.hits).size).toBe(5);
  }, 180_000);
});
