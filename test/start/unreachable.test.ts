import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/app/local-servers.js';
import { REPO_ROOT } from '../helpers/harness.js';

const run = promisify(execFile);

// Two loopback ports nobody listens on: the CLI must say so, not hang or print a stack.
let closed: { DATABASE_URL: string; REDIS_URL: string };

beforeAll(async () => {
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  closed = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  };
});

async function horisont(args: string[], env: NodeJS.ProcessEnv) {
  const started = performance.now();
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr, ms: performance.now() - started };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return {
      code: failed.code,
      stdout: failed.stdout,
      stderr: failed.stderr,
      ms: performance.now() - started,
    };
  }
}

describe('every command with unreachable Redis and PostgreSQL', () => {
  it.each([
    [['candidates'], ['postgres', 'redis']],
    [
      ['scan', '--once'],
      ['postgres', 'redis'],
    ],
    [['sources'], ['postgres', 'redis']],
    [['migrate'], ['postgres']],
    [['users', 'add', 'someone', '--role', 'viewer'], ['postgres']],
    [['rescore'], ['postgres']],
    [
      ['start', '--no-web'],
      ['postgres', 'redis'],
    ],
  ])('%j exits 2 within 5 s and says what to start', async (args, services) => {
    // `--help` loads the same program (every module, compiled by tsx) and does nothing else; run
    // beside the command, it takes the same share of a loaded machine, so the difference is the
    // command's own time to find the servers missing and say so.
    const [result, help] = await Promise.all([horisont(args, closed), horisont(['--help'], {})]);
    expect(result.code, result.stderr).toBe(2);
    expect(help.code).toBe(0);
    expect(result.ms - help.ms).toBeLessThan(5_000);
    if (services.includes('postgres')) {
      expect(result.stderr).toContain(`Horisont når inte PostgreSQL på ${closed.DATABASE_URL}`);
      expect(result.stderr).toContain(`Horisont cannot reach PostgreSQL at ${closed.DATABASE_URL}`);
      expect(result.stderr).toContain('docker compose up -d postgres');
      expect(result.stderr).toContain('DATABASE_URL');
    }
    if (services.includes('redis')) {
      expect(result.stderr).toContain(`Horisont når inte Redis på ${closed.REDIS_URL}`);
      expect(result.stderr).toContain('brew install redis');
    }
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('never shows a password from the URL', async () => {
    const port = new URL(closed.DATABASE_URL).port;
    const result = await horisont(['candidates'], {
      ...closed,
      DATABASE_URL: `postgres://horisont:hemligt-lösen@127.0.0.1:${port}/horisont`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`postgres://horisont:***@127.0.0.1:${port}/horisont`);
    expect(result.stderr).not.toContain('hemligt');
  });

  it("a scan in a world of recordings (the demo's env file) says when the fixture server is not running", async () => {
    // PostgreSQL and Redis answer (the machine's own); only the recordings' server is missing.
    const origin = `http://127.0.0.1:${await freePort()}`;
    const result = await horisont(['scan', '--once'], { HORISONT_FIXTURE_ORIGIN: origin });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`Horisont når inte fixturservern (fixture server) på ${origin}/`);
    expect(result.stderr).toContain('npx horisont fixtures serve');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('commands that need no server still work', async () => {
    const result = await horisont(['check-config'], closed);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Konfigurationen är giltig');
  });
});
