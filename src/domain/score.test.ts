// eslint-disable-next-line no-restricted-imports -- the test reads the shipped criteria file; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CandidateView, EvidenceItem } from './candidate.js';
import { describeCandidate } from './candidate.js';
import type { TriageCriteria } from './criteria.js';
import { parseTriageCriteria } from './criteria.js';
import type { ProductFacts } from './item.js';
import type { ScoreResult } from './score.js';
import { rankIn, regionKey, scoreCandidate, totalOf, weightSensitivity } from './score.js';

const criteria = parseTriageCriteria(
  readFileSync(new URL('../../config/triage-criteria.yaml', import.meta.url), 'utf8'),
);

// ---------------------------------------------------------------------------------------------
// A hand-built world resembling the fixture sources (EUDAMED, SBU's regional HTA list, TLV).

let nextId = 100;
function ev(partial: Omit<EvidenceItem, 'itemId' | 'url'> & { url?: string }): EvidenceItem {
  nextId += 1;
  return { itemId: String(nextId), url: `https://example.org/${partial.sourceId}/${nextId}`, ...partial };
}

function eudamed(product: ProductFacts): EvidenceItem {
  return ev({
    sourceId: 'eudamed-devices',
    kind: 'device',
    title: product.tradeName,
    updatedAt: '2026-10-28',
    product: { legislation: 'mdr', marketStatus: 'on-the-market', ...product },
  });
}

function regionalHta(region: string, title: string, summary: string): EvidenceItem {
  return ev({
    sourceId: 'sbu-publications',
    kind: 'hta-report',
    title,
    summary,
    region,
    publicationType: 'Regional HTA',
    publishedAt: '2026-11-04',
  });
}

function tlv(kind: 'hta-report' | 'news', title: string, summary: string): EvidenceItem {
  return ev({ sourceId: 'tlv', kind, title, summary, publishedAt: '2026-11-13' });
}

function candidate(id: string, evidence: EvidenceItem[]): CandidateView {
  return describeCandidate(id, id, evidence);
}

const world = {
  libre3: candidate('FreeStyle Libre 3', [
    eudamed({
      tradeName: 'FreeStyle Libre 3 Sensor',
      manufacturer: 'Abbott Diabetes Care Ltd',
      udiDi: '05021791005734',
      riskClass: 'refdata.risk-class.class-iib',
    }),
    regionalHta(
      'HTA-centrum Västra Götalandsregionen',
      'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
      'Utvärdering av om kontinuerlig glukosmätning med FreeStyle Libre 3 jämfört med kapillär blodsockermätning minskar antalet hypoglykemier hos vuxna med insulinbehandlad typ 2-diabetes.',
    ),
    tlv(
      'hta-report',
      'Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes',
      'TLV har på uppdrag av MTP-rådet bedömt kostnadseffektiviteten för sensorbaserad glukosmätning med FreeStyle Libre 3.',
    ),
  ]),
  libre2: candidate('FreeStyle Libre 2', [
    eudamed({
      tradeName: 'FreeStyle Libre 2 Sensor',
      udiDi: '05021791004805',
      riskClass: 'refdata.risk-class.class-iib',
    }),
  ]),
  dexcomG7: candidate('Dexcom G7', [
    eudamed({
      tradeName: 'Dexcom G7 Continuous Glucose Monitoring System',
      udiDi: '00386270025005',
      riskClass: 'refdata.risk-class.class-iib',
    }),
    regionalHta(
      'HTA Skåne',
      'Realtids-CGM med Dexcom G7 för barn och ungdomar med typ 1-diabetes',
      'Kontinuerlig glukosmätning i realtid med Dexcom G7 jämfört med intermittent skannad glukosmätning.',
    ),
  ]),
  dexcomG6: candidate('Dexcom G6', [
    eudamed({
      tradeName: 'Dexcom G6 Continuous Glucose Monitoring System',
      udiDi: '00386270018700',
      riskClass: 'refdata.risk-class.class-iib',
    }),
  ]),
  minimed780g: candidate('MiniMed 780G', [
    eudamed({
      tradeName: 'MiniMed 780G Insulin Pump System',
      udiDi: '00643169027107',
      riskClass: 'refdata.risk-class.class-iib',
    }),
    tlv(
      'hta-report',
      'Hälsoekonomisk bedömning av MiniMed 780G vid typ 1-diabetes hos barn och vuxna',
      'Bedömningen gäller det automatiserade insulindoseringssystemet MiniMed 780G jämfört med insulinpump och fristående kontinuerlig glukosmätning.',
    ),
  ]),
  optune: candidate('Optune', [
    eudamed({
      tradeName: 'Optune',
      manufacturer: 'Novocure GmbH',
      udiDi: '07640150032112',
      riskClass: 'refdata.risk-class.class-iii',
    }),
    regionalHta(
      'Region Stockholm',
      'Tumörbehandlande elektriska fält (Optune) vid glioblastom',
      'Behandling med tumörbehandlande elektriska fält som tillägg till temozolomid vid nydiagnostiserat glioblastom. Överlevnad, livskvalitet, biverkningar och kostnader har bedömts.',
    ),
  ]),
  eversense: candidate('Eversense E3', [
    eudamed({
      tradeName: 'Eversense E3 Sensor',
      udiDi: '00817344010134',
      riskClass: 'refdata.risk-class.class-iii',
    }),
    tlv(
      'news',
      'TLV inleder hälsoekonomisk bedömning av Eversense E3 för kontinuerlig glukosmätning',
      'På uppdrag av MTP-rådet ska TLV bedöma den implanterbara glukossensorn Eversense E3.',
    ),
  ]),
  gauze: candidate('ES-Kompressen', [
    eudamed({
      tradeName: 'ES-Kompressen steril 10 x 10 cm',
      udiDi: '04052455041806',
      riskClass: 'refdata.risk-class.class-i',
    }),
  ]),
  dressing: candidate('Mepilex Border Flex', [
    eudamed({
      tradeName: 'Mepilex Border Flex',
      udiDi: '07323190294800',
      riskClass: 'refdata.risk-class.class-iib',
    }),
  ]),
  robot: candidate('Robotassisterad kirurgi vid prostatacancer', [
    ev({
      sourceId: 'sbu-publications',
      kind: 'hta-report',
      title: 'Robotassisterad kirurgi vid prostatacancer',
      summary:
        'SBU har utvärderat robotassisterad radikal prostatektomi jämfört med öppen och laparoskopisk kirurgi. Funktionella utfall, komplikationer och kostnader.',
      publicationType: 'SBU Utvärderar',
    }),
  ]),
  digitalCare: candidate('Digitala vårdmöten i primärvården', [
    ev({
      sourceId: 'sbu-publications',
      kind: 'hta-report',
      title: 'Digitala vårdmöten i primärvården',
      summary:
        'En kartläggning av systematiska översikter om digitala vårdmöten via video eller chatt i primärvården.',
      publicationType: 'SBU Kartlägger',
    }),
  ]),
};

function summary(result: ScoreResult): Record<string, unknown> {
  return {
    total: result.total,
    band: result.band,
    council: result.council,
    nominate: result.nominate,
    points: Object.fromEntries(result.criteria.map((c) => [c.criterionId, c.points])),
  };
}

describe('scoreCandidate on the fixture-like world (golden)', () => {
  const golden: [name: keyof typeof world, expected: Record<string, unknown>][] = [
    [
      'libre3',
      {
        total: 73,
        band: 'hög',
        council: 'MTP-rådet',
        nominate: true,
        points: {
          'jamlik-anvandning': 6,
          svarighetsgrad: 5,
          resurspaverkan: 8,
          'etiskt-politiskt': 0,
          'nytta-och-nyhetsvarde': 0,
          'medicinteknisk-fokus': 7,
          'samlat-underlag': 6,
        },
      },
    ],
    [
      'optune',
      {
        total: 77,
        band: 'hög',
        council: 'MTP-rådet',
        nominate: true,
        points: {
          'jamlik-anvandning': 6,
          svarighetsgrad: 8,
          resurspaverkan: 5,
          'etiskt-politiskt': 2,
          'nytta-och-nyhetsvarde': 3,
          'medicinteknisk-fokus': 6,
          'samlat-underlag': 6,
        },
      },
    ],
    [
      'minimed780g',
      {
        total: 66,
        band: 'hög',
        council: 'MTP-rådet',
        nominate: true,
        points: {
          'jamlik-anvandning': 4,
          svarighetsgrad: 5,
          resurspaverkan: 8,
          'etiskt-politiskt': 0,
          'nytta-och-nyhetsvarde': 0,
          'medicinteknisk-fokus': 7,
          'samlat-underlag': 6,
        },
      },
    ],
  ];
  it.each(golden)('%s', (name, expected) => {
    expect(summary(scoreCandidate(world[name], criteria))).toEqual(expected);
  });

  const bands: [name: keyof typeof world, total: number, band: string, council: string][] = [
    ['dexcomG7', 65, 'hög', 'MTP-rådet'],
    ['eversense', 42, 'medel', 'MTP-rådet'],
    ['libre2', 18, 'låg', 'MTP-rådet'],
    ['dexcomG6', 18, 'låg', 'MTP-rådet'],
    ['dressing', 8, 'låg', 'MTP-rådet'],
    ['gauze', 4, 'låg', 'MTP-rådet'],
    ['robot', 36, 'medel', 'MTP-rådet'],
    ['digitalCare', 17, 'låg', 'utanför'],
  ];
  it.each(bands)('%s: %i (%s, %s)', (name, total, band, council) => {
    const result = scoreCandidate(world[name], criteria);
    expect([result.total, result.band, result.council]).toEqual([total, band, council]);
  });

  it('ranks sensibly: the councils’ cases above new generations above plain registrations above consumables', () => {
    const ranked = (Object.keys(world) as (keyof typeof world)[])
      .map((name) => ({ name, total: scoreCandidate(world[name], criteria).total }))
      .sort((a, b) => b.total - a.total)
      .map((r) => r.name);
    expect(ranked.slice(0, 3)).toEqual(expect.arrayContaining(['libre3', 'optune', 'minimed780g']));
    expect(ranked.indexOf('libre3')).toBeLessThan(ranked.indexOf('libre2'));
    expect(ranked.indexOf('dexcomG7')).toBeLessThan(ranked.indexOf('dexcomG6'));
    expect(ranked.slice(-3)).toEqual(expect.arrayContaining(['gauze', 'dressing']));
  });
});

describe('scoreCandidate explains itself', () => {
  const result = scoreCandidate(world.libre3, criteria);

  it('names the region behind the unequal-use signal, in Swedish, with the evidence link', () => {
    const jamlik = result.criteria.find((c) => c.criterionId === 'jamlik-anvandning');
    const regional = jamlik?.signals.find((s) => s.signalId === 'regional-hta-vissa-regioner');
    expect(regional?.explanation).toContain('HTA-centrum Västra Götalandsregionen (1 av 21 regioner)');
    expect(regional?.evidence).toEqual([
      expect.objectContaining({
        sourceId: 'sbu-publications',
        url: expect.stringMatching(/^https:/) as unknown,
      }),
    ]);
    expect(regional?.evidence[0]?.snippet).toContain('FreeStyle Libre 3');
  });

  it('quotes matched words and a snippet for term signals', () => {
    const severity = result.criteria.find((c) => c.criterionId === 'svarighetsgrad');
    expect(severity?.signals.map((s) => s.signalId)).toEqual(['hog-svarighetsgrad']);
    expect(severity?.signals[0]?.explanation).toMatch(/diabetes/);
    expect(severity?.signals[0]?.evidence.every((e) => e.snippet.length > 0)).toBe(true);
  });

  it('records the criteria version and routing reason', () => {
    expect(result.criteriaVersion).toBe('2026.2');
    expect(result.routingReason).toMatch(
      /^Medicinteknisk produkt registrerad i EUDAMED \(MDR \(EU\) 2017\/745, riskklass IIb\)/,
    );
  });

  it('caps a criterion at its maximum', () => {
    const resource = result.criteria.find((c) => c.criterionId === 'resurspaverkan');
    expect(resource?.signals.reduce((acc, s) => acc + s.points, 0)).toBeGreaterThan(resource?.maxPoints ?? 0);
    expect(resource?.points).toBe(resource?.maxPoints);
  });
});

describe('scoreCandidate is deterministic', () => {
  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items];
    return items.flatMap((item, i) =>
      permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
    );
  }

  it.each(Object.keys(world) as (keyof typeof world)[])(
    '%s gives the same result under every evidence order',
    (name) => {
      const view = world[name];
      const expected = scoreCandidate(view, criteria);
      for (const order of permutations(view.evidence)) {
        expect(scoreCandidate({ ...view, evidence: order }, criteria)).toEqual(expected);
        expect(scoreCandidate(describeCandidate(view.id, view.id, order), criteria)).toEqual(expected);
      }
    },
  );

  it('ignores duplicated evidence', () => {
    const view = world.optune;
    expect(scoreCandidate({ ...view, evidence: [...view.evidence, ...view.evidence] }, criteria)).toEqual(
      scoreCandidate(view, criteria),
    );
  });
});

describe('routing', () => {
  const drugItem = ev({ sourceId: 'nt-radet', kind: 'drug', title: 'Nytt läkemedel vid hjärtsvikt' });

  it('sends drugs to NT-rådet', () => {
    const view = candidate('drug', [drugItem]);
    expect(view.kind).toBe('drug');
    const result = scoreCandidate(view, criteria);
    expect(result.council).toBe('NT-rådet');
    expect(result.criteria.map((c) => c.criterionId)).not.toContain('medicinteknisk-fokus');
  });

  it('sends a device whose evidence also has drug items to both councils', () => {
    const result = scoreCandidate(
      { ...world.optune, evidence: [...world.optune.evidence, drugItem] },
      criteria,
    );
    expect(result.council).toBe('båda');
    expect(result.routingReason).toMatch(/både MTP-rådet och NT-rådet/);
  });

  it('puts a product that is said not to be a medical device outside both councils and never nominates it', () => {
    const app = ev({
      sourceId: 'news',
      kind: 'news',
      title: 'Appen HälsoKoll lanseras',
      summary: 'Appen är inte en medicinteknisk produkt utan en livsstilsprodukt för diabetes.',
    });
    const result = scoreCandidate({ ...world.libre3, evidence: [...world.libre3.evidence, app] }, criteria);
    expect(result.council).toBe('utanför');
    expect(result.nominate).toBe(false);
    expect(result.total).toBeGreaterThanOrEqual(60);
    expect(result.routingReason).toMatch(/inte en medicinteknisk produkt/);
  });

  it('puts a product no longer on the market outside', () => {
    const view = candidate('Accu-Chek Insight', [
      eudamed({
        tradeName: 'Accu-Chek Insight',
        marketStatus: 'no-longer-on-the-market',
        riskClass: 'class-iib',
      }),
    ]);
    expect(scoreCandidate(view, criteria).council).toBe('utanför');
  });

  it("routes a product on a council's own list out of scope, naming the council and linking the entry", () => {
    const decision = ev({
      sourceId: 'council-lists',
      kind: 'council-decision',
      title: 'Optune',
      url: 'https://www.janusinfo.se/mtp/produkter/optune',
      publicationType: 'MTP-rådet: produkt i nationellt ordnat införande',
    });
    const before = scoreCandidate(world.optune, criteria);
    expect(before.council).toBe('MTP-rådet');
    const after = scoreCandidate(
      { ...world.optune, evidence: [...world.optune.evidence, decision] },
      criteria,
    );
    expect(after.council).toBe('utanför');
    expect(after.nominate).toBe(false);
    expect(after.routingReason).toMatch(
      /^Redan i nationell samverkan enligt MTP-rådets egen lista: ”Optune”/,
    );
    expect(after.routingReason).toContain('https://www.janusinfo.se/mtp/produkter/optune');
    expect(after.routingEvidence).toEqual([
      expect.objectContaining({
        sourceId: 'council-lists',
        url: 'https://www.janusinfo.se/mtp/produkter/optune',
      }),
    ]);
    // The score itself is not buried: the reason, not the points, keeps it off the queue.
    expect(after.total).toBe(before.total);
  });

  it("names NT-rådet for an entry on NT-rådet's list", () => {
    const drug = candidate('Mounjaro', [
      ev({ sourceId: 'nye-metoder', kind: 'drug', title: 'Mounjaro (tirzepatid) – diabetes type 2' }),
      ev({
        sourceId: 'council-lists',
        kind: 'council-decision',
        title: 'Mounjaro (tirzepatid)',
        url: 'https://samverkanlakemedel.se/produktinfo/mounjaro-tirzepatid',
        publicationType: 'NT-rådets rekommendation',
      }),
    ]);
    const result = scoreCandidate(drug, criteria);
    expect(result.council).toBe('utanför');
    expect(result.routingReason).toMatch(/enligt NT-rådets egen lista: ”Mounjaro \(tirzepatid\)” \(https:/);
  });

  it('only the configured list sources count as already handled', () => {
    const other = ev({
      sourceId: 'mtp-radet-nyheter',
      kind: 'council-decision',
      title: 'Optune vid glioblastom',
    });
    const result = scoreCandidate({ ...world.optune, evidence: [...world.optune.evidence, other] }, criteria);
    expect(result.council).toBe('MTP-rådet');
  });

  it('routes an established product out of scope with the reason', () => {
    const legacy = candidate('Old Pump', [
      eudamed({ tradeName: 'Old Pump', legislation: 'mdd', riskClass: 'class-iib' }),
    ]);
    const result = scoreCandidate(legacy, criteria);
    expect(result.council).toBe('utanför');
    expect(result.nominate).toBe(false);
    expect(result.routingReason).toMatch(
      /^Etablerad produkt: registrerad i EUDAMED enbart enligt äldre direktiv \(MDD 93\/42\/EEG\)/,
    );

    const called = candidate('Kompress', [
      ev({
        sourceId: 'sbu-publications',
        kind: 'hta-report',
        title: 'Sterila kompresser',
        summary: 'Sterila kompresser är en väletablerad produkt i sårvården.',
      }),
    ]);
    const established = scoreCandidate({ ...called, kind: 'device' }, criteria);
    expect(established.council).toBe('utanför');
    expect(established.routingReason).toMatch(
      /^Etablerad produkt: källan ”Sterila kompresser” anger ”väletablerad”/,
    );
  });

  it('routes a drug found in a device list to NT-rådet, never MTP-rådet', () => {
    const notice = ev({
      sourceId: 'lakemedelsverket-fsn',
      kind: 'safety-notice',
      title: 'Säkerhetsmeddelande: Heparin Pharma – fel koncentration på etiketten',
      summary: 'Läkemedlet har fått fel styrka tryckt på ytterförpackningen.',
      product: { tradeName: 'Heparin Pharma', manufacturer: 'Pharma AB' },
    });
    const view = candidate('Heparin Pharma', [notice]);
    expect(view.kind).toBe('device');
    const result = scoreCandidate(view, criteria);
    expect(result.council).toBe('NT-rådet');
    expect(result.routingReason).toMatch(/^Läkemedel i en förteckning över medicintekniska produkter/);
  });

  it('flags devices registered only under the old directives', () => {
    const legacy = candidate('Old', [
      eudamed({ tradeName: 'Old Pump', legislation: 'mdd', riskClass: 'class-iib' }),
    ]);
    const result = scoreCandidate(legacy, criteria);
    const focus = result.criteria.find((c) => c.criterionId === 'medicinteknisk-fokus');
    expect(focus?.signals.map((s) => s.signalId)).toContain('aldre-direktiv');
    expect(result.routingReason).toMatch(/äldre direktiv/);
    expect(result.council).toBe('utanför');
  });

  it('does not call a register record outside the EU a CE marking', () => {
    const fda = ev({
      sourceId: 'openfda-devices',
      kind: 'device',
      title: 'NordHeart Leadless Atrial Pacemaker System (PMA P250012)',
      product: { tradeName: 'NordHeart Leadless Atrial Pacemaker System', manufacturer: 'NordHeart AB' },
    });
    const result = scoreCandidate(candidate('NordHeart', [fda]), criteria);
    expect(result.council).toBe('MTP-rådet');
    expect(result.routingReason).toMatch(
      /registeruppgifter utanför EU \(openfda-devices\); CE-märkning enligt MDR\/IVDR är inte bekräftad/,
    );
    expect(result.routingReason).not.toMatch(/EUDAMED/);
  });

  it('routes a method to MTP-rådet when it builds on a device, and explains why', () => {
    const result = scoreCandidate(world.robot, criteria);
    expect(result.council).toBe('MTP-rådet');
    expect(result.routingReason).toMatch(/Robotassisterad/i);
  });

  it('routes a method without device or drug outside, with a reason', () => {
    const result = scoreCandidate(world.digitalCare, criteria);
    expect(result.council).toBe('utanför');
    expect(result.nominate).toBe(false);
    expect(result.routingReason).toMatch(/ingen identifierad medicinteknisk produkt/);
  });
});

describe('detectors', () => {
  function only(detect: TriageCriteria['criteria'][number]['signals'][number]['detect']): TriageCriteria {
    return {
      ...criteria,
      criteria: [
        {
          id: 'c',
          label: 'C',
          weight: 1,
          maxPoints: 10,
          signals: [
            { id: 's', label: 'S', points: 10, explanation: '{count}|{regions}|{terms}|{titles}', detect },
          ],
        },
      ],
    };
  }
  const hit = (view: CandidateView, detect: Parameters<typeof only>[0]): string | undefined =>
    scoreCandidate(view, only(detect)).criteria[0]?.signals[0]?.explanation;

  it('regional-hta-count counts distinct regions, whatever the unit is called', () => {
    const view = candidate('x', [
      regionalHta('HTA-centrum Västra Götalandsregionen', 'A', ''),
      regionalHta('Västra Götalandsregionen', 'B', ''),
      regionalHta('Region Skåne', 'C', ''),
      { ...regionalHta('Region Stockholm', 'D', ''), kind: 'news' },
    ]);
    expect(hit(view, { type: 'regional-hta-count', min: 2 })).toMatch(/^2\|/);
    expect(hit(view, { type: 'regional-hta-count', min: 3 })).toBeUndefined();
    expect(hit(view, { type: 'regional-hta-count', min: 1, max: 1 })).toBeUndefined();
  });

  it('independent-sources counts source ids', () => {
    expect(hit(world.libre3, { type: 'independent-sources', min: 3 })).toMatch(/^3\|/);
    expect(hit(world.libre2, { type: 'independent-sources', min: 2 })).toBeUndefined();
  });

  it('evidence-kind filters on kind, source and terms', () => {
    expect(
      hit(world.libre3, { type: 'evidence-kind', kinds: ['hta-report'], sourceIdIncludes: ['tlv'] }),
    ).toMatch(/Hälsoekonomisk bedömning av FreeStyle Libre 3/);
    expect(
      hit(world.eversense, { type: 'evidence-kind', kinds: ['hta-report'], sourceIdIncludes: ['tlv'] }),
    ).toBeUndefined();
    expect(
      hit(world.eversense, { type: 'evidence-kind', kinds: ['news'], terms: ['implanterbar*'] }),
    ).toBeDefined();
  });

  it('terms are word-boundary aware and fold diacritics', () => {
    expect(hit(world.optune, { type: 'terms', terms: ['glioblastom'] })).toMatch(/glioblastom/);
    expect(hit(world.optune, { type: 'terms', terms: ['blast'] })).toBeUndefined();
    expect(hit(world.optune, { type: 'terms', terms: ['TUMORBEHANDLANDE'] })).toBeDefined();
  });

  it('risk-class, implantable, legislation, candidate-kind, emdn and market-status read registry facts', () => {
    const view = candidate('x', [
      eudamed({
        tradeName: 'Implant X',
        riskClass: 'refdata.risk-class.class-iii',
        implantable: true,
        emdnCodes: ['J0101'],
      }),
    ]);
    expect(hit(view, { type: 'risk-class', classes: ['class-iii'] })).toBeDefined();
    expect(hit(view, { type: 'risk-class', classes: ['class-iib'] })).toBeUndefined();
    expect(hit(view, { type: 'implantable' })).toBeDefined();
    expect(hit(world.optune, { type: 'implantable' })).toBeUndefined();
    expect(hit(view, { type: 'legislation', values: ['mdr'] })).toBeDefined();
    expect(hit(view, { type: 'candidate-kind', kinds: ['device'] })).toBeDefined();
    expect(hit(view, { type: 'emdn', prefixes: ['J'] })).toBeDefined();
    expect(hit(view, { type: 'emdn', prefixes: ['W'] })).toBeUndefined();
    expect(hit(view, { type: 'market-status', values: ['on-the-market'] })).toBeDefined();
  });
});

describe('regionKey', () => {
  it.each([
    ['HTA-centrum Västra Götalandsregionen', 'vastra-gotaland'],
    ['Västra Götalandsregionen', 'vastra-gotaland'],
    ['VGR', 'vastra-gotaland'],
    ['HTA Skåne', 'skane'],
    ['Region Skåne', 'skane'],
    ['Region Stockholm', 'stockholm'],
    ['CAMTÖ, Region Örebro län', 'orebro'],
    ['Södra sjukvårdsregionen', 'sodra sjukvardsregionen'],
  ])('%s → %s', (input, expected) => {
    expect(regionKey(input)).toBe(expected);
  });
});

describe('weightSensitivity', () => {
  const names = Object.keys(world) as (keyof typeof world)[];
  const scored = names.map((name) => ({
    id: name,
    criteria: scoreCandidate(world[name], criteria).criteria,
  }));

  it('starts from the ranks the stored totals give, ties sharing a rank', () => {
    const totals = new Map(names.map((n) => [n, scoreCandidate(world[n], criteria).total]));
    for (const n of names) {
      expect(totalOf(scored.find((s) => s.id === n)!.criteria)).toBe(totals.get(n));
      expect(weightSensitivity(n, scored, criteria).rank).toBe(rankIn(totals, n));
    }
    // libre2 and dexcomG6 score the same and share a rank.
    expect(rankIn(totals, 'libre2')).toBe(rankIn(totals, 'dexcomG6'));
  });

  it('recomputes every total with one weight ×0.5 and ×1.5 and ranks the candidate again', () => {
    const result = weightSensitivity('optune', scored, criteria);
    expect(result.candidates).toBe(names.length);
    expect(result.criteria.map((c) => c.criterionId)).toEqual(criteria.criteria.map((c) => c.id));
    for (const c of result.criteria) {
      expect(c.changes.map((x) => x.factor)).toEqual([0.5, 1.5]);
      expect(c.changes.map((x) => x.weight)).toEqual([c.weight * 0.5, c.weight * 1.5]);
      for (const change of c.changes) {
        const weights = new Map(criteria.criteria.map((k) => [k.id, k.weight]));
        weights.set(c.criterionId, change.weight);
        const totals = new Map(scored.map((s) => [s.id, totalOf(s.criteria, weights)]));
        expect(change.total).toBe(totals.get('optune'));
        expect(change.rank).toBe(rankIn(totals, 'optune'));
        expect(change.rankChange).toBe(result.rank - change.rank);
      }
    }
  });

  it('moves a candidate whose strength is one criterion when that weight changes', () => {
    // Eversense is carried by the device criterion: halving its weight must not lift it.
    const result = weightSensitivity('eversense', scored, criteria);
    const focus = result.criteria.find((c) => c.criterionId === 'medicinteknisk-fokus')!;
    expect(focus.applies).toBe(true);
    expect(focus.changes[0]!.total).toBeLessThan(result.total);
    expect(focus.changes[1]!.total).toBeGreaterThan(result.total);
    // A criterion that does not apply to a method still moves the devices around it.
    const robot = weightSensitivity('robot', scored, criteria);
    expect(robot.criteria.find((c) => c.criterionId === 'medicinteknisk-fokus')?.applies).toBe(false);
  });
});
