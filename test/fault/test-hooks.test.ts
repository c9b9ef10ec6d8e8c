import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testLockMs } from '../../src/app/build.js';
import { parseEnv } from '../../src/env.js';
import { assertBarrierAllowed } from './support/barrier.js';
import { REPO_ROOT } from '../helpers/harness.js';

/** The fault suite's hooks exist only under NODE_ENV=test; production refuses them at start. */
describe('test-only hooks are refused outside tests', () => {
  it('production code never reads the barriers; their entry point refuses to start unless NODE_ENV=test', () => {
    const src = path.join(REPO_ROOT, 'src');
    const readers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) =>
        /HORISONT_TEST_BARRIER|fault\/support/.test(readFileSync(path.join(src, file), 'utf8')),
      );
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

  it('HORISONT_TEST_LOCK_MS is read only under NODE_ENV=test', () => {
    expect(testLockMs(parseEnv({ NODE_ENV: 'test' }), '2000')).toBe(2000);
    expect(testLockMs(parseEnv({ NODE_ENV: 'production' }), undefined)).toBeUndefined();
    expect(() => testLockMs(parseEnv({ NODE_ENV: 'production' }), '2000')).toThrow(/test-only/);
    expect(() => testLockMs(parseEnv({ NODE_ENV: 'test' }), '5')).toThrow(/at least 200/);
  });
});
