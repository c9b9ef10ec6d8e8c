import { describe, expect, it } from 'vitest';
import { isValidGtin, normaliseBasicUdiDi, normaliseUdiDi } from './identifiers.js';

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
