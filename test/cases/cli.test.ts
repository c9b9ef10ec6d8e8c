import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { horisontCli } from '../helpers/cli.js';

// The real CLI in child processes joined to this world's PostgreSQL schema and Redis prefix.
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ workers: false });
  await h.app();
});
afterAll(async () => {
  await h?.close();
});

describe('horisont nominate-product and horisont cases', () => {
  let caseNumber: string;

  it('records a region’s nomination of an unseen product as a case', async () => {
    const result = await horisontCli(h, [
      'nominate-product',
      '--product',
      'Osteoflex Implant S',
      '--maker',
      'Osteoflex AG',
      '--indication',
      'Komplicerade frakturer hos äldre',
      '--region',
      'Region Uppsala',
      '--reason',
      'Efterfrågas av ortopedkliniken.',
      '--contact-name',
      'Ulla Uppsala',
      '--contact-email',
      'ulla@regionuppsala.example.se',
    ]);
    expect(result.code, result.stderr).toBe(0);
    caseNumber = /ärende (HOR-\d{4}-\d{4})/.exec(result.stdout)![1]!;
    expect(result.stdout).toContain('(ny)');
  });

  it('lists and shows it', async () => {
    const list = await horisontCli(h, ['cases', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(caseNumber);
    expect(list.stdout).toContain('Region Uppsala');
    const show = await horisontCli(h, ['cases', 'show', caseNumber.toLowerCase(), '--json']);
    expect(show.code, show.stderr).toBe(0);
    const body = JSON.parse(show.stdout) as {
      case: { status: string };
      events: Array<{ action: string; actorName: string }>;
    };
    expect(body.case.status).toBe('nominated');
    expect(body.events).toMatchObject([{ action: 'open', actorName: 'horisont nominate (CLI)' }]);
  });

  it("records a company's submission as a signal and refuses an incomplete nomination", async () => {
    const signal = await horisontCli(h, [
      'nominate-product',
      '--product',
      'Osteoflex Implant S',
      '--maker',
      'Osteoflex AG',
      '--indication',
      'Frakturer',
      '--company',
      'Osteoflex AG',
    ]);
    expect(signal.code, signal.stderr).toBe(0);
    expect(signal.stdout).toContain('signal från företaget');
    const incomplete = await horisontCli(h, [
      'nominate-product',
      '--product',
      'X',
      '--kind',
      'method',
      '--indication',
      'Y',
      '--npo',
      'Endokrina sjukdomar',
    ]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('contactEmail');
  });
});
