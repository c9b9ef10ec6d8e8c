import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, REPO_ROOT } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { buildProgram } from '../../src/cli/program.js';
import { DEFAULT_CONFIG_DIR } from '../../src/config/load.js';

const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await createHarness({ workers: false });
});
afterAll(async () => {
  await h?.close();
});

/** Runs the real CLI in a child process, joined to this test's schema, queues and fixtures. */
async function horisont(args: string[], env: NodeJS.ProcessEnv = h.childEnv()) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...env, LOG_LEVEL: 'warn' },
        maxBuffer: 20 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the horisont CLI', () => {
  it('scan --once twice: the second run creates no candidate and no nomination', async () => {
    const first = await horisont(['scan', '--once', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as {
      status: string;
      candidatesNew: number;
      nominations: number;
    };
    expect(summary.status).toBe('completed');
    expect(summary.candidatesNew).toBeGreaterThan(0);
    expect(summary.nominations).toBeGreaterThan(0);

    const second = await horisont(['scan', '--once', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as {
      candidatesNew: number;
      nominations: number;
      sources: { status: string }[];
    };
    expect(again.candidatesNew).toBe(0);
    expect(again.nominations).toBe(0);
    expect(again.sources.every((s) => s.status === 'unchanged')).toBe(true);
  });

  it('candidates --json gives the fields the beredning needs', async () => {
    const result = await horisont(['candidates', '--json', '--limit', '5']);
    expect(result.code, result.stderr).toBe(0);
    const candidates = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(candidates).toHaveLength(5);
    for (const candidate of candidates) {
      for (const key of [
        'id',
        'name',
        'manufacturer',
        'identifiers',
        'score',
        'band',
        'stage',
        'processStatus',
        'decisive',
        'council',
        'explanation',
        'programmeAreas',
        'evidence',
      ]) {
        expect(candidate).toHaveProperty(key);
      }
      const evidence = candidate.evidence as Array<Record<string, unknown>>;
      expect(evidence.length).toBeGreaterThan(0);
      expect(Object.keys(evidence[0]!)).toEqual(expect.arrayContaining(['sourceId', 'url', 'date']));
      expect((candidate.explanation as unknown[]).length).toBeGreaterThan(0);
    }
    // Every programme area comes with the evidence item and the words or EMDN code that matched.
    const areas = candidates.flatMap(
      (c) => c.programmeAreas as Array<{ name: string; evidence: Array<Record<string, string>> }>,
    );
    expect(areas.length).toBeGreaterThan(0);
    for (const area of areas) {
      expect(area.evidence.length).toBeGreaterThan(0);
      for (const e of area.evidence) {
        expect(Object.keys(e).sort()).toEqual(['field', 'itemId', 'term', 'text']);
      }
    }
    const top = candidates[0]!;
    const explained = await horisont(['candidates', '--explain', String(top.id)]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(top.programmeAreas).not.toHaveLength(0);
    expect(explained.stdout).toContain('Föreslagna programområden (NPO)');
    const nominated = candidates.find((c) => c.latestReportVersion !== null)!;
    expect(nominated.decisive).not.toHaveLength(0);
    const report = await horisont(['report', String(nominated.id)]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('Tidig bedömningsrapport');
    const nominations = await horisont(['nominations', '--json']);
    expect(JSON.parse(nominations.stdout)).not.toHaveLength(0);
    const sources = await horisont(['sources']);
    expect(sources.stdout).toContain('eudamed-devices');
  });

  it('a failed source makes scan --once exit non-zero and name it with the reason', async () => {
    writeFileSync(path.join(h.fixturesDir, 'eudamed-devices', 'page-1.json'), '{"content": [');
    const result = await horisont(['scan', '--once', '--source', 'eudamed-devices']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/eudamed-devices \(parse: /);
  });

  it('an invalid configuration exits with code 2 and lists every problem with file and path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'horisont-config-'));
    writeFileSync(
      path.join(dir, 'sources.yaml'),
      [
        'defaults:',
        "  schedule: 'every night'",
        'sources:',
        '  - id: Bad_Id',
        '    adapter: no-such-adapter',
        '    urls: [ftp://example.org/x]',
        '  - id: eudamed-devices',
        '    adapter: eudamed-devices',
        "    urls: ['https://ec.europa.eu/tools/eudamed/api/devices/udiDiData']",
        '    options: { pageSize: 5000 }',
      ].join('\n'),
    );
    // Programme areas: one missing, one misspelt; manufacturers: an alias of two makers.
    const shipped = readFileSync(path.join(DEFAULT_CONFIG_DIR, 'programme-areas.yaml'), 'utf8');
    writeFileSync(
      path.join(dir, 'programme-areas.yaml'),
      shipped.replace('name: Tandvård', 'name: Tandvard').replace(/\n {2}- name: Öron-[\s\S]*$/, '\n'),
    );
    writeFileSync(
      path.join(dir, 'manufacturers.yaml'),
      [
        "version: '1'",
        'manufacturers:',
        '  - name: ICU Medical',
        '    aliases: [Smiths Medical]',
        '  - name: Smiths Group',
        '    aliases: [Smiths Medical Ltd]',
      ].join('\n'),
    );
    const result = await horisont(['--config', dir, 'check-config'], {
      ...h.childEnv(),
      HORISONT_CONFIG_DIR: '',
    });
    expect(result.code).toBe(2);
    const file = path.join(dir, 'sources.yaml');
    expect(result.stderr).toContain(`${file}: defaults.schedule: not a valid cron expression`);
    expect(result.stderr).toContain(`${file}: sources.0.id`);
    expect(result.stderr).toContain(`${file}: sources.0.urls.0`);
    expect(result.stderr).toContain(`${file}: sources.1.options.pageSize`);
    const areas = path.join(dir, 'programme-areas.yaml');
    expect(result.stderr).toContain(`${areas}: areas.22.name: "Tandvard" is not one of the 26`);
    expect(result.stderr).toContain(`${areas}: areas: expected exactly the 26 programme areas, got 25`);
    expect(result.stderr).toContain('Öron-, näs- och halssjukdomar');
    expect(result.stderr).toContain(
      `${path.join(dir, 'manufacturers.yaml')}: manufacturers.1.aliases.0: "Smiths Medical Ltd" (key "smiths medical") is already an alias of "ICU Medical"`,
    );
  });

  it('every command has --help', () => {
    const program = buildProgram();
    const names = program.commands.map((command) => command.name());
    expect(names).toEqual(
      expect.arrayContaining([
        'migrate',
        'start',
        'scan',
        'candidates',
        'report',
        'nominations',
        'sources',
        'fixtures',
        'demo',
      ]),
    );
    const all = program.commands.flatMap((command) => [command, ...command.commands]);
    for (const command of all) {
      expect(command.description(), command.name()).not.toBe('');
      expect(command.helpInformation()).toContain('Användning: horisont');
    }
  });
});
