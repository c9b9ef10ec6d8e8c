// eslint-disable-next-line no-restricted-imports -- the test reads the shipped criteria file; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEVICE_SELECTION_SIGNALS,
  NT_SELECTION_SIGNALS,
  Detector,
  TriageCriteria,
  describeDetector,
  parseTriageCriteria,
} from './criteria.js';
import { HorisontError } from './errors.js';

const shipped = readFileSync(new URL('../../config/triage-criteria.yaml', import.meta.url), 'utf8');

describe('config/triage-criteria.yaml', () => {
  const criteria = parseTriageCriteria(shipped);

  it('is valid and versioned', () => {
    expect(criteria.version).toBe('2027.2');
    expect(criteria.nomination.minTotal).toBe(40);
    expect(criteria.bands).toEqual({ hög: 40, medel: 20 });
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

  it("expresses each of NT-rådet's selection signals and MTP-rådet's device signals", () => {
    const covered = new Set([
      ...criteria.criteria.flatMap((c) => c.signals.flatMap((s) => s.covers ?? [])),
      ...criteria.lifecycle.covers,
    ]);
    for (const id of [...Object.keys(NT_SELECTION_SIGNALS), ...Object.keys(DEVICE_SELECTION_SIGNALS)]) {
      expect(covered, id).toContain(id);
    }
    expect(Object.keys(NT_SELECTION_SIGNALS)).toHaveLength(11);
  });

  it('says for every signal how it is detected, with weights and Swedish explanations', () => {
    for (const criterion of criteria.criteria) {
      expect(criterion.weight).toBeGreaterThan(0);
      for (const signal of criterion.signals) {
        expect(describeDetector(signal.detect).length).toBeGreaterThan(10);
        expect(signal.explanation).toMatch(/[åäö]|^[A-ZÅÄÖ]/);
      }
    }
  });

  it('reads per-language term lists as one list', () => {
    const signal = criteria.criteria.flatMap((c) => c.signals).find((s) => s.id === 'klinisk-nytta');
    expect(signal?.detect.type).toBe('terms');
    const terms = signal?.detect.type === 'terms' ? signal.detect.terms : [];
    expect(terms).toEqual(
      expect.arrayContaining(['förbättrad överlevnad', 'improved survival', 'økt overlevelse']),
    );
  });

  it('scores nothing for how well a product is already documented', () => {
    const detectors = criteria.criteria.flatMap((c) => c.signals.map((s) => s.detect));
    expect(detectors.some((d) => d.type === 'evidence-kind' && d.kinds.includes('hta-report'))).toBe(false);
    expect(JSON.stringify(detectors)).not.toMatch(/tlv|nye-metoder/);
    expect(criteria.lifecycle.legacyLegislation).toEqual(['mdd', 'aimdd', 'ivdd']);
  });

  it('judges severity and patient group from conditions, unknown when none is named', () => {
    for (const id of ['svarighetsgrad', 'patientgrupp']) {
      const criterion = criteria.criteria.find((c) => c.id === id)!;
      expect(criterion.basis).toBe('conditions');
      expect(criterion.signals.every((s) => s.detect.type.startsWith('condition-'))).toBe(true);
    }
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
      'conditions',
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
    importance: { power: 2 },
    insufficientBelow: { signals: 2 },
    routing: {
      deviceTerms: ['sensor'],
      drugTerms: ['läkemedel'],
      outOfScopeTerms: ['not a medical device'],
    },
    status: { commissionedByMtp: ['på uppdrag av mtp-rådet'], commissionedByNt: ['på uppdrag av nt-rådet'] },
    drugs: {
      requisitionTerms: ['rekvisition'],
      prescriptionTerms: ['recept'],
      exceptionTerms: ['följetest'],
      exceptionSeverities: ['mycket-hog'],
    },
    lifecycle: {
      covers: ['ny-eller-etablerad'],
      entryMonths: 24,
      freshMonths: 12,
      legacyLegislation: ['mdd'],
      timing: {
        'pre-market': 1,
        'market-entry-fresh': 0.9,
        'market-entry': 0.8,
        'market-entry-undated': 0.5,
        'market-entry-assessed': 0.8,
        'new-indication': 0.9,
        unknown: 0.5,
        established: 0.1,
        withdrawn: 0,
      },
      terms: {
        breakthrough: ['breakthrough device'],
        notCeMarked: ['not ce-marked'],
        notYetApproved: ['not yet approved'],
        euApproval: ['approved in the eu'],
        newIndication: ['new indication'],
        established: { sv: ['väletablerad'], en: ['well-established'], no: ['veletablert'] },
        earlyNotice: ['metodevarsel'],
        reimbursement: ['läkemedelsförmånerna'],
        notAssessments: [],
      },
    },
    criteria: [
      {
        id: 'a',
        label: 'A',
        weight: 1,
        maxPoints: 1,
        signals: [
          {
            id: 's',
            label: 'S',
            points: 1,
            explanation: 'x',
            detect: { type: 'implantable' },
            covers: [...Object.keys(NT_SELECTION_SIGNALS), ...Object.keys(DEVICE_SELECTION_SIGNALS)],
          },
        ],
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
      'an unknown severity',
      (c) => ({
        ...c,
        criteria: [
          {
            ...c.criteria[0],
            signals: [
              {
                ...c.criteria[0]!.signals[0],
                detect: { type: 'condition-severity', severities: ['extrem'] },
              },
            ],
          },
        ],
      }),
    ],
    [
      'a timing above 1',
      (c) => ({ ...c, lifecycle: { ...c.lifecycle, timing: { ...c.lifecycle.timing, unknown: 2 } } }),
    ],
    ['non-kebab id', (c) => ({ ...c, criteria: [{ ...c.criteria[0], id: 'Not Kebab' }] })],
    [
      'a selection signal no signal covers',
      (c) => ({
        ...c,
        criteria: [
          {
            ...c.criteria[0],
            signals: [{ ...c.criteria[0]!.signals[0], covers: ['stor-patientpopulation'] }],
          },
        ],
      }),
    ],
    [
      'an unknown selection signal',
      (c) => ({
        ...c,
        criteria: [{ ...c.criteria[0], signals: [{ ...c.criteria[0]!.signals[0], covers: ['magic'] }] }],
      }),
    ],
    [
      'a language missing from a term list',
      (c) => ({
        ...c,
        lifecycle: { ...c.lifecycle, terms: { ...c.lifecycle.terms, established: { sv: ['x'], en: ['y'] } } },
      }),
    ],
    ['no drug rules', (c) => ({ ...c, drugs: undefined })],
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

describe('evidence-kind detectors', () => {
  it('name the kinds of source that replaced source ids, so an older criteria file fails with a way forward', () => {
    const old = Detector.safeParse({
      type: 'evidence-kind',
      kinds: ['hta-report'],
      sourceIdIncludes: ['tlv'],
    });
    expect(old.error?.issues).toEqual([
      expect.objectContaining({
        path: ['sourceIdIncludes'],
        message: expect.stringMatching(
          /^sourceIdIncludes .* was replaced by sourceKinds.*reimbursement-agency/,
        ),
      }),
    ]);
    const current = { type: 'evidence-kind', kinds: ['hta-report'], sourceKinds: ['reimbursement-agency'] };
    expect(Detector.parse(current)).toEqual(current);
  });
});
