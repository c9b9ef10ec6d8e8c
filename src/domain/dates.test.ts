import { describe, expect, it } from 'vitest';
import { SWEDISH_MONTHS, formatSwedishDate, parseSourceDate } from './dates.js';

describe('parseSourceDate', () => {
  const cases: Array<[name: string, input: string, expected: string | undefined]> = [
    ['ISO date', '2024-03-12', '2024-03-12'],
    ['ISO date-time with space (VGR footer)', 'Senast uppdaterad: 2018-05-29 14:13', '2018-05-29'],
    ['EUDAMED zone-less date-time', '2020-12-01T08:20:01.569', '2020-12-01'],
    ['EUDAMED midnight date-time', '2025-09-17T00:00:00', '2025-09-17'],
    ['ISO date-time with offset keeps the written date', '2025-06-10T23:30:00+02:00', '2025-06-10'],
    ['Sitevision label without colon', 'Publicerad 12 mars 2024', '2024-03-12'],
    ['label with colon', 'Publicerad: 16 juni 2021', '2021-06-16'],
    ['den prefix', 'den 22 maj 2018', '2018-05-22'],
    ['zero-padded day', '07 maj 2020', '2020-05-07'],
    ['TLV footer', 'Senast uppdaterad 07 maj 2020', '2020-05-07'],
    ['capitalised Swedish month', 'Publicerad 3 December 2025', '2025-12-03'],
    ['Swedish abbreviation', '5 okt 2023', '2023-10-05'],
    ['English long date', 'Last updated 28 October 2022', '2022-10-28'],
    ['English month-first', 'October 28, 2022', '2022-10-28'],
    ['RFC 822', 'Tue, 10 Jun 2025 08:00:00 +0200', '2025-06-10'],
    ['RFC 822 with GMT', 'Wed, 01 Jan 2025 00:00:00 GMT', '2025-01-01'],
    ['non-breaking spaces', 'Publicerad\u00a012\u00a0mars\u00a02024', '2024-03-12'],
    ['surrounding whitespace and newlines', '\n   Publicerad:\n   12 mars 2024\n ', '2024-03-12'],
    ['earliest of two dates wins', 'Publicerad 1 mars 2024, uppdaterad 2024-04-02', '2024-03-01'],
    ['openFDA compact', '20240312', '2024-03-12'],
    ['leap day', '29 februari 2024', '2024-02-29'],
    ['month-year only', 'June 2025', undefined],
    ['Swedish month-year only', 'mars 2024', undefined],
    ['day and month without year', '12 mars', undefined],
    ['impossible day', '31 april 2024', undefined],
    ['no leap day', '29 februari 2023', undefined],
    ['impossible ISO date', '2024-13-01', undefined],
    ['word that is not a month', '12 veckor 2024', undefined],
    ['year-like number out of range', '12 mars 1066', undefined],
    ['eight digits inside prose', 'Dnr 20240312 gäller', undefined],
    ['empty', '', undefined],
    ['only a label', 'Publicerad:', undefined],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseSourceDate(input)).toBe(expected);
  });
});

describe('SWEDISH_MONTHS', () => {
  it('lists the twelve months in order, lower-case', () => {
    expect(SWEDISH_MONTHS).toHaveLength(12);
    expect(SWEDISH_MONTHS[0]).toBe('januari');
    expect(SWEDISH_MONTHS[4]).toBe('maj');
    expect(SWEDISH_MONTHS[11]).toBe('december');
  });

  it('round-trips through parseSourceDate', () => {
    SWEDISH_MONTHS.forEach((name, index) => {
      expect(parseSourceDate(`1 ${name} 2026`)).toBe(`2026-${String(index + 1).padStart(2, '0')}-01`);
    });
  });
});

describe('formatSwedishDate', () => {
  it('writes the Swedish long form without zero padding', () => {
    expect(formatSwedishDate('2024-03-07')).toBe('7 mars 2024');
    expect(formatSwedishDate('2026-12-12T10:00:00Z')).toBe('12 december 2026');
  });

  it('refuses what is not a date', () => {
    expect(formatSwedishDate('2024-02-30')).toBeUndefined();
    expect(formatSwedishDate('yesterday')).toBeUndefined();
  });
});
