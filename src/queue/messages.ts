import { z } from 'zod';
import type { Stage } from './names.js';

const RunId = z.uuid();
const SourceId = z.string().regex(/^[a-z0-9-]+$/);

const FetchRequest = z.object({
  key: z.string().min(1).max(200),
  url: z.url({ protocol: /^https?$/ }),
  accept: z.string().max(200).optional(),
});

/** Stage messages carry ids, never bodies: the data lives in PostgreSQL. */
export const Messages = {
  scan: z.object({ sourceId: SourceId, runKey: z.string().min(1).max(200).optional() }),
  fetch: z.object({
    runId: RunId,
    sourceId: SourceId,
    request: FetchRequest,
    page: z.number().int().min(0),
    /** The host's send slot (epoch ms) this fetch holds, after it was deferred to wait for it. */
    slotAt: z.number().int().positive().optional(),
  }),
  parse: z.object({
    runId: RunId,
    sourceId: SourceId,
    snapshotId: z.number().int().positive(),
    page: z.number().int().min(0),
    /** Re-parsing a stored snapshot: every page is already planned, nothing is fetched. */
    replay: z.boolean().optional(),
  }),
  resolve: z.object({ runId: RunId, itemIds: z.array(z.number().int().positive()).min(1).max(500) }),
  score: z.union([
    z.object({ runId: RunId, candidateIds: z.array(z.uuid()).min(1).max(500) }),
    // A job queued before score jobs carried pages (one candidate each) is still scored after an upgrade.
    z
      .object({ runId: RunId, candidateId: z.uuid() })
      .transform(({ runId, candidateId }) => ({ runId, candidateIds: [candidateId] })),
  ]),
  report: z.discriminatedUnion('type', [
    z.object({ type: z.literal('run'), runId: RunId }),
    z.object({ type: z.literal('candidate'), runId: RunId, candidateId: z.uuid() }),
  ]),
} satisfies Record<Stage, z.ZodType>;

export type JobData = { [S in Stage]: z.infer<(typeof Messages)[S]> };
