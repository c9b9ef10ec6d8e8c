import { html } from '../text/html.js';
import type { SafeHtml } from '../text/html.js';
import { formatSwedishDate } from '../domain/dates.js';

const TIME_ZONE = 'Europe/Stockholm';

interface Parts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
}

/** Calendar parts in Stockholm time; a bare `YYYY-MM-DD` is a calendar date, not an instant. */
function partsOf(value: Date | string): Parts | undefined {
  if (typeof value === 'string') {
    const bare = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (bare) return { year: Number(bare[1]), month: Number(bare[2]), day: Number(bare[3]) };
  }
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return undefined;
  const fields = Object.fromEntries(
    new Intl.DateTimeFormat('sv-SE', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-03-12` (Stockholm calendar date). */
export function isoDate(value: Date | string | null | undefined): string {
  const p = value ? partsOf(value) : undefined;
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}` : '';
}

/** `12 mars 2026`. */
export function swedishDate(value: Date | string | null | undefined): string {
  const day = isoDate(value);
  return day === '' ? '' : (formatSwedishDate(day) ?? '');
}

/** `12 mars 2026 kl. 09:41`. */
export function swedishDateTime(value: Date | string | null | undefined): string {
  const p = value ? partsOf(value) : undefined;
  if (!p) return '';
  const date = swedishDate(value);
  return p.hour === undefined ? date : `${date} kl. ${pad(p.hour)}:${pad(p.minute ?? 0)}`;
}

/**
 * A `<time>` element: Swedish long form for people, ISO in `datetime` (and as a tooltip) for
 * machines and for readers who prefer it.
 */
export function timeTag(value: Date | string | null | undefined, withTime = false): SafeHtml {
  if (!value) return html`<span class="muted">–</span>`;
  const date = typeof value === 'string' ? value : value.toISOString();
  const label = withTime ? swedishDateTime(value) : swedishDate(value);
  if (!label) return html`${String(value)}`;
  return html`<time datetime="${date}" title="${isoDate(value)}">${label}</time>`;
}

export const BAND_LABELS: Record<string, string> = { hög: 'Hög', medel: 'Medel', låg: 'Låg' };

export {
  DECISION_STATUS_LABELS as STATUS_LABELS,
  ORIGIN_LABELS,
  RUN_SOURCE_STATUS_LABELS,
  SOURCE_HEALTH_LABELS,
} from '../domain/labels.js';

export const ACTION_LABELS: Record<string, string> = {
  nominate: 'Nominerade',
  dismiss: 'Avförde',
  watch: 'Bevakar',
  unwatch: 'Slutade bevaka',
  reopen: 'Återöppnade',
  note: 'Anteckning',
};

export const KIND_LABELS: Record<string, string> = {
  device: 'Medicinteknisk produkt',
  ivd: 'IVD (in vitro-diagnostik)',
  drug: 'Läkemedel',
  method: 'Metod',
};

export const ROLE_LABELS: Record<string, string> = {
  viewer: 'Läsare',
  reviewer: 'Granskare',
  admin: 'Administratör',
};

export function labelOf(labels: Readonly<Record<string, string>>, key: string | null | undefined): string {
  if (key === null || key === undefined) return '–';
  return labels[key] ?? key;
}

/** Swedish thousands separator (narrow no-break space). */
export function swedishNumber(n: number): string {
  return new Intl.NumberFormat('sv-SE').format(n);
}
