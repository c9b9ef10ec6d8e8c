import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from './world.js';
import type { World } from './world.js';
import {
  CandidateNotFoundError,
  NominationRequestReusedError,
  nominateCandidate,
} from '../../src/app/nominate.js';
import { NominationPayload } from '../../src/domain/nomination.js';

// The path `horisont nominate` takes; real PostgreSQL and the real BullMQ nominations queue.
let w: World;

beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

describe('nominateCandidate (CLI and workbench)', () => {
  it("records a region's nomination with the latest report and queues it under a deterministic job id", async () => {
    const result = await nominateCandidate(w.ctx, {
      candidateId: w.seeded.optune.id,
      origin: 'region',
      nominatedBy: 'Region Halland',
      reason: 'Efterfrågas av regionens HTA-enhet.',
    });
    expect(result).toMatchObject({ created: true, enqueued: true });
    const jobId = `nomination-${w.seeded.optune.id}-manual-${result.nominationId}`;
    const job = await w.ctx.pipeline.nominations.getJob(jobId);
    const payload = NominationPayload.parse(job!.data);
    expect(payload).toMatchObject({
      nominationId: result.nominationId,
      origin: 'region',
      nominatedBy: 'Region Halland',
      reason: 'Efterfrågas av regionens HTA-enhet.',
      candidate: { id: w.seeded.optune.id, name: 'Optune', manufacturer: 'Novocure GmbH', kind: 'device' },
      score: { total: 71, band: 'hög', council: 'MTP-rådet', criteriaVersion: '2026.1' },
      report: { version: 1 },
    });
    const [row] = await w.h.query<{ enqueued_at: Date | null; queue_job_id: string }>(
      'select enqueued_at, queue_job_id from nominations where id = $1',
      [result.nominationId],
    );
    expect(row!.queue_job_id).toBe(jobId);
    expect(row!.enqueued_at).not.toBeNull();
  });

  it('an NPO nomination of a candidate without a report carries its score and no report', async () => {
    const result = await nominateCandidate(w.ctx, {
      candidateId: w.seeded.foundation.id,
      origin: 'npo',
      nominatedBy: 'NPO Cancersjukdomar',
    });
    const [row] = await w.h.query<{ payload: unknown; report_id: string | null }>(
      'select payload, report_id from nominations where id = $1',
      [result.nominationId],
    );
    expect(row!.report_id).toBeNull();
    expect(NominationPayload.parse(row!.payload)).toMatchObject({
      origin: 'npo',
      report: null,
      score: { total: 48 },
    });
  });

  it('the same request id twice is one nomination and one job', async () => {
    const clientRequestId = randomUUID();
    const input = {
      candidateId: w.seeded.minimed.id,
      origin: 'region' as const,
      nominatedBy: 'Region Skåne',
      clientRequestId,
    };
    const [a, b] = await Promise.all([nominateCandidate(w.ctx, input), nominateCandidate(w.ctx, input)]);
    expect(a.nominationId).toBe(b.nominationId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const rows = await w.h.query('select id from nominations where candidate_id = $1', [w.seeded.minimed.id]);
    expect(rows).toHaveLength(1);
    await expect(
      nominateCandidate(w.ctx, { ...input, candidateId: w.seeded.drug.id }),
    ).rejects.toBeInstanceOf(NominationRequestReusedError);
  });

  it('a manual nomination of a report that the scan already nominated is allowed', async () => {
    const [report] = await w.h.query<{ id: string }>('select id from reports where candidate_id = $1', [
      w.seeded.libre.id,
    ]);
    await w.h.query(
      `insert into nominations (candidate_id, report_id, origin, queue_job_id, payload) values ($1, $2, 'scan', $3, '{}')`,
      [w.seeded.libre.id, report!.id, `nomination-${w.seeded.libre.id}-v1`],
    );
    const result = await nominateCandidate(w.ctx, {
      candidateId: w.seeded.libre.id,
      origin: 'scan',
      nominatedBy: 'Greta Granskare',
    });
    expect(result.created).toBe(true);
    // The automatic one stays one per report.
    await expect(
      w.h.query(
        `insert into nominations (candidate_id, report_id, origin, queue_job_id, payload) values ($1, $2, 'scan', 'x-dup', '{}')`,
        [w.seeded.libre.id, report!.id],
      ),
    ).rejects.toThrow(/nominations_one_per_report/);
  });

  it('an unknown candidate is refused', async () => {
    await expect(
      nominateCandidate(w.ctx, {
        candidateId: randomUUID(),
        origin: 'region',
        nominatedBy: 'Region Halland',
      }),
    ).rejects.toBeInstanceOf(CandidateNotFoundError);
  });
});
