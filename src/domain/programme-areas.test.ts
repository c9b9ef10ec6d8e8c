// eslint-disable-next-line no-restricted-imports -- the test reads the shipped file; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { EvidenceItem } from './candidate.js';
import {
  MAX_PROGRAMME_AREAS,
  NPO_NAMES,
  ProgrammeAreasFile,
  compileProgrammeAreas,
  matchProgrammeAreas,
} from './programme-areas.js';

const shipped = parse(
  readFileSync(new URL('../../config/programme-areas.yaml', import.meta.url), 'utf8'),
) as {
  version: string;
  areas: { name: string }[];
};
const file = ProgrammeAreasFile.parse(shipped);
const areas = compileProgrammeAreas(file);

function item(itemId: string, fields: Partial<EvidenceItem>): EvidenceItem {
  return { itemId, sourceId: 'test', kind: 'hta-report', title: '', url: 'https://example.org/', ...fields };
}

describe('config/programme-areas.yaml', () => {
  it('names exactly the 26 areas of domain.md, each once, with words in all three languages', () => {
    expect(NPO_NAMES).toHaveLength(26);
    expect(new Set(NPO_NAMES).size).toBe(26);
    expect(file.areas.map((a) => a.name).sort()).toEqual([...NPO_NAMES].sort());
    for (const area of file.areas) {
      for (const language of ['sv', 'en', 'no'] as const) {
        expect(
          [...area.terms[language], ...area.conditions[language]].length,
          `${area.name} ${language}`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('compiles in the official order', () => {
    expect(areas.areas.map((a) => a.name)).toEqual([...NPO_NAMES]);
  });
});

describe('ProgrammeAreasFile validation', () => {
  const valid = structuredClone(shipped);
  const bad: [name: string, change: (f: typeof valid) => void, message: RegExp][] = [
    ['an area missing', (f) => f.areas.pop(), /exactly the 26.*missing: Öron-, näs- och halssjukdomar/],
    ['an area twice', (f) => f.areas.push(f.areas[0]!), /twice/],
    ['a misspelt name', (f) => (f.areas[0]!.name = 'Akutvård'), /not one of the 26/],
    ['a name in another case', (f) => (f.areas[2]!.name = 'cancersjukdomar'), /not one of the 26/],
    [
      'an area without any word or code',
      (f) => (f.areas[0] = { name: 'Akut vård', terms: {}, conditions: {}, emdn: [] } as never),
      /no terms or EMDN codes/,
    ],
    [
      'a lower-case EMDN prefix',
      (f) => ((f.areas[4] as unknown as { emdn: string[] }).emdn = ['c01']),
      /EMDN-prefix/,
    ],
    [
      'an unknown key',
      (f) => ((f.areas[0] as unknown as Record<string, unknown>).words = ['x']),
      /words|unrecognized/i,
    ],
    ['no version', (f) => delete (f as Partial<typeof f>).version, /version/],
  ];
  it.each(bad)('refuses %s', (_name, change, message) => {
    const copy = structuredClone(valid);
    change(copy);
    const result = ProgrammeAreasFile.safeParse(copy);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toMatch(message);
  });
});

describe('matchProgrammeAreas', () => {
  const names = (evidence: EvidenceItem[]) => matchProgrammeAreas(evidence, areas).map((a) => a.name);

  const cases: [name: string, evidence: EvidenceItem[], expected: string[]][] = [
    [
      'Swedish condition in a title',
      [item('1', { title: 'Kontinuerlig glukosmätning vid typ 1-diabetes' })],
      ['Endokrina sjukdomar'],
    ],
    [
      'English condition',
      [item('1', { title: 'Tumour treating fields for glioblastoma' })],
      ['Cancersjukdomar', 'Nervsystemets sjukdomar'],
    ],
    [
      'Norwegian condition',
      [item('1', { title: 'Sensor for glukosemåling ved diabetes' })],
      ['Endokrina sjukdomar'],
    ],
    [
      'Norwegian æ/ø word',
      [item('1', { title: 'Behandling av søvnapné hos voksne' })],
      ['Lung- och allergisjukdomar', 'Öron-, näs- och halssjukdomar'],
    ],
    [
      'Swedish compound',
      [item('1', { title: 'Robotassisterad prostatektomi vid prostatacancer' })],
      ['Cancersjukdomar', 'Kirurgi och plastikkirurgi', 'Njur- och urinvägssjukdomar'],
    ],
    [
      'EMDN code only',
      [
        item('1', {
          kind: 'device',
          title: 'Acme X1',
          product: { tradeName: 'Acme X1', emdnCodes: [' C0104'] },
        }),
      ],
      ['Hjärt- och kärlsjukdomar'],
    ],
    [
      'EMDN group prefix',
      [
        item('1', {
          kind: 'device',
          title: 'Acme Y',
          product: { tradeName: 'Acme Y', emdnCodes: ['Q0201'] },
        }),
      ],
      ['Ögonsjukdomar'],
    ],
    ['no words, no codes', [item('1', { title: 'FreeStyle Libre 3' })], []],
    [
      'a word inside another word does not count',
      [item('1', { title: 'Leverantör av kolesterolmätare' })],
      [],
    ],
    ['"fall" (Swedish for case) is no fall', [item('1', { title: 'I detta fall saknas underlag' })], []],
    ['empty evidence', [], []],
  ];
  it.each(cases)('%s', (_name, evidence, expected) => {
    expect(names(evidence)).toEqual(expected);
  });

  it('gives the evidence that matched: term, field and snippet, or the EMDN code', () => {
    const result = matchProgrammeAreas(
      [
        item('a', { title: 'Optune', summary: 'Elektriska fält som behandling vid glioblastom hos vuxna.' }),
        item('b', {
          kind: 'device',
          title: 'Optune System',
          product: { tradeName: 'Optune System', emdnCodes: ['N0199', 'Z1299'] },
        }),
      ],
      areas,
    );
    expect(result).toEqual([
      {
        name: 'Nervsystemets sjukdomar',
        evidence: [
          {
            itemId: 'a',
            field: 'summary',
            term: 'glioblastom*',
            text: 'Elektriska fält som behandling vid glioblastom hos vuxna.',
          },
          { itemId: 'b', field: 'emdn', term: 'N', text: 'N0199' },
        ],
      },
      {
        name: 'Cancersjukdomar',
        evidence: [
          {
            itemId: 'a',
            field: 'summary',
            term: 'glioblastom*',
            text: 'Elektriska fält som behandling vid glioblastom hos vuxna.',
          },
        ],
      },
    ]);
  });

  it('ranks areas by how many items support them and keeps at most three', () => {
    const evidence = [
      item('1', { title: 'Insulinpump vid diabetes hos barn med hörselnedsättning och astma' }),
      item('2', { title: 'Diabetes och astma' }),
      item('3', { title: 'Diabetes' }),
    ];
    const result = names(evidence);
    expect(result).toHaveLength(MAX_PROGRAMME_AREAS);
    expect(result[0]).toBe('Endokrina sjukdomar');
    expect(result[1]).toBe('Lung- och allergisjukdomar');
  });

  it('is deterministic and snippets never exceed the text', () => {
    const long = `${'x '.repeat(400)}vid förmaksflimmer ${'y '.repeat(400)}`;
    const [first] = matchProgrammeAreas([item('1', { summary: long })], areas);
    expect(first?.name).toBe('Hjärt- och kärlsjukdomar');
    expect(first?.evidence[0]?.text.length).toBeLessThan(200);
    expect(matchProgrammeAreas([item('1', { summary: long })], areas)).toEqual(
      matchProgrammeAreas([item('1', { summary: long })], areas),
    );
  });
});
