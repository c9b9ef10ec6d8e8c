// eslint-disable-next-line no-restricted-imports -- the test reads the shipped criteria file; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TriageCriteria, parseTriageCriteria } from './criteria.js';
import { HorisontError } from './errors.js';

const shipped = readFileSync(new URL('../../config/triage-criteria.yaml', import.meta.url), 'utf8');

describe('config/triage-criteria.yaml', () => {
  const criteria = parseTriageCriteria(shipped);

  it('is valid and versioned', () => {
    expect(criteria.version).toBe('2026.1');
    expect(criteria.nomination.minTotal).toBe(60);
    expect(criteria.bands).toEqual({ hög: 60, medel: 35 });
  });

  it("holds the councils' four criteria and the device criterion", () => {
    expect(criteria.criteria.map((c) => c.label)).toEqual(
      expect.arrayContaining([
        'Jämlik användning över landet är angeläget',
        'Hög till mycket hög svårighetsgrad för tillståndet',
        'Förväntat stor resurspåverkan',
        'Etiskt eller politiskt utmanande',
        'Ny medicinteknisk produkt i MTP-rådets fokus',
      ]),
    );
    expect(criteria.criteria.find((c) => c.id === 'medicinteknisk-fokus')?.appliesTo).toEqual([
      'device',
      'ivd',
    ]);
  });

  it('has weights that sum to 100, so a weight is the most a criterion adds', () => {
    expect(criteria.criteria.reduce((acc, c) => acc + c.weight, 0)).toBe(100);
  });

  it('explains every signal in Swedish with known placeholders only', () => {
    const known = new Set([
      'terms',
      'count',
      'regions',
      'sources',
      'riskClasses',
      'legislation',
      'kinds',
      'codes',
      'titles',
    ]);
    for (const signal of criteria.criteria.flatMap((c) => c.signals)) {
      for (const [, name] of signal.explanation.matchAll(/\{(\w+)\}/g)) expect(known).toContain(name);
    }
  });
});

describe('TriageCriteria schema', () => {
  const minimal = {
    version: 'test',
    bands: { hög: 60, medel: 35 },
    nomination: { minTotal: 60 },
    routing: { deviceTerms: ['sensor'], drugTerms: ['läkemedel'], outOfScopeTerms: ['not a medical device'] },
    criteria: [
      {
        id: 'a',
        label: 'A',
        weight: 1,
        maxPoints: 1,
        signals: [{ id: 's', label: 'S', points: 1, explanation: 'x', detect: { type: 'implantable' } }],
      },
    ],
  };

  it('accepts a minimal file', () => {
    expect(TriageCriteria.safeParse(minimal).success).toBe(true);
  });

  const broken: [name: string, change: (c: typeof minimal) => unknown][] = [
    [
      'unknown detector',
      (c) => ({
        ...c,
        criteria: [
          { ...c.criteria[0], signals: [{ ...c.criteria[0]!.signals[0], detect: { type: 'magic' } }] },
        ],
      }),
    ],
    ['unknown key', (c) => ({ ...c, extra: true })],
    ['bands in the wrong order', (c) => ({ ...c, bands: { hög: 30, medel: 35 } })],
    [
      'duplicate criterion ids',
      (c) => ({
        ...c,
        criteria: [c.criteria[0], { ...c.criteria[0], signals: [{ ...c.criteria[0]!.signals[0], id: 't' }] }],
      }),
    ],
    ['duplicate signal ids', (c) => ({ ...c, criteria: [c.criteria[0], { ...c.criteria[0], id: 'b' }] })],
    ['`*` inside a term', (c) => ({ ...c, routing: { ...c.routing, deviceTerms: ['sen*sor'] } })],
    [
      'max below min',
      (c) => ({
        ...c,
        criteria: [
          {
            ...c.criteria[0],
            signals: [
              { ...c.criteria[0]!.signals[0], detect: { type: 'regional-hta-count', min: 3, max: 2 } },
            ],
          },
        ],
      }),
    ],
    ['non-kebab id', (c) => ({ ...c, criteria: [{ ...c.criteria[0], id: 'Not Kebab' }] })],
  ];
  it.each(broken)('rejects %s', (_name, change) => {
    expect(TriageCriteria.safeParse(change(minimal)).success).toBe(false);
  });

  it('reports YAML and schema problems as config errors with paths', () => {
    expect(() => parseTriageCriteria('version: [')).toThrow(HorisontError);
    try {
      parseTriageCriteria('version: "x"\nbands: { hög: 60 }');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HorisontError);
      expect((error as HorisontError).kind).toBe('config');
      expect((error as HorisontError).message).toMatch(/nomination/);
      expect((error as HorisontError).message).toMatch(/bands\.medel/);
    }
  });
});
