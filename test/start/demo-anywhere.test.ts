import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parseEnv as parseDotenv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries, freePort, onPath } from '../../src/app/local-servers.js';
import { unreachableServices } from '../../src/app/reachability.js';
import { REPO_ROOT } from '../helpers/harness.js';

const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'horisont-demo-test-'));
const binaries = Boolean(onPath('redis-server')) && (await findPostgresBinaries()) !== undefined;

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// `npm run demo` on a machine where neither server runs but the binaries are there: the demo
// starts its own in a temporary directory and stops them afterwards. Run in a directory of the
// test's own, so the demo's var/demo/ files land there.
describe.skipIf(!binaries)('the demo with the configured servers unreachable', () => {
  it('runs on servers of its own, then stops them', async () => {
    const closed = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    };
    const { stdout } = await run(
      process.execPath,
      // tsx by path: the working directory is not the repository.
      [
        '--import',
        pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        path.join(REPO_ROOT, 'src/cli/main.ts'),
        'demo',
      ],
      { cwd: work, env: { ...process.env, ...closed, LOG_LEVEL: 'warn' }, maxBuffer: 20 * 1024 * 1024 },
    );
    expect(stdout).toContain(
      `PostgreSQL svarar inte på ${closed.DATABASE_URL}: demon startar en egen tillfällig server`,
    );
    expect(stdout).toContain(
      `Redis svarar inte på ${closed.REDIS_URL}: demon startar en egen tillfällig redis-server`,
    );
    expect(stdout).toContain('3. Rangordnade kandidater');
    expect(stdout).toContain('Starta: npm run demo -- --serve');

    // The env file names the whole demo world; its servers were temporary and are gone now.
    const world = parseDotenv(readFileSync(path.join(work, 'var', 'demo', 'horisont.env'), 'utf8'));
    expect(world).toMatchObject({
      HORISONT_DB_SCHEMA: 'horisont_demo',
      HORISONT_QUEUE_PREFIX: 'horisont-demo',
      // A later scan in this world reads the recordings (`horisont fixtures serve`), never the web.
      HORISONT_FIXTURE_ORIGIN: 'http://127.0.0.1:4870',
    });
    expect(world.DATABASE_URL).not.toBe(closed.DATABASE_URL);
    const gone = await unreachableServices({ postgres: world.DATABASE_URL!, redis: world.REDIS_URL! }, 1_000);
    expect(gone.map((problem) => problem.service).sort()).toEqual(['postgres', 'redis']);
  });
});
