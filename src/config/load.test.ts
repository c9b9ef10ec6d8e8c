import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_DIR, loadConfig } from './load.js';
import { recogniseConditions } from '../domain/conditions.js';

const TRIAGE_EVAL = fileURLToPath(new URL('../../test/fixtures/triage-eval/', import.meta.url));

/** A configuration directory with the scenario's sources and its own conditions.yaml. */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'horisont-config-'));
  await copyFile(path.join(TRIAGE_EVAL, 'sources.yaml'), path.join(dir, 'sources.yaml'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsWith(conditions: string): Promise<string[]> {
  await writeFile(path.join(dir, 'conditions.yaml'), conditions);
  try {
    await loadConfig(dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const chapters = `
version: t
chapters: { IV: Endokrina sjukdomar, VI: Sjukdomar i nervsystemet }
`;

describe('conditions.yaml in loadConfig', () => {
  it('falls back to the default vocabulary for a directory without its own (the triage scenario)', async () => {
    const config = await loadConfig(TRIAGE_EVAL);
    expect(config.files.conditions).toBe(path.join(DEFAULT_CONFIG_DIR, 'conditions.yaml'));
    expect(recogniseConditions(config.conditions, 'Alzheimers sykdom').map((m) => m.id)).toEqual([
      'alzheimers-disease',
    ]);
  });

  it("uses a directory's own vocabulary", async () => {
    expect(
      await problemsWith(`${chapters}
conditions:
  - { id: als, label: ALS, chapter: VI, severity: mycket-hog, patientsInSweden: 100,
      terms: { sv: [ALS], en: [amyotrophic lateral sclerosis], no: [amyotrofisk lateral sklerose] } }
`),
    ).toEqual([]);
    const config = await loadConfig(dir);
    expect(config.files.conditions).toBe(path.join(dir, 'conditions.yaml'));
    expect(config.conditions.conditions.map((c) => c.id)).toEqual(['als']);
  });

  it('names each problem of a malformed file with its place', async () => {
    const file = path.join(dir, 'conditions.yaml');
    const problems = await problemsWith(`${chapters}
conditions:
  - { id: als, label: ALS, chapter: VI, severity: mycket-hog, patientsInSweden: 100,
      terms: { sv: [ALS], en: [amyotrophic lateral sclerosis], no: [] } }
  - { id: als, label: ALS igen, chapter: VI, severity: hog, patientsInSweden: 100,
      terms: { sv: [motorneuronsjukdom], en: [motor neuron disease], no: [motornevronsykdom] } }
  - { id: diabetes, label: Diabetes, chapter: IV, severity: allvarlig, patientsInSweden: 450000,
      terms: { sv: [diabet*], en: [Amyotrophic Lateral Sclerosis], no: [sukkersyke] } }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${file}: conditions.0.terms.no: Too small: expected array to have >=1 items`,
        `${file}: conditions.1.id: duplicate id "als"`,
        expect.stringMatching(new RegExp(`^${file}: conditions\\.2\\.severity: `)),
        `${file}: conditions.2.patientsInSweden: an order of magnitude: 10, 100, 1000, … 10000000`,
      ]),
    );
  });

  it('reports a term listed under two conditions', async () => {
    const file = path.join(dir, 'conditions.yaml');
    expect(
      await problemsWith(`${chapters}
conditions:
  - { id: als, label: ALS, chapter: VI, severity: mycket-hog, patientsInSweden: 100,
      terms: { sv: [ALS], en: [amyotrophic lateral sclerosis], no: [amyotrofisk lateral sklerose] } }
  - { id: motor-neuron-disease, label: Motorneuronsjukdom, chapter: VI, severity: hog, patientsInSweden: 100,
      terms: { sv: [motorneuronsjukdom], en: [Amyotrophic Lateral Sclerosis], no: [motornevronsykdom] } }
`),
    ).toEqual([`${file}: conditions.1.terms.en.0: "Amyotrophic Lateral Sclerosis" is also a term of "als"`]);
  });

  it('reports a file that is not YAML', async () => {
    const problems = await problemsWith('conditions: [unclosed\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/conditions\.yaml: /);
  });
});

describe('evidence in sources.yaml', () => {
  it('rejects evidence for an address the source does not have, and evidence without a basis', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'horisont-evidence-'));
    try {
      await writeFile(
        path.join(own, 'sources.yaml'),
        `sources:
  - id: tlv
    adapter: tlv
    urls: ['https://www.tlv.se/om-tlv/nyheter.html']
    evidence:
      - { url: 'https://www.tlv.se/annan-sida.html', verified: true, basis: 'a stored copy of the page' }
      - { url: 'https://www.tlv.se/om-tlv/nyheter.html', verified: false, basis: '' }
`,
      );
      const error = await loadConfig(own).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      const file = path.join(own, 'sources.yaml');
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(new RegExp(`^${file}: sources\\.0\\.evidence\\.1\\.basis: `)),
      ]);
      await writeFile(
        path.join(own, 'sources.yaml'),
        `sources:
  - id: tlv
    adapter: tlv
    urls: ['https://www.tlv.se/om-tlv/nyheter.html']
    evidence:
      - { url: 'https://www.tlv.se/annan-sida.html', verified: true, basis: 'a stored copy of the page' }
`,
      );
      const mismatch = await loadConfig(own).catch((e: unknown) => e);
      expect((mismatch as ConfigError).problems).toEqual([
        `${file}: sources.0.evidence.0.url: not one of the source's urls (https://www.tlv.se/annan-sida.html)`,
      ]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
