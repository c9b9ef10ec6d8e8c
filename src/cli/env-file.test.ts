import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvFile, writeEnvFile } from './env-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'horisont-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--env-file', () => {
  it('reads back what the demo writes, over the variables already set', () => {
    const file = path.join(dir, 'demo', 'horisont.env');
    writeEnvFile(file, { HORISONT_DB_SCHEMA: 'horisont_demo', HORISONT_QUEUE_PREFIX: 'horisont-demo' }, [
      'a note',
    ]);
    const env: NodeJS.ProcessEnv = { HORISONT_DB_SCHEMA: 'horisont', PATH: '/bin' };
    applyEnvFile(file, env);
    expect(env).toEqual({
      HORISONT_DB_SCHEMA: 'horisont_demo',
      HORISONT_QUEUE_PREFIX: 'horisont-demo',
      PATH: '/bin',
    });
  });

  it('says which file it could not read', () => {
    expect(() => applyEnvFile(path.join(dir, 'missing.env'), {})).toThrow(
      /kan inte läsa .*missing\.env.*ENOENT/,
    );
  });

  it('refuses a value the plain format cannot carry', () => {
    expect(() => writeEnvFile(path.join(dir, 'x.env'), { A: 'two words' })).toThrow(/A holds/);
    writeFileSync(path.join(dir, 'quoted.env'), 'A="two words"\n');
    const env: NodeJS.ProcessEnv = {};
    applyEnvFile(path.join(dir, 'quoted.env'), env);
    expect(env.A).toBe('two words');
  });
});
