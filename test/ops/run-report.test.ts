import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import type { RunSummary } from '../../src/store/runs.js';

// The night's run report: every source's outcome, with the reason for each that did not read,
// stored on the run when it completes and printed by `horisont runs --json`.
const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('run report', () => {
  it("names every source's outcome: ok, failed (transport) and broken (content), in runs.summary and runs --json", async () => {
    // One source's server fails (500 on every attempt), another's page is no longer the list.
    const tlvMeta = path.join(h.fixturesDir, 'tlv', 'halsoekonomiska-bedomningar.meta.json');
    const meta = JSON.parse(readFileSync(tlvMeta, 'utf8')) as Record<string, unknown>;
    writeFileSync(tlvMeta, JSON.stringify({ ...meta, status: 500 }));
    writeFileSync(
      path.join(h.fixturesDir, 'sbu-publications', 'all-types.html'),
      '<html><body><h1>Sidan har flyttat</h1></body></html>',
    );

    const summary = await h.scan();
    const app = await h.app();
    const enabled = app.config.sources
      .filter((source) => source.enabled)
      .map((source) => source.id)
      .sort();

    const [stored] = await h.query<{ summary: RunSummary; status: string }>(
      'select summary, status from runs where id = $1',
      [summary.runId],
    );
    expect(stored!.status).toBe('completed');
    const report = stored!.summary;
    expect(report.sources.map((s) => s.source_id).sort()).toEqual(enabled);
    const bySource = new Map(report.sources.map((s) => [s.source_id, s]));
    expect(bySource.get('tlv')).toMatchObject({ status: 'failed', error_kind: 'http-5xx' });
    expect(bySource.get('tlv')!.error_message).toMatch(/500/);
    expect(bySource.get('sbu-publications')).toMatchObject({ status: 'broken' });
    expect(bySource.get('sbu-publications')!.error_kind).toBeTruthy();
    for (const id of enabled.filter((id) => id !== 'tlv' && id !== 'sbu-publications')) {
      expect({ id, status: bySource.get(id)!.status }).toEqual({ id, status: 'ok' });
    }
    expect(report.failedJobs).toBeGreaterThanOrEqual(2);

    // The CLI prints the same report.
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'runs', '--json', '--limit', '1'],
      { cwd: REPO_ROOT, env: h.childEnv() },
    );
    const printed = JSON.parse(stdout) as RunSummary[];
    expect(printed).toHaveLength(1);
    expect(printed[0]!.runId).toBe(summary.runId);
    expect(printed[0]!.sources).toEqual(report.sources);
    expect(printed[0]!.status).toBe('completed');
  }, 180_000);
});
