import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { assertInvariants, decisionsChecksum } from '../helpers/invariants.js';
import { prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * D8 (with D7): the pipeline's workers run as `horisont_ingest`, one of them is killed holding a
 * report's transaction, and while that happens the workbench's role `horisont_web` and the
 * ingest role try to rewrite and delete decisions. The grants of migration 0008 refuse every
 * attempt before any trigger runs; the run completes on another ingest worker and every
 * invariant holds, decisions byte for byte.
 */

const worlds: World[] = [];
afterAll(async () => {
  await Promise.all(worlds.map((world) => world.close()));
});

/** A client of the world's schema switched to `role`, as the application's pools are. */
async function connectAs(world: World, role: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: world.env.DATABASE_URL,
    options: `-c search_path=${world.schema} -c role=${role}`,
  });
  await client.connect();
  return client;
}

async function refusal(client: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await client.query(sql);
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error(`the database accepted: ${sql}`);
}

describe('D8 the application roles cannot change decisions, also in the middle of a fault', () => {
  it('grants refuse UPDATE, DELETE and TRUNCATE to web and ingest while an ingest worker dies; I1–I6', async () => {
    const { world, decisionsBefore, oracle } = await prepareWorld();
    worlds.push(world);
    const app = await world.app();
    const ingestRole = { HORISONT_DB_INGEST_ROLE: 'horisont_ingest' };
    const first = world.startWorker({ barrier: 'before-commit@report~^report-(?!run-)#1', env: ingestRole });
    const runId = await world.startRun();
    await world.waitForTrace((e) => e.event === 'hold');

    const web = await connectAs(world, 'horisont_web');
    const ingest = await connectAs(world, 'horisont_ingest');
    try {
      expect((await web.query<{ role: string }>('select current_user as role')).rows).toEqual([
        { role: 'horisont_web' },
      ]);
      for (const [client, sql] of [
        [web, `update decisions set comment = 'ändrad i efterhand'`],
        [web, 'delete from decisions'],
        [web, 'truncate decisions cascade'],
        [web, `update audit_log set actor_name = 'någon annan'`],
        [ingest, `update decisions set comment = 'ändrad i efterhand'`],
        [ingest, 'delete from decisions'],
        [ingest, `insert into decisions (candidate_id) select id from candidates limit 1`],
      ] as const) {
        const error = await refusal(client, sql);
        // 42501 is the grant (insufficient_privilege); the append-only trigger never ran.
        expect({ sql, code: error.code, message: error.message }).toMatchObject({
          code: '42501',
          message: expect.stringMatching(/^permission denied for table (decisions|audit_log)$/) as string,
        });
      }
    } finally {
      await web.end();
      await ingest.end();
    }

    first.child.kill('SIGKILL');
    await first.exited;
    world.startWorker({ env: ingestRole });
    const summary = await world.waitForRun(runId);
    expect(summary.sources.filter((s) => s.status !== 'ok' && s.status !== 'unchanged')).toEqual([]);
    await world.quiescent();
    expect(await decisionsChecksum(world)).toBe(decisionsBefore);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});
