import { afterAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { endState } from '../helpers/state.js';
import { startReplay } from '../../src/app/replay.js';
import { waitForRun } from '../../src/app/scan-once.js';

const worlds: Harness[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
});

describe('replay', () => {
  it('re-parsing stored snapshots, with no network, yields the same candidates as the original scan', async () => {
    const original = await createHarness();
    worlds.push(original);
    await original.scan();

    // A second world that has only the stored snapshots, and a fixture server that must stay unused.
    const replayed = await createHarness();
    worlds.push(replayed);
    const app = await replayed.app();
    for (const table of ['runs', 'bodies', 'snapshots']) {
      await replayed.query(
        `insert into ${replayed.schema}.${table} select * from ${original.schema}.${table}`,
      );
    }
    await replayed.query(
      `select setval(pg_get_serial_sequence('${replayed.schema}.snapshots', 'id'), (select max(id) from ${replayed.schema}.snapshots))`,
    );
    const hitsBefore = replayed.server.hits.length;

    const runId = await startReplay(app);
    expect(runId).toBeDefined();
    const summary = await waitForRun(app, runId!, 120_000);
    expect(summary.trigger).toBe('replay');
    expect(summary.sources.every((s) => s.status === 'ok')).toBe(true);
    expect(replayed.server.hits.length).toBe(hitsBefore);
    expect(await endState(replayed)).toEqual(await endState(original));

    // Replaying again with unchanged adapters changes nothing.
    const again = await waitForRun(app, (await startReplay(app))!, 120_000);
    expect(again.sources.every((s) => s.items_new === 0 && s.items_changed === 0)).toBe(true);
    expect(again.nominations).toBe(0);
  });
});
