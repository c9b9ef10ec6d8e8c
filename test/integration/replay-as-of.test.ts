import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAsOf } from '../../src/app/replay-as-of.js';
import { obliterateQueues } from '../../src/queue/names.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const FIRST_DAY = '2026-11-20';
const SECOND_DAY = '2026-12-05';

interface Rank {
  name: string;
  total: number;
  band: string;
  stage: string;
  status: string;
  council: string;
}

/** The ranked list as the beredning reads it, in one schema of the world's database. */
async function ranking(world: Harness, schema: string): Promise<Rank[]> {
  return world.query<Rank>(
    `select c.name, s.total, s.band, s.stage, s.process_status as status, s.council
     from ${schema}.candidates c join ${schema}.scores s on s.id = c.current_score_id
     where c.merged_into is null
     order by s.total desc, c.name`,
  );
}

describe('replay --as-of (issue 16)', () => {
  let world: Harness;
  beforeAll(async () => {
    world = await createHarness();
  });
  afterAll(async () => {
    await world.close();
  });

  it('ranks as on an earlier day: the snapshots current then, judged as of then, exactly the first ranking', async () => {
    await world.scan([], { asOf: FIRST_DAY });
    const first = await ranking(world, world.schema);
    expect(first.length).toBeGreaterThan(10);

    // The second state: SBU now says AI-supported mammography screening is in routine use, and a
    // new regional HTA report appears; the night of the second day scans it.
    const page = path.join(world.fixturesDir, 'sbu-publications', 'regional-hta.html');
    const before = readFileSync(page, 'utf8');
    const after = before.replace(
      'AI-stöd som ersättning för en av två granskande röntgenläkare vid mammografiscreening.',
      'AI-stöd som ersättning för en av två granskande röntgenläkare vid mammografiscreening används rutinmässigt i flera regioner.',
    );
    expect(after).not.toBe(before);
    writeFileSync(page, after);
    await world.scan([], { asOf: SECOND_DAY });
    const second = await ranking(world, world.schema);
    expect(second).not.toEqual(first);

    const app = await world.app();
    const replayed = await replayAsOf(app, world.env, app.log, { asOf: FIRST_DAY, timeoutMs: 120_000 });
    try {
      expect(replayed.schema).toBe(`${world.schema}_per_20261120`);
      expect(replayed.summary.status).toBe('completed');
      expect(await ranking(world, replayed.schema)).toEqual(first);
      // The live world is only read: its ranking is still the second day's.
      expect(await ranking(world, world.schema)).toEqual(second);
    } finally {
      await world.query(`drop schema if exists ${replayed.schema} cascade`);
      await obliterateQueues(world.env.REDIS_URL, replayed.queuePrefix);
    }
  });
});

describe('judgement follows time (issue 16)', () => {
  let world: Harness;
  beforeAll(async () => {
    world = await createHarness();
  });
  afterAll(async () => {
    await world.close();
  });

  it('a run judges again the candidates whose facts left the fresh or the entry window, with no new evidence', async () => {
    await world.scan([], { asOf: SECOND_DAY });
    const before = await ranking(world, world.schema);
    const due = await world.query<{ n: number }>(
      `select count(*)::int as n from candidates where rejudge_on is not null and rejudge_on <= '2028-01-10'`,
    );
    expect(due[0]!.n).toBeGreaterThan(0);

    // Two years on, the same recordings: nothing new to read, but market entries have aged.
    const later = await world.scan([], { asOf: '2028-01-10' });
    expect(later.candidatesNew).toBe(0);
    const after = await ranking(world, world.schema);
    expect(after).not.toEqual(before);
    const stages = (rows: Rank[]) => rows.filter((r) => r.stage === 'established').length;
    expect(stages(after)).toBeGreaterThan(stages(before));
    const stale = await world.query<{ n: number }>(
      `select count(*)::int as n from candidates where rejudge_on <= '2028-01-10'`,
    );
    expect(stale[0]!.n).toBe(0);
  });
});
