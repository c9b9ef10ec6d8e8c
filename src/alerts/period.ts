import { formatSwedishDate } from '../domain/dates.js';

/**
 * Digest periods in the configured time zone: a daily digest covers what arrived before today's
 * digest hour, a weekly one what arrived before Monday's. Pure: the clock is passed in.
 */

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localParts(at: Date, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    weekday: WEEKDAYS[get('weekday')] ?? 1,
  };
}

/** Offset of the zone from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string): number => Number(p.find((x) => x.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the local wall clock shows `hour`:00 on the given local date. */
export function zonedTime(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall - offsetAt(wall, timeZone);
  // Once more, for dates where the offset differs between the guess and the answer (DST days).
  guess = wall - offsetAt(guess, timeZone);
  return new Date(guess);
}

/** ISO 8601 week (`2026-W48`) of a calendar date. */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export interface DigestPeriod {
  /** Rows created before this belong to the period's digest. */
  start: Date;
  /** `daily 2026-11-23` or `weekly 2026-W48`: one digest per subscription and key. */
  key: string;
  /** Swedish, for the subject: "23 november 2026" or "vecka 48". */
  label: string;
}

/** The most recent digest time at or before `now`. */
export function currentPeriod(
  now: Date,
  cadence: 'daily' | 'weekly',
  hour: number,
  timeZone: string,
): DigestPeriod {
  const p = localParts(now, timeZone);
  const back = cadence === 'daily' ? 0 : p.weekday - 1;
  let date = new Date(Date.UTC(p.year, p.month - 1, p.day - back));
  let start = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, timeZone);
  if (start > now) {
    date = new Date(
      Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - (cadence === 'daily' ? 1 : 7)),
    );
    start = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, timeZone);
  }
  const day = date.toISOString().slice(0, 10);
  const week = isoWeek(day);
  return cadence === 'daily'
    ? {
        start,
        key: `daily ${day}`,
        label: formatSwedishDate(day) ?? day,
      }
    : { start, key: `weekly ${week}`, label: `vecka ${Number(week.slice(6))}` };
}
