import { describe, expect, it } from 'vitest';
import type { CandidateView, EvidenceItem } from './candidate.js';
import { describeCandidate } from './candidate.js';
import { buildReport } from './report.js';
import { escapeMarkdown } from './report-markdown.js';
import { EarlyAssessmentReport, REPORT_SCHEMA_VERSION, SECTION_HEADINGS } from './report-schema.js';
import { reportDate, safeHttpUrl } from './report-text.js';
import type { ScoreResult } from './score.js';
import type { SourceProfiles } from './source-profile.js';
import {
  storedScore,
  shippedSourceProfiles,
  shippedSourceLabels,
} from '../../test/helpers/shipped-config.js';

const generatedAt = '2026-11-20T01:30:00.000Z';

const scored = (candidate: CandidateView): ScoreResult => storedScore(candidate);

const libre3Evidence: EvidenceItem[] = [
  {
    itemId: '11',
    sourceId: 'eudamed-devices',
    kind: 'device',
    title: 'FreeStyle Libre 3 Sensor',
    url: 'https://ec.europa.eu/tools/eudamed/#/screen/search-device/dcb442cd',
    updatedAt: '2026-10-28',
    product: {
      tradeName: 'FreeStyle Libre 3 Sensor',
      manufacturer: 'Abbott Diabetes Care Ltd',
      manufacturerSrn: 'GB-MF-000002513',
      udiDi: '05021791005734',
      basicUdiDi: '5021791FSL3CGMML',
      riskClass: 'refdata.risk-class.class-iib',
      legislation: 'mdr',
      marketStatus: 'on-the-market',
    },
  },
  {
    itemId: '21',
    sourceId: 'sbu-publications',
    kind: 'hta-report',
    title: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
    url: 'https://www.sbu.se/sv/publikationer/regional-hta/libre-3/',
    publishedAt: '2026-03-12',
    summary:
      'Utvärdering av om kontinuerlig glukosmätning med FreeStyle Libre 3 jämfört med kapillär blodsockermätning minskar antalet hypoglykemier hos vuxna med insulinbehandlad typ 2-diabetes.',
    region: 'HTA-centrum Västra Götalandsregionen',
    publicationType: 'Regional HTA',
  },
  {
    itemId: '31',
    sourceId: 'tlv',
    kind: 'hta-report',
    title: 'Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes',
    url: 'https://www.tlv.se/medicinteknik/libre-3.html',
    publishedAt: '2026-11-13T09:00:00+01:00',
    summary: 'TLV har bedömt kostnadseffektiviteten för FreeStyle Libre 3.',
  },
];

function reportFor(evidence: EvidenceItem[], name = 'FreeStyle Libre 3', version = 1) {
  const candidate = describeCandidate('c-1', name, evidence, shippedSourceProfiles);
  return buildReport({
    candidate,
    score: scored(candidate),
    version,
    generatedAt,
    sourceLabels: shippedSourceLabels,
  });
}

const headings = Object.values(SECTION_HEADINGS);

describe('buildReport', () => {
  const { json, markdown } = reportFor(libre3Evidence);

  it('produces JSON that validates against the versioned schema', () => {
    expect(json.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(json.reportVersion).toBe(1);
    expect(json.generatedAt).toBe(generatedAt);
    expect(EarlyAssessmentReport.safeParse(json).success).toBe(true);
    // and survives a round trip through storage
    expect(EarlyAssessmentReport.parse(JSON.parse(JSON.stringify(json)))).toEqual(json);
  });

  it('has every section of the early assessment report, in order', () => {
    const found = [...markdown.matchAll(/^## \d+\. (.+)$/gm)].map((m) => m[1]);
    expect(found).toEqual(headings);
    expect(markdown).toMatch(/^# Tidig bedömningsrapport: FreeStyle Libre 3 Sensor$/m);
  });

  it('states product, manufacturer and regulatory facts with their source', () => {
    const facts = json.sections.product.facts;
    expect(facts).toContainEqual({
      status: 'known',
      label: 'Tillverkare',
      text: 'Abbott Diabetes Care Ltd',
      sources: ['E2'],
    });
    expect(json.sections.regulatory.facts).toContainEqual({
      status: 'known',
      label: 'Riskklass',
      text: 'Klass IIb',
      sources: ['E2'],
    });
    expect(json.sections.regulatory.facts).toContainEqual(
      expect.objectContaining({ label: 'EUDAMED: UDI-DI', text: '05021791005734' }),
    );
    expect(markdown).toContain(
      '- **Tillverkare:** Abbott Diabetes Care Ltd (källa: [E2](https://ec.europa.eu/tools/eudamed/#/screen/search-device/dcb442cd))',
    );
  });

  it('writes what is missing as a gap, never a guess', () => {
    const gaps = json.sections.regulatory.facts.filter((f) => f.status === 'gap').map((f) => f.label);
    expect(gaps).toEqual(expect.arrayContaining(['Anmält organ', 'Certifikat', 'Implanterbar']));
    expect(markdown).toContain('_Uppgift saknas: anmält organ (inget certifikat för produkten i källorna)_');
    expect(json.sections.intendedUse.facts).toContainEqual(
      expect.objectContaining({ status: 'gap', label: 'Patientgruppens storlek' }),
    );
  });

  it('lists the evidence on a timeline with links and ISO and Swedish dates', () => {
    // Oldest first: the regional HTA (March), the EUDAMED record (October), TLV (November).
    expect(json.sections.evidence.sources.map((s) => [s.ref, s.itemId])).toEqual([
      ['E1', '21'],
      ['E2', '11'],
      ['E3', '31'],
    ]);
    expect(markdown).toContain(
      '- **E1.** [Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes](https://www.sbu.se/sv/publikationer/regional-hta/libre-3/) · HTA-rapport · källa: SBU · Regional HTA · HTA-centrum Västra Götalandsregionen · publicerad 2026-03-12 (12 mars 2026)',
    );
    expect(markdown).toContain('publicerad 2026-11-13 (13 november 2026)');
    expect(markdown).toContain('uppdaterad 2026-10-28 (28 oktober 2026)');
    expect(markdown).toContain('- **Skapad:** 2026-11-20 (20 november 2026)');
  });

  it('shows each criterion with points, signals and evidence links', () => {
    for (const c of json.sections.criteria.criteria) expect(markdown).toContain(`### ${c.label}`);
    expect(markdown).toMatch(/Prioritet 38 av 100 = betydelse 69,03 × tidpunkt 0,55; nivå medel/);
    expect(markdown).toMatch(
      /- \*\*Hög svårighetsgrad\*\* \(\+6\): Allvarligt tillstånd: .*\(källa: \[E\d+\]\(https:\/\//,
    );
    expect(markdown).toMatch(/väger [\d,]+ av 100 bland de kända kriterierna/);
    // the words that triggered a signal are quoted under it, with their source
    expect(markdown).toMatch(
      /^ {2}- ”.*med FreeStyle Libre 3 vid typ 2-diabetes” \(källa: \[E1\]\(https:\/\/www\.sbu\.se/m,
    );
    const severity = json.sections.criteria.criteria.find((c) => c.criterionId === 'svarighetsgrad');
    expect(severity?.signals[0]?.quotes.map((q) => q.source)).toEqual(['E3']);
  });

  it('suggests council and programme area with the reason', () => {
    expect(json.sections.programme.council).toBe('MTP-rådet');
    expect(json.sections.programme.programmeAreas[0]).toEqual({
      name: 'Endokrina sjukdomar',
      sources: ['E1', 'E3'],
      evidence: [
        {
          source: 'E1',
          field: 'title',
          term: 'glukosmätning*',
          text: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
        },
        {
          source: 'E3',
          field: 'title',
          term: 'diabetes*',
          text: 'Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes',
        },
      ],
    });
    expect(markdown).toContain('- **Programområde (förslag):** Endokrina sjukdomar (källa: [E1]');
    // The term is Markdown-escaped (`\*`), so it renders as written in the configuration.
    expect(markdown).toContain(
      '  - ”Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes” (”glukosmätning\\*” i titeln) (källa: [E1]',
    );
    expect(markdown).toContain('- **Råd:** MTP-rådet');
    expect(markdown).toMatch(/- \*\*Motivering:\*\* Medicinteknisk produkt registrerad i EUDAMED/);
  });

  it('writes a gap, not a guess, for a score stored before programme areas were configured', () => {
    const candidate = describeCandidate('c-1', 'FreeStyle Libre 3', libre3Evidence, shippedSourceProfiles);
    const { programmeAreas: _areas, ...withoutAreas } = storedScore(candidate);
    const old = buildReport({
      candidate,
      score: withoutAreas,
      version: 1,
      generatedAt,
      sourceLabels: shippedSourceLabels,
    });
    expect(old.json.sections.programme.programmeAreas).toEqual([]);
    expect(old.markdown).toContain('Uppgift saknas: programområde kunde inte härledas ur källorna');
    expect(EarlyAssessmentReport.safeParse(old.json).success).toBe(true);
  });

  it('asks the open questions the sources leave', () => {
    expect(json.sections.openQuestions.questions).toEqual(
      expect.arrayContaining([
        'Vilket anmält organ har certifierat produkten, och hur länge gäller certifikatet?',
        'Kan de regionala HTA-rapporterna återanvändas av övriga regioner, och planeras fler bedömningar?',
      ]),
    );
    expect(json.sections.openQuestions.questions).not.toContain(
      'Behövs en hälsoekonomisk bedömning från TLV?',
    );
  });

  it("asks for TLV's assessment by what the sources are, not by their ids", () => {
    const question = 'Behövs en hälsoekonomisk bedömning från TLV?';
    const renamed = libre3Evidence.map((e) =>
      e.sourceId === 'tlv' ? { ...e, sourceId: 'halsoekonomi' } : e,
    );
    const asked = (profiles: SourceProfiles) =>
      buildReport({
        candidate: describeCandidate('c-1', 'FreeStyle Libre 3', renamed, profiles),
        score: scored(describeCandidate('c-1', 'FreeStyle Libre 3', renamed, profiles)),
        version: 1,
        generatedAt,
        sourceLabels: shippedSourceLabels,
      }).json.sections.openQuestions.questions.includes(question);
    expect(
      asked({ ...shippedSourceProfiles, halsoekonomi: { kind: 'reimbursement-agency', region: 'SE' } }),
    ).toBe(false);
    expect(asked({ ...shippedSourceProfiles, halsoekonomi: { kind: 'hta-agency', region: 'SE' } })).toBe(
      true,
    );
  });

  it('is deterministic: the same input gives the same report, whatever the evidence order', () => {
    expect(reportFor([...libre3Evidence].reverse())).toEqual(reportFor(libre3Evidence));
  });
});

describe('buildReport with little to go on', () => {
  const { json, markdown } = reportFor(
    [
      {
        itemId: '5',
        sourceId: 'tlv',
        kind: 'news',
        title: 'TLV inleder bedömning av Eversense E3',
        url: 'https://www.tlv.se/nyheter/eversense.html',
      },
    ],
    'Eversense E3',
  );

  it('still validates and writes gaps for everything it cannot source', () => {
    expect(EarlyAssessmentReport.safeParse(json).success).toBe(true);
    const gapLabels = [
      ...json.sections.product.facts,
      ...json.sections.description.facts,
      ...json.sections.regulatory.facts,
      ...json.sections.currentCare.facts,
    ]
      .filter((f) => f.status === 'gap')
      .map((f) => f.label);
    expect(gapLabels).toEqual(
      expect.arrayContaining([
        'Tillverkare',
        'Beskrivning',
        'CE-märkning',
        'EUDAMED-identiteter',
        'Nuvarande vård',
      ]),
    );
    expect(markdown).toContain('_Uppgift saknas: tillverkare (ingen strukturerad uppgift i källorna)_');
    expect(markdown).toContain('_Uppgift saknas: datum_');
    expect(json.sections.openQuestions.questions).toContain(
      'Är produkten CE-märkt som medicinteknisk produkt enligt MDR/IVDR, och i vilken riskklass?',
    );
  });
});

describe('buildReport for a drug', () => {
  const tolvexa: EvidenceItem = {
    itemId: '41',
    sourceId: 'ema-medicines',
    kind: 'drug',
    title: 'Tolvexa (tolebrutinib)',
    url: 'https://www.ema.europa.eu/en/medicines/human/EPAR/tolvexa',
    publishedAt: '2026-10-16',
    drug: {
      inn: 'tolebrutinib',
      brandNames: ['Tolvexa'],
      atc: 'L04AJ',
      indication: 'Treatment of adults with non-relapsing secondary progressive multiple sclerosis',
      scope: 'new-substance',
      orphan: true,
      holder: 'Sanofi Winthrop Industrie',
      emaProductNumber: 'EMEA/H/C/006187',
      event: 'positive-opinion',
      eventOn: '2026-10-16',
      expectedDecisionOn: '2026-12-22',
    },
  };
  const fda: EvidenceItem = {
    itemId: '42',
    sourceId: 'openfda-drugs',
    kind: 'drug',
    title: 'Tolvexa (tolebrutinib)',
    url: 'https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo=219999',
    publishedAt: '2026-09-01',
    drug: { inn: 'Tolebrutinib', brandNames: ['Tolvexa'], event: 'approved-abroad', eventOn: '2026-09-01' },
  };
  const facts = (json: EarlyAssessmentReport) =>
    [
      ...json.sections.product.facts,
      ...json.sections.intendedUse.facts,
      ...json.sections.regulatory.facts,
    ].map((f) => `${f.label}: ${f.text}`);

  it('states substance, ATC, holder, indication, CHMP opinion, expected EU decision and designations', () => {
    const { json } = reportFor([tolvexa, fda], 'Tolvexa');
    expect(EarlyAssessmentReport.safeParse(json).success).toBe(true);
    expect(facts(json)).toEqual(
      expect.arrayContaining([
        'Substans (INN): tolebrutinib',
        'ATC-kod: L04AJ',
        'Innehavare av godkännande, sökande eller sponsor: Sanofi Winthrop Industrie',
        'Indikation: Treatment of adults with non-relapsing secondary progressive multiple sclerosis',
        'EU-status: Positivt CHMP-yttrande 16 oktober 2026; EU-beslut väntas 22 december 2026',
        'Väntat EU-beslut: 22 december 2026',
        'Godkänt utanför EU: Godkänt i USA (FDA) 1 september 2026',
        'Särskild status: särläkemedel (orphan designation)',
        'EMA-produktnummer: EMEA/H/C/006187',
      ]),
    );
    // One substance fact for both spellings, citing both sources.
    expect(json.sections.product.facts.filter((f) => f.label === 'Substans (INN)')).toHaveLength(1);
  });

  it('keeps a drug without an indication and says "indikation saknas"', () => {
    const { json, markdown } = reportFor([fda], 'Tolvexa');
    expect(facts(json)).toContain(
      'Indikation: Uppgift saknas: indikation saknas (ingen källa anger läkemedlets indikation)',
    );
    expect(markdown).toContain('indikation saknas');
  });
});

describe('buildReport escapes scraped text', () => {
  const hostile: EvidenceItem[] = [
    {
      itemId: '1',
      sourceId: 'evil-source',
      kind: 'hta-report',
      title: '<script>alert(1)</script> FreeStyle Libre 3 **fet** [klicka](javascript:alert(1))',
      url: 'javascript:alert(1)',
      summary: 'Se <img src=x onerror=alert(1)> och `kod` | tabell ~~struken~~ \u202eomvänd\u202c\n# rubrik',
      region: '# Region <b>X</b>',
      publicationType: '<a href="https://evil.example">x</a>',
      publishedAt: '2026-03-12',
    },
    {
      itemId: '2',
      sourceId: 'tlv',
      kind: 'news',
      title: 'Länk med parentes',
      url: 'https://example.org/a_(b)?q=<x>&r="y"',
    },
  ];
  const { json, markdown } = reportFor(hostile, '<img src=x onerror=alert(1)>');

  it('keeps raw HTML inert', () => {
    expect(markdown).not.toMatch(/<script|<img|<a |<b>/i);
    expect(markdown).not.toMatch(/<[a-z/!]/i);
    expect(markdown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('links only http(s) URLs, and none from scraped text', () => {
    const targets = [...markdown.matchAll(/(?<!\\)\]\(([^)]*)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(target).toMatch(/^https?:\/\//);
    expect(markdown).toContain('\\[klicka\\](javascript:alert(1))');
    expect(json.sections.evidence.sources[0]?.url).toBeNull();
    expect(markdown).toContain('_länken är inte en http(s)-adress och visas inte_');
  });

  it('encodes link destinations so they cannot break out', () => {
    expect(markdown).toContain('[Länk med parentes](https://example.org/a_%28b%29?q=%3Cx%3E&r=%22y%22)');
  });

  it('escapes Markdown syntax and removes bidi overrides and line breaks', () => {
    expect(markdown).toContain('\\*\\*fet\\*\\*');
    expect(markdown).toContain('\\`kod\\` \\| tabell \\~\\~struken\\~\\~');
    expect(markdown).not.toContain('\u202e');
    expect(markdown).not.toMatch(/^# rubrik/m);
    expect(markdown).not.toMatch(/^# Region/m);
  });

  it('stores the original text in the JSON', () => {
    expect(json.sections.evidence.sources[0]?.title).toBe(
      '<script>alert(1)</script> FreeStyle Libre 3 **fet** [klicka](javascript:alert(1))',
    );
    expect(EarlyAssessmentReport.safeParse(json).success).toBe(true);
  });
});

describe('EarlyAssessmentReport schema', () => {
  const { json } = reportFor(libre3Evidence);

  it('rejects a statement citing a source that is not in the report', () => {
    const broken = structuredClone(json);
    broken.sections.product.facts[0] = { status: 'known', label: 'Produkt', text: 'x', sources: ['E99'] };
    expect(EarlyAssessmentReport.safeParse(broken).success).toBe(false);
  });

  it('rejects a statement without a source and a gap without the gap wording', () => {
    const noSource = structuredClone(json);
    noSource.sections.product.facts[0] = { status: 'known', label: 'Produkt', text: 'x', sources: [] };
    expect(EarlyAssessmentReport.safeParse(noSource).success).toBe(false);
    const badGap = structuredClone(json);
    badGap.sections.product.facts[0] = { status: 'gap', label: 'Produkt', text: 'okänt' };
    expect(EarlyAssessmentReport.safeParse(badGap).success).toBe(false);
  });

  it('rejects another schema version', () => {
    expect(EarlyAssessmentReport.safeParse({ ...json, schemaVersion: 1 }).success).toBe(false);
  });
});

describe('helpers', () => {
  it.each([
    ['2026-03-12', '2026-03-12 (12 mars 2026)'],
    ['2026-01-01', '2026-01-01 (1 januari 2026)'],
    ['2026-12-31T23:30:00Z', '2027-01-01 (1 januari 2027)'],
    ['2026-06-30T22:30:00Z', '2026-07-01 (1 juli 2026)'],
    ['2026-05-07T10:00:00+02:00', '2026-05-07 (7 maj 2026)'],
    ['12 mars 2026', undefined],
  ])('reportDate(%s) in Europe/Stockholm', (input, expected) => {
    expect(reportDate(input)).toBe(expected);
  });

  it.each([
    ['https://www.sbu.se/x', 'https://www.sbu.se/x'],
    ['http://example.org/a b', 'http://example.org/a%20b'],
    ['https://user:pw@example.org/x', 'https://example.org/x'],
    ['javascript:alert(1)', undefined],
    ['data:text/html,<script>', undefined],
    ['ftp://example.org/x', undefined],
    ['not a url', undefined],
  ])('safeHttpUrl(%s)', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
  });

  it.each([
    ['<b>x</b> & y', '&lt;b&gt;x&lt;/b&gt; &amp; y'],
    ['*a* _b_ `c` [d](e) ~f~ |g| \\h', '\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\~f\\~ \\|g\\| \\\\h'],
    ['# rubrik', '\\# rubrik'],
    ['- lista', '\\- lista'],
    ['rad 1\nrad 2', 'rad 1 rad 2'],
    ['a\u202eb', 'a b'],
  ])('escapeMarkdown(%j)', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});
