import type { Db, Tx } from './db.js';

/**
 * The input of a nominated candidate's report, hashed: its evidence (each item's source, key and
 * content hash) and the judgement the beredning would read differently (band, stage, the councils'
 * handling), not the criteria version, so raising the version alone never writes a report or
 * nominates again. Computed in one statement, so the run's report step finds the few candidates
 * whose report would change without a job for every nominated candidate, and the report job
 * uses the very same definition.
 */
const REPORT_INPUTS = `
  with nominated as (
    select c.id, s.band, s.result->>'stage' as stage, s.result->>'processStatus' as process_status
    from candidates c join scores s on s.id = c.current_score_id
    where s.nominate and c.merged_into is null and ($1::uuid[] is null or c.id = any($1::uuid[]))),
  hashed as (
    select n.id,
           encode(sha256(convert_to(
             left(encode(sha256(convert_to(coalesce(
               (select string_agg(i.source_id || '/' || i.item_key || '.' || i.content_hash, ','
                                  order by i.source_id, i.item_key)
                from evidence e join source_items i on i.id = e.item_id
                where e.candidate_id = n.id), ''), 'UTF8')), 'hex'), 20)
             || ' ' || n.band || ' ' || n.stage || ' ' || n.process_status, 'UTF8')), 'hex') as input_hash
    from nominated n)
  select h.id, h.input_hash,
         exists (select 1 from reports r
                 where r.candidate_id = h.id and r.input_hash = h.input_hash
                   and r.files_written_at is not null) as reported
  from hashed h order by h.id`;

interface ReportInput {
  id: string;
  input_hash: string | null;
  reported: boolean;
}

/**
 * The nominated candidates whose report would change (no stored report has their input), and
 * those whose report for their input is stored but its files are not known to be written.
 */
export async function candidatesDueForReport(tx: Tx): Promise<string[]> {
  const inputs = await tx.query<ReportInput>(REPORT_INPUTS, [null]);
  return inputs.rows.filter((row) => !row.reported).map((row) => row.id);
}

/** The report input hash of a candidate that is nominated now; undefined when it is not. */
export async function reportInputHash(tx: Tx, candidateId: string): Promise<string | undefined> {
  const input = (await tx.query<ReportInput>(REPORT_INPUTS, [[candidateId]])).rows[0];
  return input?.input_hash ?? undefined;
}

export interface ReportRow {
  id: string;
  candidate_id: string;
  version: number;
  band: string;
  markdown: string;
  json: Record<string, unknown>;
  /** The score the report was written from. */
  score_id: string;
  created_at: Date;
}

export async function latestReport(db: Db | Tx, candidateId: string): Promise<ReportRow | undefined> {
  return (
    await db.query<ReportRow>(
      `select id, candidate_id, version, band, markdown, json, score_id, created_at from reports
       where candidate_id = $1 order by version desc limit 1`,
      [candidateId],
    )
  ).rows[0];
}

export interface ReportContent {
  version: number;
  markdown: string;
  json: unknown;
}

/** The candidate's report version written from these inputs, if there is one. */
export async function reportOfInputs(
  tx: Tx,
  candidateId: string,
  inputHash: string,
): Promise<ReportContent | undefined> {
  return (
    await tx.query<ReportContent>(
      'select version, markdown, json from reports where candidate_id = $1 and input_hash = $2',
      [candidateId, inputHash],
    )
  ).rows[0];
}

/** A report version's files are all on disk. */
export async function markReportFilesWritten(db: Db, candidateId: string, version: number): Promise<void> {
  await db.query(
    `update reports set files_written_at = now()
     where candidate_id = $1 and version = $2 and files_written_at is null`,
    [candidateId, version],
  );
}

export async function nextReportVersion(tx: Tx, candidateId: string): Promise<number> {
  return (
    await tx.query<{ v: number }>(
      'select coalesce(max(version), 0)::int + 1 as v from reports where candidate_id = $1',
      [candidateId],
    )
  ).rows[0]!.v;
}

export interface NewReport extends ReportContent {
  candidateId: string;
  inputHash: string;
  scoreId: string;
  band: string;
  runId: string;
}

/** Stores a report version; returns its id. */
export async function insertReport(tx: Tx, report: NewReport): Promise<string> {
  return (
    await tx.query<{ id: string }>(
      `insert into reports (candidate_id, version, input_hash, score_id, band, markdown, json, run_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
      [
        report.candidateId,
        report.version,
        report.inputHash,
        report.scoreId,
        report.band,
        report.markdown,
        JSON.stringify(report.json),
        report.runId,
      ],
    )
  ).rows[0]!.id;
}
