/**
 * Text hygiene for everything a source says: one sanitiser at one boundary (every adapter's
 * output passes it before validation, `src/sources/read.ts`), so no stored title, summary or key
 * carries characters that corrupt what is built from it later.
 *
 * Removed: NUL and the other C0 controls except tab and line feed (a carriage return becomes a
 * line feed), DEL and the C1 controls, the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069: they reorder what a reader sees, "Trojan Source"), and the byte
 * order mark inside text. An unpaired surrogate (half of a UTF-16 pair, which no encoder can
 * write and PostgreSQL's UTF-8 would refuse) becomes U+FFFD, the replacement character, as a
 * decoder shows bytes it could not read.
 */

const UNSAFE =
  // eslint-disable-next-line no-control-regex -- the control characters are what it finds
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

export function sanitiseText(text: string): string {
  // Nearly all text is clean; one scan answers that without building a new string.
  if (!UNSAFE.test(text)) return text;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(UNSAFE_ALL, (found) =>
      found.charCodeAt(0) >= 0xd800 && found.charCodeAt(0) <= 0xdfff ? '\ufffd' : '',
    );
}

/**
 * Every string in a JSON-like value sanitised (object keys included), the rest as it was. Returns
 * the same object when nothing needed changing, so clean items cost one scan of their strings.
 */
export function sanitiseDeep<T>(value: T): T {
  return clean(value, 0) as T;
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return sanitiseText(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = clean(value[i], depth + 1);
      if (next !== value[i]) (copy ??= value.slice())[i] = next;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const cleanKey = sanitiseText(key);
    const next = clean(record[key], depth + 1);
    if (next !== record[key] || cleanKey !== key) {
      copy ??= { ...record };
      if (cleanKey !== key) delete copy[key];
      copy[cleanKey] = next;
    }
  }
  return copy ?? record;
}
