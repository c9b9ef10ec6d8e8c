import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/build.js';
import { mergeAs, splitAs } from '../../src/app/curation.js';
import { createUser } from '../../src/store/users.js';
import { assertInvariants, decisionsChecksum } from '../helpers/invariants.js';
import { prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * D3: the same device from several sources is one candidate, and a reviewer's merge is
 * reversible. A merge of two candidates followed by a split of the absorbed one's evidence
 * restores the clusters (which items belong together) and leaves the decisions as they were,
 * and a re-scan of every source honours the split instead of linking the items back.
 */

const worlds: World[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
});

/** The live candidates as clusters of item keys, sorted: what belongs together, whatever the ids. */
async function clusters(world: World): Promise<string[][]> {
  const rows = await world.query<{ items: string[] }>(
    `select array_agg(i.source_id || '/' || i.item_key) as items
     from candidates c join evidence e on e.candidate_id = c.id join source_items i on i.id = e.item_id
     where c.merged_into is null group by c.id`,
  );
  return rows.map((row) => [...row.items].sort()).sort((a, b) => a.join().localeCompare(b.join()));
}

/** Where each decided candidate stands (status, watch, version, last decision). */
async function decisionStates(world: World): Promise<unknown[]> {
  return world.query(
    `select candidate_id, status, watched, version, reason_code, last_decision_id from candidate_state
     order by candidate_id`,
  );
}

async function evidenceItems(world: World, candidateId: string): Promise<number[]> {
  const rows = await world.query<{ item_id: string }>(
    'select item_id from evidence where candidate_id = $1 order by item_id',
    [candidateId],
  );
  return rows.map((row) => Number(row.item_id));
}

describe('D3 a reviewer merges two candidates, then splits them again', () => {
  it('restores the clusters and decisions, and a re-scan honours the split; I1–I6', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld();
    worlds.push(world);
    const app = await world.app();
    startWorkers(app);
    const first = await world.waitForRun(await world.startRun());
    expect(first.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    await world.quiescent();
    const before = await clusters(world);
    const statesBefore = await decisionStates(world);

    // The watched candidate (seeded) absorbs the undecided candidate with evidence from the most sources.
    const [survivor] = await world.query<{ candidate_id: string }>(
      'select candidate_id from candidate_state where watched',
    );
    const [absorbed] = await world.query<{ id: string }>(
      `select c.id from candidates c
       where c.merged_into is null and c.id <> $1
         and not exists (select 1 from decisions d where d.candidate_id = c.id)
         and exists (select 1 from evidence e where e.candidate_id = c.id)
       order by (select count(distinct i.source_id) from evidence e join source_items i on i.id = e.item_id
                 where e.candidate_id = c.id) desc, c.name
       limit 1`,
      [survivor!.candidate_id],
    );
    const moved = await evidenceItems(world, absorbed!.id);
    expect(moved.length).toBeGreaterThan(1);
    const reviewer = await createUser(app.db, {
      username: `d3-${world.id}`,
      displayName: 'D3 Granskare',
      role: 'reviewer',
    });
    const actor = { id: reviewer.id, name: reviewer.displayName, role: reviewer.role };

    const merge = {
      survivorId: survivor!.candidate_id,
      absorbedId: absorbed!.id,
      actor,
      reason: 'samma produkt (test)',
      clientRequestId: randomUUID(),
    };
    expect(await mergeAs(app, merge)).toMatchObject({ created: true });
    // A double-submitted merge records once.
    expect(await mergeAs(app, merge)).toMatchObject({ created: false });
    expect(await clusters(world)).not.toEqual(before);
    expect(await evidenceItems(world, survivor!.candidate_id)).toEqual(
      expect.arrayContaining(moved) as number[],
    );

    const split = await splitAs(app, {
      candidateId: survivor!.candidate_id,
      itemIds: moved,
      actor,
      reason: 'inte samma produkt ändå (test)',
      clientRequestId: randomUUID(),
    });
    expect(split.created).toBe(true);
    expect(await clusters(world)).toEqual(before);
    expect(await evidenceItems(world, split.otherCandidateId)).toEqual(moved);
    expect(await decisionsChecksum(world)).toBe(decisionsBefore);
    expect(await decisionStates(world)).toEqual(statesBefore);

    // Every source again: automatic resolution must not link the split items back.
    const again = await world.waitForRun(await world.startRun());
    expect(again.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    await world.quiescent();
    expect(await clusters(world)).toEqual(before);
    const audited = await world.query<{ action: string }>(
      `select action from audit_log where action in ('candidate.merge', 'candidate.split') order by seq`,
    );
    expect(audited.map((row) => row.action)).toEqual(['candidate.merge', 'candidate.split']);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
