/**
 * Date parsing for the dates sources print. Pure: no clock, no time zone arithmetic.
 *
 * A date (`YYYY-MM-DD`) is returned only when the text states a full day. A month-only date
 * ("June 2025", "juni 2025", CT.gov's `2024-07`) is represented as ISO 8601's reduced-precision
 * `YYYY-MM` and only by {@link parseSourceMonth} / {@link parseSourceDateOrMonth}: it is never
 * turned into the first (or any) day of the month, because a guessed day would later read as a
 * fact. An item's `publishedAt` therefore stays absent for a month-only date; the month is kept
 * where the adapter can state it (its `sourceVersion`, its summary).
 */

/** Swedish month names, lower-case as Swedish writes them; index 0 is januari. */
export const SWEDISH_MONTHS = [
  'januari',
  'februari',
  'mars',
  'april',
  'maj',
  'juni',
  'juli',
  'augusti',
  'september',
  'oktober',
  'november',
  'december',
] as const;

export const ENGLISH_MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;

/** Norwegian (bokmål and nynorsk) month names, lower-case; index 0 is januar. */
export const NORWEGIAN_MONTHS = [
  'januar',
  'februar',
  'mars',
  'april',
  'mai',
  'juni',
  'juli',
  'august',
  'september',
  'oktober',
  'november',
  'desember',
] as const;

/**
 * Full names in Swedish, Norwegian and English plus the abbreviations seen in RFC 822 and
 * Nordic lists. The languages never give one name two different months.
 */
const MONTH_BY_NAME: ReadonlyMap<string, number> = new Map<string, number>([
  ...SWEDISH_MONTHS.map((name, index): [string, number] => [name, index + 1]),
  ...NORWEGIAN_MONTHS.map((name, index): [string, number] => [name, index + 1]),
  ...ENGLISH_MONTHS.map((name, index): [string, number] => [name, index + 1]),
  ...['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
    (name, index): [string, number] => [name, index + 1],
  ),
  ['sept', 9],
  ['okt', 10],
  ['des', 12],
]);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `YYYY-MM-DD` when the numbers are a real day of 1900–2199, else undefined. */
export function toIsoDate(year: number, month: number, day: number): string | undefined {
  // Outside this range a "year" is more likely a number that happens to have four digits.
  if (year < 1900 || year > 2199) return undefined;
  if (month < 1 || month > 12) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

interface Candidate {
  index: number;
  date: string;
}

type Matcher = (text: string) => Candidate[];

/** `2018-05-29`, `2018-05-29 14:13`, `2020-12-01T08:20:01.569`: the date as written. */
const isoDate: Matcher = (text) =>
  [...text.matchAll(/(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g)].flatMap((m) => {
    const date = toIsoDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return date ? [{ index: m.index, date }] : [];
  });

/**
 * `12 mars 2024`, `den 22 maj 2018`, `07 maj 2020`, `28 October 2022`, and RFC 822's
 * `Tue, 10 Jun 2025 08:00:00 +0200` (the date as the sender wrote it, in the sender's zone).
 */
const dayMonthYear: Matcher = (text) =>
  [...text.matchAll(/(?<![\p{L}\d])(\d{1,2})(?:\.|:[ae])?\s+(\p{L}+)\.?,?\s+(\d{4})(?!\d)/gu)].flatMap(
    (m) => {
      const month = MONTH_BY_NAME.get(m[2]!.toLowerCase());
      const date = month === undefined ? undefined : toIsoDate(Number(m[3]), month, Number(m[1]));
      return date ? [{ index: m.index, date }] : [];
    },
  );

/** `October 28, 2022` (the comma keeps `June 2025` from reading as June 20). */
const monthDayYear: Matcher = (text) =>
  [...text.matchAll(/(?<!\p{L})(\p{L}+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,\s*(\d{4})(?!\d)/gu)].flatMap((m) => {
    const month = MONTH_BY_NAME.get(m[1]!.toLowerCase());
    const date = month === undefined ? undefined : toIsoDate(Number(m[3]), month, Number(m[2]));
    return date ? [{ index: m.index, date }] : [];
  });

/** `20240312` (openFDA), only when it is the whole text: inside prose eight digits are anything. */
const compact: Matcher = (text) => {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const date = m ? toIsoDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
  return date ? [{ index: 0, date }] : [];
};

const MATCHERS: readonly Matcher[] = [isoDate, dayMonthYear, monthDayYear, compact];

/**
 * Parses the first full date stated in `text` into `YYYY-MM-DD`. Labels around the date
 * (`Publicerad:`, `Senast uppdaterad`, `den`) are ignored; when the text holds several dates
 * the earliest in reading order wins, which is the one a label in front of it refers to.
 */
export function parseSourceDate(text: string): string | undefined {
  const normalized = text.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (normalized === '') return undefined;
  let best: Candidate | undefined;
  for (const matcher of MATCHERS) {
    for (const candidate of matcher(normalized)) {
      if (!best || candidate.index < best.index) best = candidate;
    }
  }
  return best?.date;
}

/** `June 2025`, `juni 2025`, `April2024` (a page that drops the space), `mai 2026`. */
const MONTH_YEAR = /(?<![\p{L}\d])(\p{L}{3,})\.?\s*(\d{4})(?!\d)/gu;

/**
 * The month a month-only text states, as `YYYY-MM`: "June 2025", "juni 2025", "Publicerad mars
 * 2024", "April2024", or a partial ISO date `2024-07` when that is the whole text (inside prose
 * `2019-11` is as likely a document number, such as MDCG 2019-11). A text that states a full day
 * gives `undefined` here: use {@link parseSourceDate} for it, or {@link parseSourceDateOrMonth}.
 */
export function parseSourceMonth(text: string): string | undefined {
  const normalized = text.normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (normalized === '' || parseSourceDate(normalized) !== undefined) return undefined;
  const partial = /^(\d{4})-(\d{2})$/.exec(normalized);
  if (partial) return toIsoMonth(Number(partial[1]), Number(partial[2]));
  for (const m of normalized.matchAll(MONTH_YEAR)) {
    // A day in front ("31 april 2024") states a day, and an impossible one is no month either.
    if (/\d[.:ae]*\s*$/.test(normalized.slice(0, m.index))) continue;
    const month = MONTH_BY_NAME.get(m[1]!.toLowerCase());
    const iso = month === undefined ? undefined : toIsoMonth(Number(m[2]), month);
    if (iso !== undefined) return iso;
  }
  return undefined;
}

function toIsoMonth(year: number, month: number): string | undefined {
  return toIsoDate(year, month, 1) === undefined ? undefined : `${year}-${String(month).padStart(2, '0')}`;
}

/** A stated date with its precision: a day (`YYYY-MM-DD`) or, when no day is stated, a month. */
export type SourceDate = { precision: 'day'; value: string } | { precision: 'month'; value: string };

/** The full day a text states, else the month it states (see the module comment). */
export function parseSourceDateOrMonth(text: string): SourceDate | undefined {
  const day = parseSourceDate(text);
  if (day !== undefined) return { precision: 'day', value: day };
  const month = parseSourceMonth(text);
  return month === undefined ? undefined : { precision: 'month', value: month };
}

const DAY_MS = 86_400_000;

/**
 * An Excel date serial as `YYYY-MM-DD`. In the 1900 system serial 1 is 1900-01-01 and serial 60
 * is the 29 February 1900 that Excel counts (a bug kept from Lotus 1-2-3) but the calendar never
 * had, so it is no date and later serials are one day ahead of a plain day count; in the 1904
 * system serial 0 is 1904-01-01. Fractions (times of day) are dropped. Pure arithmetic on UTC
 * days, no clock.
 */
export function excelSerialToIsoDate(serial: number, date1904 = false): string | undefined {
  if (!Number.isFinite(serial) || serial < 0) return undefined;
  const days = Math.floor(serial);
  let epoch: number;
  if (date1904) {
    epoch = Date.UTC(1904, 0, 1) + days * DAY_MS;
  } else {
    if (days < 1 || days === 60) return undefined;
    epoch = Date.UTC(1899, 11, 30) + (days < 60 ? days + 1 : days) * DAY_MS;
  }
  const iso = new Date(epoch).toISOString().slice(0, 10);
  const year = Number(iso.slice(0, 4));
  return year >= 1900 && year <= 2199 ? iso : undefined;
}

const STOCKHOLM_DAY = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Stockholm',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Stockholm calendar date of an instant (`2026-03-12`): what "today" means for review dates. */
export function stockholmDay(at: Date): string {
  return STOCKHOLM_DAY.format(at);
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The calendar date an ISO date or date-time names, as `YYYY-MM-DD`: a date as it is (when it is
 * a real day), a date-time as the day it was in Stockholm; undefined for anything else.
 */
export function calendarDay(iso: string): string | undefined {
  const day = ISO_DAY.exec(iso);
  if (day) return toIsoDate(Number(day[1]), Number(day[2]), Number(day[3]));
  if (!ISO_DATE_TIME.test(iso)) return undefined;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? undefined : stockholmDay(at);
}

// The calendar day is fixed before formatting, so these read it in UTC, where it starts.
const SWEDISH_LONG_DAY = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const SWEDISH_LONG_MONTH = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'UTC',
  month: 'long',
  year: 'numeric',
});

/**
 * `2024-03-12` → `12 mars 2024`, the Swedish long form the users read (a date-time: its day in
 * Stockholm); `2025-06` → `juni 2025`. Undefined for what is not an ISO date.
 */
export function formatSwedishDate(iso: string): string | undefined {
  if (swedishDates.has(iso)) return swedishDates.get(iso);
  const formatted = formatWithIntl(iso);
  if (swedishDates.size >= 10_000) swedishDates.clear();
  swedishDates.set(iso, formatted);
  return formatted;
}

/** Formatted days remembered (bounded): lifecycle facts format the same days on every score, and Intl is slow. */
const swedishDates = new Map<string, string | undefined>();

function formatWithIntl(iso: string): string | undefined {
  const month = /^(\d{4})-(\d{2})$/.exec(iso);
  if (month) {
    const first = toIsoDate(Number(month[1]), Number(month[2]), 1);
    return first === undefined ? undefined : SWEDISH_LONG_MONTH.format(new Date(`${first}T00:00:00Z`));
  }
  const day = calendarDay(iso);
  return day === undefined ? undefined : SWEDISH_LONG_DAY.format(new Date(`${day}T00:00:00Z`));
}
