import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { decideHold } from '../../src/app/holds.js';
import { listHolds } from '../../src/store/holds.js';
import { createUser } from '../../src/store/users.js';
import { assertInvariants } from '../helpers/invariants.js';
import type { Oracle } from '../helpers/invariants.js';
import { prepareWorld } from './support/scenario.js';
import type { World } from './support/world.js';

/**
 * Schema drift and mass re-keying (issue 21): EUDAMED's device search drifts in the three ways
 * an outside tester found or named (two fields renamed, a record type changed, a page of nulls),
 * then re-keys every device without any field missing. None of it may become news: no new
 * evidence, report, nomination, candidate or alert event, and what was known stays byte for byte.
 */

const SOURCE = 'eudamed-devices';
let world: World;
let app: AppContext;
let oracle: Oracle;
let decisionsBefore: string;
let pages: Record<string, string>;

beforeAll(async () => {
  // The demo's EUDAMED has 13 devices: the guard's floor comes down to fit it.
  ({ world, oracle, decisionsBefore } = await prepareWorld({ guards: { rekey: { minKnown: 5 } } }, [SOURCE]));
  app = await world.app();
  world.startWorker();
  pages = Object.fromEntries(
    ['page-0', 'page-1', 'page-2'].map((page) => [page, readFileSync(fixture(page), 'utf8')]),
  );
});
afterAll(async () => {
  await world?.close();
});

function fixture(page: string): string {
  return path.join(world.fixturesDir, SOURCE, `${page}.json`);
}

type Hit = Record<string, unknown>;

/** Serves `page` with every record rewritten. */
function rewrite(page: string, edit: (hit: Hit) => Hit): void {
  const json = JSON.parse(pages[page]!) as { content: Hit[] };
  writeFileSync(fixture(page), JSON.stringify({ ...json, content: json.content.map(edit) }, null, 2));
}

function restore(): void {
  for (const [page, text] of Object.entries(pages)) writeFileSync(fixture(page), text);
}

/**
 * Everything that would be news about products, and what was known: must not move while a source
 * drifts. (The operators' own event, "a source broke", is expected.)
 */
async function newsState() {
  const [row] = await world.query<Record<string, string | number>>(
    `select (select count(*)::int from evidence) as evidence,
            (select count(*)::int from reports) as reports,
            (select count(*)::int from nominations) as nominations,
            (select count(*)::int from candidates) as candidates,
            (select count(*)::int from candidate_events where candidate_id is not null) as events,
            (select count(*)::int from alert_outbox o join candidate_events e on e.id = o.event_id
               where e.candidate_id is not null) as outbox,
            (select md5(string_agg(source_id || '/' || item_key || '/' || content_hash || '/' || data::text, ','
                                   order by source_id, item_key)) from source_items) as items`,
  );
  return row!;
}

async function scan() {
  const summary = await world.waitForRun(await world.startRun([SOURCE]));
  return summary.sources.find((s) => s.source_id === SOURCE)!;
}

describe('schema drift in a structured source', () => {
  it.each([
    [
      'two fields renamed (tradeName, primaryDi)',
      (hit: Hit): Hit => {
        const { tradeName, primaryDi, ...rest } = hit;
        return { ...rest, deviceTradeName: tradeName, primaryDI: primaryDi };
      },
      /lack needed fields: .*primaryDi \(5\).*tradeName \(5\)|lack needed fields: .*tradeName \(5\).*primaryDi \(5\)/,
    ],
    [
      'a record type changed (riskClass became a string)',
      (hit: Hit): Hit => ({ ...hit, riskClass: 'class-iii' }),
      /content\.0 is not a device hit \(riskClass/,
    ],
    [
      'a page of nulls',
      (hit: Hit): Hit =>
        Object.fromEntries(Object.keys(hit).map((key) => [key, key === 'uuid' ? hit[key] : null])),
      /5 of 5 records lack needed fields/,
    ],
  ])('%s: the source is broken with schema-drift and nothing becomes news', async (_name, edit, message) => {
    const before = await newsState();
    rewrite('page-1', edit);
    try {
      const outcome = await scan();
      expect(outcome).toMatchObject({ status: 'broken', error_kind: 'schema-drift' });
      expect(outcome.error_message).toMatch(message);
      expect(await newsState()).toEqual(before);
      const [health] = await world.query<{ health: string; last_error_kind: string }>(
        'select health, last_error_kind from sources where id = $1',
        [SOURCE],
      );
      expect(health).toEqual({ health: 'broken', last_error_kind: 'schema-drift' });
    } finally {
      restore();
    }
  });

  it('when the source reads again it is ok, and still nothing was lost or doubled', async () => {
    const outcome = await scan();
    expect(outcome.status === 'ok' || outcome.status === 'unchanged').toBe(true);
    await assertInvariants(world, { oracle, decisionsBefore, app });
  });
});

describe('mass re-keying that no field check sees', () => {
  /** Every device under a new UDI-DI form, on every page: same devices, all keys new. */
  function rekey(prefix: string): void {
    for (const page of Object.keys(pages)) {
      rewrite(page, (hit) => ({ ...hit, primaryDi: `${prefix}${String(hit.primaryDi)}` }));
    }
  }

  it('the run holds the new items for review: no evidence, report, nomination or alert, a note on the source', async () => {
    const before = await newsState();
    rekey('(01)');
    const outcome = await scan();
    expect(outcome.status).toBe('ok');
    expect(outcome.items_held).toBe(13);
    expect(outcome.items_new).toBe(0);
    expect(outcome.notes.join(' ')).toMatch(
      /13 nya poster hålls för granskning .*13 av 13 kända poster försvann/,
    );
    expect(await newsState()).toEqual(before);
    const [hold] = await listHolds(app.db);
    expect(hold).toMatchObject({ sourceId: SOURCE, status: 'held', known: 13, gone: 13, fresh: 13 });
    expect(hold!.sample[0]!.itemKey).toMatch(/^\(01\)/);
    // The next night, still re-keyed, is held again rather than let through.
    const again = await scan();
    expect(again.items_held + again.items_new).toBeLessThanOrEqual(13);
    expect(await newsState()).toEqual(before);
  });

  it('a reviewer releases a hold: its items are stored and resolved in a run of their own, audited', async () => {
    const reviewer = await createUser(app.db, {
      username: `holds-${world.id}`,
      displayName: 'Hanna Håll',
      role: 'reviewer',
    });
    const actor = { id: reviewer.id, name: reviewer.displayName, role: reviewer.role };
    const holds = await listHolds(app.db);
    const first = holds.at(-1)!;
    const released = await decideHold(app, {
      holdId: first.id,
      action: 'release',
      actor,
      reason: 'UDI-DI i ny form',
    });
    expect(released.runId).toBeDefined();
    const run = await world.waitForRun(released.runId!);
    expect(run.status).toBe('completed');
    const stored = await world.query<{ n: number }>(
      `select count(*)::int as n from source_items i join evidence e on e.item_id = i.id
       where i.source_id = $1 and i.item_key like '(01)%'`,
      [SOURCE],
    );
    expect(stored[0]!.n).toBe(13);
    // The later hold of the same items is discarded; nothing of it is stored twice.
    for (const open of holds.slice(0, -1)) {
      await decideHold(app, {
        holdId: open.id,
        action: 'discard',
        actor,
        reason: 'samma poster som släpptes',
      });
    }
    await expect(
      decideHold(app, { holdId: first.id, action: 'discard', actor, reason: 'igen' }),
    ).rejects.toThrow(/ingen öppen hållning/);
    const audit = await world.query<{ action: string }>(
      `select action from audit_log where action like 'hold.%' order by seq`,
    );
    expect(audit.map((row) => row.action)).toEqual([
      'hold.release',
      ...holds.slice(0, -1).map(() => 'hold.discard'),
    ]);
    restore();
    await world.quiescent();
    await assertInvariants(world, { oracle, app });
  });
});
