import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * EUDAMED has no "changed since" filter: every night the device search is paged through and
 * changes are found per device (UDI-DI) by comparing what was stored, `versionNumber` included.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

// Eversense E3 Sensor, on the recorded page 1 with versionNumber 1.
const EVERSENSE = '00817344010134';

function pageRequests(): number[] {
  return h.server.hits
    .filter((hit) => hit.path.includes('/ec.europa.eu/tools/eudamed/api/devices/udiDiData'))
    .map((hit) => Number(new URL(hit.path, 'http://x').searchParams.get('page')));
}

async function candidateOf(udiDi: string): Promise<string> {
  const rows = await h.query<{ candidate_id: string }>(
    `select e.candidate_id from evidence e join source_items i on i.id = e.item_id
     where i.source_id = 'eudamed-devices' and i.item_key = $1`,
    [udiDi],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.candidate_id;
}

/** The candidates the run's score jobs judged. */
async function scoredInRun(runId: string): Promise<string[]> {
  const rows = await h.query<{ candidate_ids: string[]; failed: boolean }>(
    `select data->'candidateIds' as candidate_ids, failed from run_jobs where run_id = $1 and queue = 'score'
     order by job_id`,
    [runId],
  );
  expect(rows.every((row) => !row.failed)).toBe(true);
  return rows.flatMap((row) => row.candidate_ids);
}

describe('EUDAMED device search', () => {
  it('pages through the three recorded pages and stops on the last', async () => {
    h.server.hits.length = 0;
    const summary = await h.scan(['eudamed-devices']);
    expect(summary.sources[0]).toMatchObject({
      source_id: 'eudamed-devices',
      status: 'ok',
      pages: 3,
      items_seen: 13,
      items_new: 13,
    });
    // Page 2 says `last: true`: page 3 is never asked for.
    expect(pageRequests()).toEqual([0, 1, 2]);
  });

  it('a re-scan of unchanged pages produces no new or changed items and re-scores nothing', async () => {
    h.server.hits.length = 0;
    const summary = await h.scan(['eudamed-devices']);
    expect(summary.sources[0]).toMatchObject({
      status: 'unchanged',
      pages: 3,
      items_seen: 13,
      items_new: 0,
      items_changed: 0,
    });
    expect(summary.candidatesNew).toBe(0);
    expect(await scoredInRun(summary.runId)).toEqual([]);
    expect(pageRequests()).toEqual([0, 1, 2]);
  });

  it('a device whose versionNumber rose flows as one change, and its candidate is re-scored', async () => {
    const file = path.join(h.fixturesDir, 'eudamed-devices', 'page-1.json');
    const page = JSON.parse(readFileSync(file, 'utf8')) as {
      content: Array<{ primaryDi: string; versionNumber: number; lastUpdateDate: string }>;
    };
    const device = page.content.find((hit) => hit.primaryDi === EVERSENSE)!;
    expect(device.versionNumber).toBe(1);
    device.versionNumber = 2;
    // The page's bytes change as a whole (re-serialised); only this device's record differs.
    writeFileSync(file, JSON.stringify(page, null, 1));
    const [before] = await h.query<{ source_version: string }>(
      `select source_version from source_items where source_id = 'eudamed-devices' and item_key = $1`,
      [EVERSENSE],
    );
    expect(before).toEqual({ source_version: '1' });

    const summary = await h.scan(['eudamed-devices']);
    expect(summary.sources[0]).toMatchObject({
      status: 'ok',
      pages: 3,
      items_seen: 13,
      items_new: 0,
      items_changed: 1,
    });
    expect(summary.candidatesNew).toBe(0);
    const [after] = await h.query<{ source_version: string }>(
      `select source_version from source_items where source_id = 'eudamed-devices' and item_key = $1`,
      [EVERSENSE],
    );
    expect(after).toEqual({ source_version: '2' });

    const candidate = await candidateOf(EVERSENSE);
    const scored = await scoredInRun(summary.runId);
    expect(scored).toEqual([candidate]);
  });
});
