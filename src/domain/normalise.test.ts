import { describe, expect, it } from 'vitest';
import {
  TermMatcher,
  foldForMatching,
  normaliseManufacturer,
  normaliseProductName,
  normaliseText,
  snippetAround,
  tokeniseForMatching,
} from './normalise.js';

describe('normaliseText', () => {
  const cases: [name: string, input: string, expected: string][] = [
    ['collapses whitespace and trims', '  FreeStyle \n\t Libre   3  ', 'FreeStyle Libre 3'],
    ['strips tags', '<p>Optune <b>vid</b> glioblastom</p>', 'Optune vid glioblastom'],
    ['inline tags join words', 'Free<b>Style</b> Libre', 'FreeStyle Libre'],
    ['block tags separate words', 'Rubrik<br>Text<div>mer</div>', 'Rubrik Text mer'],
    ['drops script and style content', 'a<script>alert(1)</script>b<style>p{}</style>c', 'a b c'],
    ['drops comments', 'a<!-- x -->b', 'a b'],
    ['decodes named entities', 'M&ouml;lnlycke &amp; S&ouml;ner &ndash; ny', 'Mölnlycke & Söner – ny'],
    ['decodes numeric entities', '&#229;&#xE4;&#246;', 'åäö'],
    [
      'decodes Latin-1 entities',
      'Andr&eacute; &Eacute;cole Pe&ntilde;a &frac12; &yuml;',
      'André École Peña 1⁄2 ÿ',
    ],
    ['decodes Norwegian letters', 'S&oslash;r-&Oslash;st &aelig;re', 'Sør-Øst ære'],
    ['decodes symbols', '&le; 5 &micro;g &plusmn; 1 &ndash; &minus;2', '≤ 5 μg ± 1 – −2'],
    // HTML5 names AMP as well as amp; Amp is no entity.
    ['entity names are case-sensitive', '&AMP; &Amp;', '& &Amp;'],
    ['every HTML5 named entity', '&check; &Omega; &hearts;', '✓ Ω ♥'],
    ['invalid code point', '&#0; &#x110000; &#xD800;', '\ufffd \ufffd \ufffd'],
    ['double-escaped stays escaped once', '&amp;lt;b&amp;gt;', '&lt;b&gt;'],
    ['unterminated tag is kept as text', 'a < b and c > d', 'a < b and c > d'],
    ['attribute with > inside a quoted value', '<a title="x">y</a>z', 'yz'],
    ['NFKC on decoded text', '&#xFB01;lter', 'filter'],
    ['keeps escaped markup as text', '&lt;script&gt;', '<script>'],
    ['leaves unknown entities', '&bogus; text', '&bogus; text'],
    ['NFKC folds ligatures and full-width', 'ﬁlter ＡＢＣ', 'filter ABC'],
    ['keeps ™ instead of turning it into TM', 'Libre™ 3', 'Libre™ 3'],
    ['removes zero-width and bidi controls', 'Op\u200btune\u202e', 'Optune'],
    ['turns nbsp into space', 'Dexcom\u00a0G7', 'Dexcom G7'],
    ['removes control characters', 'a\u0000b\u0007c', 'a b c'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });
});

describe('foldForMatching', () => {
  it.each([
    ['Mölnlycke', 'molnlycke'],
    ['Västra Götaland', 'vastra gotaland'],
    ['Sør-Øst', 'sor-ost'],
    ['Ærø', 'aero'],
    ['Crème', 'creme'],
  ])('%s → %s', (input, expected) => {
    expect(foldForMatching(input)).toBe(expected);
  });
});

describe('normaliseProductName', () => {
  const cases: [input: string, expected: string][] = [
    ['FreeStyle Libre 3', 'freestyle libre 3'],
    ['FreeStyle Libre® 3 Sensor', 'freestyle libre 3'],
    ['FreeStyle Libre™ 3 system', 'freestyle libre 3'],
    ['FreeStyle Libre 2 Sensor', 'freestyle libre 2'],
    ['FreeStyle Libre3', 'freestyle libre 3'],
    ['MiniMed™ 780G Insulin Pump System', 'minimed 780g'],
    ['MiniMed 780G', 'minimed 780g'],
    ['Dexcom G7 Continuous Glucose Monitoring System', 'dexcom g7'],
    ['Dexcom G7 CGM System', 'dexcom g7'],
    ['Dexcom G6', 'dexcom g6'],
    ['Eversense® E3 CGM', 'eversense e3'],
    ['Optune System', 'optune'],
    ['Optune', 'optune'],
    ['Accu-Chek® Insight', 'accu chek insight'],
    ['Mepilex Border Flex', 'mepilex border flex'],
    ['Sensor', 'sensor'],
    ['Kit Set', 'kit'],
    ['Produkt (R) (TM)', 'produkt'],
    ['Mölnlycke©', 'molnlycke'],
    ['', ''],
  ];
  it.each(cases)('%s → %s', (input, expected) => {
    expect(normaliseProductName(input)).toBe(expected);
  });

  it.each([
    ['FreeStyle Libre 3', 'FreeStyle Libre 2'],
    ['FreeStyle Libre 2 Plus', 'FreeStyle Libre 2'],
    ['Dexcom G7', 'Dexcom G6'],
    ['Omnipod 5', 'Omnipod DASH'],
    ['Omnipod® 5 Automated Insulin Delivery System', 'Omnipod DASH® Insulin Management System'],
    ['MiniMed 780G', 'MiniMed 670G'],
    ['Eversense E3', 'Eversense 365'],
    ['t:slim X2', 't:slim X3'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(normaliseProductName(a)).not.toBe(normaliseProductName(b));
  });

  it.each([
    ['Omnipod® 5', 'Omnipod 5'],
    ['Omnipod™ DASH', 'Omnipod DASH'],
    ['FreeStyle Libre&reg; 3', 'FreeStyle Libre 3'],
    ['FREESTYLE LIBRE 3 SENSOR', 'FreeStyle Libre 3'],
    ['Dexcom G7©', 'Dexcom G7'],
  ])('reads %s as %s', (a, b) => {
    expect(normaliseProductName(a)).toBe(normaliseProductName(b));
  });

  it('keeps generations distinct', () => {
    expect(normaliseProductName('FreeStyle Libre 3')).not.toBe(normaliseProductName('FreeStyle Libre 2'));
    expect(normaliseProductName('Dexcom G7')).not.toBe(normaliseProductName('Dexcom G6'));
    expect(normaliseProductName('MiniMed 780G')).not.toBe(normaliseProductName('MiniMed 670G'));
  });
});

describe('normaliseManufacturer', () => {
  const cases: [input: string, expected: string][] = [
    ['Mölnlycke Health Care AB', 'molnlycke health care'],
    ['Molnlycke Health Care', 'molnlycke health care'],
    ['Abbott Diabetes Care Ltd', 'abbott diabetes care'],
    ['Abbott Diabetes Care Ltd.', 'abbott diabetes care'],
    ['Dexcom, Inc.', 'dexcom'],
    ['Medtronic MiniMed, Inc.', 'medtronic minimed'],
    ['Novocure GmbH', 'novocure'],
    ['PAUL HARTMANN AG', 'paul hartmann'],
    ['Roche Diabetes Care GmbH', 'roche diabetes care'],
    ['Abbott Diagnostics Technologies AS', 'abbott diagnostics technologies'],
    ['Coloplast A/S', 'coloplast'],
    ['Philips Medical Systems Nederland B.V.', 'philips medical systems nederland'],
    ['Medical Devices S.r.l.', 'medical devices'],
    ['Laboratoires Exemple S.A.', 'laboratoires exemple'],
    ['Laboratoires Exemple S. A.', 'laboratoires exemple'],
    ['Oriola Oy', 'oriola'],
    ['Nordic Nanovector ASA', 'nordic nanovector'],
    ['Acme Corp.', 'acme'],
    ['Acme LLC', 'acme'],
    ['Elekta AB (publ)', 'elekta'],
    ['Smith & Nephew plc', 'smith nephew'],
    ['Wellspect HealthCare AB', 'wellspect healthcare'],
    ['AB', 'ab'],
    ['Acme Medical Limited', 'acme medical'],
    ['Acme Incorporated', 'acme'],
    ['Acme Corporation', 'acme'],
    ['Siemens Healthcare GmbH & Co. KG', 'siemens healthcare'],
    ['Medicon S.p.A.', 'medicon'],
    ['Medicon SpA', 'medicon'],
    ['Exemple SAS', 'exemple'],
    ['Exemple S.A.S.', 'exemple'],
    ['Kangaroo Medical Pty Ltd', 'kangaroo medical'],
    ['Shenzhen Mindray Co., Ltd.', 'shenzhen mindray'],
    ['Smith & Nephew PLC', 'smith nephew'],
    ['Medicalgorithmics Sp. z o.o.', 'medicalgorithmics'],
    ['Linet spol. s r.o.', 'linet'],
    ['Dispositivos S.A. de C.V.', 'dispositivos'],
    ['Tata Medical Pvt. Ltd.', 'tata medical'],
    ['Össur hf.', 'ossur'],
    ['Oticon Medical A/S', 'oticon medical'],
    ['MÖLNLYCKE HEALTH CARE AB', 'molnlycke health care'],
    ['Mo\u0308lnlycke Health Care AB', 'molnlycke health care'],
    ['Ｍölnlycke　Health Care AB', 'molnlycke health care'],
    ['Mölnlycke&nbsp;Health Care <b>AB</b>', 'molnlycke health care'],
    ['Co', 'co'],
    ['AS Company AS', 'as'],
  ];
  it.each(cases)('%s → %s', (input, expected) => {
    expect(normaliseManufacturer(input)).toBe(expected);
  });
});

describe('TermMatcher', () => {
  const cases: [name: string, terms: string[], text: string, expected: string[]][] = [
    ['whole word', ['diabetes'], 'Typ 2-diabetes hos vuxna', ['diabetes']],
    ['not inside a word', ['kol'], 'Kolesterol och kolhydrater', []],
    ['case and diacritics folded', ['ojämlik'], 'OJAMLIK vård', ['OJAMLIK']],
    ['open end for compounds', ['diabetes*'], 'diabetesvård', ['diabetesvård']],
    ['open start for compounds', ['*cancer'], 'vid prostatacancer', ['prostatacancer']],
    ['open both ends', ['*cancer*'], 'bröstcancerscreening', ['bröstcancerscreening']],
    ['sequence across punctuation', ['typ 1 diabetes'], 'vid typ 1-diabetes', ['typ 1-diabetes']],
    ['sequence needs all words', ['kontinuerlig glukosmätning'], 'kontinuerlig mätning', []],
    ['first match per term, in term order', ['sensor*', 'cgm'], 'CGM med sensorn', ['sensorn', 'CGM']],
    [
      'open start in a sequence',
      ['*cancer screening'],
      'vid bröstcancer screening',
      ['bröstcancer screening'],
    ],
    ['earliest of several compound matches', ['*cancer'], 'lungcancer och prostatacancer', ['lungcancer']],
    ['repeated word, later sequence', ['glukos mätning'], 'glukos och glukos mätning', ['glukos mätning']],
  ];
  it.each(cases)('%s', (_name, terms, text, expected) => {
    expect(new TermMatcher(terms).find(text).map((m) => m.text)).toEqual(expected);
  });

  it('matches a text tokenised once as it matches the text', () => {
    const text = 'Kontinuerlig glukosmätning vid typ 1-diabetes hos barn';
    const matcher = new TermMatcher(['diabetes*', 'glukos*', 'barn']);
    expect(matcher.find(tokeniseForMatching(text))).toEqual(matcher.find(text));
    expect(matcher.matches(tokeniseForMatching(text))).toBe(true);
    expect(new TermMatcher(['vuxna']).matches(text)).toBe(false);
  });

  it('reports offsets in the original text', () => {
    const [match] = new TermMatcher(['glioblastom']).find('Optune vid glioblastom.');
    expect(match).toMatchObject({ index: 11, length: 11, text: 'glioblastom' });
  });

  it('finds every match of every term, overlapping ones too, when asked', () => {
    const matcher = new TermMatcher(['*cancer', 'lungcancer', 'cancer hos barn']);
    const text = 'lungcancer, prostatacancer och cancer hos barn';
    expect(matcher.findAll(text).map((m) => [m.term, m.text])).toEqual([
      ['*cancer', 'lungcancer'],
      ['*cancer', 'prostatacancer'],
      ['*cancer', 'cancer'],
      ['lungcancer', 'lungcancer'],
      ['cancer hos barn', 'cancer hos barn'],
    ]);
    expect(matcher.find(text).map((m) => m.text)).toEqual(['lungcancer', 'lungcancer', 'cancer hos barn']);
  });
});

describe('snippetAround', () => {
  it('cuts at word boundaries with ellipses', () => {
    const text = `${'a '.repeat(100)}glioblastom ${'b '.repeat(100)}`.trim();
    const snippet = snippetAround(text, text.indexOf('glioblastom'), 11, 10);
    expect(snippet).toMatch(/^….*glioblastom.*…$/);
    expect(snippet.length).toBeLessThan(40);
  });

  it('keeps short texts whole', () => {
    expect(snippetAround('Optune vid glioblastom', 11, 11)).toBe('Optune vid glioblastom');
  });
});
