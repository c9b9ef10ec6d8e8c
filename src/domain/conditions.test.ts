// eslint-disable-next-line no-restricted-imports -- the test reads the shipped file and recordings; the domain code itself does no I/O
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ConditionVocabulary,
  SEVERITY_LABELS,
  SEVERITY_ORDER,
  compileConditions,
  conditionWordsIn,
  recogniseConditions,
  severityRank,
} from './conditions.js';
import { normaliseText, tokeniseForMatching } from './normalise.js';

const shipped = parse(
  readFileSync(new URL('../../config/conditions.yaml', import.meta.url), 'utf8'),
) as unknown;
const vocabulary = ConditionVocabulary.parse(shipped);
const index = compileConditions(vocabulary);

const ids = (text: string): string[] => recogniseConditions(index, text).map((m) => m.id);

/** A minimal valid vocabulary to break one rule at a time. */
function small(): ConditionVocabulary {
  return {
    version: 't',
    chapters: { IV: 'Endokrina sjukdomar', IX: 'Cirkulationsorganens sjukdomar' },
    conditions: [
      {
        id: 'diabetes',
        label: 'Diabetes',
        chapter: 'IV',
        severity: 'mattlig',
        patientsInSweden: 100000,
        terms: { sv: ['diabet*'], en: ['diabetes mellitus'], no: ['sukkersyke'] },
      },
      {
        id: 'type-1-diabetes',
        label: 'Typ 1-diabetes',
        chapter: 'IV',
        severity: 'hog',
        patientsInSweden: 10000,
        broader: 'diabetes',
        terms: { sv: ['typ 1 diabet*'], en: ['type 1 diabet*'], no: ['type 1-diabetes'] },
      },
    ],
  };
}

function problems(file: unknown): string[] {
  const result = ConditionVocabulary.safeParse(file);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('config/conditions.yaml', () => {
  it('is valid and large enough to cover what horizon scanning meets', () => {
    expect(vocabulary.conditions.length).toBeGreaterThanOrEqual(90);
    const severities = new Set(vocabulary.conditions.map((c) => c.severity));
    expect([...severities].sort()).toEqual([...SEVERITY_ORDER].sort());
  });

  it('gives every condition its chapter heading', () => {
    const [sepsis] = recogniseConditions(index, 'sepsis');
    expect(sepsis).toMatchObject({
      id: 'sepsis',
      label: 'Sepsis',
      chapter: { code: 'I', label: 'Vissa infektionssjukdomar och parasitsjukdomar' },
      severity: 'mycket-hog',
      patientsInSweden: 10000,
    });
  });

  const languages: [string, string[], string][] = [
    [
      'Alzheimer',
      ["Alzheimer's disease", 'Alzheimer’s disease', 'Alzheimers sjukdom', 'Alzheimers sykdom'],
      'alzheimers-disease',
    ],
    [
      'ALS',
      ['ALS', 'amyotrofisk lateralskleros', 'amyotrophic lateral sclerosis', 'amyotrofisk lateral sklerose'],
      'als',
    ],
    ['sepsis', ['sepsis', 'blodförgiftning', 'septic shock', 'blodforgiftning'], 'sepsis'],
    ['stroke', ['stroke', 'hjerneslag', 'slaganfall', 'akut ischemisk stroke'], 'stroke'],
    [
      'childhood cancer',
      ['barncancer', 'childhood cancer', 'kreft hos barn', 'cancer hos barn'],
      'childhood-cancer',
    ],
    ['heart failure', ['hjärtsvikt', 'hjertesvikt', 'heart failure'], 'heart-failure'],
    [
      'atrial fibrillation',
      ['förmaksflimmer', 'atrieflimmer', 'forkammerflimmer', 'atrial fibrillation'],
      'atrial-fibrillation',
    ],
    [
      'rectal cancer',
      ['ändtarmscancer', 'endetarmscancer', 'rektalcancer', 'endetarmskreft', 'rectal cancer'],
      'colorectal-cancer',
    ],
  ];
  it.each(languages)('recognises %s in all three languages', (_name, texts, id) => {
    for (const text of texts) expect(ids(text), text).toEqual([id]);
  });

  it('recognises inflected and compound Swedish forms', () => {
    expect(ids('Patienter med hjärtsvikten i fokus')).toEqual(['heart-failure']);
    expect(ids('förmaksflimmer-patienter och förmaksflimmerpatienter')).toEqual(['atrial-fibrillation']);
    expect(ids('hos typ 2-diabetiker')).toEqual(['type-2-diabetes']);
    expect(ids('vid knäartros')).toEqual(['osteoarthritis']);
  });

  it('takes abbreviations only in capitals and only as whole words', () => {
    expect(ids('Synaptra BCI for people with ALS')).toEqual(['als']);
    expect(ids('ALSO available; the device also works')).toEqual([]);
    expect(ids('Die Pumpe ist kleiner als die alte. Hälsa och halsont.')).toEqual([]);
    expect(ids('små barn')).toEqual([]);
    expect(ids('SMA-screening av nyfödda')).toEqual(['spinal-muscular-atrophy', 'newborn-screening']);
    expect(ids('Non-invasiv ventilation vid KOL')).toEqual(['copd']);
    expect(ids('kol och kolhydrater')).toEqual([]);
    expect(ids('LC-MS/MS assay for hearing aids')).toEqual([]);
    expect(ids('Ocrevus vid MS')).toEqual(['multiple-sclerosis']);
  });

  it('lets the longest span win where matches overlap', () => {
    expect(ids('Type 1 diabetes mellitus')).toEqual(['type-1-diabetes']);
    expect(ids('diabetic retinopathy screening')).toEqual(['diabetic-retinopathy']);
    expect(ids('Screening för diabetesretinopati')).toEqual(['diabetic-retinopathy']);
    expect(ids('childhood brain tumours')).toEqual(['childhood-cancer']);
    expect(ids('hjärntumörer hos barn')).toEqual(['childhood-cancer']);
    expect(ids('non-small cell lung cancer')).toEqual(['lung-cancer']);
    expect(ids('godartad prostataförstoring')).toEqual(['benign-prostatic-hyperplasia']);
    expect(ids('pulmonary hypertension')).toEqual(['pulmonary-hypertension']);
    expect(ids('blodpropp i hjärnan')).toEqual(['stroke']);
  });

  it('counts a generic condition only where nothing more specific names it', () => {
    expect(ids('prostatacancer')).toEqual(['prostate-cancer']);
    expect(ids('Tumour profiling assay')).toEqual(['cancer']);
    expect(ids('diabetes')).toEqual(['diabetes']);
    expect(ids('typ 1-diabetes; diabetesvård i regionerna')).toEqual(['type-1-diabetes']);
    expect(ids('Glioblastom – en hjärntumör')).toEqual(['glioblastoma']);
    expect(ids('Advanced Heart Failure ; Heart Failure')).toEqual(['advanced-heart-failure']);
    // A complication is not a kind of diabetes: both count.
    expect(ids('diabetesretinopati hos patienter med diabetes')).toEqual([
      'diabetic-retinopathy',
      'diabetes',
    ]);
    // A generic word in a compound does not hide the specific one that ends the same way.
    expect(ids('levermetastaser från kolorektal cancer')).toEqual(['colorectal-cancer']);
  });

  it('does not read conditions into ordinary words', () => {
    expect(ids('Publicerade rapporter i datumordning')).toEqual([]);
    expect(ids('premature battery depletion; lead fracture')).toEqual([]);
    expect(ids('abrasion-resistant coating')).toEqual([]);
    expect(ids('artroskopi av knäleden')).toEqual([]);
  });

  it('gives each condition once, at its first occurrence, in text order', () => {
    const found = recogniseConditions(index, 'Förmaksflimmer efter stroke; förmaksflimmer igen och stroke');
    expect(found.map((m) => [m.id, m.term, m.index])).toEqual([
      ['atrial-fibrillation', 'Förmaksflimmer', 0],
      ['stroke', 'stroke', 21],
    ]);
  });

  it('reports the words as written and offsets in the normalised text', () => {
    const raw = '<p>Telemonitorering&nbsp;vid  <b>Hjärtsvikten</b></p>';
    const text = normaliseText(raw);
    const [match] = recogniseConditions(index, raw);
    expect(match).toMatchObject({ term: 'Hjärtsvikten', pattern: 'hjärtsvikt*' });
    expect(text.slice(match!.index, match!.index + match!.length)).toBe('Hjärtsvikten');
    expect(recogniseConditions(index, tokeniseForMatching(text))).toEqual(recogniseConditions(index, raw));
  });

  it('lists the folded words of its terms', () => {
    const words = conditionWordsIn(index);
    expect(words.has('hjartsvikt')).toBe(true);
    expect(words.has('typ 1 diabet')).toBe(true);
    expect(words.has('als')).toBe(true);
    expect(words.has('ojamlik')).toBe(false);
  });
});

describe('the triage evaluation recordings', () => {
  // Titles and summaries as recorded in test/fixtures/triage-eval: the conditions the scenario's
  // products are for.
  const recorded: [file: string, text: string, expected: string[]][] = [
    [
      'clinicaltrials/page-2.json',
      'Corvena FIT Fully Implantable Left Ventricular Assist System in Advanced Heart Failure',
      ['advanced-heart-failure'],
    ],
    ['clinicaltrials/page-1.json', 'Synaptra BCI Implant for Communication in People With ALS', ['als']],
    [
      'clinicaltrials/page-2.json',
      'Pulsed Field Ablation With the Ablaris PFA System for Persistent Atrial Fibrillation',
      ['atrial-fibrillation'],
    ],
    [
      'clinicaltrials/page-1.json',
      'Epistra Responsive Neurostimulation in Children With Drug-Resistant Focal Epilepsy',
      ['epilepsy'],
    ],
    [
      'hta-vgr/hta-rapporter.html',
      'AI-baserad tidig varning för sepsis på akutmottagning (Sepsiva ED)',
      ['sepsis'],
    ],
    [
      'nye-metoder/metoder.html',
      'Blodprøve for p-tau217 (Amylytix pTau217) ved utredning av Alzheimers sykdom',
      ['alzheimers-disease'],
    ],
    [
      'tlv/halsoekonomiska-bedomningar.html',
      'Hälsoekonomisk bedömning av Podia 4 vid typ 1-diabetes',
      ['type-1-diabetes'],
    ],
    [
      'clinicaltrials/page-2.json',
      'Titrava App for Basal Insulin Titration in Type 2 Diabetes in Swedish Primary Care',
      ['type-2-diabetes'],
    ],
    [
      'nye-metoder/metoder.html',
      'Ganglituximab (Neurablast) – høyrisiko nevroblastom hos barn',
      ['childhood-cancer'],
    ],
    [
      'nye-metoder/metoder.html',
      'lokalavansert eller metastatisk kreft i bukspyttkjertelen med KRAS G12D-mutasjon',
      ['pancreatic-cancer'],
    ],
    [
      'tlv/nyheter.html',
      'lokalt avancerad eller metastaserad bukspottkörtelcancer med KRAS G12D-mutation',
      ['pancreatic-cancer'],
    ],
    ['hta-stockholm/rapporter.html', 'Histotripsi vid levermetastaser – en metodvärdering', ['cancer']],
    [
      'hta-stockholm/rapporter.html',
      'Cochleaimplantat (Audira CI 700) hos vuxna med grav hörselnedsättning',
      ['deafness'],
    ],
    ['hta-vgr/hta-rapporter.html', 'Tidig mobilisering efter höftfrakturkirurgi', ['hip-fracture']],
    [
      'nye-metoder/metoder.html',
      'Implanterbart hjerne-datamaskin-grensesnitt (Synaptra BCI) ved amyotrofisk lateral sklerose (ALS)',
      ['als'],
    ],
    [
      'council-lists/nt-radets-rekommendationer.html',
      'avvakta med att använda Dystrovia vid Duchennes muskeldystrofi',
      ['duchenne-muscular-dystrophy'],
    ],
    ['eudamed-devices/page-4.json', 'Neonatix SMA Screen', ['spinal-muscular-atrophy']],
  ];
  it.each(recorded)('%s: %s', (file, text, expected) => {
    const recording = readFileSync(
      new URL(`../../test/fixtures/triage-eval/${file}`, import.meta.url),
      'utf8',
    );
    expect(recording.includes(text), `${file} records "${text}"`).toBe(true);
    expect(ids(text)).toEqual(expected);
  });
});

describe('ConditionVocabulary', () => {
  it('accepts a small valid vocabulary', () => {
    expect(problems(small())).toEqual([]);
  });

  it('refuses duplicate ids', () => {
    const file = small();
    file.conditions[1]!.id = 'diabetes';
    delete file.conditions[1]!.broader;
    expect(problems(file)).toContain('conditions.1.id: duplicate id "diabetes"');
  });

  it('refuses a term listed under two conditions, however it is spelt', () => {
    const file = small();
    file.conditions[1]!.terms.no = ['Diabet*'];
    expect(problems(file)).toContain('conditions.1.terms.no.0: "Diabet*" is also a term of "diabetes"');
  });

  it('refuses empty term lists, unknown severities, chapters and broader ids, and non-magnitudes', () => {
    const file = small() as unknown as {
      conditions: {
        terms: { en: string[] };
        severity: string;
        chapter: string;
        broader?: string;
        patientsInSweden: number;
      }[];
    };
    file.conditions[0]!.terms.en = [];
    file.conditions[0]!.severity = 'allvarlig';
    file.conditions[1]!.chapter = 'II';
    file.conditions[1]!.broader = 'diabetes-mellitus';
    file.conditions[1]!.patientsInSweden = 12000;
    const found = problems(file);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^conditions\.0\.terms\.en: /),
        expect.stringMatching(/^conditions\.0\.severity: /),
        expect.stringMatching(/^conditions\.1\.patientsInSweden: an order of magnitude/),
      ]),
    );
  });

  it('refuses a chapter that is not listed and a broader id that does not exist', () => {
    const file = small();
    file.conditions[1]!.chapter = 'II';
    file.conditions[1]!.broader = 'diabetes-mellitus';
    expect(problems(file)).toEqual([
      'conditions.1.chapter: chapter "II" is not under chapters',
      'conditions.1.broader: "diabetes-mellitus" is not another condition\'s id',
    ]);
  });

  it('refuses a cycle of broader conditions', () => {
    const file = small();
    file.conditions[0]!.broader = 'type-1-diabetes';
    expect(problems(file)).toEqual(
      expect.arrayContaining(['conditions.0.broader: the broader conditions of "diabetes" form a cycle']),
    );
  });

  it('refuses a `*` inside a term', () => {
    const file = small();
    file.conditions[0]!.terms.sv = ['diab*tes'];
    expect(problems(file)).toEqual(['conditions.0.terms.sv.0: `*` only at either end of a term']);
  });
});

describe('severity', () => {
  it('ranks the classes and names them in Swedish', () => {
    expect(SEVERITY_ORDER.map(severityRank)).toEqual([0, 1, 2, 3]);
    expect(severityRank('mycket-hog')).toBeGreaterThan(severityRank('hog'));
    expect(SEVERITY_LABELS).toEqual({
      'mycket-hog': 'mycket hög',
      hog: 'hög',
      mattlig: 'måttlig',
      lag: 'låg',
    });
  });
});
