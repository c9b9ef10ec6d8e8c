import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DEMO_CONFIG, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { checkSourcesLive, checkSourcesOffline, formatSourceChecks } from '../../src/cli/sources-commands.js';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.js';
import { RECORDINGS_DIR } from '../../src/fixtures/documents.js';

/**
 * `horisont sources check`: offline against the configuration and the recordings, and `--live`,
 * whose code path is exercised here against the fixture server only (never real sites).
 */
const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ workers: false });
});
afterAll(async () => {
  await h?.close();
});

function breakRecording(...parts: string[]): void {
  writeFileSync(
    path.join(h.fixturesDir, ...parts),
    '<html><body><h1>Ny webbplats</h1><p>Välkommen!</p></body></html>',
  );
}

describe('horisont sources check (offline)', () => {
  it('every source of the demo and the production configuration plans valid requests and parses its recordings', async () => {
    const configs = await Promise.all([DEMO_CONFIG, DEFAULT_CONFIG_DIR].map((dir) => loadConfig(dir)));
    for (const config of configs) {
      const checks = checkSourcesOffline(config, RECORDINGS_DIR);
      expect(checks.map((c) => c.sourceId)).toEqual(config.sources.map((s) => s.id));
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    }
    const demo = checkSourcesOffline(await loadConfig(DEMO_CONFIG), RECORDINGS_DIR);
    // The demo's EUDAMED search is recorded page by page: the chain is followed to its end.
    expect(demo.find((c) => c.sourceId === 'eudamed-devices')?.detail).toContain(
      '3 inspelade sidor lästa, 13 poster',
    );
  });

  it('names a source whose recording no longer parses, with the kind', async () => {
    breakRecording('tlv', 'nyheter.html');
    const checks = checkSourcesOffline(await loadConfig(DEMO_CONFIG), h.fixturesDir, [
      'tlv',
      'sbu-publications',
    ]);
    expect(checks).toEqual([
      expect.objectContaining({ sourceId: 'sbu-publications', ok: true }),
      expect.objectContaining({ sourceId: 'tlv', ok: false, kind: 'layout-changed' }),
    ]);
    expect(formatSourceChecks(checks, (await loadConfig(DEMO_CONFIG)).sourceLabels)).toMatch(
      /^TLV\s+FEL\s+layout-changed: parse\(tlv\).*\stlv$/m,
    );
  });

  it('the CLI exits 0 when every source reads and 1 naming the ones that do not', async () => {
    const cli = async (args: string[]) => {
      try {
        const { stdout, stderr } = await run(
          process.execPath,
          ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
          { cwd: REPO_ROOT, env: { ...h.childEnv(), LOG_LEVEL: 'warn' } },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
    const good = await cli(['sources', 'check']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('eudamed-devices');
    const bad = await cli(['sources', 'check', '--recordings', h.fixturesDir, '--source', 'tlv', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual([expect.objectContaining({ sourceId: 'tlv', ok: false })]);
    expect(bad.stderr).toContain('Källor som inte läses: tlv');
  });
});

describe('horisont sources check --live (against the fixture server)', () => {
  it("fetches each enabled source's first request once and says whether it still parses", async () => {
    const app = await h.app();
    // The first of TLV's two lists is the one a live check reads.
    breakRecording('tlv', 'halsoekonomiska-bedomningar.html');
    h.server.hits.length = 0;
    const before = await h.query<{ n: number }>('select count(*)::int as n from runs');
    const checks = await checkSourcesLive(app);
    const tlv = checks.find((c) => c.sourceId === 'tlv')!;
    expect(tlv).toMatchObject({ ok: false, kind: 'layout-changed' });
    expect(checks.filter((c) => !c.ok).map((c) => c.sourceId)).toEqual(['tlv']);
    expect(checks.find((c) => c.sourceId === 'eudamed-devices')?.detail).toMatch(
      /^HTTP 200, .*: 5 poster, nästa sida finns$/,
    );
    expect(checks.find((c) => c.sourceId === 'eudamed-build-info')?.detail).toContain('buildVersion 4.12.1');
    // Once per source (plus robots.txt), and nothing recorded as a run.
    const fetched = h.server.hits.filter((hit) => hit.path !== '/robots.txt');
    expect(fetched).toHaveLength(app.config.sources.filter((s) => s.enabled).length);
    expect(await h.query('select count(*)::int as n from runs')).toEqual(before);
    expect(await h.query('select count(*)::int as n from snapshots')).toEqual([{ n: 0 }]);
  });

  it('reports a block page as blocked', async () => {
    const app = await h.app();
    const page = path.join(h.fixturesDir, 'eudamed-devices', 'page-0.json');
    writeFileSync(page, readFileSync(path.join(h.fixturesDir, 'eudamed-devices', 'edge', 'blocked.html')));
    const [check] = await checkSourcesLive(app, ['eudamed-devices']);
    expect(check).toMatchObject({ sourceId: 'eudamed-devices', ok: false, kind: 'blocked' });
  });
});
