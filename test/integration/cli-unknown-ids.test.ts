import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { main } from '../../src/cli/program.js';

// An id or name that names nothing is an error a script can see (exit 2 and a Swedish message
// on stderr), never an empty answer with exit 0. The CLI runs in-process against this file's
// own schema and queue prefix.
let h: Harness;
const saved: NodeJS.ProcessEnv = {};
const NONE = '00000000-0000-4000-8000-000000000000';
const OTHER = '00000000-0000-4000-8000-000000000001';

beforeAll(async () => {
  h = await createHarness({ workers: false });
  await h.app();
  for (const [key, value] of Object.entries(h.childEnv())) {
    if (process.env[key] !== value) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  }
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await h?.close();
});

async function horisont(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    out.push(parts.map(String).join(' '));
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    err.push(parts.map(String).join(' '));
  });
  process.exitCode = undefined;
  try {
    await main(['node', 'horisont', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    process.exitCode = undefined;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('an unknown id on the command line', () => {
  it.each([
    [['history', NONE], `Ingen kandidat med id ${NONE}.`],
    [['report', NONE], `Ingen kandidat med id ${NONE}.`],
    [['candidates', '--explain', NONE], `Ingen kandidat med id ${NONE}.`],
    [['nominate', '--candidate', NONE, '--by', 'Region Halland'], `Ingen kandidat med id ${NONE}.`],
    [['merge', NONE, OTHER, '--user', 'ingen', '--reason', 'prov'], 'Inget aktivt konto "ingen"'],
    [['cases', 'show', 'HOR-2026-9999'], 'Inget ärende HOR-2026-9999.'],
    [['holds', 'show', '999'], 'Ingen hållning 999.'],
    [['subscriptions', 'remove', NONE], `Ingen prenumeration med id ${NONE}.`],
    [['subscriptions', 'test', NONE], `Ingen prenumeration med id ${NONE}.`],
    [['subscriptions', 'deliveries', NONE], `Ingen prenumeration med id ${NONE}.`],
    [['sources', 'reset-yield', 'ingen-kalla'], 'Okänd källa: ingen-kalla'],
    [['sources', 'check', '--source', 'ingen-kalla'], 'Okänd källa: ingen-kalla'],
    [['scan', '--once', '--source', 'ingen-kalla'], 'Okänd källa: ingen-kalla'],
    [['backfill', '--resume', NONE], `Ingen körning ${NONE}.`],
    [['users', 'disable', 'ingen'], 'Användaren ingen finns inte.'],
    [['tokens', 'list', 'ingen'], 'Användaren ingen finns inte.'],
    [['tokens', 'create', 'ingen'], 'Användaren ingen finns inte.'],
  ])('%j exits 2 and says what it did not find', async (args, message) => {
    const result = await horisont(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('a known candidate without a report is not an unknown id (exit 1)', async () => {
    const [row] = await h.query<{ id: string }>(
      `insert into candidates (kind, name, identifiers) values ('device', 'Provprodukt', '[]') returning id`,
    );
    const history = await horisont(['history', row!.id, '--json']);
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([]);
    const report = await horisont(['report', row!.id]);
    expect(report.code).toBe(1);
    expect(report.stderr).toContain(`Ingen rapport finns för kandidat ${row!.id}`);
  });
});
