import { HorisontError } from '../domain/errors.js';
import { sanitiseDeep } from '../domain/text.js';
import { DEFAULT_DRIFT, driftProblem, recordCensus } from './drift.js';
import type { DriftSettings, RecordCensus } from './drift.js';
import type { FetchedDocument, ParseResult, SourceAdapter, SourceSpec } from './types.js';

export interface ReadResult extends Omit<ParseResult, 'records' | 'recordFields'> {
  /** For adapters that declare `recordFields`: how many records lacked them. */
  census?: RecordCensus;
}

export interface DriftBaseline {
  /** The source's usual share of records lacking declared fields; 0 (none) without history. */
  usualShare?: number | undefined;
  settings?: DriftSettings | undefined;
}

/**
 * Reads one document with its adapter: the one boundary every adapter's output passes, in the
 * pipeline, in `horisont sources check` and in the tests' oracle alike. The items come back
 * sanitised (src/domain/text.ts) and not yet validated; a structured source's page whose records
 * lack the declared fields far more often than usual fails as `schema-drift`.
 */
export function readDocument<Opts>(
  adapter: SourceAdapter<Opts>,
  doc: FetchedDocument,
  spec: SourceSpec<Opts>,
  baseline: DriftBaseline = {},
): ReadResult {
  const { records, recordFields, ...result } = adapter.parse(doc, spec);
  const items = result.items.map((item) => sanitiseDeep(item));
  const fields = recordFields ?? adapter.recordFields;
  if (!fields) return { ...result, items };
  if (records === undefined) {
    throw new HorisontError(
      'internal',
      `parse(${adapter.id}): declares record fields but returned no records`,
    );
  }
  const census = recordCensus(records, fields);
  const problem = driftProblem(census, baseline.usualShare, baseline.settings ?? DEFAULT_DRIFT);
  if (problem) throw new HorisontError('schema-drift', `parse(${adapter.id}): ${problem}`);
  return { ...result, items, census };
}
