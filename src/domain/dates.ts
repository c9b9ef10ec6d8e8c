/**
 * Date parsing for the dates sources print. Pure: no clock, no time zone arithmetic.
 *
 * A date is returned only when the text states a full day; month-year ("June 2025") or a day
 * without a year gives `undefined`, because a guessed day would later read as a fact.
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

const ENGLISH_MONTHS = [
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

/** Full names in both languages plus the abbreviations seen in RFC 822 and Swedish lists. */
const MONTH_BY_NAME: ReadonlyMap<string, number> = new Map<string, number>([
  ...SWEDISH_MONTHS.map((name, index): [string, number] => [name, index + 1]),
  ...ENGLISH_MONTHS.map((name, index): [string, number] => [name, index + 1]),
  ...['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
    (name, index): [string, number] => [name, index + 1],
  ),
  ['sept', 9],
  ['okt', 10],
]);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function toIsoDate(year: number, month: number, day: number): string | undefined {
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

/** `2024-03-12` → `12 mars 2024`, the Swedish long form the users read. */
export function formatSwedishDate(isoDate: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return undefined;
  const date = toIsoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (!date) return undefined;
  return `${Number(m[3])} ${SWEDISH_MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}
