import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * robots.txt (RFC 9309) on the real fetch path. The fixture server composes the origin's
 * robots.txt from recorded ones (each host's rules moved under /<host>/); without any, it
 * answers 404, which allows everything (every other integration test scans that way).
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  // Written before the first fetch: robots.txt is read once per origin and cached for a day.
  const dir = path.join(h.fixturesDir, 'robots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'tlv.txt'),
    ['# TLV', 'User-agent: *', 'Disallow: /om-tlv/', 'Allow: /om-tlv/kontakt', ''].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'tlv.meta.json'),
    JSON.stringify({
      url: 'https://www.tlv.se/robots.txt',
      status: 200,
      headers: { 'content-type': 'text/plain' },
      fetchedAt: '2026-11-20T01:00:00Z',
    }),
  );
});
afterAll(async () => {
  await h?.close();
});

describe('robots.txt', () => {
  it('a disallowed list fails its source as robots-disallowed, is never requested, and is not retried', async () => {
    const summary = await h.scan(['tlv', 'sbu-publications']);
    const tlv = summary.sources.find((s) => s.source_id === 'tlv')!;
    expect(tlv.status).toBe('failed');
    expect(tlv.error_kind).toBe('robots-disallowed');
    expect(tlv.error_message).toMatch(/disallowed by robots\.txt: .*\/www\.tlv\.se\/om-tlv\/nyheter\.html/);
    // Hosts without a rule for the path are read as usual.
    expect(summary.sources.find((s) => s.source_id === 'sbu-publications')?.status).toBe('ok');

    const paths = h.server.hits.map((hit) => hit.path);
    expect(paths.filter((p) => p.includes('/om-tlv/'))).toEqual([]);
    // The other list of the same host was allowed and read.
    expect(paths.some((p) => p.includes('/www.tlv.se/medicinteknik/'))).toBe(true);
    // One robots.txt request for the origin, shared by every fetch of the process.
    expect(paths.filter((p) => p === '/robots.txt')).toHaveLength(1);

    // Permanent: one attempt, recorded as failed with its kind.
    const jobs = await h.query<{ failed: boolean; error_kind: string }>(
      `select failed, error_kind from run_jobs where run_id = $1 and job_id like '%nyheter%'`,
      [summary.runId],
    );
    expect(jobs).toEqual([{ failed: true, error_kind: 'robots-disallowed' }]);
    const [health] = await h.query<{ health: string; last_error_kind: string }>(
      `select health, last_error_kind from sources where id = 'tlv'`,
    );
    expect(health).toEqual({ health: 'failing', last_error_kind: 'robots-disallowed' });
  });

  it('serves the composed robots.txt with every rule under its host', async () => {
    const response = await fetch(`${h.server.origin}/robots.txt`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('Disallow: /www.tlv.se/om-tlv/');
    expect(text).toContain('Allow: /www.tlv.se/om-tlv/kontakt');
  });
});
