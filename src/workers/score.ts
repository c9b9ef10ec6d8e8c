import type { AppContext } from '../app/context.js';
import { describeCandidate } from '../domain/candidate.js';
import { scoreCandidate } from '../domain/score.js';
import type { StageDefinition } from '../queue/pipeline.js';
import { lockKey } from '../store/db.js';
import { loadCandidate } from '../store/candidates.js';
import { canonicalJson, loadEvidence, sha256 } from '../store/items.js';

/**
 * Scores a candidate on all of its current evidence. Reading the evidence under the candidate's
 * lock means the last score written reflects the latest evidence, whatever order jobs ran in.
 */
export function scoreStage(ctx: AppContext): StageDefinition<'score'> {
  return {
    concurrency: 4,
    handle: async (data, job) => {
      await job.commit(async (tx) => {
        await lockKey(tx, `candidate ${data.candidateId}`);
        const row = await loadCandidate(tx, data.candidateId);
        if (!row) return [];
        const evidence = await loadEvidence(tx, data.candidateId);
        const view = describeCandidate(row.id, row.name, evidence);
        const result = scoreCandidate(view, ctx.config.criteria);
        await tx.query(
          `update candidates set name = $2, manufacturer = $3, kind = $4, identifiers = $5, updated_at = now()
           where id = $1 and (name, manufacturer, kind, identifiers) is distinct from ($2, $3, $4, $5::jsonb)`,
          [row.id, view.name, view.manufacturer ?? null, view.kind, JSON.stringify(view.identifiers)],
        );
        const inputHash = sha256(canonicalJson(result));
        const inserted = await tx.query<{ id: string }>(
          `insert into scores (candidate_id, criteria_version, input_hash, total, band, council, nominate, result)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (candidate_id, criteria_version, input_hash) do update set input_hash = excluded.input_hash
           returning id`,
          [
            row.id,
            result.criteriaVersion,
            inputHash,
            result.total,
            result.band,
            result.council,
            result.nominate,
            JSON.stringify(result),
          ],
        );
        await tx.query(
          'update candidates set current_score_id = $2 where id = $1 and current_score_id is distinct from $2',
          [row.id, inserted.rows[0]!.id],
        );
        job.log.info({ candidate_id: row.id, total: result.total, band: result.band }, 'score: done');
        return [];
      });
    },
  };
}
