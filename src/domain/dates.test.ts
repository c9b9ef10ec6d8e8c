import { describe, expect, it } from 'vitest';
import {
  calendarDay,
  NORWEGIAN_MONTHS,
  SWEDISH_MONTHS,
  excelSerialToIsoDate,
  formatSwedishDate,
  parseSourceDate,
  parseSourceDateOrMonth,
  parseSourceMonth,
} from './dates.js';

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
    ['Norwegian month', '17. mai 2026', '2026-05-17'],
    ['Norwegian desember', '1. desember 2025', '2025-12-01'],
    ['Norwegian januar with label', 'Publisert 3. januar 2024', '2024-01-03'],
    ['Norwegian abbreviation', '24 des 2024', '2024-12-24'],
    ['nynorsk label', 'Sist endra: 2. februar 2026', '2026-02-02'],
    ['RFC 822 without weekday', '10 Jun 2025 08:00:00 +0200', '2025-06-10'],
    ['RFC 822 single-digit day', 'Mon, 3 Feb 2025 09:30:00 +0100', '2025-02-03'],
    ['ISO week-date-looking text is no date', '2024-W11-2', undefined],
    ['HTML entity is not decoded here', 'Publicerad&nbsp;12 mars 2024', '2024-03-12'],
    ['Excel serial as text is not a date', '45231', undefined],
    ['month name inside a word', 'Marsvin 2024', undefined],
    ['year before month', '2024 mars 12', undefined],
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

describe('calendarDay', () => {
  it('keeps a real ISO date and takes a date-time as its day in Stockholm', () => {
    expect(calendarDay('2026-03-12')).toBe('2026-03-12');
    expect(calendarDay('2026-12-31T23:30:00Z')).toBe('2027-01-01');
    expect(calendarDay('2026-05-07T10:00:00+02:00')).toBe('2026-05-07');
  });

  it('refuses what is not an ISO date', () => {
    expect(calendarDay('2024-02-30')).toBeUndefined();
    expect(calendarDay('12 mars 2026')).toBeUndefined();
    expect(calendarDay('2026-03-12 10:00')).toBeUndefined();
  });
});

describe('formatSwedishDate', () => {
  it('writes the Swedish long form without zero padding', () => {
    expect(formatSwedishDate('2024-03-07')).toBe('7 mars 2024');
    expect(formatSwedishDate('2026-12-12T10:00:00Z')).toBe('12 december 2026');
    expect(formatSwedishDate('2026-12-12T23:30:00Z')).toBe('13 december 2026');
  });

  it('writes a month-only date as month and year', () => {
    expect(formatSwedishDate('2025-06')).toBe('juni 2025');
    expect(formatSwedishDate('2025-13')).toBeUndefined();
  });

  it('refuses what is not a date', () => {
    expect(formatSwedishDate('2024-02-30')).toBeUndefined();
    expect(formatSwedishDate('yesterday')).toBeUndefined();
  });
});

describe('NORWEGIAN_MONTHS', () => {
  it('round-trips through parseSourceDate', () => {
    NORWEGIAN_MONTHS.forEach((name, index) => {
      expect(parseSourceDate(`1. ${name} 2026`)).toBe(`2026-${String(index + 1).padStart(2, '0')}-01`);
    });
  });
});

describe('parseSourceMonth: a month-only date is YYYY-MM, never a day', () => {
  const cases: Array<[name: string, input: string, expected: string | undefined]> = [
    ['English (MDCG)', 'June 2025', '2025-06'],
    ['MDCG page without the space', 'April2024', '2024-04'],
    ['Swedish', 'juni 2025', '2025-06'],
    ['Swedish with label', 'Publicerad: mars 2024', '2024-03'],
    ['Norwegian', 'desember 2025', '2025-12'],
    ['Norwegian mai', 'mai 2026', '2026-05'],
    ['abbreviation with dot', 'Sept. 2023', '2023-09'],
    ['CT.gov partial ISO', '2024-07', '2024-07'],
    ['partial ISO inside prose is a document number', 'MDCG 2019-11 rev.1', undefined],
    ['impossible partial ISO', '2024-13', undefined],
    ['a full day is not a month', '12 mars 2024', undefined],
    ['an impossible day is not a month either', '31 april 2024', undefined],
    ['ISO full date is not a month', '2024-07-15', undefined],
    ['not a month', 'Version 2025', undefined],
    ['year out of range', 'June 1066', undefined],
    ['empty', '', undefined],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseSourceMonth(input)).toBe(expected);
  });

  it('parseSourceDateOrMonth says which precision the text gave', () => {
    expect(parseSourceDateOrMonth('Publicerad: 16 juni 2021')).toEqual({
      precision: 'day',
      value: '2021-06-16',
    });
    expect(parseSourceDateOrMonth('June 2025')).toEqual({ precision: 'month', value: '2025-06' });
    expect(parseSourceDateOrMonth('snart')).toBeUndefined();
  });
});

describe('excelSerialToIsoDate', () => {
  const cases: Array<[name: string, serial: number, date1904: boolean, expected: string | undefined]> = [
    ['serial 1 is 1900-01-01', 1, false, '1900-01-01'],
    ['serial 59 is 1900-02-28', 59, false, '1900-02-28'],
    ['serial 60 is the phantom 1900-02-29', 60, false, undefined],
    ['serial 61 is 1900-03-01', 61, false, '1900-03-01'],
    ['a date in the Nye Metoder workbook', 45231, false, '2023-11-01'],
    ['a time of day is dropped', 46322.75, false, '2026-10-27'],
    ['a leap day that existed', 45351, false, '2024-02-29'],
    ['1904 system serial 0', 0, true, '1904-01-01'],
    ['1904 system is 1462 days behind', 43769, true, '2023-11-01'],
    ['serial 0 in the 1900 system', 0, false, undefined],
    ['negative', -3, false, undefined],
    ['NaN', Number.NaN, false, undefined],
    ['Infinity', Number.POSITIVE_INFINITY, false, undefined],
    ['beyond 2199', 200_000, false, undefined],
  ];
  it.each(cases)('%s', (_name, serial, date1904, expected) => {
    expect(excelSerialToIsoDate(serial, date1904)).toBe(expected);
  });
});
