import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, FIXTURES } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { failedSources, formatRunSummary } from '../../src/cli/summary.js';
import { formatSourceHealth } from '../../src/cli/sources-commands.js';
import { resetYieldBaseline, sourceHealthDetails } from '../../src/store/health.js';
import type { RunSummary } from '../../src/store/runs.js';

// Real Redis and PostgreSQL; one schema, queue prefix and fixture copy for this file.
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

function fixture(...parts: string[]): string {
  return path.join(h.fixturesDir, ...parts);
}

/** Puts the original recording back into this file's fixture copy. */
function restore(...parts: string[]): void {
  copyFileSync(path.join(FIXTURES, ...parts), fixture(...parts));
}

function row(summary: RunSummary, sourceId: string) {
  const found = summary.sources.find((s) => s.source_id === sourceId);
  if (!found) throw new Error(`no ${sourceId} in the run`);
  return found;
}

async function health(sourceId: string) {
  const [found] = await h.query<{
    health: string;
    consecutive_failures: number;
    last_error_kind: string | null;
  }>('select health, consecutive_failures, last_error_kind from sources where id = $1', [sourceId]);
  return found!;
}

describe('source health', () => {
  it('a first scan settles each source ok with its yield', async () => {
    const summary = await h.scan(['eudamed-devices', 'sbu-publications', 'eudamed-build-info']);
    expect(summary.sources.map((s) => [s.source_id, s.status])).toEqual([
      ['eudamed-build-info', 'ok'],
      ['eudamed-devices', 'ok'],
      ['sbu-publications', 'ok'],
    ]);
    expect(row(summary, 'eudamed-devices').items_seen).toBe(13);
    // Nothing to measure against yet.
    expect(row(summary, 'eudamed-devices').usual_items).toBeNull();
    // The canary's first value is stored silently.
    expect(row(summary, 'eudamed-build-info').notes).toEqual([]);
    expect(await h.query('select name, value from source_canaries order by name')).toEqual([
      { name: 'activeProfile', value: 'prod' },
      { name: 'buildVersion', value: '4.12.1' },
    ]);
  });

  it('no items where there usually are many breaks the source with that reason, not "0 new"', async () => {
    writeFileSync(
      fixture('eudamed-devices', 'page-0.json'),
      readFileSync(fixture('eudamed-devices', 'edge', 'empty.json')),
    );
    const summary = await h.scan(['eudamed-devices']);
    const devices = row(summary, 'eudamed-devices');
    expect(devices).toMatchObject({
      status: 'broken',
      error_kind: 'layout-changed',
      error_message: 'inga poster där det brukar finnas 13',
      items_seen: 0,
      usual_items: 13,
    });
    expect(await health('eudamed-devices')).toEqual({
      health: 'broken',
      consecutive_failures: 1,
      last_error_kind: 'layout-changed',
    });
    const text = formatRunSummary(summary, (await h.app()).config.sourceLabels);
    // Named in Swedish, the id at the end of the line for typing it.
    const line = text.split('\n').find((l) => l.endsWith(' eudamed-devices'))!;
    expect(line.startsWith('EUDAMED (produkter)')).toBe(true);
    expect(line).toContain('Trasig');
    expect(line).toContain('0 (brukar 13)');
    expect(line).toContain('inga poster där det brukar finnas 13');
    // Neither "0 new" nor "0 changed": a broken source has nothing to report as new.
    expect(line).not.toMatch(/\s0\s+0\s/);
    // `scan --once` exits non-zero naming it, as for any other broken source.
    expect(failedSources(summary).map((s) => s.source_id)).toEqual(['eudamed-devices']);

    // Still empty the next night: still broken, and the empty runs never become the usual.
    const again = await h.scan(['eudamed-devices']);
    expect(row(again, 'eudamed-devices')).toMatchObject({ status: 'broken', usual_items: 13 });
    expect((await health('eudamed-devices')).consecutive_failures).toBe(2);

    const listing = formatSourceHealth(
      await sourceHealthDetails((await h.app()).db),
      (await h.app()).config.sourceLabels,
    );
    const devicesLine = listing.split('\n').find((l) => l.endsWith(' eudamed-devices'))!;
    expect(devicesLine.startsWith('EUDAMED (produkter)')).toBe(true);
    expect(devicesLine).toContain('Trasig');
    expect(devicesLine).toContain('0 0 13');
    expect(devicesLine).toContain('inga poster där det brukar finnas 13');
  });

  it('the source recovers when its items come back', async () => {
    restore('eudamed-devices', 'page-0.json');
    const summary = await h.scan(['eudamed-devices']);
    expect(row(summary, 'eudamed-devices')).toMatchObject({ status: 'ok', items_seen: 13, items_new: 0 });
    expect(await health('eudamed-devices')).toMatchObject({ health: 'ok', consecutive_failures: 0 });
  });

  it('one list of a source emptied while another still reads breaks the source, naming the list', async () => {
    writeFileSync(
      fixture('sbu-publications', 'regional-hta.html'),
      readFileSync(fixture('sbu-publications', 'edge', 'empty.html')),
    );
    const summary = await h.scan(['sbu-publications']);
    const sbu = row(summary, 'sbu-publications');
    expect(sbu.status).toBe('broken');
    expect(sbu.error_kind).toBe('layout-changed');
    expect(sbu.error_message).toMatch(/^inga poster i \S*regional-hta\S* där det brukar finnas 10$/);
    expect(sbu.items_seen).toBeGreaterThan(0);
    restore('sbu-publications', 'regional-hta.html');
  });

  it('an operator can accept a legitimately emptied list', async () => {
    writeFileSync(
      fixture('eudamed-devices', 'page-0.json'),
      readFileSync(fixture('eudamed-devices', 'edge', 'empty.json')),
    );
    expect(await resetYieldBaseline((await h.app()).db, 'eudamed-devices')).toBe(true);
    const summary = await h.scan(['eudamed-devices']);
    expect(row(summary, 'eudamed-devices')).toMatchObject({ status: 'ok', items_seen: 0, usual_items: null });
    restore('eudamed-devices', 'page-0.json');
  });

  it('a block page and a response missing required fields break the source with their kind', async () => {
    writeFileSync(
      fixture('eudamed-devices', 'page-0.json'),
      readFileSync(fixture('eudamed-devices', 'edge', 'blocked.html')),
    );
    writeFileSync(
      fixture('eudamed-build-info', 'application-info.json'),
      readFileSync(fixture('eudamed-build-info', 'edge', 'drift.json')),
    );
    const summary = await h.scan(['eudamed-devices', 'eudamed-build-info']);
    expect(row(summary, 'eudamed-devices')).toMatchObject({ status: 'broken', error_kind: 'blocked' });
    expect(row(summary, 'eudamed-build-info')).toMatchObject({ status: 'broken', error_kind: 'schema' });
    expect(row(summary, 'eudamed-build-info').error_message).toMatch(/buildVersion/);
    expect((await health('eudamed-devices')).health).toBe('broken');
    restore('eudamed-devices', 'page-0.json');
    restore('eudamed-build-info', 'application-info.json');
  });

  it("a change of EUDAMED's build version is a note on the source, not a failure", async () => {
    const file = fixture('eudamed-build-info', 'application-info.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"4.12.1"', '"4.13.0"'));
    const summary = await h.scan(['eudamed-build-info']);
    const info = row(summary, 'eudamed-build-info');
    expect(info.status).toBe('ok');
    expect(info.error_kind).toBeNull();
    expect(info.notes).toEqual([
      'buildVersion ändrades från 4.12.1 till 4.13.0: kontrollera att källans API läses som förut',
    ]);
    expect(await health('eudamed-build-info')).toMatchObject({ health: 'ok', consecutive_failures: 0 });
    expect(formatRunSummary(summary, (await h.app()).config.sourceLabels)).toContain(
      'Anmärkningar:\n  EUDAMED (versionsinformation): buildVersion ändrades från 4.12.1 till 4.13.0',
    );
    const details = await sourceHealthDetails((await h.app()).db);
    expect(details.find((d) => d.id === 'eudamed-build-info')).toMatchObject({
      canaries: { buildVersion: '4.13.0', activeProfile: 'prod' },
      note: expect.stringContaining('4.12.1 till 4.13.0') as unknown,
    });
    expect(formatSourceHealth(details, (await h.app()).config.sourceLabels)).toContain('eudamed-build-info');

    // The same version again: no new note.
    const quiet = await h.scan(['eudamed-build-info']);
    expect(row(quiet, 'eudamed-build-info')).toMatchObject({ status: 'unchanged', notes: [] });
  });
});
