import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * openFDA answers a search without matches with HTTP 404 and `{"error":{"code":"NOT_FOUND"}}`.
 * The adapter declares 404 as a status it reads, so the fetch stores the body and the parse
 * reads it as an empty list; any other 4xx still fails the request.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

function setPmaRecording(status: number, body: string): void {
  const dir = path.join(h.fixturesDir, 'openfda-devices');
  const metaFile = path.join(dir, 'pma-page-0.meta.json');
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(metaFile, JSON.stringify({ ...meta, status }));
  writeFileSync(path.join(dir, 'pma-page-0.json'), body);
}

describe('openFDA 404 NOT_FOUND', () => {
  it('is a search without matches: the source settles ok, the 510(k) pages still read', async () => {
    setPmaRecording(
      404,
      readFileSync(path.join(h.fixturesDir, 'openfda-devices', 'edge', 'no-matches.json'), 'utf8'),
    );
    const summary = await h.scan(['openfda-devices']);
    const source = summary.sources[0]!;
    expect(source).toMatchObject({ source_id: 'openfda-devices', status: 'ok', error_kind: null });
    const snapshots = await h.query<{ key: string; status: number; items_seen: number }>(
      `select request_key as key, status, items_seen from snapshots where run_id = $1 order by request_key`,
      [summary.runId],
    );
    const pma = snapshots.filter((s) => s.key.includes('pma'));
    expect(pma).toEqual([{ key: expect.any(String) as unknown, status: 404, items_seen: 0 }]);
    expect(
      snapshots.filter((s) => !s.key.includes('pma')).every((s) => s.status === 200 && s.items_seen > 0),
    ).toBe(true);
    expect(source.items_seen).toBe(snapshots.reduce((sum, s) => sum + s.items_seen, 0));

    // The same 404 the next night is simply unchanged.
    const again = await h.scan(['openfda-devices']);
    expect(again.sources[0]).toMatchObject({ status: 'unchanged', error_kind: null });
  });

  it('a 404 with another body is still a failure of that source', async () => {
    setPmaRecording(404, '{"error":{"code":"BAD_REQUEST","message":"Invalid search"}}');
    const summary = await h.scan(['openfda-devices']);
    expect(summary.sources[0]).toMatchObject({ status: 'broken', error_kind: 'parse' });
  });

  it('a 404 from a source that does not read 404s fails with http-4xx', async () => {
    const dir = path.join(h.fixturesDir, 'tlv');
    const metaFile = path.join(dir, 'nyheter.meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...meta, status: 404 }));
    const summary = await h.scan(['tlv']);
    expect(summary.sources[0]).toMatchObject({ status: 'failed', error_kind: 'http-4xx' });
  });
});
