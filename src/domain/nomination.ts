import { z } from 'zod';
import { COUNCIL_VALUES } from './routing.js';

/**
 * The payload of the public nomination queue, version 1. Consumers validate it with this schema
 * (or the JSON Schema in docs/nomination-queue.md); breaking changes get a new `schemaVersion`.
 */
export const NominationPayloadV1 = z.object({
  schemaVersion: z.literal(1),
  nominationId: z.string().regex(/^\d+$/),
  origin: z.enum(['scan', 'region', 'npo', 'profession']),
  nominatedBy: z.string().nullable(),
  reason: z.string().nullable(),
  nominatedAt: z.string(),
  candidate: z.object({
    id: z.uuid(),
    name: z.string(),
    manufacturer: z.string().nullable(),
    kind: z.enum(['device', 'ivd', 'drug', 'method']),
    identifiers: z.array(z.object({ scheme: z.string(), value: z.string() })),
  }),
  score: z
    .object({
      total: z.number().int().min(0).max(100),
      band: z.enum(['hög', 'medel', 'låg']),
      council: z.enum(COUNCIL_VALUES),
      criteriaVersion: z.string(),
    })
    .nullable(),
  report: z
    .object({
      id: z.string().regex(/^\d+$/),
      version: z.number().int().positive(),
      /** The early assessment report (tidig bedömningsrapport), JSON schema version inside. */
      json: z.record(z.string(), z.unknown()),
      markdown: z.string(),
    })
    .nullable(),
});
export type NominationPayloadV1 = z.infer<typeof NominationPayloadV1>;

export const NominationPayload = z.discriminatedUnion('schemaVersion', [NominationPayloadV1]);
export type NominationPayload = z.infer<typeof NominationPayload>;

export type NominationOrigin = NominationPayloadV1['origin'];

/**
 * What a nomination says, before it has an id. Plain values as the database and the domain hold
 * them: {@link nominationPayload} checks them against the schema.
 */
export interface NominationFacts {
  origin: NominationOrigin;
  nominatedBy: string | null;
  reason: string | null;
  nominatedAt: Date;
  candidate: {
    id: string;
    name: string;
    manufacturer: string | null;
    kind: string;
    identifiers: Array<{ scheme: string; value: string }>;
  };
  score: { total: number; band: string; council: string; criteriaVersion: string } | null;
  report: { id: string; version: number; json: unknown; markdown: string } | null;
}

/**
 * The one place a nomination's payload is made, for the scan's nominations and people's alike;
 * it is validated here, so a row never holds a payload the queue would refuse.
 */
export function nominationPayload(nominationId: string, facts: NominationFacts): NominationPayloadV1 {
  return NominationPayloadV1.parse({
    schemaVersion: 1,
    nominationId,
    origin: facts.origin,
    nominatedBy: facts.nominatedBy,
    reason: facts.reason,
    nominatedAt: facts.nominatedAt.toISOString(),
    candidate: facts.candidate,
    score: facts.score,
    report: facts.report,
  });
}
