import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { assertBarrierAllowed } from './support/barrier.js';
import { REPO_ROOT } from '../helpers/harness.js';

/** The fault suite's hooks exist only under NODE_ENV=test; production refuses them at start. */
describe('test-only hooks are refused outside tests', () => {
  it('production code never reads the barriers; their entry point refuses to start unless NODE_ENV=test', () => {
    const src = path.join(REPO_ROOT, 'src');
    const readers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) => /HORISONT_TEST_|fault\/support/.test(readFileSync(path.join(src, file), 'utf8')));
    expect(readers).toEqual([]);
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'test/fault/support/worker-main.ts'), '--help'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_ENV: 'production', HORISONT_TEST_BARRIER: 'trace' },
        encoding: 'utf8',
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('HORISONT_TEST_BARRIER is a test-only setting');
    expect(() => assertBarrierAllowed({ HORISONT_TEST_BARRIER: 'trace', NODE_ENV: 'test' })).not.toThrow();
    expect(() => assertBarrierAllowed({ NODE_ENV: 'production' })).not.toThrow();
  });

  it('the job lock the fault worlds shorten is an operational setting, not a test hook', () => {
    expect(parseEnv({ NODE_ENV: 'production', HORISONT_JOB_LOCK_MS: '2000' }).HORISONT_JOB_LOCK_MS).toBe(
      2000,
    );
    expect(parseEnv({ NODE_ENV: 'production' }).HORISONT_JOB_LOCK_MS).toBeUndefined();
    expect(() => parseEnv({ HORISONT_JOB_LOCK_MS: '5' })).toThrow(/HORISONT_JOB_LOCK_MS/);
  });
});
