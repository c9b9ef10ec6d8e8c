// Control characters (CR/LF among them), Unicode line separators, directional marks and
// bidirectional overrides: in scraped text they could add a header line to a mail, reorder what a
// reader sees or move a terminal's cursor.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Scraped text on one line, for terminals, mail headers and feeds: capped, with an ellipsis. */
export function oneLine(value: string | null | undefined, max = 200): string {
  const cleaned = (value ?? '').replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
