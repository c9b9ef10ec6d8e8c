import type { Db, Tx } from './db.js';
import type { Band, ScoreResult } from '../domain/score.js';

export interface ScoreRow {
  id: string;
  total: number;
  band: Band;
  council: string;
  criteriaVersion: string;
  result: ScoreResult;
}

export async function loadScore(db: Db | Tx, scoreId: string): Promise<ScoreRow | undefined> {
  const row = (
    await db.query<{
      id: string;
      total: number;
      band: Band;
      council: string;
      criteria_version: string;
      result: ScoreResult;
    }>('select id, total, band, council, criteria_version, result from scores where id = $1', [scoreId])
  ).rows[0];
  return row
    ? {
        id: row.id,
        total: row.total,
        band: row.band,
        council: row.council,
        criteriaVersion: row.criteria_version,
        result: row.result,
      }
    : undefined;
}
