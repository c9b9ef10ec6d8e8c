import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { horisontCli } from '../helpers/cli.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * A reviewer's manual split and merge (CLI; the workbench calls the same code): audited,
 * remembered, and never undone by a later scan or by re-resolving everything stored.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ workers: true });
  await h.scan();
  for (const [user, role] of [
    ['granskare', 'reviewer'],
    ['lasare', 'viewer'],
  ]) {
    const added = await horisontCli(h, ['users', 'add', user!, '--role', role!]);
    expect(added.code, added.stderr).toBe(0);
  }
});
afterAll(async () => {
  await h?.close();
});

/** Live candidates as the sets of items they hold: the clusters, whatever the candidate ids. */
async function partition(): Promise<string[][]> {
  const rows = await h.query<{ items: string[] }>(
    `select array_agg(i.source_id || '/' || i.item_key order by i.source_id, i.item_key) as items
     from candidates c join evidence e on e.candidate_id = c.id join source_items i on i.id = e.item_id
     where c.merged_into is null group by c.id`,
  );
  return rows.map((row) => row.items).sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

async function candidateWithSources(count: number): Promise<{ id: string; items: string[] }> {
  const rows = await h.query<{ id: string; items: string[] }>(
    `select c.id, array_agg(e.item_id::text order by e.item_id) as items
     from candidates c join evidence e on e.candidate_id = c.id join source_items i on i.id = e.item_id
     where c.merged_into is null group by c.id having count(distinct i.source_id) >= $1
     order by count(*) desc, c.id limit 1`,
    [count],
  );
  return rows[0]!;
}

describe('manual merge and split', () => {
  let splitFrom: string;
  let splitInto: string;
  let survivor: string;
  let absorbed: string;

  it('splits evidence off a candidate into a new one, audited and in both histories', async () => {
    const candidate = await candidateWithSources(3);
    splitFrom = candidate.id;
    const moved = candidate.items[candidate.items.length - 1]!;
    const linkedTo = async (): Promise<string[]> =>
      (
        await h.query<{ candidate_id: string }>(
          'select candidate_id from evidence where item_id = $1 order by candidate_id',
          [moved],
        )
      ).map((row) => row.candidate_id);
    // An item may be evidence of other candidates too (a report naming two products): those stay.
    const others = (await linkedTo()).filter((id) => id !== splitFrom);
    const requestId = randomUUID();
    const args = [
      'split',
      splitFrom,
      '--items',
      moved,
      '--user',
      'granskare',
      '--reason',
      'Annan generation',
    ];
    const result = await horisontCli(h, [...args, '--request-id', requestId, '--json']);
    expect(result.code, result.stderr).toBe(0);
    splitInto = (JSON.parse(result.stdout) as { otherCandidateId: string }).otherCandidateId;
    expect(await linkedTo()).toEqual([...others, splitInto].sort());

    const again = await horisontCli(h, [...args, '--request-id', requestId]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/redan registrerat/);
    expect(await h.query("select 1 from resolution_log where action = 'split'")).toHaveLength(1);

    const audit = await h.query<{ actor_name: string; subject_id: string }>(
      "select actor_name, subject_id from audit_log where action = 'candidate.split'",
    );
    expect(audit).toEqual([{ actor_name: 'granskare', subject_id: splitFrom }]);
    for (const id of [splitFrom, splitInto]) {
      const history = await h.query<{ kind: string }>(
        'select kind from candidate_history where candidate_id = $1',
        [id],
      );
      expect(history.map((row) => row.kind)).toContain('split');
    }
  });

  it('merges two candidates: the first keeps its id, the second points at it', async () => {
    const singles = await h.query<{ id: string }>(
      `select c.id from candidates c where c.merged_into is null and c.id <> all($1::uuid[])
       order by c.name, c.id limit 2`,
      [[splitFrom, splitInto]],
    );
    [survivor, absorbed] = [singles[0]!.id, singles[1]!.id];
    const result = await horisontCli(h, [
      'merge',
      survivor,
      absorbed,
      '--user',
      'granskare',
      '--reason',
      'Samma produkt under två namn',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [row] = await h.query<{ merged_into: string }>('select merged_into from candidates where id = $1', [
      absorbed,
    ]);
    expect(row!.merged_into).toBe(survivor);
    expect(await h.query('select 1 from evidence where candidate_id = $1', [absorbed])).toHaveLength(0);
    const audit = await h.query<{ subject_id: string }>(
      "select subject_id from audit_log where action = 'candidate.merge'",
    );
    expect(audit).toEqual([{ subject_id: survivor }]);
  });

  it('refuses a viewer and says why', async () => {
    const result = await horisontCli(h, ['merge', splitFrom, splitInto, '--user', 'lasare', '--reason', 'x']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/viewer/);
  });

  it('both survive a full re-scan and re-resolving everything stored', async () => {
    const before = await partition();
    await h.scan();
    expect(await partition()).toEqual(before);
    const resolved = await horisontCli(h, ['resolve', '--all']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(await partition()).toEqual(before);
    const [separation] = await h.query('select 1 from candidate_separations');
    expect(separation).toBeDefined();
  });

  it('lists possible duplicates and a candidate history', async () => {
    const history = await horisontCli(h, ['history', splitFrom, '--json']);
    expect(history.code, history.stderr).toBe(0);
    const kinds = (JSON.parse(history.stdout) as Array<{ kind: string }>).map((event) => event.kind);
    expect(kinds).toContain('first-seen');
    expect(kinds).toContain('split');
    const duplicates = await horisontCli(h, ['duplicates', '--json']);
    expect(duplicates.code, duplicates.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(duplicates.stdout))).toBe(true);
  });
});
