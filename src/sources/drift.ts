/**
 * Schema drift of structured (JSON, XML) sources. An adapter declares the fields of a wire
 * record its mapping needs (`SourceAdapter.recordFields`) and returns the page's records with its
 * items (`ParseResult.records`). A record "lacks" a field when the field is absent (renamed),
 * null or empty. Registries leave some fields empty on some records, so a page is judged against
 * the source's own usual share of lacking records: a page where that share jumps is drift, and
 * nothing of it is stored (src/workers/parse.ts). A record whose type changed fails the
 * adapter's own record schema and is drift as well (`schema-drift`, thrown by the adapter).
 *
 * Pure: no I/O. The usual share comes from the caller (the source's earlier accepted pages).
 */

export interface RecordCensus {
  /** Records on the page. */
  records: number;
  /** Records lacking at least one declared field. */
  lacking: number;
  /** Per declared field, how many records lack it. */
  byField: Record<string, number>;
}

export interface DriftSettings {
  /**
   * How far (as a share of the page's records) the share of lacking records may rise above the
   * source's usual share before the page counts as drift.
   */
  jump: number;
  /** Fewer lacking records than this never make a page drift (one odd record is not a format change). */
  minRecords: number;
}

export const DEFAULT_DRIFT: DriftSettings = { jump: 0.25, minRecords: 2 };

function valueAt(record: unknown, path: readonly string[]): unknown {
  let current = record;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function isLacking(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** How many of `records` lack each of `fields` (dotted paths into a record). */
export function recordCensus(records: readonly unknown[], fields: readonly string[]): RecordCensus {
  const paths = fields.map((field) => field.split('.'));
  const byField: Record<string, number> = Object.fromEntries(fields.map((field) => [field, 0]));
  let lacking = 0;
  for (const record of records) {
    let lacks = false;
    for (let i = 0; i < paths.length; i++) {
      if (isLacking(valueAt(record, paths[i]!))) {
        byField[fields[i]!]! += 1;
        lacks = true;
      }
    }
    if (lacks) lacking += 1;
  }
  return { records: records.length, lacking, byField };
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/**
 * Why the page is drift, or undefined when it is not: its share of records lacking declared
 * fields is more than `settings.jump` above the source's usual share (0 without history), with
 * at least `settings.minRecords` such records.
 */
export function driftProblem(
  census: RecordCensus,
  usualShare: number | undefined,
  settings: DriftSettings = DEFAULT_DRIFT,
): string | undefined {
  if (census.records === 0 || census.lacking < settings.minRecords) return undefined;
  const share = census.lacking / census.records;
  const usual = usualShare ?? 0;
  if (share <= usual + settings.jump) return undefined;
  const fields = Object.entries(census.byField)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([field, n]) => `${field} (${n})`)
    .join(', ');
  return `${census.lacking} of ${census.records} records lack needed fields: ${fields}; usually ${percent(usual)}`;
}
