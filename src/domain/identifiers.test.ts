import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findEuCtNumber,
  findNctIds,
  isValidGtin,
  normaliseBasicUdiDi,
  normaliseCertificateNumber,
  normaliseEmdnCode,
  normaliseEuCtNumber,
  normaliseNctId,
  normaliseNotifiedBodyNumber,
  normaliseRiskClass,
  normaliseSrn,
  normaliseUdiDi,
  parseGs1Udi,
} from './identifiers.js';

describe('isValidGtin', () => {
  const cases: [name: string, input: string, expected: boolean][] = [
    ['GTIN-14 from EUDAMED', '05021791005734', true],
    ['GTIN-14 with wrong check digit', '05021791005735', false],
    ['GTIN-13 (EAN)', '4006381333931', true],
    ['GTIN-13 wrong check digit', '4006381333932', false],
    ['GTIN-12 (UPC-A)', '036000291452', true],
    ['GTIN-8', '96385074', true],
    ['GTIN-8 wrong check digit', '96385075', false],
    ['GS1 example GTIN-14', '00614141999996', true],
    ['too short', '1234567', false],
    ['11 digits', '12345678901', false],
    ['letters', '0502179100573A', false],
    ['empty', '', false],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(isValidGtin(input)).toBe(expected);
  });
});

describe('normaliseUdiDi', () => {
  const cases: [name: string, input: string, expected: string | undefined][] = [
    ['GTIN-14 unchanged', '05021791005734', '05021791005734'],
    ['(01) application identifier stripped', '(01)05021791005734', '05021791005734'],
    ['(01) with spaces', '(01) 0502 1791 0057 34', '05021791005734'],
    ['bare 01 before 14 digits (scanned)', '0105021791005734', '05021791005734'],
    ['GTIN-13 padded to 14', '4006381333931', '04006381333931'],
    ['GTIN-12 padded to 14', '036000291452', '00036000291452'],
    ['GTIN-8 padded to 14', '96385074', '00000096385074'],
    ['invalid check digit', '05021791005735', undefined],
    ['(01) with invalid check digit', '(01)05021791005735', undefined],
    ['wrong length', '123456789', undefined],
    ['HIBC kept, uppercased', '+h123abc1230', '+H123ABC1230'],
    ['HIBC spaces removed', '+H123 ABC123 0', '+H123ABC1230'],
    ['ISBT 128 kept', '=/A9999XYZ100T0474', '=/A9999XYZ100T0474'],
    ['free text', 'not a udi', undefined],
    ['empty', '   ', undefined],
    ['full GS1 UDI, bracketed', '(01)05021791005734(17)271231(10)ABC-123(21)SN0001', '05021791005734'],
    ['full GS1 UDI, spaced', '(01) 05021791005734 (11) 240101 (17) 290100 (10) L1', '05021791005734'],
    ['full GS1 UDI, scanner form with GS', '010502179100573417271231' + '10ABC\u001d21SN1', '05021791005734'],
    ['scanner symbology prefix', ']d2010502179100573417271231', '05021791005734'],
    ['GTIN-14 that starts with 01 is not an AI', '01234567890128', '01234567890128'],
    ['full GS1 UDI with wrong check digit', '(01)05021791005735(17)271231', undefined],
    ['full GS1 UDI with impossible expiry', '(01)05021791005734(17)271332', undefined],
    ['(01) with too few digits', '(01)0502179100573', undefined],
    ['brackets without AI', '(x)05021791005734', undefined],
    ['unicode digits are not digits', '０５０２１７９１００５７３４', undefined],
    ['15 digits', '005021791005734', undefined],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(normaliseUdiDi(input)).toBe(expected);
  });
});

describe('normaliseBasicUdiDi', () => {
  const cases: [name: string, input: string, expected: string | undefined][] = [
    ['GS1 GMN as given', '5021791FSL3CGMML', '5021791FSL3CGMML'],
    ['lowercase and spaces', ' 5021791 fsl3cgmml ', '5021791FSL3CGMML'],
    ['(8013) stripped', '(8013)5021791FSL3CGMML', '5021791FSL3CGMML'],
    ['HIBC Basic UDI-DI', 'B-H123ABC123XY', 'B-H123ABC123XY'],
    ['invalid characters', '5021791<script>', undefined],
    ['too long', 'A'.repeat(65), undefined],
    ['empty', '', undefined],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(normaliseBasicUdiDi(input)).toBe(expected);
  });
});

describe('parseGs1Udi', () => {
  it('reads DI and PIs from the bracketed form', () => {
    expect(parseGs1Udi('(01)05021791005734(11)240115(17)290100(10)LOT 7(21)S-1(8012)2.1')).toEqual({
      gtin: '05021791005734',
      productionDate: '2024-01-15',
      expiryDate: '2029-01',
      lot: 'LOT7',
      serial: 'S-1',
      softwareVersion: '2.1',
    });
  });

  it('reads the scanner form, variable fields ended by GS or the end', () => {
    expect(parseGs1Udi('0105021791005734' + '10AB12\u001d' + '17270228' + '21X9')).toEqual({
      gtin: '05021791005734',
      lot: 'AB12',
      expiryDate: '2027-02-28',
      serial: 'X9',
    });
  });

  it.each([
    ['no GTIN', '(17)271231(10)ABC'],
    ['short GTIN', '(01)123'],
    ['lot too long', `(01)05021791005734(10)${'A'.repeat(21)}`],
    ['29 February in a common year', '(01)05021791005734(17)270229'],
    ['month 13', '(01)05021791005734(17)271301'],
    ['text between elements', '(01)05021791005734 x (17)271231'],
    ['empty', ''],
  ])('%s → undefined', (_name, input) => {
    expect(parseGs1Udi(input)).toBeUndefined();
  });

  it('skips unknown AIs in the bracketed form', () => {
    expect(parseGs1Udi('(01)05021791005734(7003)2501011200')).toEqual({ gtin: '05021791005734' });
  });
});

describe('normaliseSrn', () => {
  it.each([
    ['SE-MF-000012345', 'SE-MF-000012345'],
    ['se-mf-000012345', 'SE-MF-000012345'],
    [' DE - MF - 000049419 ', 'DE-MF-000049419'],
    ['SE\u2013MF\u2013000012345', 'SE-MF-000012345'],
    ['SE-MF-12345', 'SE-MF-000012345'],
    ['IE-AR-000001234', 'IE-AR-000001234'],
    ['NL-IM-000000001', 'NL-IM-000000001'],
    ['FR-PR-000000002', 'FR-PR-000000002'],
    ['SE-XX-000012345', undefined],
    ['SE-MF-0000123456', undefined],
    ['SWE-MF-000012345', undefined],
    ['SE-MF-', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseSrn(input)).toBe(expected);
  });
});

describe('normaliseNotifiedBodyNumber', () => {
  it.each([
    ['0197', '0197'],
    ['NB 0197', '0197'],
    ['CE 0123', '0123'],
    ['NB0197', '0197'],
    ['Notified body no. 2797', '2797'],
    ['197', '0197'],
    ['12345', undefined],
    ['NB', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseNotifiedBodyNumber(input)).toBe(expected);
  });
});

describe('normaliseCertificateNumber', () => {
  it.each([
    ['Z-25-052-S-IX-E', 'Z-25-052-S-IX-E'],
    ['  mdr 712345 ', 'MDR 712345'],
    ['Certificate No.: G1 123456 0001 Rev. 00', 'G1 123456 0001 REV. 00'],
    ['Certifikat nr 2797-MDR-0123', '2797-MDR-0123'],
    ['2797 \u2013 MDR \u2013 0123', '2797-MDR-0123'],
    ['ＭＤＲ　７１２３４５', 'MDR 712345'],
    ['no digits here', undefined],
    ['<script>1</script>', undefined],
    ['1'.repeat(101), undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseCertificateNumber(input)).toBe(expected);
  });
});

describe('NCT ids', () => {
  it.each([
    ['NCT06171568', 'NCT06171568'],
    ['nct06171568', 'NCT06171568'],
    ['NCT 0617 1568', 'NCT06171568'],
    ['NCT-06171568', 'NCT06171568'],
    ['NCT0617156', undefined],
    ['NCT061715688', undefined],
    ['06171568', undefined],
  ])('normaliseNctId(%s) → %s', (input, expected) => {
    expect(normaliseNctId(input)).toBe(expected);
  });

  it('finds every id in prose once', () => {
    expect(findNctIds('Studierna NCT06171568 och nct06388018 (se även NCT06171568); XNCT01234567.')).toEqual([
      'NCT06171568',
      'NCT06388018',
    ]);
    expect(findNctIds('inga id här')).toEqual([]);
  });
});

describe('EU CT numbers', () => {
  it.each([
    ['2023-501234-12-00', '2023-501234-12-00'],
    ['EU CT number: 2023-501234-12-00', '2023-501234-12-00'],
    ['2023 - 501234 - 12 - 01', '2023-501234-12-01'],
    ['2023\u2011501234\u201112\u201100', '2023-501234-12-00'],
    ['2023-501234-12', '2023-501234-12-00'],
    ['EudraCT 2015-001234-56', '2015-001234-56'],
    ['2015-001234-56-00', undefined],
    ['2023-50123-12-00', undefined],
    ['12023-501234-12-00', undefined],
    ['not a number', undefined],
  ])('normaliseEuCtNumber(%s) → %s', (input, expected) => {
    expect(normaliseEuCtNumber(input)).toBe(expected);
  });

  it('finds the first number in a sponsor id field', () => {
    expect(findEuCtNumber('CTIS: 2024-512345-33-00 (replaces EudraCT 2019-001234-56)')).toBe(
      '2024-512345-33-00',
    );
    expect(findEuCtNumber('Grant 2024-512345-33-00-7')).toBeUndefined();
    expect(findEuCtNumber('R01-HL123456')).toBeUndefined();
  });
});

describe('normaliseEmdnCode', () => {
  it.each([
    ['Q010699', 'Q010699'],
    [' Q010699', 'Q010699'],
    ['\u00a0z12010101', 'Z12010101'],
    ['W 01 01', 'W0101'],
    ['J', 'J'],
    ['Q0106991234567', undefined],
    ['10699', undefined],
    ['Q01-06', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseEmdnCode(input)).toBe(expected);
  });
});

describe('normaliseRiskClass', () => {
  it.each([
    ['refdata.risk-class.class-iib', 'class-iib'],
    ['refdata.risk-class.ivd-annex-ii-list-a', 'ivd-annex-ii-list-a'],
    ['refdata.risk-class.aimdd', 'aimdd'],
    ['class-iia', 'class-iia'],
    ['I', 'class-i'],
    ['IIa', 'class-iia'],
    ['Class IIb', 'class-iib'],
    ['Klass III', 'class-iii'],
    ['Klasse IIb', 'class-iib'],
    ['Class 2a', 'class-iia'],
    ['class 3', 'class-iii'],
    ['Class IIa (rule 11)', 'class-iia'],
    ['MDR class IIb', 'class-iib'],
    ['Is', 'class-i'],
    ['Class Im', 'class-i'],
    ['Ir', 'class-i'],
    ['Class D', 'class-d'],
    ['IVDR class C', 'class-c'],
    ['IVD class B', 'class-b'],
    ['List A', 'ivd-annex-ii-list-a'],
    ['Annex II List B', 'ivd-annex-ii-list-b'],
    ['Devices for self-testing', 'ivd-devices-self-testing'],
    ['General IVD', 'ivd-general'],
    ['AIMD', 'aimdd'],
    ['Active implantable medical device', 'aimdd'],
    ['  ', undefined],
    ['Unknown class', 'unknown-class'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseRiskClass(input)).toBe(expected);
  });
});

describe('identifier normalisers on random input', () => {
  it('are total and idempotent where they accept', () => {
    const input = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.stringMatching(/^[0-9A-Za-z ()\-.:]{1,40}$/),
    );
    const normalisers = [
      normaliseUdiDi,
      normaliseSrn,
      normaliseNotifiedBodyNumber,
      normaliseCertificateNumber,
      normaliseNctId,
      normaliseEuCtNumber,
      normaliseEmdnCode,
      normaliseRiskClass,
    ];
    fc.assert(
      fc.property(input, (s) => {
        for (const normalise of normalisers) {
          const once = normalise(s);
          if (once !== undefined) expect(normalise(once)).toBe(once);
        }
        parseGs1Udi(s);
      }),
      { seed: 4, numRuns: 500 },
    );
  });
});
